/** The Firmware and Configuration sections of the REST contract, on the live network. */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { clients, uid } from './support/network';
import { newDevice, registration, signed, TestDevice, registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['cfg-v1']));

const as = clients();
const { Org1MSP: org1, Org2MSP: org2 } = as;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A vendor's release-signing key: a key pair that signs statements, like a device's. */
function vendorKey() {
  const key = DeviceIdentity.generate();
  return {
    pem: key.publicKeyPem,
    signRelease: (family: string, version: string, sha256: string) => key.sign(statements.firmware(family, version, sha256)),
  };
}

const device = (family: string): Promise<TestDevice> => registeredDevice(org1.admin, family, 'fw-dev');

describe('firmware', () => {
  const family = uid('fam');
  const vendor = vendorKey();
  const release = (version: string, image = `${family}-${version}`) => ({
    family,
    version,
    sha256: sha(image),
    uri: `https://fw.example/${family}/${version}.bin`,
    signature: vendor.signRelease(family, version, sha(image)),
  });

  beforeAll(async () => {
    const res = await org1.vendor.post('/v1/families', { family, vendorKeyPem: vendor.pem, approvalThreshold: 1 });
    expect(res.status).toBe(201);
  });

  test('a family belongs to the vendor org; only vendors register; thresholds must be reachable by the other orgs', async () => {
    const read = await org2.auditor.get(`/v1/families/${family}`);
    expect(read.body).toMatchObject({
      family,
      ownerMsp: 'Org1MSP',
      approvalThreshold: 1,
      approvalsRequired: 1,
      vendorKeyId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await org1.admin.post('/v1/families', { family: uid('fam'), vendorKeyPem: vendor.pem, approvalThreshold: 1 })).status).toBe(
      403,
    );
    expect((await org1.vendor.post('/v1/families', { family, vendorKeyPem: vendor.pem, approvalThreshold: 1 })).status).toBe(409);
    expect((await org1.vendor.post('/v1/families', { family: uid('fam'), vendorKeyPem: vendor.pem, approvalThreshold: 0 })).status).toBe(
      400,
    );
    // Only the other org's approval counts, so 2 of 2 (the vendor's own org voting) is out of reach: a rule, not a format.
    expect((await org1.vendor.post('/v1/families', { family: uid('fam'), vendorKeyPem: vendor.pem, approvalThreshold: 2 })).status).toBe(
      422,
    );
    expect((await org1.auditor.get(`/v1/families/${uid('nofam')}`)).status).toBe(404);
  });

  test("a signed release is pending until another org approves: the owner's own admin cannot; one vote per org", async () => {
    const published = await org1.vendor.post('/v1/firmware', release('1.0.0'));
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ family, version: '1.0.0', status: 'pending', approvals: [] });

    const own = await org1.admin.post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve', comment: 'lab ok' });
    expect([own.status, own.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect((await org2.auditor.post('/v1/firmware/verify', { family, sha256: sha(`${family}-1.0.0`) })).body.verdict).toBe('pending');
    expect((await org2.vendor.post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve' })).status).toBe(403);

    const second = await org2.admin.post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve', comment: 'lab ok' });
    expect(second.body.status).toBe('trusted');
    expect(second.body.approvals).toEqual([{ msp: 'Org2MSP', decision: 'approve', comment: 'lab ok', at: expect.any(String) }]);
    const dup = await org2.admin.post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve' });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'DUPLICATE_VOTE']);
    const latest = await org2.auditor.get(`/v1/firmware/${family}/latest`);
    expect(latest.body).toMatchObject({ version: '1.0.0', status: 'trusted' });
    const verdict = await org2.auditor.post('/v1/firmware/verify', { family, sha256: sha(`${family}-1.0.0`) });
    expect(verdict.body).toEqual({ verdict: 'trusted', version: '1.0.0' });
  });

  test("bad vendor signature: 422; rollback or same version: 422; another org's vendor: 403", async () => {
    const forged = { ...release('2.0.0'), signature: vendorKey().signRelease(family, '2.0.0', sha(`${family}-2.0.0`)) };
    const bad = await org1.vendor.post('/v1/firmware', forged);
    expect([bad.status, bad.body.error.code]).toEqual([422, 'BAD_SIGNATURE']);
    expect((await org2.vendor.post('/v1/firmware', release('2.0.0'))).status).toBe(403);
    expect((await org1.vendor.post('/v1/firmware', release('1.1.0'))).status).toBe(201);
    const rollback = await org1.vendor.post('/v1/firmware', release('1.0.9'));
    expect([rollback.status, rollback.body.error.code]).toEqual([422, 'VERSION_NOT_NEWER']);
    expect((await org1.vendor.post('/v1/firmware', release('1.1.0', 'other image'))).status).toBe(422);
    expect((await org1.vendor.post('/v1/firmware', { ...release('1.2.0'), version: '1.2' })).status).toBe(400);
    expect((await org1.auditor.get(`/v1/firmware/${family}/9.9.9`)).status).toBe(404);
  });

  test('rejections that make the threshold unreachable reject the release', async () => {
    await org1.vendor.call('publishFirmware', release('3.0.0'));
    const res = await org2.admin.post(`/v1/firmware/${family}/3.0.0/approvals`, { decision: 'reject' });
    expect(res.body.status).toBe('rejected');
    expect((await org1.auditor.post('/v1/firmware/verify', { family, sha256: sha(`${family}-3.0.0`) })).body.verdict).toBe('rejected');
    expect((await org2.admin.post(`/v1/firmware/${family}/3.0.0/approvals`, { decision: 'approve' })).status).toBe(409);
  });

  test('the releases list pages in version order; unknown images verify as unknown', async () => {
    const page1 = await org2.auditor.get(`/v1/firmware/${family}?pageSize=2`);
    expect(page1.body.items.map((r: { version: string }) => r.version)).toEqual(['1.0.0', '1.1.0']);
    const page2 = await org2.auditor.get(`/v1/firmware/${family}?pageSize=2&bookmark=${page1.body.bookmark}`);
    expect(page2.body.items[0].version).toBe('3.0.0');
    expect((await org2.auditor.post('/v1/firmware/verify', { family, sha256: sha('nothing') })).body).toEqual({ verdict: 'unknown' });
  });

  test('devices report firmware: verdict and compliance against the minimum version; revocation; fleet filter', async () => {
    const fam = uid('fleet');
    const key = vendorKey();
    await org2.vendor.call('registerFamily', { family: fam, vendorKeyPem: key.pem, approvalThreshold: 1 });
    const publish = (version: string) =>
      org2.vendor.call('publishFirmware', {
        family: fam,
        version,
        sha256: sha(fam + version),
        signature: key.signRelease(fam, version, sha(fam + version)),
      });
    await publish('1.0.0');
    await publish('2.0.0');
    await org1.admin.call('voteFirmware', { family: fam, version: '1.0.0', decision: 'approve' });
    await org1.admin.call('voteFirmware', { family: fam, version: '2.0.0', decision: 'approve' });

    const old = await device(fam);
    const current = await device(fam);
    const report = (d: TestDevice, seq: number, version: string) =>
      org2.auditor.post(
        `/v1/devices/${d.id}/firmware`,
        signed(d, 'firmware-report', seq, { family: fam, version, sha256: sha(fam + version) }),
      );
    expect((await report(old, 1, '1.0.0')).status).toBe(201);
    expect((await report(current, 1, '2.0.0')).status).toBe(201);
    expect((await org1.auditor.get(`/v1/devices/${old.id}`)).body.firmware).toMatchObject({
      version: '1.0.0',
      verdict: 'trusted',
      compliant: true,
    });

    expect((await org2.admin.put(`/v1/families/${fam}/policy`, { minVersion: '2.0.0' })).status).toBe(200);
    expect((await org1.auditor.get(`/v1/devices/${old.id}`)).body.firmware.compliant).toBe(false);
    const fleet = await org1.auditor.get(`/v1/devices?family=${fam}&compliance=noncompliant`);
    expect(fleet.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual([old.id]);

    const revoked = await org2.vendor.post(`/v1/firmware/${fam}/2.0.0/revoke`, { reason: 'CVE-2026-0001' });
    expect(revoked.body.status).toBe('revoked');
    expect((await org1.admin.post(`/v1/firmware/${fam}/2.0.0/revoke`, { reason: 'again' })).status).toBe(409);
    expect((await org1.vendor.post(`/v1/firmware/${fam}/1.0.0/revoke`, { reason: 'not mine' })).status).toBe(403);
    expect((await org1.auditor.get(`/v1/devices/${current.id}`)).body.firmware).toMatchObject({ verdict: 'revoked', compliant: false });
    expect((await org2.auditor.post('/v1/firmware/verify', { family: fam, sha256: sha(`${fam}2.0.0`) })).body.verdict).toBe('revoked');
  });
});

describe('family governance', () => {
  const key = vendorKey();
  const fam = uid('gov');
  const publish = (version: string, uri?: string) =>
    org2.vendor.post('/v1/firmware', {
      family: fam,
      version,
      sha256: sha(fam + version),
      ...(uri === undefined ? {} : { uri }),
      signature: key.signRelease(fam, version, sha(fam + version)),
    });

  beforeAll(async () => {
    expect((await org2.vendor.post('/v1/families', { family: fam, vendorKeyPem: key.pem, approvalThreshold: 1 })).status).toBe(201);
  });

  test('only the family owner raises minVersion; lowering it needs the other org, and shows as a proposal until then', async () => {
    const other = await org1.admin.put(`/v1/families/${fam}/policy`, { minVersion: '1.0.0' });
    expect([other.status, other.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    expect((await org2.admin.put(`/v1/families/${fam}/policy`, { minVersion: '2.0.0' })).body.minVersion).toBe('2.0.0');

    const proposed = await org2.admin.put(`/v1/families/${fam}/policy`, { minVersion: '1.0.0' });
    expect(proposed.status).toBe(200);
    expect(proposed.body).toMatchObject({ minVersion: '2.0.0', minVersionProposal: { minVersion: '1.0.0', proposedBy: 'Org2MSP' } });
    expect((await org1.auditor.get(`/v1/families/${fam}`)).body.minVersion).toBe('2.0.0');
    const again = await org2.admin.put(`/v1/families/${fam}/policy`, { minVersion: '1.0.0' });
    expect([again.status, again.body.error?.code]).toEqual([409, 'DUPLICATE_VOTE']);

    const agreed = await org1.admin.put(`/v1/families/${fam}/policy`, { minVersion: '1.0.0' });
    expect(agreed.body.minVersion).toBe('1.0.0');
    expect(agreed.body.minVersionProposal).toBeUndefined();
  });

  test("another org's admin cannot revoke a release alone: it proposes, and the release stays trusted until the owner's org agrees", async () => {
    expect((await publish('1.0.0')).status).toBe(201);
    expect((await org1.admin.post(`/v1/firmware/${fam}/1.0.0/approvals`, { decision: 'approve' })).body.status).toBe('trusted');
    const proposed = await org1.admin.post(`/v1/firmware/${fam}/1.0.0/revoke`, { reason: 'suspected backdoor' });
    expect(proposed.status).toBe(200);
    expect(proposed.body).toMatchObject({ status: 'trusted', revocationProposal: { reason: 'suspected backdoor', proposedBy: 'Org1MSP' } });
    expect((await org2.auditor.post('/v1/firmware/verify', { family: fam, sha256: sha(`${fam}1.0.0`) })).body.verdict).toBe('trusted');
    const revoked = await org2.admin.post(`/v1/firmware/${fam}/1.0.0/revoke`, { reason: 'confirmed' });
    expect(revoked.body).toMatchObject({ status: 'revoked', revocationReason: 'suspected backdoor' });
  });

  test('a release uri must be https: 400, nothing published', async () => {
    for (const uri of ['http://fw.example/a.bin', 'ftp://fw.example/a.bin', 'https://user:pw@fw.example/a.bin']) {
      const res = await publish('2.0.0', uri);
      expect([uri, res.status, res.body.error?.code]).toEqual([uri, 400, 'INVALID_ARGUMENT']);
    }
    expect((await org2.auditor.get(`/v1/firmware/${fam}/2.0.0`)).status).toBe(404);
    expect((await publish('2.0.0', 'https://fw.example/a.bin')).body.uri).toBe('https://fw.example/a.bin');
  });

  test('a device joins only a registered family: 422 UNKNOWN_FAMILY, then 201 once the vendor registered it', async () => {
    const name = uid('later');
    const d = newDevice(uid('fw-dev'));
    const refused = await org1.admin.post('/v1/devices', registration(d, name));
    expect([refused.status, refused.body.error?.code]).toEqual([422, 'UNKNOWN_FAMILY']);
    expect((await org2.auditor.get(`/v1/devices/${d.id}`)).status).toBe(404);
    const batch = await org1.admin.post('/v1/devices:batch', { devices: [registration(newDevice(uid('fw-dev')), name)] });
    expect([batch.status, batch.body.error?.code]).toEqual([422, 'UNKNOWN_FAMILY']);
    expect((await org2.vendor.post('/v1/families', { family: name, vendorKeyPem: vendorKey().pem, approvalThreshold: 1 })).status).toBe(
      201,
    );
    expect((await org1.admin.post('/v1/devices', registration(d, name))).status).toBe(201);
  });
});

describe('configuration', () => {
  test('the owner publishes increasing versions; anyone verifies; devices report and drift shows', async () => {
    const d = await device('cfg-v1');
    expect((await org1.auditor.get(`/v1/devices/${d.id}/config`)).status).toBe(404);
    const v1 = await org1.admin.put(`/v1/devices/${d.id}/config`, { version: 1, sha256: sha('cfg1'), uri: 'https://cfg.example/1' });
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      deviceId: d.id,
      version: 1,
      sha256: sha('cfg1'),
      uri: 'https://cfg.example/1',
      txId: expect.any(String),
    });
    const stale = await org1.admin.put(`/v1/devices/${d.id}/config`, { version: 1, sha256: sha('cfg1b') });
    expect([stale.status, stale.body.error.code]).toEqual([422, 'VERSION_NOT_NEWER']);
    expect((await org2.admin.put(`/v1/devices/${d.id}/config`, { version: 2, sha256: sha('x') })).status).toBe(403);
    expect((await org1.admin.put(`/v1/devices/${d.id}/config`, { version: 2, sha256: 'ABC' })).status).toBe(400);

    expect((await org2.auditor.post(`/v1/devices/${d.id}/config/verify`, { sha256: sha('cfg1') })).body).toEqual({
      match: true,
      version: 1,
    });
    expect((await org2.auditor.post(`/v1/devices/${d.id}/config/verify`, { sha256: sha('zzz') })).body).toEqual({
      match: false,
      version: 1,
    });

    expect(
      (await org1.auditor.post(`/v1/devices/${d.id}/config/report`, signed(d, 'config-report', 5, { sha256: sha('cfg1') }))).status,
    ).toBe(201);
    expect((await org1.auditor.get(`/v1/devices/${d.id}`)).body.configDrift).toBe(false);
    await org1.admin.call('publishConfig', { deviceId: d.id, version: 2, sha256: sha('cfg2') });
    expect((await org2.auditor.get(`/v1/devices/${d.id}`)).body.configDrift).toBe(true);

    const replay = await org1.auditor.post(`/v1/devices/${d.id}/config/report`, signed(d, 'config-report', 5, { sha256: sha('cfg2') }));
    expect([replay.status, replay.body.error.code]).toEqual([422, 'REPLAYED_SEQ']);
    const forged = signed(newDevice(d.id), 'config-report', 6, { sha256: sha('cfg2') });
    expect((await org1.auditor.post(`/v1/devices/${d.id}/config/report`, forged)).status).toBe(401);
    expect(
      (await org1.auditor.post(`/v1/devices/${d.id}/config/report`, signed(d, 'config-report', 6, { sha256: sha('cfg2') }))).status,
    ).toBe(201);
    expect((await org2.auditor.get(`/v1/devices/${d.id}`)).body.configDrift).toBe(false);
  });
});
