/**
 * What the benchmark talks to: Org1's peer through @hyperledger/fabric-gateway (as Org1's admin,
 * the identity Org1's REST gateway uses for admin calls, and with the same signer) and Org1's
 * REST gateway.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, hash } from '@hyperledger/fabric-gateway';
import { ApiError, bearer, CLIENTS_FILE, ClientsFile, type OrgClients, RegistryClient, type Role } from '@iotreg/common';
import { newNativeSigner } from '@iotreg/gateway/dist/fabric/signer';

export const REPO = path.resolve(__dirname, '../..');
const runtime = (file: string) => path.join(REPO, 'network/runtime', file);

export const PID_DIR = runtime('pids');

const clientsFile = (): ClientsFile => ClientsFile.parse(JSON.parse(readFileSync(path.join(REPO, CLIENTS_FILE), 'utf8')));

/** The org whose gateway and peer the benchmark measures. */
function org1(): OrgClients {
  const org = clientsFile().orgs.Org1MSP;
  if (!org) throw new Error(`${CLIENTS_FILE} has no Org1MSP`);
  return org;
}

function token(org: OrgClients, role: Role): string {
  const value = org.tokens[role];
  if (value === undefined) throw new Error(`${CLIENTS_FILE} has no ${role} token for ${org.gateway}`);
  return value;
}
export const BASELINE = { chaincode: 'baseline', contract: 'Baseline' };

export interface Direct {
  registry: Contract;
  baseline: Contract;
  close(): void;
}

export function connectDirect(): Direct {
  const config = JSON.parse(readFileSync(runtime('gateway-org1/config.json'), 'utf8'));
  const identity = config.identities.find((i: { role: string }) => i.role === 'admin');
  const client = new grpc.Client(config.peer.endpoint, grpc.credentials.createSsl(readFileSync(config.peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': config.peer.hostAlias,
  });
  const gateway: Gateway = connect({
    client,
    identity: { mspId: config.mspId, credentials: readFileSync(identity.certPath) },
    signer: newNativeSigner(createPrivateKey(readFileSync(identity.keyPath))),
    hash: hash.none,
  });
  const network = gateway.getNetwork(config.channel);
  return {
    registry: network.getContract(config.chaincode),
    baseline: network.getContract(BASELINE.chaincode, BASELINE.contract),
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/**
 * Org1's REST gateway. Writes go as the admin; reads rotate over the org's three tokens, since
 * the gateway limits each token to 500 requests a second.
 */
export function restClients(): { write: RegistryClient; read: RegistryClient } {
  const org = org1();
  const tokens = Object.values(org.tokens);
  let calls = 0;
  const as = (authorization: () => string) => new RegistryClient({ baseUrl: org.gateway, authorization, timeoutMs: ANSWER_TIMEOUT_MS });
  return { write: as(bearer(token(org, 'admin'))), read: as(() => `Bearer ${tokens[calls++ % tokens.length]}`) };
}

/** Longer than any gateway deadline: a bench operation fails by the gateway's answer, not by our patience. */
const ANSWER_TIMEOUT_MS = 180_000;

/**
 * A bench operation: undefined when the call succeeded, else why not (HTTP status and code). A
 * write is sent once (retries: 0 where the caller asks): a resend would hide a failure in the figures.
 */
export async function outcome(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return `HTTP ${err.status} ${err.code}`;
    throw err;
  }
}

/**
 * Devices join only a registered family: registers `family` as Org1's vendor unless it exists,
 * then waits until every org's gateway reads it (registrations are endorsed by every org's peer).
 */
export async function ensureFamily(family: string, vendorKeyPem: string): Promise<void> {
  const orgs = clientsFile().orgs;
  const vendor = new RegistryClient({ baseUrl: org1().gateway, authorization: bearer(token(org1(), 'vendor')) });
  await vendor.call('registerFamily', { family, vendorKeyPem, approvalThreshold: 1 }).catch((err: unknown) => {
    if (!(err instanceof ApiError && err.status === 409)) throw err; // 409: an earlier run registered it
  });
  for (const org of Object.values(orgs)) {
    const auditor = new RegistryClient({ baseUrl: org.gateway, authorization: bearer(token(org, 'auditor')) });
    for (let tries = 0; ; tries++) {
      const read = await auditor.call('getFamily', { family }).catch((err: unknown) => err);
      if (!(read instanceof Error)) break;
      if (tries === 50) throw new Error(`family ${family} not readable at ${org.gateway}: ${read.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
