/**
 * After `./test-network.sh add-org Org3MSP` on a running network: the new member's gateway works
 * for its own roles, what it writes every member reads, its vote counts in firmware's k-of-n, and
 * its peer's endorsement counts in the MAJORITY endorsement policy (any 2 of 3). Run by
 * scripts/test-topologies.sh.
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { newDevice, registration } from '../support/devices';
import { clientsFile, inSync, network, orgClient, uid } from './consortium';

const MEMBERS = ['Org1MSP', 'Org2MSP', 'Org3MSP'];
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

async function newFamily(owner: string, vendorKeyPem = DeviceIdentity.generate().publicKeyPem): Promise<string> {
  const family = uid('org3-fam');
  const made = await orgClient(owner, 'vendor').post('/v1/families', { family, vendorKeyPem, approvalThreshold: 1 });
  expect([made.status, made.body]).toEqual([201, expect.anything()]);
  await inSync(MEMBERS);
  return family;
}

test('Org3MSP is a member: its gateway is in clients.json and the channel has its peer', () => {
  expect(Object.keys(clientsFile().orgs).sort()).toEqual(MEMBERS);
  expect(network('status')).toMatch(/^peer0\.org3\s+\d+\s+healthy/m);
});

test("Org3's admin registers a device that Org1's auditor then reads", async () => {
  const family = await newFamily('Org3MSP');
  const device = newDevice(uid('org3-dev'));
  const registered = await orgClient('Org3MSP', 'admin').post('/v1/devices', registration(device, family, undefined, 'Org3MSP'));
  expect([registered.status, registered.body]).toEqual([201, expect.objectContaining({ deviceId: device.id })]);
  await inSync(MEMBERS);
  const read = await orgClient('Org1MSP', 'auditor').get(`/v1/devices/${device.id}`);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org3MSP', family, publicKeyPem: device.publicKeyPem });
});

test("firmware k-of-n counts Org3's vote: with 3 members an Org1 release needs Org2 and Org3", async () => {
  const vendor = DeviceIdentity.generate();
  const family = await newFamily('Org1MSP', vendor.publicKeyPem);
  const record = await orgClient('Org2MSP', 'auditor').get(`/v1/families/${family}`);
  expect(record.body.approvalsRequired).toBe(2);

  const image = sha(`${family}-1.0.0`);
  const published = await orgClient('Org1MSP', 'vendor').post('/v1/firmware', {
    family,
    version: '1.0.0',
    sha256: image,
    uri: `https://fw.example/${family}/1.0.0.bin`,
    signature: vendor.sign(statements.firmware(family, '1.0.0', image)),
  });
  expect(published.status).toBe(201);
  await inSync(MEMBERS);
  const org2 = await orgClient('Org2MSP', 'admin').post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve' });
  expect([org2.status, org2.body.status]).toEqual([201, 'pending']);
  await inSync(MEMBERS);
  const org3 = await orgClient('Org3MSP', 'admin').post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve' });
  expect([org3.status, org3.body.status]).toEqual([201, 'trusted']);
  expect(org3.body.approvals.map((a: { msp: string }) => a.msp).sort()).toEqual(['Org2MSP', 'Org3MSP']);
});

test("endorsement is any 2 of the 3 members: with Org2's peer down, Org3's write is endorsed by Org3 and Org1", async () => {
  const family = await newFamily('Org3MSP');
  network('kill', 'peer0.org2');
  try {
    const device = newDevice(uid('org3-2of3'));
    const registered = await orgClient('Org3MSP', 'admin').post('/v1/devices', registration(device, family, undefined, 'Org3MSP'));
    expect([registered.status, registered.body]).toEqual([201, expect.objectContaining({ deviceId: device.id })]);
    await inSync(['Org1MSP', 'Org3MSP']);
    expect((await orgClient('Org1MSP', 'auditor').get(`/v1/devices/${device.id}`)).status).toBe(200);
  } finally {
    network('restart', 'peer0.org2');
  }
});
