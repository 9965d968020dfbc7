/**
 * Resource limits on the live network: forged device writes stop at the gateway (the peers never
 * endorse them), a write that was never the device's leaves nothing in the idempotency store, and
 * a list whose filter keeps little answers short pages with a bookmark instead of scanning a whole
 * index. The limits that live in the gateway alone (stream caps, rate limits, the record cap) are
 * tested beside its code.
 */
import { DeviceIdentity } from '@iotreg/device';
import { client, clients, network, uid } from './support/network';
import { newDevice, registration, signed, registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const FAMILY = 'meter-v1';
const DIGEST = 'ab'.repeat(32);

// Devices join only registered families (run alone on a fresh ledger, no other file registered it).
beforeAll(() => ensureFamilies([FAMILY]));

/** Proposals each peer has received (Fabric's endorser_proposals_received), from its operations endpoint. */
async function proposalsReceived(): Promise<number> {
  let total = 0;
  for (const peer of ['peer0.org1', 'peer0.org2']) {
    const text = await (await fetch(`${(await network('ops-url', peer)).trim()}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('endorser_proposals_received '));
    if (!line) throw new Error(`no endorser_proposals_received on ${peer}`);
    total += Number(line.split(' ')[1]);
  }
  return total;
}

test('forged device-signed writes are refused by the gateway: the peers are not asked to endorse them', async () => {
  const device = await registeredDevice(org1.admin, FAMILY, 'res');
  const forger = newDevice(device.id);
  const anonymous = client('Org1MSP');
  const before = await proposalsReceived();
  for (let seq = 1; seq <= 6; seq += 1) {
    const res = await anonymous.post(`/v1/devices/${device.id}/messages`, signed(forger, 'anchor', seq, { digest: DIGEST }));
    expect([res.status, res.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  }
  // The gateway reads the device's key (once, then from its cache); endorsing six forgeries on two peers would be 12.
  expect((await proposalsReceived()) - before).toBeLessThanOrEqual(2);
  // The device itself still writes.
  expect((await anonymous.post(`/v1/devices/${device.id}/messages`, signed(device, 'anchor', 1, { digest: DIGEST }))).status).toBe(201);
});

test('a write for a device that does not exist: 401 like a forgery (not 404), and nothing is kept under its Idempotency-Key', async () => {
  const device = newDevice(uid('res'));
  const anonymous = client('Org1MSP');
  const body = signed(device, 'anchor', 1, { digest: DIGEST });
  const headers = { 'idempotency-key': `k-${device.id}` };
  const early = await anonymous.post(`/v1/devices/${device.id}/messages`, body, { headers });
  expect([early.status, early.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
  const never = newDevice(uid('never'));
  const other = await anonymous.post(`/v1/devices/${never.id}/messages`, signed(never, 'anchor', 1, { digest: DIGEST }));
  expect(other.body).toEqual(early.body);

  // Once the device exists, the same request with the same key is answered afresh, not replayed.
  await org1.admin.call('registerDevice', registration(device, FAMILY));
  const later = await anonymous.post(`/v1/devices/${device.id}/messages`, body, { headers });
  expect(later.status).toBe(201);
  expect(later.headers.get('idempotent-replayed')).toBeNull();
});

test('a list whose filter keeps little reads at most 10 × pageSize records a page: short pages with a bookmark, nothing skipped', async () => {
  const family = uid('scanfam');
  const vendor = DeviceIdentity.generate();
  await org1.vendor.call('registerFamily', { family, vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 });
  // In the family's index: 25 devices of Org1, then one of Org2 (IDs sort in that order).
  const marker = uid('scan');
  const ours = Array.from({ length: 25 }, (_, i) => newDevice(`${marker}-${String(i).padStart(2, '0')}`));
  await org1.admin.call('registerDevices', { devices: ours.map((d) => registration(d, family)) });
  const theirs = newDevice(`${marker}-99`);
  await org2.admin.call('registerDevice', registration(theirs, family, undefined, 'Org2MSP'));

  // The chaincode (?source=ledger): family picks the index, owner is checked per device: one record in 26 passes.
  const pages = async (source: string) => {
    const seen: string[][] = [];
    let bookmark = '';
    do {
      const page = await org2.auditor.get(
        `/v1/devices?family=${family}&owner=Org2MSP&pageSize=1&source=${source}${bookmark ? `&bookmark=${bookmark}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(page.body.items.map((d: { deviceId: string }) => d.deviceId));
      bookmark = page.body.bookmark;
    } while (bookmark && seen.length < 10);
    return seen;
  };
  expect(await pages('ledger')).toEqual([[], [], [theirs.id]]);
  // The gateway's read model filters on indexed columns: its pages are whole (docs/read-model.md).
  expect(await pages('model')).toEqual([[theirs.id]]);
});
