/**
 * The registry deployed onto channel `deploy` by following docs/deploy.md (scripts/test-deploy.sh,
 * which sets IOTREG_CLIENTS to the gateways it configured): it works there, and apart from `iot`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { clientsFile, OrgClient, orgClient, registerAndReadAcross, RUNTIME } from './consortium';

test('the gateways configured from the guide serve channel deploy', async () => {
  expect(clientsFile().channel).toBe('deploy');
  for (const msp of ['Org1MSP', 'Org2MSP']) expect((await orgClient(msp).get('/readyz')).status).toBe(200);
});

test("a device registered through Org1's deploy gateway is read through Org2's, and is not on channel iot", async () => {
  const { device, read } = await registerAndReadAcross('deploy');
  expect([read.status, read.body.ownerMsp]).toEqual([200, 'Org1MSP']);

  const iot = JSON.parse(readFileSync(path.join(RUNTIME, 'clients.json'), 'utf8')).orgs.Org2MSP;
  const onIot = await new OrgClient('Org2MSP', iot, iot.tokens.auditor).get(`/v1/devices/${device.id}`);
  expect(onIot.status).toBe(404);
});
