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
import { newNativeSigner } from '@iotreg/gateway/dist/fabric/signer';

export const REPO = path.resolve(__dirname, '../..'); // bench/dist/*.js
const runtime = (file: string) => path.join(REPO, 'network/runtime', file);

export const PID_DIR = runtime('pids');
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

export type Rest = (method: string, url: string, body?: unknown) => Promise<Response>;

/**
 * Org1's REST gateway. Writes go as the admin; reads rotate over the org's three tokens, since
 * the gateway limits each token to 500 requests a second.
 */
export function restClients(): { write: Rest; read: Rest } {
  const org = JSON.parse(readFileSync(runtime('clients.json'), 'utf8')).orgs.Org1MSP;
  const tokens = Object.values(org.tokens) as string[];
  let calls = 0;
  const as =
    (token: () => string): Rest =>
    (method, url, body) =>
      fetch(org.gateway + url, {
        method,
        headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
  return { write: as(() => org.tokens.admin), read: as(() => tokens[calls++ % tokens.length] as string) };
}

/** undefined when the answer has the expected status, else why not. */
export async function expectStatus(answer: Promise<Response>, status: number): Promise<string | undefined> {
  const res = await answer;
  if (res.status === status) {
    await res.arrayBuffer();
    return undefined;
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
  return `HTTP ${res.status} ${body?.error?.code ?? ''}`.trim();
}

/**
 * Devices join only a registered family: registers `family` as Org1's vendor unless it exists,
 * then waits until every org's gateway reads it (registrations are endorsed by every org's peer).
 */
export async function ensureFamily(family: string, vendorKeyPem: string): Promise<void> {
  const orgs = JSON.parse(readFileSync(runtime('clients.json'), 'utf8')).orgs as Record<
    string,
    { gateway: string; tokens: Record<string, string> }
  >;
  const vendor = orgs.Org1MSP!;
  const res = await fetch(`${vendor.gateway}/v1/families`, {
    method: 'POST',
    headers: { authorization: `Bearer ${vendor.tokens.vendor}`, 'content-type': 'application/json' },
    body: JSON.stringify({ family, vendorKeyPem, approvalThreshold: 1 }),
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`registering family ${family}: HTTP ${res.status} ${await res.text()}`);
  for (const org of Object.values(orgs)) {
    for (let tries = 0; ; tries++) {
      const read = await fetch(`${org.gateway}/v1/families/${family}`, { headers: { authorization: `Bearer ${org.tokens.auditor}` } });
      if (read.status === 200) break;
      if (tries === 50) throw new Error(`family ${family} not readable at ${org.gateway}: HTTP ${read.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
