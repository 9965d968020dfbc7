/**
 * Straight to an org's peer, with one of its CA-enrolled identities, as its gateway's own
 * configuration names them (no gateway app in between): for tests of what the chaincode and the
 * peers do whatever a gateway would.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, Signer, signers } from '@hyperledger/fabric-gateway';
import { RUNTIME } from './network';

interface GatewayConfig {
  mspId: string;
  channel: string;
  chaincode: string;
  peer: { endpoint: string; hostAlias: string; tlsRootCertPath: string };
  identities: Array<{ role: string; certPath: string; keyPath: string }>;
}

const open: Array<{ gateway: Gateway; client: grpc.Client }> = [];

/** A Fabric gateway connection to `org`'s peer as its `role` identity; closed by closePeerConnections. */
export function connectAs(org: 'org1' | 'org2', role: string): { gateway: Gateway; contract: Contract; signer: Signer } {
  const config = JSON.parse(readFileSync(path.join(RUNTIME, `gateway-${org}/config.json`), 'utf8')) as GatewayConfig;
  const identity = config.identities.find((i) => i.role === role)!;
  const client = new grpc.Client(config.peer.endpoint, grpc.credentials.createSsl(readFileSync(config.peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': config.peer.hostAlias,
  });
  const signer = signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.keyPath)));
  const gateway = connect({ client, identity: { mspId: config.mspId, credentials: readFileSync(identity.certPath) }, signer });
  open.push({ gateway, client });
  return { gateway, contract: gateway.getNetwork(config.channel).getContract(config.chaincode), signer };
}

export function closePeerConnections(): void {
  for (const { gateway, client } of open.splice(0)) {
    gateway.close();
    client.close();
  }
}
