/**
 * Identity, through both orgs' gateways: a registration proof only its org can use, device
 * credentials whose failures tell nothing, and one accepted text per signature.
 * (Backdated transactions are refused straight at the peers: chaincode-guards.test.ts.)
 */
import { createHash } from 'node:crypto';
import { p256 } from '@noble/curves/nist';
import { deviceAuthorization } from '@iotreg/device';
import { client, clients, uid } from './support/network';
import { newDevice, registration, signed, TestDevice, registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

const as = clients();
const org1 = as.Org1MSP;
const org2 = as.Org2MSP;
const anonymous = client('Org1MSP');
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const FAMILY = 'ident-v1';

beforeAll(() => ensureFamilies([FAMILY, 'other-v1']));

const registered = (): Promise<TestDevice> => registeredDevice(org1.admin, FAMILY, 'ident');

/** One device in every state a credential can come from: never registered, suspended, revoked, and active. */
async function devicesInEveryState() {
  const stranger = newDevice(uid('nobody'));
  const suspended = await registered();
  await org1.admin.call('suspendDevice', { deviceId: suspended.id });
  const revoked = await registered();
  await org1.admin.call('revokeDevice', { deviceId: revoked.id, reason: 'decommissioned' });
  const live = await registered();
  return { stranger, suspended, revoked, live };
}

describe('a registration proof names the org that registers', () => {
  test("Org2 submitting Org1's device's proof as its own: 422, nothing registered; Org1 then registers it", async () => {
    const device = newDevice(uid('front'));
    const body = registration(device, FAMILY, undefined, 'Org1MSP');
    const stolen = await org2.admin.post('/v1/devices', body);
    expect([stolen.status, stolen.body.error.code]).toEqual([422, 'BAD_SIGNATURE']);
    expect(stolen.body.error.message).toContain('ownerMsp Org2MSP');
    const batch = await org2.admin.post('/v1/devices:batch', { devices: [body] });
    expect([batch.status, batch.body.error.code]).toEqual([422, 'BAD_SIGNATURE']);
    expect((await org2.auditor.get(`/v1/devices/${device.id}`)).status).toBe(404);
    const own = await org1.admin.post('/v1/devices', body);
    expect([own.status, own.body.ownerMsp]).toEqual([201, 'Org1MSP']);
  });

  test('a proof made for one family does not register the device in another', async () => {
    const device = newDevice(uid('fam'));
    const res = await org1.admin.post('/v1/devices', { ...registration(device, FAMILY), family: 'other-v1' });
    expect([res.status, res.body.error.code]).toEqual([422, 'BAD_SIGNATURE']);
  });

  test("an old client's proof over {action, deviceId, keyId}: 422 naming the statement to sign", async () => {
    const device = newDevice(uid('old'));
    const proof = device.sign({ action: 'register', deviceId: device.id, keyId: device.keyId });
    const res = await org1.admin.post('/v1/devices', { ...registration(device, FAMILY), proof });
    expect([res.status, res.body.error.code]).toEqual([422, 'BAD_SIGNATURE']);
    expect(res.body.error.message).toContain('{"action":"register","deviceId","family","keyId","ownerMsp"}');
    expect(res.body.error.message).toContain('older');
  });
});

describe('device-signed reads', () => {
  const read = (target: string, authorization: string) => anonymous.get(target, { headers: { authorization } });

  test('the query is signed: a header made for one query reads nothing else', async () => {
    const device = await registered();
    const target = `/v1/keys/${device.keyId}?at=2030-01-01T00:00:00Z`;
    const header = deviceAuthorization(device.id, device.identity, 'GET', target);
    expect((await read(`/v1/keys/${device.keyId}?at=2020-01-01T00:00:00Z`, header)).status).toBe(401);
    expect((await read(`/v1/keys/${device.keyId}`, header)).status).toBe(401);
    const ok = await read(target, header);
    expect([ok.status, ok.body.at]).toEqual([200, '2030-01-01T00:00:00.000Z']);
  });

  test('a header is accepted once: replayed within the window, 401', async () => {
    const device = await registered();
    const header = deviceAuthorization(device.id, device.identity, 'GET', `/v1/devices/${device.id}`);
    expect((await read(`/v1/devices/${device.id}`, header)).status).toBe(200);
    expect((await read(`/v1/devices/${device.id}`, header)).status).toBe(401);
  });

  test('ts more than 30 s off the gateway clock: 401', async () => {
    const device = await registered();
    for (const skew of [-45_000, 45_000]) {
      const header = deviceAuthorization(device.id, device.identity, 'GET', '/v1/discovery', Date.now() + skew);
      expect((await read('/v1/discovery', header)).status).toBe(401);
    }
  });

  test('unknown device, suspended, revoked, bad signature and stale ts: one and the same 401', async () => {
    const { stranger, suspended, revoked, live } = await devicesInEveryState();
    const header = (device: TestDevice, signer = device, nowMs = Date.now()) =>
      deviceAuthorization(device.id, signer.identity, 'GET', '/v1/discovery', nowMs);
    const answers = [
      await read('/v1/discovery', header(stranger)),
      await read('/v1/discovery', header(suspended)),
      await read('/v1/discovery', header(revoked)),
      await read('/v1/discovery', header(live, newDevice(live.id))),
      await read('/v1/discovery', header(live, live, Date.now() - 120_000)),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(answers[0]!.body.error.message).toContain('"target"');
    expect((await read('/v1/discovery', header(live))).status).toBe(200);
  });
});

describe('device-signed writes', () => {
  const anchor = (device: TestDevice, body: unknown, key?: string) =>
    anonymous.post(`/v1/devices/${device.id}/messages`, body, key ? { headers: { 'idempotency-key': key } } : {});

  test('unknown, suspended and revoked devices and forged signatures get one and the same 401', async () => {
    const { stranger, suspended, revoked, live } = await devicesInEveryState();
    const forger = newDevice(live.id);
    const answers = [
      await anchor(stranger, signed(stranger, 'anchor', 1, { digest: sha('a') })),
      await anchor(suspended, signed(suspended, 'anchor', 1, { digest: sha('a') })),
      await anchor(revoked, signed(revoked, 'anchor', 1, { digest: sha('a') })),
      await anchor(live, signed(forger, 'anchor', 1, { digest: sha('a') })),
    ];
    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual(Array(4).fill([401, 'UNAUTHENTICATED']));
    expect(new Set(answers.map((a) => a.body.error.message)).size).toBe(1);
  });

  test("a refused forgery is not remembered under its Idempotency-Key: the device's own write with that key goes through", async () => {
    const device = await registered();
    const key = uid('idem');
    expect((await anchor(device, signed(newDevice(device.id), 'anchor', 1, { digest: sha('forged') }), key)).status).toBe(401);
    expect((await anchor(device, signed(device, 'anchor', 1, { digest: sha('genuine') }), key)).status).toBe(201);
  });
});

describe('one accepted text per signature', () => {
  test('the high-S twin of a valid device signature is refused; the low-S original is accepted', async () => {
    const device = await registered();
    const body = signed(device, 'anchor', 1, { digest: sha('twin') });
    const original = p256.Signature.fromDER(Buffer.from(body.signature, 'base64'));
    expect(original.hasHighS()).toBe(false); // the device library signs low-S
    const twin = new p256.Signature(original.r, p256.CURVE.n - original.s).toDERRawBytes();
    const res = await anonymous.post(`/v1/devices/${device.id}/messages`, { ...body, signature: Buffer.from(twin).toString('base64') });
    expect(res.status).toBe(401);
    expect((await anonymous.post(`/v1/devices/${device.id}/messages`, body)).status).toBe(201);
  });
});
