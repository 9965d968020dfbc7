/**
 * Catching up: a model far behind applies blocks of registrations (each the four writes a
 * registration makes), from decoding to commit, in a SQLite file as a gateway keeps it, and
 * prints the rate. Speed is the benchmark's to judge: the test bounds only a stall (two minutes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TestChain } from '../testing/blocks';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { openSqlite } from './sql';
import { composite } from './state-keys';

const TRANSACTIONS = 5_000;
const PER_BLOCK = 100;

function registration(i: number) {
  const deviceId = `dev-${i.toString().padStart(8, '0')}`;
  const keyId = i.toString(16).padStart(64, '0');
  const at = new Date(Date.UTC(2026, 0, 1) + i).toISOString();
  const device = {
    deviceId,
    family: 'fam',
    ownerMsp: 'Org1MSP',
    status: 'active',
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\n' + 'A'.repeat(120) + '\n-----END PUBLIC KEY-----\n',
    keyId,
    attributes: {},
    createdAt: at,
    updatedAt: at,
    seq: 0,
  };
  // What the chaincode writes for one registration: the device, its family list entry, its key,
  // and its last change (whose versions are its history).
  const writes = [
    [composite('device', deviceId), device],
    [composite('device-by', 'family', 'fam', deviceId), deviceId],
    [composite('key', keyId), { keyId, deviceId, publicKeyPem: device.publicKeyPem, validFrom: at }],
    [composite('device-change', deviceId), { txId: keyId, timestamp: at, submitterMsp: 'Org1MSP', action: 'register', record: device }],
  ] as const;
  return {
    txId: keyId,
    namespace: 'registry',
    writes: writes.map(([key, value]) => ({ key, value: JSON.stringify(value) })).sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

test(`a model ${TRANSACTIONS} registrations behind catches up, every registration applied`, async () => {
  const chain = new TestChain();
  for (let i = 0; i < TRANSACTIONS; i += PER_BLOCK) {
    chain.append(Array.from({ length: PER_BLOCK }, (_, j) => registration(i + j)));
  }
  const dir = mkdtempSync(join(tmpdir(), 'iotreg-catchup-'));
  const db = await openSqlite(join(dir, 'model.sqlite'));
  try {
    const store = new ModelStore(db, 'registry', 'registry');
    await store.open();
    const follower = new ModelFollower({ store, source: chain.source, logger: pino({ level: 'silent' }), retryDelayMs: 5 });
    const started = process.hrtime.bigint();
    await follower.start();
    expect(await follower.waitFor(chain.blocks.length, 120_000)).toBe(true);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await follower.stop();
    const rate = Math.round(TRANSACTIONS / seconds);
    console.log(`catch-up: ${TRANSACTIONS} registrations (${TRANSACTIONS * 4} writes) in ${seconds.toFixed(2)} s: ${rate} transactions/s`);
    const devices = await db.read((q) => q.get<{ n: number }>('SELECT COUNT(*) AS n FROM model_devices'));
    expect(Number(devices?.n)).toBe(TRANSACTIONS);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
