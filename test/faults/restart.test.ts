/** `down` then `up`: the same ledgers come back with every record and every history entry. */
import { client, network, uid } from '../support/network';
import { newDevice, registration } from '../support/devices';
import { ensureFamilies } from '../support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['persist-v1']));

test('down then up keeps every record and history entry', async () => {
  const admin = client('Org1MSP', 'admin');
  const device = newDevice(uid('persist'));
  expect((await admin.post('/v1/devices', registration(device, 'persist-v1'))).status).toBe(201);
  await admin.post(`/v1/devices/${device.id}/suspend`, { reason: 'before restart' });
  const height = (await admin.get('/readyz')).body.height;
  const before = (await client('Org2MSP', 'auditor').get(`/v1/devices/${device.id}/history`)).body;

  const started = Date.now();
  await network('down');
  await network('up');
  console.log(`down + up on the same ledgers: ${Date.now() - started} ms`);

  expect((await client('Org1MSP', 'auditor').get('/readyz')).body.height).toBeGreaterThanOrEqual(height);
  const read = await client('Org2MSP', 'auditor').get(`/v1/devices/${device.id}`);
  expect(read.body).toMatchObject({ deviceId: device.id, status: 'suspended', statusReason: 'before restart' });
  expect((await client('Org2MSP', 'auditor').get(`/v1/devices/${device.id}/history`)).body).toEqual(before);
  expect((await client('Org1MSP', 'admin').post('/v1/devices', registration(newDevice(uid('persist')), 'persist-v1'))).status).toBe(201);
});
