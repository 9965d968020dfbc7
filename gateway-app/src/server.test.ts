import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from './config';
import { start } from './server';
import { FakeEventStream, fakeRegistry } from './testing/fake-registry';
import { IDENTITIES, TOKENS } from './testing/harness';

function config(stateDir: string) {
  return parseConfig(
    JSON.stringify({
      mspId: 'Org1MSP',
      host: '127.0.0.1',
      port: 0,
      channel: 'iot',
      chaincode: 'device-registry',
      peer: { endpoint: '127.0.0.1:7051', hostAlias: 'localhost', tlsRootCertPath: '/nonexistent/ca.pem' },
      identities: IDENTITIES.map((i) => ({ ...i, certPath: '/nonexistent/c.pem', keyPath: '/nonexistent/k.pem' })),
      relayIdentity: 'org1-auditor',
      stateDir,
    }),
  );
}

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'iotreg-server-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

test('start() on port 0 with an injected registry serves; stop() ends streams and stops accepting', async () => {
  const fake = fakeRegistry();
  const stream = new FakeEventStream();
  fake.handlers.chaincodeEvents = async () => stream;
  const gateway = await start({ config: config(stateDir), registry: fake.registry, logger: pino({ level: 'silent' }) });
  expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(gateway.port).toBeGreaterThan(0);

  expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  const events = await fetch(`${gateway.url}/v1/events`, { headers: { authorization: `Bearer ${TOKENS.vendor}` } });
  expect(events.status).toBe(200);

  await gateway.stop();
  expect(stream.closed).toBe(true);
  await expect(events.text()).resolves.toContain('retry:');
  await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
  await gateway.stop(); // idempotent
});

test('the idempotency store lives in stateDir', async () => {
  const fake = fakeRegistry();
  fake.handlers.setFamilyPolicy = async () => ({ result: { family: 'f' }, txId: 'ab'.repeat(32), blockNumber: 1 });
  const gateway = await start({ config: config(stateDir), registry: fake.registry, logger: pino({ level: 'silent' }) });
  try {
    const res = await fetch(`${gateway.url}/v1/families/f/policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json', 'idempotency-key': 'k' },
      body: JSON.stringify({ minVersion: '1.0.0' }),
    });
    expect(res.status).toBe(200);
  } finally {
    await gateway.stop();
  }
  const { readdirSync } = await import('node:fs');
  expect(readdirSync(join(stateDir, 'idempotency'))).toHaveLength(1);
});

test('without an injected registry, missing Fabric credentials stop the start with a clear error', async () => {
  await expect(start({ config: config(stateDir), logger: pino({ level: 'silent' }) })).rejects.toThrow(
    /cannot read peer TLS root certificate/,
  );
});
