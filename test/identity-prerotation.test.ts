/**
 * Pre-rotation (issue 22), through both orgs' gateways on the live network: a simulated key theft
 * that the owner recovers from with the pre-committed key, a family that requires commitments,
 * and the same through the CLI.
 */
import { createHash } from 'node:crypto';
import {
  DeviceClient,
  DeviceIdentity,
  committedRegistration,
  committedRotation,
  preRotation,
  registrationProof,
  rotationProofs,
} from '@iotreg/device';
import { clients, clientsFile, uid } from './support/network';
import { commandLine } from './support/cli';
import { newFamily } from './support/families';
import { signed } from './support/devices';

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const errorCode = (code: string) => ({ error: { code, message: expect.any(String) } });

/** Registers through Org1 a device that commits to `next`. */
async function registerCommitted(family: string, current: DeviceIdentity, next: DeviceIdentity) {
  const deviceId = uid('pre');
  const target = { deviceId, ownerMsp: 'Org1MSP', family };
  const res = await org1.admin.post('/v1/devices', {
    deviceId,
    publicKeyPem: current.publicKeyPem,
    family,
    ...committedRegistration(current, target, next),
  });
  expect([res.status, res.body.nextKeyDigest]).toEqual([201, next.keyId]);
  return deviceId;
}

