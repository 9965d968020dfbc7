/**
 * Connection to the organisation's peer: ONE grpc-js client with TLS, reused by one
 * fabric-gateway Gateway per configured identity. Per-call deadlines are set here, once.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, hash, Network, Status } from '@hyperledger/fabric-gateway';
import { gateway as gatewayProtos } from '@hyperledger/fabric-protos';
import type { GatewayConfig } from '../config';
import { newNativeSigner } from './signer';
import { serializeIdentity } from '../registry/ledger-decode';

export const DEADLINES_MS = {
  evaluate: 5_000,
  endorse: 15_000,
  /** Added to `endorse` per registration of a batch: 500 took ~10 s to endorse on a quiet 2-core host. */
  endorsePerDevice: 60,
  submit: 5_000,
  commitStatus: 60_000,
} as const;

const QSCC = 'qscc';

/** What the registry adapter needs from Fabric, per identity. Tests substitute their own. */
export interface LedgerPort {
  readonly channel: string;
  /** The gateway's org: the one org that endorses and answers private data operations. */
  readonly mspId: string;
  /** The registry chaincode, as `identity`. */
  contract(identity: string): Contract;
  /** The query system chaincode (qscc), as `identity`. */
  qscc(identity: string): Contract;
  network(identity: string): Network;
  /**
   * Commit status of any transaction by its ID, asked as `identity`: answers at once for a
   * committed transaction, otherwise waits for its commit until the call's deadline.
   */
  commitStatus(identity: string, txId: string, options?: grpc.CallOptions): Promise<Status>;
  /** Sends an endorsed transaction (`Transaction.getBytes()`) to the orderers again, as `identity`. */
  resubmit(identity: string, transaction: Uint8Array): Promise<void>;
  close(): void;
}

function deadline(ms: number): () => grpc.CallOptions {
  return () => ({ deadline: Date.now() + ms });
}

/** The endorsement deadline of a transaction that registers a batch of `devices` (0 for any other). */
export function endorseOptions(devices: number): grpc.CallOptions {
  return { deadline: Date.now() + DEADLINES_MS.endorse + devices * DEADLINES_MS.endorsePerDevice };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

export function connectFabric(config: GatewayConfig): LedgerPort {
  const tlsRootCert = readPem(config.peer.tlsRootCertPath, 'peer TLS root certificate');
  const client = new grpc.Client(config.peer.endpoint, grpc.credentials.createSsl(tlsRootCert), {
    'grpc.ssl_target_name_override': config.peer.hostAlias,
    'grpc.keepalive_time_ms': 120_000,
  });

  const gateways = new Map<string, { gateway: Gateway; creator: Uint8Array }>();
  try {
    for (const identity of config.identities) {
      const credentials = readPem(identity.certPath, `certificate of ${identity.name}`);
      const privateKey = createPrivateKey(readPem(identity.keyPath, `private key of ${identity.name}`));
      const gateway = connect({
        client,
        identity: { mspId: config.mspId, credentials },
        signer: newNativeSigner(privateKey),
        hash: hash.none, // the signer hashes
        evaluateOptions: deadline(DEADLINES_MS.evaluate),
        endorseOptions: deadline(DEADLINES_MS.endorse),
        submitOptions: deadline(DEADLINES_MS.submit),
        commitStatusOptions: deadline(DEADLINES_MS.commitStatus),
      });
      gateways.set(identity.name, { gateway, creator: serializeIdentity(config.mspId, credentials) });
    }
  } catch (err) {
    for (const { gateway } of gateways.values()) gateway.close();
    client.close();
    throw err;
  }

  const entry = (identity: string) => {
    const found = gateways.get(identity);
    if (!found) throw new Error(`no Fabric identity named ${identity}`);
    return found;
  };
  const network = (identity: string) => entry(identity).gateway.getNetwork(config.channel);

  return {
    channel: config.channel,
    mspId: config.mspId,
    contract: (identity) => network(identity).getContract(config.chaincode),
    qscc: (identity) => network(identity).getContract(QSCC),
    network,
    commitStatus: (identity, txId, options) => {
      const { gateway, creator } = entry(identity);
      const request = new gatewayProtos.CommitStatusRequest();
      request.setChannelId(config.channel);
      request.setTransactionId(txId);
      request.setIdentity(creator);
      const signed = new gatewayProtos.SignedCommitStatusRequest();
      signed.setRequest(request.serializeBinary());
      return gateway.newCommit(signed.serializeBinary()).getStatus(options);
    },
    resubmit: async (identity, transaction) => {
      await entry(identity).gateway.newTransaction(transaction).submit();
    },
    close: () => {
      for (const { gateway } of gateways.values()) gateway.close();
      client.close();
    },
  };
}
