import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryError } from '@iotreg/common';
import { deviceRecord, Harness, newDeviceKey, signStatement, startHarness, TOKENS, TX_ID } from '../testing/harness';

const device = newDeviceKey('sensor-7');
const DIGEST = 'ab'.repeat(32);

function anchorBy(signer: ReturnType<typeof newDeviceKey>, deviceId: string, seq: number) {
  const payload = { action: 'anchor', deviceId, seq, digest: DIGEST };
  return { payload, signature: signStatement(signer.privateKey, payload) };
}

const anchored = (deviceId: string, seq: number) => ({ result: { deviceId, seq, digest: DIGEST }, txId: TX_ID, blockNumber: 3 });

describe('device-signed writes are checked at the gateway before the peers and the idempotency store', () => {
  let h: Harness;
  let now: number;
  beforeEach(async () => {
    now = 1_000_000;
    h = await startHarness({ now: () => now });
    // The chaincode's own answers, for what the gateway lets through.
    h.fake.handlers.anchorMessage = async (_as, request) => {
      const { payload } = request as { payload: { deviceId: string; seq: number } };
      if (payload.deviceId !== device.deviceId) throw new RegistryError('NOT_FOUND', `device ${payload.deviceId} not found`);
      return anchored(payload.deviceId, payload.seq);
    };
  });
  afterEach(() => h.close());

  const idempotencyFiles = () => readdirSync(join(h.stateDir, 'idempotency')).filter((name) => name.endsWith('.json'));
  const post = (deviceId: string, body: unknown, key?: string) =>
    h.request('POST', `/v1/devices/${deviceId}/messages`, { body, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

  test('an unknown device: 401 UNAUTHENTICATED (not 404), nothing submitted, nothing stored under its Idempotency-Key', async () => {
    h.fake.handlers.getDevice = async (_as, request) => {
      throw new RegistryError('NOT_FOUND', `device ${(request as { deviceId: string }).deviceId} not found`);
    };
    const stranger = newDeviceKey('ghost-1');
    const res = await post('ghost-1', anchorBy(stranger, 'ghost-1', 1), 'k-1');
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(h.fake.callsTo('anchorMessage')).toHaveLength(0);
    expect(idempotencyFiles()).toEqual([]);
  });

  test('a forged signature for a known device: the same answer, nothing submitted or stored', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    const forger = newDeviceKey(device.deviceId);
    const res = await post(device.deviceId, anchorBy(forger, device.deviceId, 1), 'k-2');
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const unknown = await post('ghost-2', anchorBy(forger, 'ghost-2', 1));
    expect(unknown.body.error.message).toBe(res.body.error.message);
    expect(h.fake.callsTo('anchorMessage')).toHaveLength(0);
    expect(idempotencyFiles()).toEqual([]);
  });

  test("the device's key is cached: one ledger read for several writes within the TTL, read again after it", async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    for (const seq of [1, 2, 3]) expect((await post(device.deviceId, anchorBy(device, device.deviceId, seq))).status).toBe(201);
    expect(h.fake.callsTo('getDevice')).toHaveLength(1);
    expect(h.fake.callsTo('anchorMessage')).toHaveLength(3);
    now += 10_000;
    expect((await post(device.deviceId, anchorBy(device, device.deviceId, 4))).status).toBe(201);
    expect(h.fake.callsTo('getDevice')).toHaveLength(2);
  });

  test('forgeries against a cached device cost at most one ledger read a second', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    const forger = newDeviceKey(device.deviceId);
    for (let seq = 1; seq <= 5; seq += 1) expect((await post(device.deviceId, anchorBy(forger, device.deviceId, seq))).status).toBe(401);
    expect(h.fake.callsTo('getDevice')).toHaveLength(1);
  });

  test('a rotated key: the cached old key fails, the device is read again and the new key accepted', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    expect((await post(device.deviceId, anchorBy(device, device.deviceId, 1))).status).toBe(201);
    const next = newDeviceKey(device.deviceId);
    h.fake.handlers.getDevice = async () => deviceRecord(next);
    now += 1_500;
    expect((await post(device.deviceId, anchorBy(next, device.deviceId, 2))).status).toBe(201);
    expect(h.fake.callsTo('getDevice')).toHaveLength(2);
  });

  test("a rotation through this gateway forgets the device's cached key at once", async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    const forger = newDeviceKey(device.deviceId);
    expect((await post(device.deviceId, anchorBy(forger, device.deviceId, 1))).status).toBe(401); // caches the old key
    const next = newDeviceKey(device.deviceId);
    h.fake.handlers.rotateKey = async () => ({ result: deviceRecord(next), txId: TX_ID, blockNumber: 5 });
    const proof = signStatement(next.privateKey, { action: 'rotate' });
    const rotated = await h.request('POST', `/v1/devices/${device.deviceId}/keys`, {
      token: TOKENS.admin,
      body: { publicKeyPem: next.publicKeyPem, proofOld: proof, proofNew: proof },
    });
    expect(rotated.status).toBe(200);
    h.fake.handlers.getDevice = async () => deviceRecord(next);
    // within the second in which a failed key is not read again, yet the new key is accepted
    expect((await post(device.deviceId, anchorBy(next, device.deviceId, 2))).status).toBe(201);
  });

  test('an unknown device is not cached: once registered, its first write is accepted', async () => {
    h.fake.handlers.getDevice = async () => {
      throw new RegistryError('NOT_FOUND', 'device not found');
    };
    expect((await post(device.deviceId, anchorBy(device, device.deviceId, 1))).status).toBe(401);
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    expect((await post(device.deviceId, anchorBy(device, device.deviceId, 1))).status).toBe(201);
  });

  test('a correct signature of a device that is not active: the same 401, as the chaincode says it, not submitted', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device, { status: 'suspended' });
    const res = await post(device.deviceId, anchorBy(device, device.deviceId, 1), 'k-3');
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(h.fake.callsTo('anchorMessage')).toHaveLength(0);
    expect(idempotencyFiles()).toEqual([]);
  });

  test('a ledger that does not answer: 503, nothing stored', async () => {
    h.fake.handlers.getDevice = async () => {
      throw new RegistryError('LEDGER_UNAVAILABLE', 'down');
    };
    const res = await post(device.deviceId, anchorBy(device, device.deviceId, 1), 'k-4');
    expect(res.status).toBe(503);
    expect(idempotencyFiles()).toEqual([]);
  });

  test('a signed write that passes is stored and replayed as before', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    const body = anchorBy(device, device.deviceId, 1);
    expect((await post(device.deviceId, body, 'k-5')).status).toBe(201);
    const again = await post(device.deviceId, body, 'k-5');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(idempotencyFiles()).toHaveLength(1);
  });
});

