/**
 * Quarantine on the live network, both orgs: a family that requires compliance refuses the
 * anchors of a device whose firmware falls below a raised minimum (422 QUARANTINED, naming the
 * requirement), both orgs' auditors list it, and a compliant report releases it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiError, statements } from '@iotreg/common';
import { DeviceClient, DeviceIdentity } from '@iotreg/device';
import { clients, clientsFile, orgsInSync, REPO, uid } from './support/network';
import { registeredDevice } from './support/devices';

const as = clients();
const { Org1MSP: org1, Org2MSP: org2 } = as;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const run = promisify(execFile);
const CLI = path.join(REPO, 'cli/dist/main.js');

describe('quarantine', () => {
  const family = uid('qfam');
  const vendor = DeviceIdentity.generate();
  const image = (version: string) => sha(`${family}-${version}`);

  beforeAll(async () => {
    await org1.vendor.call('registerFamily', { family, vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 });
    for (const version of ['1.0.0', '2.0.0']) {
      const signature = vendor.sign(statements.firmware(family, version, image(version)));
      await org1.vendor.call('publishFirmware', { family, version, sha256: image(version), signature });
      await org2.admin.call('voteFirmware', { family, version, decision: 'approve' });
    }
  });

  test('a device quarantined by a raised minimum version is refused, listed by both orgs, and released by a compliant report', async () => {
    const device = await registeredDevice(org1.admin, family, 'q-dev');
    // The device talks to Org2's gateway through the device library.
    const client = new DeviceClient(clientsFile().orgs.Org2MSP.gateway, device.id, device.identity);
    await client.sendFirmwareReport(family, '1.0.0', image('1.0.0'));
    await orgsInSync();
    expect((await org1.admin.put(`/v1/families/${family}/policy`, { minVersion: '1.0.0', requireCompliance: true })).body).toMatchObject({
      minVersion: '1.0.0',
      requireCompliance: true,
    });
    // Only the family owner turns the requirement on.
    const foreign = await org2.admin.put(`/v1/families/${family}/policy`, { minVersion: '1.0.0', requireCompliance: true });
    expect([foreign.status, foreign.body.error?.code]).toEqual([403, 'FORBIDDEN']);
    await orgsInSync();
    expect((await client.anchor(sha('compliant'))).deviceId).toBe(device.id);

    // The owner raises the minimum: the device is out until it reports 2.0.0.
    await org1.admin.call('setFamilyPolicy', { family, minVersion: '2.0.0' });
    await orgsInSync();
    const refused = await client.anchor(sha('below minimum')).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 422, code: 'QUARANTINED' });
    expect((refused as ApiError).message).toMatch(
      new RegExp(
        `device ${device.id} is quarantined: family ${family} requires compliant firmware .*at or above 2\\.0\\.0.*runs 1\\.0\\.0`,
      ),
    );
    for (const auditor of [org1.auditor, org2.auditor]) {
      const listed = await auditor.get(`/v1/quarantine?family=${family}`);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          deviceId: device.id,
          ownerMsp: 'Org1MSP',
          minVersion: '2.0.0',
          firmware: expect.objectContaining({ version: '1.0.0', verdict: 'trusted', compliant: false }),
          reason: 'it runs 1.0.0, below the minimum 2.0.0',
        }),
      ]);
    }
    // The CLI lists it too; a vendor may not.
    const cli = await run('node', [CLI, '--org', 'Org2MSP', '--role', 'auditor', '--json', 'family', 'quarantined', '--family', family]);
    expect(JSON.parse(cli.stdout).items).toEqual([expect.objectContaining({ deviceId: device.id })]);
    expect((await org1.vendor.get(`/v1/quarantine?family=${family}`)).status).toBe(403);

    // A compliant report releases it at once.
    await client.sendFirmwareReport(family, '2.0.0', image('2.0.0'));
    await orgsInSync();
    expect((await client.anchor(sha('released'))).deviceId).toBe(device.id);
    expect((await org2.auditor.get(`/v1/quarantine?family=${family}`)).body.items).toEqual([]);

    // Revoking the release it runs quarantines it again.
    await org1.vendor.call('revokeFirmware', { family, version: '2.0.0', reason: 'CVE-2026-0001' });
    await orgsInSync();
    await expect(client.anchor(sha('revoked firmware'))).rejects.toMatchObject({ status: 422, code: 'QUARANTINED' });
    expect((await org1.auditor.get(`/v1/quarantine?family=${family}`)).body.items).toEqual([
      expect.objectContaining({ deviceId: device.id, reason: 'it runs 2.0.0, a revoked release' }),
    ]);
  });
});
