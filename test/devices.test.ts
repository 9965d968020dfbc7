/** The Devices section of the REST contract, through both orgs' gateways on the live network. */
import { BATCH_MAX, statements } from '@iotreg/common';
import { clients, Client, uid } from './support/network';
import { newDevice, registration, rotation, TestDevice, registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['thermo-v1', 'burst-v1', 'batch-v1']));

const as = clients();
const org1 = as.Org1MSP;
const org2 = as.Org2MSP;

const registered = (by: Client = org1.admin, family = 'thermo-v1', attributes?: Record<string, string>) =>
  registeredDevice(by, family, 'dev', attributes);

const errorBody = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('registration', () => {
  test('an admin registers a device that proves possession; every org reads it', async () => {
    const device = newDevice(uid('dev'));
    const res = await org1.admin.post('/v1/devices', registration(device, 'thermo-v1', { site: 'plant-7' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      deviceId: device.id,
      family: 'thermo-v1',
      ownerMsp: 'Org1MSP',
      status: 'active',
      keyId: device.keyId,
      attributes: { site: 'plant-7' },
      txId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(res.body.createdAt).toBe(res.body.updatedAt);
    for (const reader of [org2.auditor, org2.vendor, org1.auditor]) {
      const read = await reader.get(`/v1/devices/${device.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org1MSP', publicKeyPem: device.publicKeyPem });
    }
  });

  test('a proof signed by another key is refused with 422 and registers nothing', async () => {
    const device = newDevice(uid('dev'));
    const impostor = newDevice(device.id);
    const body = {
      ...registration(device, 'thermo-v1'),
      proof: impostor.sign(statements.register(device.id, device.keyId, 'Org1MSP', 'thermo-v1')),
    };
    const res = await org1.admin.post('/v1/devices', body);
    expect(res.status).toBe(422);
    expect(res.body).toEqual(errorBody('BAD_SIGNATURE'));
    expect((await org1.admin.get(`/v1/devices/${device.id}`)).status).toBe(404);
  });

  test('a proof over another device ID is refused', async () => {
    const device = newDevice(uid('dev'));
    const body = {
      ...registration(device, 'thermo-v1'),
      proof: device.sign(statements.register('other', device.keyId, 'Org1MSP', 'thermo-v1')),
    };
    expect((await org1.admin.post('/v1/devices', body)).status).toBe(422);
  });

  test.each([
    ['a malformed PEM', { publicKeyPem: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n' }],
    ['a bad device ID', { deviceId: 'bad id with spaces' }],
    ['a missing family', { family: undefined }],
    ['attributes that are not strings', { attributes: { n: 1 } }],
  ])('%s: 400', async (_, change) => {
    const device = newDevice(uid('dev'));
    const res = await org1.admin.post('/v1/devices', { ...registration(device, 'thermo-v1'), ...change });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(errorBody('INVALID_ARGUMENT'));
  });

  test('a device ID is never reused: 409, also after revocation', async () => {
    const device = await registered();
    expect((await org1.admin.post('/v1/devices', registration(device, 'thermo-v1'))).status).toBe(409);
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'decommissioned' });
    const again = newDevice(device.id);
    const res = await org2.admin.post('/v1/devices', registration(again, 'thermo-v1', undefined, 'Org2MSP'));
    expect(res.status).toBe(409);
    expect(res.body).toEqual(errorBody('ALREADY_EXISTS'));
  });

  test.each([['vendor'], ['auditor']] as const)('a %s may not register: 403', async (role) => {
    const device = newDevice(uid('dev'));
    const res = await org1[role].post('/v1/devices', registration(device, 'thermo-v1'));
    expect(res.status).toBe(403);
    expect(res.body).toEqual(errorBody('FORBIDDEN'));
  });

  test('unknown device: 404', async () => {
    const res = await org2.auditor.get(`/v1/devices/${uid('missing')}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual(errorBody('NOT_FOUND'));
  });

  test('20 concurrent registrations split over both gateways all commit', async () => {
    const devices = Array.from({ length: 20 }, () => newDevice(uid('burst')));
    const answers = await Promise.all(
      devices.map((device, i) =>
        (i % 2 ? org2.admin : org1.admin).post('/v1/devices', registration(device, 'burst-v1', undefined, i % 2 ? 'Org2MSP' : 'Org1MSP')),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.txId)).size).toBe(20);
    for (const [i, device] of devices.entries()) {
      const read = await (i % 2 ? org1.auditor : org2.auditor).get(`/v1/devices/${device.id}`);
      expect(read.body.ownerMsp).toBe(i % 2 ? 'Org2MSP' : 'Org1MSP');
    }
  });
});

describe('lists', () => {
  const family = uid('fam');
  let devices: TestDevice[];

  beforeAll(async () => {
    await ensureFamilies([family]);
    devices = [];
    for (let i = 0; i < 5; i++) devices.push(await registered(i < 3 ? org1.admin : org2.admin, family));
    await org1.admin.call('suspendDevice', { deviceId: devices[0]!.id });
  });

  test('filters by family, owner and status, and pages with bookmarks without gaps or repeats', async () => {
    const seen: string[] = [];
    let bookmark = '';
    do {
      const res = await org2.auditor.get(`/v1/devices?family=${family}&pageSize=2&bookmark=${bookmark}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((d: { deviceId: string }) => d.deviceId));
      bookmark = res.body.bookmark;
    } while (bookmark);
    expect(seen.sort()).toEqual(devices.map((d) => d.id).sort());

    const owned = await org1.auditor.get(`/v1/devices?family=${family}&owner=Org2MSP`);
    expect(owned.body.items.map((d: { deviceId: string }) => d.deviceId).sort()).toEqual([devices[3]!.id, devices[4]!.id].sort());
    const suspended = await org1.auditor.get(`/v1/devices?family=${family}&status=suspended`);
    expect(suspended.body).toEqual({ items: [expect.objectContaining({ deviceId: devices[0]!.id })], bookmark: '' });
  });

  test.each(['pageSize=0', 'pageSize=1001', 'pageSize=x', 'status=lost', 'bookmark=%00', 'compliance=maybe'])(
    'a bad query (%s): 400',
    async (query) => {
      expect((await org1.auditor.get(`/v1/devices?${query}`)).status).toBe(400);
    },
  );
});

describe('keys', () => {
  test('rotation needs both proofs, keeps the key history, and answers validity at a time', async () => {
    const device = await registered();
    const next = newDevice(device.id);
    const beforeRotation = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));

    const forged = { ...rotation(device, next), proofOld: next.sign(statements.rotate(device.id, device.keyId, next.keyId)) };
    expect((await org1.admin.post(`/v1/devices/${device.id}/keys`, forged)).status).toBe(422);

    const res = await org1.admin.post(`/v1/devices/${device.id}/keys`, rotation(device, next));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deviceId: device.id, keyId: next.keyId, publicKeyPem: next.publicKeyPem });

    const history = await org2.auditor.get(`/v1/devices/${device.id}/keys`);
    expect(history.body).toEqual([
      expect.objectContaining({ keyId: device.keyId, validFrom: expect.any(String), validTo: res.body.updatedAt }),
      expect.objectContaining({ keyId: next.keyId, validFrom: res.body.updatedAt }),
    ]);
    expect(history.body[1].validTo).toBeUndefined();

    const oldThen = await org2.vendor.get(`/v1/keys/${device.keyId}?at=${beforeRotation}`);
    expect(oldThen.body).toMatchObject({ keyId: device.keyId, deviceId: device.id, validAt: true, status: 'rotated' });
    const oldNow = await org2.vendor.get(`/v1/keys/${device.keyId}`);
    expect(oldNow.body.validAt).toBe(false);
    const newNow = await org2.vendor.get(`/v1/keys/${next.keyId}`);
    expect(newNow.body).toMatchObject({ validAt: true, status: 'current' });
    const newThen = await org2.vendor.get(`/v1/keys/${next.keyId}?at=${beforeRotation}`);
    expect(newThen.body.validAt).toBe(false);
  });

  test('unknown key: 404; bad keyId or time: 400', async () => {
    expect((await org1.auditor.get(`/v1/keys/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await org1.auditor.get('/v1/keys/XYZ')).status).toBe(400);
    const device = await registered();
    expect((await org1.auditor.get(`/v1/keys/${device.keyId}?at=yesterday`)).status).toBe(400);
  });

  test("another org's admin may not rotate: 403", async () => {
    const device = await registered(org1.admin);
    const res = await org2.admin.post(`/v1/devices/${device.id}/keys`, rotation(device, newDevice(device.id)));
    expect(res.status).toBe(403);
  });
});

describe('status and revocation', () => {
  test('suspend and reactivate by the owner; not twice in a row', async () => {
    const device = await registered();
    const suspended = await org1.admin.post(`/v1/devices/${device.id}/suspend`, { reason: 'maintenance' });
    expect(suspended.status).toBe(200);
    expect(suspended.body.status).toBe('suspended');
    expect((await org1.admin.post(`/v1/devices/${device.id}/suspend`, {})).status).toBe(409);
    const active = await org1.admin.post(`/v1/devices/${device.id}/reactivate`, {});
    expect(active.body.status).toBe('active');
  });

  test("another org's admin may not suspend, reactivate or revoke: 403, nothing changes", async () => {
    const device = await registered(org1.admin);
    for (const action of ['suspend', 'reactivate', 'revoke']) {
      const res = await org2.admin.post(`/v1/devices/${device.id}/${action}`, { reason: 'other' });
      expect([action, res.status]).toEqual([action, 403]);
    }
    expect((await org1.auditor.get(`/v1/devices/${device.id}`)).body.status).toBe('active');
  });

  test('revocation is terminal, listed, and closes the key', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const device = await registered();
    const res = await org1.admin.post(`/v1/devices/${device.id}/revoke`, { reason: 'keyCompromise' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('revoked');

    const again = await org1.admin.post(`/v1/devices/${device.id}/revoke`, { reason: 'keyCompromise' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(errorBody('ALREADY_REVOKED'));
    expect((await org1.admin.post(`/v1/devices/${device.id}/reactivate`, {})).status).toBe(409);
    expect((await org1.admin.post(`/v1/devices/${device.id}/keys`, rotation(device, newDevice(device.id)))).status).toBe(409);

    const key = await org2.auditor.get(`/v1/keys/${device.keyId}`);
    expect(key.body).toMatchObject({ validAt: false, status: 'revoked' });

    const listed: Array<{ deviceId: string }> = [];
    let bookmark = '';
    do {
      const page = await org2.auditor.get(`/v1/revocations?since=${since}&pageSize=50&bookmark=${bookmark}`);
      expect(page.status).toBe(200);
      listed.push(...page.body.items);
      bookmark = page.body.bookmark;
    } while (bookmark);
    expect(listed).toContainEqual({ deviceId: device.id, keyId: device.keyId, reason: 'keyCompromise', revokedAt: res.body.updatedAt });
  });

  test('a bad revocation reason: 400', async () => {
    const device = await registered();
    expect((await org1.admin.post(`/v1/devices/${device.id}/revoke`, { reason: 'bored' })).status).toBe(400);
  });
});

describe('history', () => {
  test('every change, oldest first, with txId, time, submitter and action; auditors and admins only', async () => {
    const device = await registered();
    await org1.admin.call('suspendDevice', { deviceId: device.id });
    await org1.admin.call('reactivateDevice', { deviceId: device.id });
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'superseded' });
    for (const reader of [org2.auditor, org1.admin]) {
      const res = await reader.get(`/v1/devices/${device.id}/history`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['register', 'suspend', 'reactivate', 'revoke']);
      for (const entry of res.body.items) {
        expect(entry).toMatchObject({ txId: expect.stringMatching(/^[0-9a-f]{64}$/), submitterMsp: 'Org1MSP' });
      }
      const times = res.body.items.map((e: { timestamp: string }) => e.timestamp);
      expect([...times].sort()).toEqual(times);
    }
    expect((await org1.vendor.get(`/v1/devices/${device.id}/history`)).status).toBe(403);
  });
});

describe('batch registration', () => {
  test(`${BATCH_MAX} devices in one transaction, readable through the other org; one more is refused`, async () => {
    const batch = Array.from({ length: BATCH_MAX }, () => newDevice(uid('batch')));
    const res = await org1.admin.post('/v1/devices:batch', { devices: batch.map((d) => registration(d, 'batch-v1')) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ count: BATCH_MAX, txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const tooMany = [...batch, newDevice(uid('batch'))].map((d) => registration(d, 'batch-v1'));
    expect((await org1.admin.post('/v1/devices:batch', { devices: tooMany })).status).toBe(400);
    for (const device of [batch[0]!, batch[75]!, batch[BATCH_MAX - 1]!]) {
      expect((await org2.auditor.get(`/v1/devices/${device.id}`)).body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org1MSP' });
    }
  });

  test('one bad item refuses the whole batch and is named; nothing is registered', async () => {
    const good = newDevice(uid('batch'));
    const forged = newDevice(uid('batch'));
    const existing = await registered();
    const body = {
      devices: [
        registration(good, 'batch-v1'),
        { ...registration(forged, 'batch-v1'), proof: registration(newDevice(forged.id), 'batch-v1').proof },
        registration(existing, 'batch-v1'),
      ],
    };
    const res = await org1.admin.post('/v1/devices:batch', body);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/2 of 3 refused, nothing registered: \[1\] BAD_SIGNATURE: .*; \[2\] ALREADY_EXISTS: /);
    expect(res.body.error.items).toEqual([
      { index: 1, code: 'BAD_SIGNATURE', message: expect.stringContaining('proof') },
      { index: 2, code: 'ALREADY_EXISTS', message: expect.stringContaining(existing.id) },
    ]);
    expect((await org1.auditor.get(`/v1/devices/${good.id}`)).status).toBe(404);
    expect((await org1.admin.post('/v1/devices:batch', { devices: [] })).status).toBe(400);
    expect((await org1.vendor.post('/v1/devices:batch', { devices: [registration(good, 'batch-v1')] })).status).toBe(403);
  });
});
