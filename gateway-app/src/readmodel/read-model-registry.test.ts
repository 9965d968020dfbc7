/**
 * What a model read checks: every request is parsed with the operation's schema; an answer is checked against the operation's schema, exactly, when
 * checkAnswers is on (tests), and answered as the query built it otherwise.
 */
import pino from 'pino';
import type { Registry } from '../registry/registry';
import { fill } from './fleet-bench';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { ReadModelRegistry } from './read-model-registry';
import { openSqlite, type SqlDatabase } from './sql';
import { stateKeys, toDbKey } from './state-keys';

let db: SqlDatabase;
let follower: ModelFollower;
let store: ModelStore;

beforeEach(async () => {
  db = await openSqlite(':memory:');
  store = new ModelStore(db, 'iot', 'registry');
  await store.open();
  await fill(db, 3);
  await db.write((q) => q.run('UPDATE model_checkpoint SET height = 3 WHERE id = 1'));
  follower = new ModelFollower({
    store,
    logger: pino({ level: 'silent' }),
    source: async () => ({ close: () => undefined, [Symbol.asyncIterator]: async function* () {} as never }),
  });
  await follower.start();
});

afterEach(async () => {
  await follower.stop();
  await db.close();
});

const registry = (checkAnswers: boolean) =>
  new ReadModelRegistry({
    ledger: { ping: async () => ({ height: 3 }) } as unknown as Registry,
    store,
    follower,
    roleOf: () => 'auditor',
    logger: pino({ level: 'silent' }),
    minHeightWaitMs: 100,
    checkAnswers,
  });

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (answer) => ({ answer }),
    (err: { code?: string; message: string }) => ({ refused: err.code, message: err.message }),
  );

test('a request is parsed with its schema', async () => {
  const model = registry(true);
  expect(await outcome(model.call('getDevice', 'auditor', { deviceId: 'dev 1' } as never))).toMatchObject({ refused: 'INVALID_ARGUMENT' });
  expect(await outcome(model.call('listDevices', 'auditor', { pageSize: 0 } as never))).toMatchObject({ refused: 'INVALID_ARGUMENT' });
  // Parsed: the default page size comes from the request schema.
  const page = (await model.call('listDevices', 'auditor', {} as never)) as { items: unknown[] };
  expect(page.items).toHaveLength(3);
});

test('an answer outside its schema is an internal error when answers are checked, and answered as built when not', async () => {
  const key = toDbKey(stateKeys.device('dev-00000001'));
  await db.write(async (q) => {
    const row = await q.get<{ value: string }>('SELECT value FROM model_state WHERE key = ?', [key]);
    const device = { ...(JSON.parse(row!.value) as object), status: 'lost', extra: 'not in the schema' };
    await q.run('UPDATE model_state SET value = ? WHERE key = ?', [JSON.stringify(device), key]);
  });
  expect(await outcome(registry(true).call('getDevice', 'auditor', { deviceId: 'dev-00000001' }))).toEqual({
    refused: 'INTERNAL',
    message: 'getDevice answered outside its schema',
  });
  expect(await outcome(registry(false).call('getDevice', 'auditor', { deviceId: 'dev-00000001' }))).toMatchObject({
    answer: { status: 'lost', extra: 'not in the schema' },
  });
  // Only a field the schema would strip: still outside it, exactly.
  await db.write(async (q) => {
    const row = await q.get<{ value: string }>('SELECT value FROM model_state WHERE key = ?', [key]);
    await q.run('UPDATE model_state SET value = ? WHERE key = ?', [
      JSON.stringify({ ...(JSON.parse(row!.value) as object), status: 'active' }),
      key,
    ]);
  });
  expect(await outcome(registry(true).call('getDevice', 'auditor', { deviceId: 'dev-00000001' }))).toMatchObject({ refused: 'INTERNAL' });
});
