/** `down` then `up`: the same ledgers come back with every record and every history entry. */
import { client, network } from '../support/network';
import { registeredDevice } from '../support/devices';
import { ensureFamilies } from '../support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['persist-v1']));

test('down then up keeps every record and history entry', async () => {
  const admin = client('Org1MSP', 'admin');
  const device = await registeredDevice(admin, 'persist-v1', 'persist');
  await admin.call('suspendDevice', { deviceId: device.id, reason: 'before restart' });
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
  await registeredDevice(client('Org1MSP', 'admin'), 'persist-v1', 'persist'); // the ledger still takes writes
});
