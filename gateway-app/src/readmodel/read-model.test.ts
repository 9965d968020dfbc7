/**
 * The read model as the gateway opens it: its SQLite file in the state directory, the lag in
 * /metrics (ledger height minus model height), and a database of another chaincode refused.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../config';
import { createMetrics } from '../metrics';
import type { Registry } from '../registry/registry';
import { TestChain } from '../testing/blocks';
import { openReadModel } from './read-model';

let stateDir: string;
beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'iotreg-rm-'))));
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

const config = (chaincode = 'device-registry') =>
  parseConfig(
    JSON.stringify({
      mspId: 'Org1MSP',
      host: '127.0.0.1',
      port: 0,
      channel: 'iot',
      chaincode,
      peer: { endpoint: '127.0.0.1:7051', hostAlias: 'localhost', tlsRootCertPath: '/abs/ca.pem' },
      identities: [{ name: 'org1-auditor', role: 'auditor', certPath: '/abs/u.pem', keyPath: '/abs/u.key', tokenSha256: 'ef'.repeat(32) }],
      relayIdentity: 'org1-auditor',
      stateDir,
    }),
  );

test('the model lives in the state directory; /metrics has its height and its lag behind the peer', async () => {
  const chain = new TestChain();
  chain.append([{ txId: 'a'.repeat(64), namespace: 'device-registry', writes: [{ key: '\u0000endpoint\u0000e1\u0000', value: '{}' }] }]);
  chain.append([{ txId: 'b'.repeat(64), namespace: 'device-registry', writes: [{ key: '\u0000endpoint\u0000e2\u0000', value: '{}' }] }]);
  const metrics = createMetrics({ defaultMetrics: false });
  const ledger = { ping: async () => ({ height: 5 }) } as unknown as Registry;
  const model = await openReadModel({ config: config(), ledger, source: chain.source, metrics, logger: pino({ level: 'silent' }) });
  try {
    await model.follower.waitFor(2, 5_000);
    expect(existsSync(join(stateDir, 'read-model.sqlite'))).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toContain('iotreg_gateway_read_model_height 2');
    expect(text).toContain('iotreg_gateway_read_model_ledger_height 5');
    expect(text).toContain('iotreg_gateway_read_model_lag_blocks 3');
    expect(text).toContain('iotreg_gateway_read_model_failed 0');
    expect(text).toContain('iotreg_gateway_read_model_blocks_applied_total 2');
    expect((await model.registry.ping()).readModel).toEqual({ state: 'starting', height: 2, ledgerHeight: 5, lag: 3 });
  } finally {
    await model.close();
  }
  // The same file, opened for another chaincode: refused, not mixed.
  await expect(
    openReadModel({
      config: config('other'),
      ledger,
      source: chain.source,
      metrics: createMetrics({ defaultMetrics: false }),
      logger: pino({ level: 'silent' }),
    }),
  ).rejects.toThrow('the read model database mirrors iot/device-registry, not iot/other: rebuild it or configure another');
});