describe('pre-rotation', () => {
  test("key theft: the thief's rotation is refused, the owner's pre-committed rotation succeeds, the thief's key is dead from then on", async () => {
    const family = await newFamily('pre-fam');
    const stolen = DeviceIdentity.generate(); // the device's current key, which a thief copies
    const committed = DeviceIdentity.generate(); // kept offline by the owner
    const deviceId = await registerCommitted(family, stolen, committed);
    const asDevice = { id: deviceId, sign: (s: Parameters<DeviceIdentity['sign']>[0]) => stolen.sign(s) };
    const anchor = (via: typeof org1.auditor, seq: number, text: string) =>
      via.post(`/v1/devices/${deviceId}/messages`, signed(asDevice as never, 'anchor', seq, { digest: sha(text) }));

    // Every org sees the commitment; only the digest is published.
    const seen = await org2.auditor.get(`/v1/devices/${deviceId}`);
    expect(seen.body).toMatchObject({ keyId: stolen.keyId, nextKeyDigest: committed.keyId });

    // Until the owner rotates, the thief can sign as the device: that much a stolen key gives.
    expect((await anchor(org2.auditor, 1, 'thief before rotation')).status).toBe(201);

    // The thief's rotation to a key of its own, signed by the stolen key and its key: refused,
    // through either org (Org2's admin is not the owner either).
    const thief = DeviceIdentity.generate();
    const thiefRotation = rotationProofs(deviceId, stolen, thief);
    const refused = await org1.admin.post(`/v1/devices/${deviceId}/keys`, thiefRotation);
    expect([refused.status, refused.body]).toEqual([422, errorCode('RULE_VIOLATION')]);
    expect(refused.body.error.message).toMatch(/committed to its next key/);
    expect((await org2.admin.post(`/v1/devices/${deviceId}/keys`, thiefRotation)).status).toBe(403);
    // Nor can the thief reveal its own key as if it were the committed one, nor sign the committed one's rotation.
    const thiefReveal = await org1.admin.post(
      `/v1/devices/${deviceId}/pre-rotation`,
      preRotation(deviceId, stolen.keyId, thief, DeviceIdentity.generate()),
    );
    expect([thiefReveal.status, thiefReveal.body]).toEqual([422, errorCode('RULE_VIOLATION')]);
    const forged = {
      ...preRotation(deviceId, stolen.keyId, committed, DeviceIdentity.generate()),
      proof: stolen.sign({ action: 'pre-rotate', deviceId }),
    };
    const forgedRes = await org1.admin.post(`/v1/devices/${deviceId}/pre-rotation`, forged);
    expect([forgedRes.status, forgedRes.body]).toEqual([422, errorCode('BAD_SIGNATURE')]);
    expect((await org2.auditor.get(`/v1/devices/${deviceId}`)).body.keyId).toBe(stolen.keyId);

    // The owner rotates with the pre-committed key, and commits to the next one.
    const after = DeviceIdentity.generate();
    const rotated = await org1.admin.post(`/v1/devices/${deviceId}/pre-rotation`, preRotation(deviceId, stolen.keyId, committed, after));
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ deviceId, keyId: committed.keyId, nextKeyDigest: after.keyId });
    const rotatedAt = rotated.body.updatedAt as string;

    // From that transaction on, the thief's signatures fail: its rotations 422, its device-signed
    // writes the uniform 401 of a key that is not the device's current one; both gateways.
    for (const via of [org1.admin, org2.admin]) {
      const late = await via.post(`/v1/devices/${deviceId}/keys`, rotationProofs(deviceId, stolen, DeviceIdentity.generate()));
      expect(late.status).toBe(via === org1.admin ? 422 : 403);
    }
    const lateReveal = await org1.admin.post(
      `/v1/devices/${deviceId}/pre-rotation`,
      preRotation(deviceId, committed.keyId, thief, DeviceIdentity.generate()),
    );
    expect([lateReveal.status, lateReveal.body]).toEqual([422, errorCode('RULE_VIOLATION')]);
    for (const via of [org1.auditor, org2.auditor]) {
      const late = await anchor(via, 2, 'thief after rotation');
      expect([late.status, late.body]).toEqual([401, errorCode('UNAUTHENTICATED')]);
    }
    // The device, with its new key, goes on (through the device library, Org2's gateway).
    const device = new DeviceClient(clientsFile().orgs.Org2MSP.gateway, deviceId, committed);
    await device.syncSeq();
    expect((await device.anchor(sha('owner after rotation'))).keyId).toBe(committed.keyId);

    // Validity at a time stays exact, through both orgs.
    const justBefore = new Date(Date.parse(rotatedAt) - 1).toISOString();
    for (const reader of [org1.auditor, org2.auditor]) {
      const v = async (keyId: string, at: string) => (await reader.get(`/v1/keys/${keyId}?at=${encodeURIComponent(at)}`)).body;
      expect(await v(stolen.keyId, justBefore)).toMatchObject({ validAt: true, status: 'rotated' });
      expect(await v(stolen.keyId, rotatedAt)).toMatchObject({ validAt: false, status: 'rotated' });
      expect(await v(committed.keyId, justBefore)).toMatchObject({ validAt: false, status: 'current' });
      expect(await v(committed.keyId, rotatedAt)).toMatchObject({ validAt: true, status: 'current' });
    }
    const history = await org2.auditor.get(`/v1/devices/${deviceId}/history`);
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual(['register', 'pre-rotate-key']);
  });

  test('a family that requires pre-rotation refuses registrations and rotations without a commitment', async () => {
    const family = await newFamily('pre-req');
    const plain = DeviceIdentity.generate();
    const olderId = uid('pre');
    const older = {
      deviceId: olderId,
      publicKeyPem: plain.publicKeyPem,
      family,
      proof: registrationProof(plain, { deviceId: olderId, ownerMsp: 'Org1MSP', family }),
    };
    expect((await org1.admin.post('/v1/devices', older)).status).toBe(201);

    expect((await org2.admin.put(`/v1/families/${family}/identity-policy`, { preRotation: 'required' })).status).toBe(403);
    expect((await org1.vendor.put(`/v1/families/${family}/identity-policy`, { preRotation: 'required' })).status).toBe(403);
    expect((await org1.admin.put(`/v1/families/${family}/identity-policy`, { preRotation: 'always' })).status).toBe(400);
    const set = await org1.admin.put(`/v1/families/${family}/identity-policy`, { preRotation: 'required' });
    expect([set.status, set.body.identityPolicy]).toEqual([200, { preRotation: 'required' }]);
    expect((await org2.auditor.get(`/v1/families/${family}`)).body.identityPolicy).toEqual({ preRotation: 'required' });

    const key = DeviceIdentity.generate();
    const deviceId = uid('pre');
    const without = {
      deviceId,
      publicKeyPem: key.publicKeyPem,
      family,
      proof: registrationProof(key, { deviceId, ownerMsp: 'Org1MSP', family }),
    };
    const refused = await org1.admin.post('/v1/devices', without);
    expect([refused.status, refused.body]).toEqual([422, errorCode('RULE_VIOLATION')]);
    expect((await org1.admin.get(`/v1/devices/${deviceId}`)).status).toBe(404);
    const batch = await org1.admin.post('/v1/devices:batch', { devices: [without] });
    expect(batch.status).toBe(422);

    // The device registered before the policy rotates only by committing.
    const fresh = DeviceIdentity.generate();
    expect((await org1.admin.post(`/v1/devices/${olderId}/keys`, rotationProofs(olderId, plain, fresh))).status).toBe(422);
    const committing = await org1.admin.post(
      `/v1/devices/${olderId}/keys`,
      committedRotation(olderId, plain, fresh, DeviceIdentity.generate()),
    );
    expect([committing.status, committing.body.keyId]).toEqual([200, fresh.keyId]);
    // A registration proof that does not sign the commitment is refused.
    const unsigned = { ...without, nextKeyDigest: DeviceIdentity.generate().keyId };
    expect((await org1.admin.post('/v1/devices', unsigned)).status).toBe(422);
  });
});

