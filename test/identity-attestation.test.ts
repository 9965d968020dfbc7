/**
 * Manufacturer attestation and ownership transfer (issue 22), through both orgs' gateways on the
 * live network: a family that requires its makers' birth certificates, a forged one refused, a
 * device offered by Org1 and accepted by Org2 with the history of both; and the same by the CLI.
 */
import { birthCertificate, DeviceIdentity, registrationProof } from '@iotreg/device';
import { clients, uid } from './support/network';
import { commandLine } from './support/cli';
import { newFamily } from './support/families';

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const errorCode = (code: string) => ({ error: { code, message: expect.any(String) } });

function registration(key: DeviceIdentity, deviceId: string, family: string, owner = 'Org1MSP') {
  return { deviceId, publicKeyPem: key.publicKeyPem, family, proof: registrationProof(key, { deviceId, ownerMsp: owner, family }) };
}

describe('manufacturer attestation', () => {
  test('a family that requires birth certificates enrols only devices its maker signed; a forged certificate is refused', async () => {
    const family = await newFamily('att-fam');
    const factory = DeviceIdentity.generate(); // Org2's manufacturing key
    const maker = uid('maker');
    const made = await org2.vendor.post('/v1/makers', { maker, manufacturingKeyPem: factory.publicKeyPem });
    expect([made.status, made.body]).toEqual([
      201,
      expect.objectContaining({ maker, orgMsp: 'Org2MSP', manufacturingKeyId: factory.keyId }),
    ]);
    expect((await org2.admin.post('/v1/makers', { maker: uid('maker'), manufacturingKeyPem: factory.publicKeyPem })).status).toBe(403);
    expect((await org1.auditor.get(`/v1/makers/${maker}`)).body).toMatchObject({ maker, orgMsp: 'Org2MSP' });

    // Only the family owner's admin names makers; a maker must exist.
    expect((await org2.admin.put(`/v1/families/${family}/identity-policy`, { makers: [maker] })).status).toBe(403);
    expect((await org1.admin.put(`/v1/families/${family}/identity-policy`, { makers: [uid('ghost')] })).status).toBe(404);
    const policy = await org1.admin.put(`/v1/families/${family}/identity-policy`, { makers: [maker], birthCertificate: 'required' });
    expect([policy.status, policy.body.identityPolicy]).toEqual([
      200,
      { preRotation: 'optional', makers: [maker], birthCertificate: 'required' },
    ]);

    const key = DeviceIdentity.generate();
    const deviceId = uid('att');
    const body = registration(key, deviceId, family);
    const device = { deviceId, family, keyId: key.keyId };

    const without = await org1.admin.post('/v1/devices', body);
    expect([without.status, without.body]).toEqual([422, errorCode('RULE_VIOLATION')]);
    // An admin forges a certificate with a key of its own: refused, nothing registered.
    const forged = await org1.admin.post('/v1/devices', {
      ...body,
      birthCertificate: birthCertificate(DeviceIdentity.generate(), maker, device),
    });
    expect([forged.status, forged.body]).toEqual([422, errorCode('BAD_SIGNATURE')]);
    // A genuine certificate of another device does not transfer to this one.
    const borrowed = birthCertificate(factory, maker, { ...device, deviceId: uid('att') });
    expect((await org1.admin.post('/v1/devices', { ...body, birthCertificate: borrowed })).status).toBe(422);
    expect((await org1.admin.get(`/v1/devices/${deviceId}`)).status).toBe(404);

    const genuine = await org1.admin.post('/v1/devices', { ...body, birthCertificate: birthCertificate(factory, maker, device) });
    expect(genuine.status).toBe(201);
    const birth = { maker, makerMsp: 'Org2MSP', manufacturingKeyId: factory.keyId };
    expect(genuine.body.birth).toEqual(birth);
    expect((await org2.auditor.get(`/v1/devices/${deviceId}`)).body).toMatchObject({ ownerMsp: 'Org1MSP', birth });
  });
});

