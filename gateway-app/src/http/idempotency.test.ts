import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '@iotreg/common';
import { fakeRegistry } from '../testing/fake-registry';
import { deviceRecord, newDeviceKey, signStatement, startHarness, TOKENS, TX_ID } from '../testing/harness';
import { canonicalJson, IdempotencyStore, requestHash } from './idempotency';

const device = newDeviceKey('sensor-9');
const body = { deviceId: 'sensor-9', publicKeyPem: device.publicKeyPem, family: 'thermo', proof: 'cHJvb2Y=' };

describe('IdempotencyStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iotreg-idem-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a stored answer survives a restart (a new store on the same directory)', async () => {
    const first = await IdempotencyStore.open(dir, 60_000);
    await first.put({ caller: 'org1-admin', key: 'k1', requestHash: 'h1', status: 201, body: { txId: TX_ID } });
    first.close();
    const second = await IdempotencyStore.open(dir, 60_000);
    expect(await second.get('org1-admin', 'k1')).toMatchObject({
      v: 1,
      caller: 'org1-admin',
      key: 'k1',
      requestHash: 'h1',
      status: 201,
      body: { txId: TX_ID },
    });
    expect(await second.get('org1-vendor', 'k1')).toBeUndefined();
    expect(await second.get('org1-admin', 'k2')).toBeUndefined();
  });

  test('one JSON file per record, nothing temporary left behind', async () => {
    const store = await IdempotencyStore.open(dir, 60_000);
    await store.put({ caller: 'c', key: 'k', requestHash: 'h', status: 200, body: { a: 1 } });
    const files = readdirSync(join(dir, 'idempotency'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    const record = JSON.parse(readFileSync(join(dir, 'idempotency', files[0] as string), 'utf8'));
    expect(record).toEqual({ v: 1, caller: 'c', key: 'k', requestHash: 'h', status: 200, body: { a: 1 }, createdAt: expect.any(String) });
  });

  test('expired records are ignored and swept', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = await IdempotencyStore.open(dir, 1_000, { now: () => now });
    await store.put({ caller: 'c', key: 'k', requestHash: 'h', status: 200, body: {} });
    expect(await store.get('c', 'k')).toBeDefined();
    now += 1_001;
    expect(await store.get('c', 'k')).toBeUndefined();
    expect(await store.sweep()).toBe(1);
    expect(readdirSync(join(dir, 'idempotency'))).toHaveLength(0);
  });

  test('opening does not wait for the sweep of expired records (listening is not delayed)', async () => {
    const then = Date.parse('2025-01-01T00:00:00Z');
    const old = await IdempotencyStore.open(dir, 1_000, { now: () => then });
    for (let i = 0; i < 200; i += 1) await old.put({ caller: 'c', key: `k${i}`, requestHash: 'h', status: 200, body: {} });
    await old.firstSweep;
    const store = await IdempotencyStore.open(dir, 1_000, { now: () => then + 5_000 });
    // Opened while all 200 expired records are still on disk: the sweep runs behind.
    expect(readdirSync(join(dir, 'idempotency'))).toHaveLength(200);
    await store.firstSweep;
    expect(readdirSync(join(dir, 'idempotency'))).toHaveLength(0);
  });

  test('a caller may hold at most maxRecordsPerCaller records; others are unaffected, and expiry frees room', async () => {
    let now = Date.parse('2025-01-01T00:00:00Z');
    const store = await IdempotencyStore.open(dir, 1_000, { now: () => now, maxRecordsPerCaller: 2 });
    await store.firstSweep;
    const ok = async () => ({ status: 201, body: {} });
    const run = (caller: string, key: string) => store.run({ caller, key, hash: 'h' }, ok, () => true);
    expect((await run('device:a', 'k1')).kind).toBe('fresh');
    expect((await run('device:a', 'k2')).kind).toBe('fresh');
    expect((await run('device:a', 'k3')).kind).toBe('full');
    expect((await run('device:a', 'k1')).kind).toBe('replayed'); // stored keys still answer
    expect((await run('device:b', 'k1')).kind).toBe('fresh');
    expect(store.recordsOf('device:a')).toBe(2);
    // Counts survive a restart (rebuilt by the sweep at open)…
    const reopened = await IdempotencyStore.open(dir, 1_000, { now: () => now, maxRecordsPerCaller: 2 });
    await reopened.firstSweep;
    expect(reopened.recordsOf('device:a')).toBe(2);
    expect((await reopened.run({ caller: 'device:a', key: 'k4', hash: 'h' }, ok, () => true)).kind).toBe('full');
    // …and expired records stop counting once swept.
    now += 1_001;
    await reopened.sweep();
    expect((await reopened.run({ caller: 'device:a', key: 'k4', hash: 'h' }, ok, () => true)).kind).toBe('fresh');
  });

  test('a corrupt record counts as absent and is reported', async () => {
    const errors: unknown[] = [];
    const store = await IdempotencyStore.open(dir, 60_000, { onError: (e) => errors.push(e) });
    await store.put({ caller: 'c', key: 'k', requestHash: 'h', status: 200, body: {} });
    const file = readdirSync(join(dir, 'idempotency'))[0] as string;
    writeFileSync(join(dir, 'idempotency', file), '{"v":1,');
    expect(await store.get('c', 'k')).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  test('run: same key runs once; concurrent repeats wait for the first', async () => {
    const store = await IdempotencyStore.open(dir, 60_000);
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const execute = async () => {
      runs += 1;
      await gate;
      return { status: 201, body: { n: runs } };
    };
    const request = { caller: 'c', key: 'k', hash: 'h' };
    const first = store.run(request, execute, () => true);
    const second = store.run(request, execute, () => true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toBe(1);
    release();
    expect(await first).toEqual({ kind: 'fresh', response: { status: 201, body: { n: 1 } } });
    expect(await second).toEqual({ kind: 'replayed', response: { status: 201, body: { n: 1 } } });
    expect(runs).toBe(1);
    expect(await store.run({ ...request, hash: 'other' }, execute, () => true)).toEqual({ kind: 'conflict' });
  });

  test('run: an answer that is not final is not stored, so the next request runs', async () => {
    const store = await IdempotencyStore.open(dir, 60_000);
    let runs = 0;
    const execute = async () => {
      runs += 1;
      return { status: runs === 1 ? 503 : 201, body: { runs } };
    };
    const isFinal = (r: { status: number }) => r.status < 500;
    expect((await store.run({ caller: 'c', key: 'k', hash: 'h' }, execute, isFinal)).kind).toBe('fresh');
    expect(await store.run({ caller: 'c', key: 'k', hash: 'h' }, execute, isFinal)).toEqual({
      kind: 'fresh',
      response: { status: 201, body: { runs: 2 } },
    });
    expect(runs).toBe(2);
  });

  test('run: a write cut off after its transaction went out is answered from the ledger, not written again', async () => {
    const isFinal = (r: { status: number }) => r.status < 500;
    const request = { caller: 'c', key: 'k', hash: 'h' };
    // The first attempt reaches the orderers, then its gateway dies: only the pending record stays.
    const crashed = await IdempotencyStore.open(dir, 60_000);
    await crashed.run(
      request,
      async (submitting) => {
        await submitting({ txId: 'tx-1', transaction: 'dHgtMQ==' });
        return { status: 503, body: { error: 'cut off' } };
      },
      isFinal,
    );

    const restarted = await IdempotencyStore.open(dir, 60_000);
    const execute = jest.fn(async () => ({ status: 201, body: { again: true } }));
    const asked: string[] = [];
    const unknownYet = async ({ txId, transaction }: { txId: string; transaction: string }) => (
      asked.push(`${txId} ${transaction}`),
      { status: 503, body: { error: 'OUTCOME_UNKNOWN' } }
    );
    expect(await restarted.run(request, execute, isFinal, unknownYet)).toEqual({
      kind: 'replayed',
      response: { status: 503, body: { error: 'OUTCOME_UNKNOWN' } },
    });
    const committed = async ({ txId, transaction }: { txId: string; transaction: string }) => (
      asked.push(`${txId} ${transaction}`),
      { status: 201, body: { txId } }
    );
    expect(await restarted.run(request, execute, isFinal, committed)).toEqual({
      kind: 'replayed',
      response: { status: 201, body: { txId: 'tx-1' } },
    });
    expect(await restarted.run(request, execute, isFinal, committed)).toEqual({
      kind: 'replayed',
      response: { status: 201, body: { txId: 'tx-1' } },
    });
    expect(asked).toEqual(['tx-1 dHgtMQ==', 'tx-1 dHgtMQ==']); // the transaction too, to send it again
    expect(execute).not.toHaveBeenCalled();
  });

  test('run: a pending write whose transaction was invalid runs again', async () => {
    const store = await IdempotencyStore.open(dir, 60_000);
    const request = { caller: 'c', key: 'k', hash: 'h' };
    await store.run(
      request,
      async (submitting) => (await submitting({ txId: 'tx-1', transaction: 'dHgtMQ==' }), { status: 503, body: null }),
      (r) => r.status < 500,
    );
    const outcome = await store.run(
      request,
      async () => ({ status: 201, body: { fresh: true } }),
      (r) => r.status < 500,
      async () => undefined,
    );
    expect(outcome).toEqual({ kind: 'fresh', response: { status: 201, body: { fresh: true } } });
  });

  test('request hashes ignore key order but not content, method or path', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    const base = requestHash('POST', '/v1/devices', { a: 1, b: 2 });
    expect(requestHash('post', '/v1/devices', { b: 2, a: 1 })).toBe(base);
    expect(requestHash('POST', '/v1/devices', { a: 1, b: 3 })).not.toBe(base);
    expect(requestHash('PUT', '/v1/devices', { a: 1, b: 2 })).not.toBe(base);
    expect(requestHash('POST', '/v1/families', { a: 1, b: 2 })).not.toBe(base);
  });
});

describe('Idempotency-Key over HTTP', () => {
  test('replay: same key and body → stored answer, Idempotent-Replayed, the ledger written once', async () => {
    const h = await startHarness();
    try {
      let n = 0;
      h.fake.handlers.registerDevice = async () => {
        n += 1;
        return { result: deviceRecord(device), txId: TX_ID.replace(/^../, String(n).padStart(2, '0')), blockNumber: 3 };
      };
      const headers = { 'idempotency-key': 'register-sensor-9' };
      const first = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const again = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body: { ...body }, headers });
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(n).toBe(1);
    } finally {
      await h.close();
    }
  });

  test('same key, different body → 409 IDEMPOTENCY_CONFLICT, nothing written', async () => {
    const h = await startHarness();
    try {
      h.fake.handlers.registerDevice = async () => ({ result: deviceRecord(device), txId: TX_ID, blockNumber: 3 });
      const headers = { 'idempotency-key': 'k-1' };
      expect((await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers })).status).toBe(201);
      const conflict = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body: { ...body, family: 'other' }, headers });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('keys belong to a caller: another token with the same key runs its own request', async () => {
    const h = await startHarness();
    try {
      h.fake.handlers.verifyFirmware = async () => ({ verdict: 'unknown' });
      h.fake.handlers.setFamilyPolicy = async () => ({ result: { family: 'thermo' }, txId: TX_ID, blockNumber: 1 });
      h.fake.handlers.publishFirmware = async () => ({ result: { family: 'thermo' }, txId: TX_ID, blockNumber: 1 });
      const headers = { 'idempotency-key': 'shared' };
      const policy = { minVersion: '1.0.0' };
      expect((await h.request('PUT', '/v1/families/thermo/policy', { token: TOKENS.admin, body: policy, headers })).status).toBe(200);
      const vendorBody = { family: 'thermo', version: '1.0.0', sha256: 'ab'.repeat(32), signature: 'c2ln' };
      const vendor = await h.request('POST', '/v1/firmware', { token: TOKENS.vendor, body: vendorBody, headers });
      expect(vendor.status).toBe(201);
      expect(vendor.headers.get('idempotent-replayed')).toBeNull();
    } finally {
      await h.close();
    }
  });

  test('a final error (4xx) is replayed too; a 503 is not stored', async () => {
    const h = await startHarness();
    try {
      let calls = 0;
      h.fake.handlers.registerDevice = async () => {
        calls += 1;
        if (calls === 1) throw new RegistryError('LEDGER_UNAVAILABLE', 'down');
        throw new RegistryError('ALREADY_EXISTS', 'device sensor-9 exists');
      };
      const headers = { 'idempotency-key': 'k-err' };
      expect((await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers })).status).toBe(503);
      const second = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(second.status).toBe(409);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      const third = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(third.status).toBe(409);
      expect(third.body).toEqual(second.body);
      expect(third.headers.get('idempotent-replayed')).toBe('true');
      expect(calls).toBe(2);
    } finally {
      await h.close();
    }
  });

  test('cut off after its transaction went out: the retry answers from that transaction, not a second write', async () => {
    const h = await startHarness();
    try {
      const transaction = Buffer.from('endorsed').toString('base64');
      h.fake.handlers.registerDevice = async (_as, _request, options) => {
        await options?.submitting?.({ txId: TX_ID, transaction });
        throw new RegistryError('OUTCOME_UNKNOWN', 'no commit status');
      };
      const resent: unknown[] = [];
      h.fake.handlers.committedResult = async (_as, txId) => {
        resent.push(txId);
        return { kind: 'valid', committed: { result: deviceRecord(device), txId: TX_ID, blockNumber: 4 } };
      };
      const headers = { 'idempotency-key': 'cut-off' };
      expect((await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers })).status).toBe(503);
      const retry = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(retry.status).toBe(201);
      expect(retry.body.txId).toBe(TX_ID);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(resent).toEqual([TX_ID]);
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('restart: a new gateway on the same state directory replays the answer', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'iotreg-idem-restart-'));
    try {
      const first = await startHarness({ stateDir });
      first.fake.handlers.registerDevice = async () => ({ result: deviceRecord(device), txId: TX_ID, blockNumber: 3 });
      const headers = { 'idempotency-key': 'survives' };
      const original = await first.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      await first.close();

      const fake = fakeRegistry(); // no handler: a second write would fail loudly
      const second = await startHarness({ stateDir, fake });
      try {
        const replay = await second.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
        expect(replay.status).toBe(201);
        expect(replay.body).toEqual(original.body);
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(fake.calls).toHaveLength(0);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  test('a repeat while the first is in flight waits for it and replays its answer', async () => {
    const h = await startHarness();
    try {
      let finish!: () => void;
      const gate = new Promise<void>((resolve) => {
        finish = resolve;
      });
      h.fake.handlers.registerDevice = async () => {
        await gate;
        return { result: deviceRecord(device), txId: TX_ID, blockNumber: 3 };
      };
      const headers = { 'idempotency-key': 'in-flight' };
      const first = h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      const second = h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
      finish();
      const [a, b] = await Promise.all([first, second]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect([a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].sort()).toEqual([null, 'true'].sort());
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('a write past its deadline answers OUTCOME_UNKNOWN, and its final answer is kept for the retry', async () => {
    const h = await startHarness({ limits: { writeTimeoutMs: 50 } });
    try {
      h.fake.handlers.registerDevice = () =>
        new Promise((resolve) => setTimeout(() => resolve({ result: deviceRecord(device), txId: TX_ID, blockNumber: 3 }), 200));
      const headers = { 'idempotency-key': 'slow' };
      const first = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(first.status).toBe(503);
      expect(first.body.error.code).toBe('OUTCOME_UNKNOWN');
      await new Promise((resolve) => setTimeout(resolve, 250)); // the write completes meanwhile
      const retry = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers });
      expect(retry.status).toBe(201);
      expect(retry.body.txId).toBe(TX_ID);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  test('device-signed writes: keys are per device; a bad signature is not kept', async () => {
    const h = await startHarness();
    try {
      let calls = 0;
      h.fake.handlers.getDevice = async () => deviceRecord(device);
      h.fake.handlers.anchorMessage = async () => {
        calls += 1;
        if (calls === 1) throw new RegistryError('BAD_SIGNATURE', 'does not verify');
        return { result: { deviceId: 'sensor-9', seq: 1, digest: 'ab'.repeat(32) }, txId: TX_ID, blockNumber: 4 };
      };
      const payload = { action: 'anchor', deviceId: 'sensor-9', seq: 1, digest: 'ab'.repeat(32) };
      const anchor = { payload, signature: signStatement(device.privateKey, payload) };
      const headers = { 'idempotency-key': 'anchor-1' };
      expect((await h.request('POST', '/v1/devices/sensor-9/messages', { body: anchor, headers })).status).toBe(422);
      expect((await h.request('POST', '/v1/devices/sensor-9/messages', { body: anchor, headers })).status).toBe(201);
      const replay = await h.request('POST', '/v1/devices/sensor-9/messages', { body: anchor, headers });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(calls).toBe(2);
    } finally {
      await h.close();
    }
  });

  test('over HTTP, a caller at its record cap gets 429 with Retry-After for a new key', async () => {
    const h = await startHarness({ limits: { idempotencyRecordsPerCaller: 1 } });
    try {
      h.fake.handlers.registerDevice = async () => ({ result: { deviceId: 'sensor-9' }, txId: TX_ID, blockNumber: 4 });
      expect((await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers: { 'idempotency-key': 'a' } })).status).toBe(201);
      const full = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body, headers: { 'idempotency-key': 'b' } });
      expect([full.status, full.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(full.headers.get('retry-after')).not.toBeNull();
      expect(h.fake.callsTo('registerDevice')).toHaveLength(1);
      // without a key, or for another caller, writes go on
      expect((await h.request('POST', '/v1/devices', { token: TOKENS.admin, body })).status).toBe(201);
    } finally {
      await h.close();
    }
  });

  test('reads ignore Idempotency-Key', async () => {
    const h = await startHarness();
    try {
      h.fake.handlers.getDevice = async () => deviceRecord(device);
      const headers = { 'idempotency-key': 'read' };
      await h.request('GET', '/v1/devices/sensor-9', { token: TOKENS.admin, headers });
      const again = await h.request('GET', '/v1/devices/sensor-9', { token: TOKENS.admin, headers });
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect(h.fake.callsTo('getDevice')).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});