describe('the CLI', () => {
  const { iotreg } = commandLine('pre');

  test('identity-policy, register --next-key, a refused plain rotation, pre-rotate, key-digest', async () => {
    const family = await newFamily('pre-cli');
    const id = uid('pre-cli');
    for (const name of ['k0', 'k1', 'k2', 'thief']) expect((await iotreg('device', 'keygen', '--out', name)).code).toBe(0);
    const policy = await iotreg('--org', 'Org1MSP', '--json', 'family', 'identity-policy', family, '--pre-rotation', 'required');
    expect([policy.code, policy.json.identityPolicy]).toEqual([0, { preRotation: 'required' }]);
    const digest = (await iotreg('--json', 'device', 'key-digest', 'k1.pub.pem')).json.nextKeyDigest;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);

    const registered = await iotreg(
      '--org',
      'Org1MSP',
      '--json',
      'device',
      'register',
      '--id',
      id,
      '--family',
      family,
      '--key',
      'k0.key.pem',
      '--next-key',
      'k1.pub.pem',
    );
    expect(registered.code).toBe(0);
    expect(registered.json.nextKeyDigest).toBe(digest);

    const stolen = await iotreg(
      '--org',
      'Org1MSP',
      '--json',
      'device',
      'rotate',
      '--id',
      id,
      '--old-key',
      'k0.key.pem',
      '--new-key',
      'thief.key.pem',
      '--next-key',
      'k2.pub.pem',
    );
    expect(stolen.code).not.toBe(0);
    expect(stolen.output).toMatch(/RULE_VIOLATION/);

    const rotated = await iotreg(
      '--org',
      'Org1MSP',
      '--json',
      'device',
      'pre-rotate',
      '--id',
      id,
      '--key',
      'k1.key.pem',
      '--next-key',
      'k2.pub.pem',
    );
    expect(rotated.code).toBe(0);
    const device = rotated.json;
    expect(device.keyId).toBe(digest);
    const shown = (await iotreg('--org', 'Org2MSP', '--role', 'auditor', '--json', 'device', 'show', id)).json;
    expect(shown).toMatchObject({ keyId: digest, nextKeyDigest: device.nextKeyDigest });
  });
});