describe('ownership transfer', () => {
  test('Org1 offers, Org2 accepts through its gateway; the history shows both; the new owner manages the device', async () => {
    const family = await newFamily('xfer-fam');
    const key = DeviceIdentity.generate();
    const deviceId = uid('xfer');
    expect((await org1.admin.post('/v1/devices', registration(key, deviceId, family))).status).toBe(201);

    expect((await org2.admin.post(`/v1/devices/${deviceId}/transfer/accept`, { fromMsp: 'Org1MSP' })).status).toBe(409);
    expect((await org2.admin.post(`/v1/devices/${deviceId}/transfer`, { toMsp: 'Org2MSP' })).status).toBe(403);
    const offered = await org1.admin.post(`/v1/devices/${deviceId}/transfer`, { toMsp: 'Org2MSP' });
    expect([offered.status, offered.body.ownerMsp, offered.body.transferOffer?.toMsp]).toEqual([200, 'Org1MSP', 'Org2MSP']);
    expect((await org1.admin.post(`/v1/devices/${deviceId}/transfer/accept`, { fromMsp: 'Org1MSP' })).status).toBe(403);
    expect((await org2.auditor.post(`/v1/devices/${deviceId}/transfer/accept`, { fromMsp: 'Org1MSP' })).status).toBe(403);

    const accepted = await org2.admin.post(`/v1/devices/${deviceId}/transfer/accept`, { fromMsp: 'Org1MSP' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.ownerMsp).toBe('Org2MSP');
    expect(accepted.body.transferOffer).toBeUndefined();

    for (const reader of [org1.auditor, org2.auditor]) {
      expect((await reader.get(`/v1/devices/${deviceId}`)).body.ownerMsp).toBe('Org2MSP');
      const history = await reader.get(`/v1/devices/${deviceId}/history`);
      expect(history.body.items.map((e: { action: string; submitterMsp: string }) => [e.action, e.submitterMsp])).toEqual([
        ['register', 'Org1MSP'],
        ['offer-transfer', 'Org1MSP'],
        ['accept-transfer', 'Org2MSP'],
      ]);
      const owned = await reader.get(`/v1/devices?owner=Org2MSP&family=${family}`);
      expect(owned.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual([deviceId]);
    }
    expect((await org1.admin.post(`/v1/devices/${deviceId}/suspend`, {})).status).toBe(403);
    expect((await org2.admin.post(`/v1/devices/${deviceId}/suspend`, {})).status).toBe(200);
  });
});

describe('the CLI', () => {
  const { iotreg } = commandLine('att');
  const json = async (...args: string[]) => {
    const result = await iotreg(...args);
    expect([result.code, result.output]).toEqual([0, expect.any(String)]);
    return result.json;
  };

  test('maker register and certify, a family requiring certificates, device register --birth-certificate, transfer offer and accept', async () => {
    const family = await newFamily('att-cli');
    const maker = uid('maker');
    const id = uid('att-cli');
    for (const name of ['factory', 'forger', 'dev']) expect((await iotreg('device', 'keygen', '--out', name)).code).toBe(0);
    expect(
      await json('--org', 'Org2MSP', '--role', 'vendor', '--json', 'maker', 'register', '--maker', maker, '--key', 'factory.pub.pem'),
    ).toMatchObject({
      orgMsp: 'Org2MSP',
    });
    const policy = await json(
      '--org',
      'Org1MSP',
      '--json',
      'family',
      'identity-policy',
      family,
      '--makers',
      maker,
      '--birth-certificate',
      'required',
    );
    expect(policy.identityPolicy).toMatchObject({ makers: [maker], birthCertificate: 'required' });

    const certify = (key: string, out: string) =>
      iotreg(
        '--json',
        'maker',
        'certify',
        '--maker',
        maker,
        '--key',
        key,
        '--id',
        id,
        '--family',
        family,
        '--device-key',
        'dev.pub.pem',
        '--out',
        out,
      );
    expect((await certify('forger.key.pem', 'forged.json')).code).toBe(0);
    expect((await certify('factory.key.pem', 'birth.json')).code).toBe(0);
    const register = (certificate: string) =>
      iotreg(
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
        'dev.key.pem',
        '--birth-certificate',
        certificate,
      );
    const forged = await register('forged.json');
    expect([forged.code, forged.output]).toEqual([expect.any(Number), expect.stringMatching(/BAD_SIGNATURE/)]);
    expect(forged.code).not.toBe(0);
    const registered = await register('birth.json');
    expect(registered.code).toBe(0);
    expect(registered.json.birth).toMatchObject({ maker, makerMsp: 'Org2MSP' });

    expect(await json('--org', 'Org1MSP', '--json', 'device', 'transfer', 'offer', id, '--to', 'Org2MSP')).toMatchObject({
      transferOffer: { toMsp: 'Org2MSP' },
    });
    expect(await json('--org', 'Org2MSP', '--json', 'device', 'transfer', 'accept', id, '--from', 'Org1MSP')).toMatchObject({
      ownerMsp: 'Org2MSP',
    });
  });
});