describe('rate limits: requests without a bearer token get a far smaller budget per address', () => {
  test('device-signed writes and anonymous reads share the small bucket; tokens keep theirs', async () => {
    const h = await startHarness({
      limits: { rateLimitPerSecond: 0.01, rateLimitBurst: 5, unauthenticatedRatePerSecond: 0.01, unauthenticatedBurst: 2 },
    });
    try {
      h.fake.handlers.getDevice = async () => deviceRecord(device);
      h.fake.handlers.anchorMessage = async () => anchored(device.deviceId, 1);
      const statuses: number[] = [];
      for (let seq = 1; seq <= 3; seq += 1) {
        statuses.push(
          (await h.request('POST', `/v1/devices/${device.deviceId}/messages`, { body: anchorBy(device, device.deviceId, seq) })).status,
        );
      }
      expect(statuses).toEqual([201, 201, 429]);
      const limited = await h.request('GET', '/readyz');
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // a forged write from the same address is refused before any ledger read
      const reads = h.fake.callsTo('getDevice').length;
      expect(
        (await h.request('POST', `/v1/devices/${device.deviceId}/messages`, { body: anchorBy(newDeviceKey(), device.deviceId, 9) })).status,
      ).toBe(429);
      expect(h.fake.callsTo('getDevice')).toHaveLength(reads);
      // an unknown token is no token
      expect((await h.request('GET', '/v1/devices/x', { token: 'not-a-token' })).status).toBe(429);
      // a bearer token has its own, larger bucket
      expect((await h.request('GET', `/v1/devices/${device.deviceId}`, { token: TOKENS.admin })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  test('the defaults: 20/s (burst 100) without a token, 500/s (burst 1000) with one', async () => {
    const { DEFAULT_LIMITS } = await import('../testing/harness');
    expect(DEFAULT_LIMITS.unauthenticatedRatePerSecond * 25).toBe(DEFAULT_LIMITS.rateLimitPerSecond);
    expect(DEFAULT_LIMITS.unauthenticatedBurst).toBe(100);
  });
});
