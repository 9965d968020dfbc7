/**
 * Catching up: a model far behind applies blocks of registrations (each the four writes a
 * registration makes), from decoding to commit, in a SQLite file as a gateway keeps it, and
 * prints the rate. Speed is the benchmark's to judge: the test bounds only a stall (two minutes).
 * Blocks that are there already are applied several to a database transaction, each with its checkpoint.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { TestChain } from '../testing/blocks';
import { blockHeaderHash } from './blocks';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { openSqlite, type SqlDatabase } from './sql';
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
  const sqlite = await openSqlite(join(dir, 'model.sqlite'));
  let transactions = 0;
  const db: SqlDatabase = { ...sqlite, write: (work) => ((transactions += 1), sqlite.write(work)) };
  try {
    const store = new ModelStore(db, 'registry', 'registry');
    await store.open();
    transactions = 0;
    const follower = new ModelFollower({ store, source: chain.source, logger: pino({ level: 'silent' }), retryDelayMs: 5 });
    const started = process.hrtime.bigint();
    await follower.start();
    expect(await follower.waitFor(chain.blocks.length, 120_000)).toBe(true);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await follower.stop();
    const rate = Math.round(TRANSACTIONS / seconds);
    console.log(`catch-up: ${TRANSACTIONS} registrations (${TRANSACTIONS * 4} writes) in ${seconds.toFixed(2)} s: ${rate} transactions/s`);
    const count = async (table: string) => Number((await db.read((q) => q.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`)))?.n);
    expect(await count('model_devices')).toBe(TRANSACTIONS);
    expect(await count('model_device_keys')).toBe(TRANSACTIONS);
    expect(await count('model_history')).toBe(TRANSACTIONS);
    expect(await count('model_state')).toBe(TRANSACTIONS * 4);
    // Every block in the hash chain, the checkpoint at the last one; the blocks came in fewer transactions than blocks.
    const blocks = await db.read((q) =>
      q.all<{ hash: string; previous_hash: string }>('SELECT hash, previous_hash FROM model_blocks ORDER BY number'),
    );
    expect(blocks).toHaveLength(chain.blocks.length);
    blocks.forEach((block, i) => expect(block.hash).toBe(blockHeaderHash(chain.blocks[i]!.getHeader()!).toString('hex')));
    for (let i = 1; i < blocks.length; i += 1) expect(blocks[i]!.previous_hash).toBe(blocks[i - 1]!.hash);
    expect(await store.checkpoint()).toEqual({ height: chain.blocks.length, lastHash: blocks.at(-1)!.hash });
    expect(transactions).toBeLessThan(chain.blocks.length);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
