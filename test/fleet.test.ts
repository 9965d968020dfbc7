/**
 * Fleet queries and counts (GET /v1/fleet/devices, /v1/fleet/counts) through both gateways on the
 * live network: every filter against devices whose state the test made, paging, the counts a
 * dashboard draws, the other org's gateway at the writer's height, and the clear refusal of
 * ?source=ledger (the chaincode keeps no index for these queries).
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { registeredDevice, signed, type TestDevice } from './support/devices';
import { client, clients, uid } from './support/network';

const org1 = clients().Org1MSP;
const org2 = clients().Org2MSP;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

interface Fleet {
  family: string;
  north: TestDevice;
  south: TestDevice;
  idle: TestDevice;
  height: number;
}
let fleet: Fleet;

/**
 * A family with a trusted 1.0.0 and a pending 2.0.0; devices of Org2: `north` runs 1.0.0
 * (compliant), `south` 2.0.0 (noncompliant), `idle` never reported and is suspended.
 */
beforeAll(async () => {
  const family = uid('fq');
  const vendorKey = DeviceIdentity.generate();
  await org2.vendor.call('registerFamily', { family, vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  for (const version of ['1.0.0', '2.0.0']) {
    const digest = sha(family + version);
    await org2.vendor.call('publishFirmware', {
      family,
      version,
      sha256: digest,
      signature: vendorKey.sign(statements.firmware(family, version, digest)),
    });
  }
  await org1.admin.call('voteFirmware', { family, version: '1.0.0', decision: 'approve' });
  const north = await registeredDevice(org2.admin, family, 'fq', { site: 'north' });
  const south = await registeredDevice(org2.admin, family, 'fq', { site: 'south' });
  const idle = await registeredDevice(org2.admin, family, 'fq', { site: 'north' });
  for (const [device, version] of [
    [north, '1.0.0'],
    [south, '2.0.0'],
  ] as const) {
    const report = await org2.auditor.post(
      `/v1/devices/${device.id}/firmware`,
      signed(device, 'firmware-report', 1, { family, version, sha256: sha(family + version) }),
    );
    expect(report.status).toBe(201);
  }
  const suspended = await org2.admin.post(`/v1/devices/${idle.id}/suspend`, { reason: 'fleet test' });
  expect(suspended.status).toBe(200);
  fleet = { family, north, south, idle, height: Number(suspended.headers.get('x-ledger-height')) };
});

const ids = (...devices: TestDevice[]) => devices.map((d) => d.id).sort();

async function query(params: Record<string, string>, as = org2.auditor): Promise<string[]> {
  const seen: string[] = [];
  let bookmark = '';
  do {
    const search = new URLSearchParams({ family: fleet.family, ...params, pageSize: '2', ...(bookmark ? { bookmark } : {}) });
    const answer = await as.get(`/v1/fleet/devices?${search}`);
    expect([answer.status, answer.headers.get('x-read-source')]).toEqual([200, 'model']);
    seen.push(...answer.body.items.map((d: { deviceId: string }) => d.deviceId));
    bookmark = answer.body.bookmark;
  } while (bookmark);
  return seen;
}

test('each filter keeps exactly the devices in that state, page after page', async () => {
  const { north, south, idle } = fleet;
  const device = async (d: TestDevice) => (await org2.auditor.get(`/v1/devices/${d.id}`)).body;
  const [southRecord, idleRecord] = [await device(south), await device(idle)];
  expect(await query({})).toEqual(ids(north, south, idle));
  expect(await query({ status: 'suspended' })).toEqual(ids(idle));
  expect(await query({ status: 'active', owner: 'Org2MSP' })).toEqual(ids(north, south));
  expect(await query({ owner: 'Org1MSP' })).toEqual([]);
  expect(await query({ firmwareVersion: '2.0.0' })).toEqual(ids(south));
  expect(await query({ compliance: 'compliant' })).toEqual(ids(north));
  expect(await query({ compliance: 'noncompliant' })).toEqual(ids(south));
  expect(await query({ compliance: 'unreported' })).toEqual(ids(idle));
  expect(await query({ attributeName: 'site', attributeValue: 'north' })).toEqual(ids(north, idle));
  expect(await query({ createdFrom: southRecord.createdAt })).toEqual(ids(south, idle));
  expect(await query({ createdTo: southRecord.createdAt })).toEqual(ids(north));
  // The suspension moved idle's updatedAt; firmware reports (device-signed) do not move it.
  expect(await query({ changedFrom: idleRecord.updatedAt })).toEqual(ids(idle));
  // Any token may ask; the vendor too.
  expect(await query({ compliance: 'compliant' }, org2.vendor)).toEqual(ids(north));
});

test('counts per status, family, compliance and firmware version; the same through the other gateway at the writer’s height', async () => {
  const expected = {
    total: 3,
    byStatus: [
      { value: 'active', count: 2 },
      { value: 'suspended', count: 1 },
    ],
    byFamily: [{ value: fleet.family, count: 3 }],
    byCompliance: [
      { value: 'compliant', count: 1 },
      { value: 'noncompliant', count: 1 },
      { value: 'unreported', count: 1 },
    ],
    byFirmware: [
      { family: fleet.family, version: '1.0.0', count: 1 },
      { family: fleet.family, version: '2.0.0', count: 1 },
    ],
  };
  const mine = await org2.auditor.get(`/v1/fleet/counts?family=${fleet.family}`);
  expect([mine.status, mine.body]).toEqual([200, expected]);
  const other = await client('Org1MSP', 'auditor').get(`/v1/fleet/counts?family=${fleet.family}&minHeight=${fleet.height}`);
  expect([other.status, other.headers.get('x-read-source'), other.body]).toEqual([200, 'model', expected]);
  const north = await org2.admin.get(`/v1/fleet/counts?family=${fleet.family}&attributeName=site&attributeValue=north`);
  expect(north.body.total).toBe(2);
});

test('source=ledger is refused with a clear 400; bad filters 400; no token 401', async () => {
  for (const route of ['/v1/fleet/devices', '/v1/fleet/counts']) {
    const ledger = await org1.auditor.get(`${route}?source=ledger`);
    expect([ledger.status, ledger.body.error.code]).toEqual([400, 'INVALID_ARGUMENT']);
    expect(ledger.body.error.message).toMatch(/answered by a gateway's read model only: the chaincode keeps no index for it/);
  }
  for (const bad of [
    'attributeName=site',
    'createdFrom=2026-02-01T00:00:00Z&createdTo=2026-01-01T00:00:00Z',
    'compliance=maybe',
    'firmwareVersion=1.0',
    'bookmark=AAAA',
    'colour=red',
  ]) {
    const answer = await org1.auditor.get(`/v1/fleet/devices?${bad}`);
    expect([bad, answer.status, answer.body.error.code]).toEqual([bad, 400, 'INVALID_ARGUMENT']);
  }
  expect((await client('Org1MSP').get('/v1/fleet/counts')).status).toBe(401);
});
