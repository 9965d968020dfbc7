/**
 * A device's keys and history in the model come from every version of its records in the blocks
 * (the chaincode keeps no list of either). A ledger written before that, with per-change history
 * records and key lists, reads the same: in blocks, and in a model migrated from before.
 */
import { compositeKey, keys } from '@iotreg/common';
import { TestChain, type TestTransaction } from '../testing/blocks';
import { decodeModelBlock } from './blocks';
import { MODEL_QUERIES } from './model-queries';
import { ModelStore } from './model-store';
import { openSqlite } from './sql';

const NS = 'registry';
const k = (key: Parameters<typeof compositeKey>[0]) => compositeKey(key);
const entry = (action: string, n: number) => ({
  txId: String(n).repeat(64),
  timestamp: `2026-01-01T00:00:0${n}.000Z`,
  submitterMsp: 'Org1MSP',
  action,
  record: {},
});
const device = (keyId: string) =>
  JSON.stringify({ deviceId: 'd1', family: 'fam', ownerMsp: 'Org1MSP', status: 'active', keyId, createdAt: 't', updatedAt: 't' });
const keyRecord = (keyId: string) => JSON.stringify({ keyId, deviceId: 'd1', publicKeyPem: 'pem', validFrom: 't' });
const tx = (n: number, writes: Array<[string, string]>): TestTransaction => ({
  txId: String(n).repeat(64),
  namespace: NS,
  writes: writes.map(([key, value]) => ({ key, value })),
});

/** Registered and rotated by the chaincode as it was (history records, key list), then changed by today's. */
const OLD = [
  tx(1, [
    [k(keys.publicKey('k1')), keyRecord('k1')],
    [k(keys.deviceKey('d1', 1)), '"k1"'],
    [k(keys.device('d1')), device('k1')],
    [k(keys.history('d1', 1)), JSON.stringify(entry('register', 1))],
  ]),
  tx(2, [
    [k(keys.publicKey('k1')), keyRecord('k1')],
    [k(keys.publicKey('k2')), keyRecord('k2')],
    [k(keys.deviceKey('d1', 2)), '"k2"'],
    [k(keys.device('d1')), device('k2')],
    [k(keys.history('d1', 2)), JSON.stringify(entry('rotate-key', 2))],
  ]),
];
const NEW = [
  tx(3, [
    [k(keys.publicKey('k3')), keyRecord('k3')],
    [k(keys.device('d1')), device('k3')],
    [k(keys.deviceChange('d1')), JSON.stringify(entry('rotate-key', 3))],
  ]),
  tx(4, [
    [k(keys.device('d1')), device('k3')],
    [k(keys.deviceChange('d1')), JSON.stringify(entry('suspend', 4))],
  ]),
];

async function model(chain: TestChain) {
  const db = await openSqlite(':memory:');
  const store = new ModelStore(db, 'iot', NS);
  await store.open();
  for (const block of chain.blocks) await store.apply(decodeModelBlock(block, NS));
  const ask = async () =>
    db.read(async (q) => {
      const ctx = { q, role: 'auditor' as const, now: '2026-02-01T00:00:00.000Z' };
      const history = (await MODEL_QUERIES.getDeviceHistory!(ctx, { deviceId: 'd1', pageSize: 3 } as never)) as {
        items: Array<{ action: string }>;
        bookmark: string;
      };
      const next = (await MODEL_QUERIES.getDeviceHistory!(ctx, {
        deviceId: 'd1',
        pageSize: 3,
        bookmark: history.bookmark,
      } as never)) as typeof history;
      const keyList = (await MODEL_QUERIES.listDeviceKeys!(ctx, { deviceId: 'd1' } as never)) as Array<{ keyId: string }>;
      return {
        history: [...history.items, ...next.items].map((e) => e.action),
        bookmark: Buffer.from(history.bookmark, 'base64url').toString(),
        keys: keyList.map((key) => key.keyId),
      };
    });
  return { db, store, ask };
}

const EXPECTED = {
  history: ['register', 'rotate-key', 'rotate-key', 'suspend'],
  bookmark: k(keys.history('d1', 4)),
  keys: ['k1', 'k2', 'k3'],
};

test("from the blocks: old history records and key lists, then each version of the device's last change and keys", async () => {
  const chain = new TestChain();
  chain.append(OLD.slice(0, 1));
  chain.append([...OLD.slice(1), ...NEW]); // several changes of one device in one block: each an entry
  const { ask } = await model(chain);
  expect(await ask()).toEqual(EXPECTED);
});

test('a model from before the migration: its history records and key lists fill the new tables', async () => {
  const chain = new TestChain();
  chain.append(OLD);
  const { db, store, ask } = await model(chain);
  await db.script(
    'DROP TABLE model_device_keys; DROP TABLE model_history; DROP INDEX model_devices_family_status; ' +
      'DROP INDEX model_devices_owner_status; DELETE FROM model_migrations WHERE version >= 3',
  );
  await store.open();
  await store.apply(decodeModelBlock(chain.append(NEW), NS));
  expect(await ask()).toEqual(EXPECTED);
});
