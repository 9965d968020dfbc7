/**
 * `./test-network.sh up --topology hosts`: each organisation on its own host (network namespace,
 * address, hostname), and the consortium still works across them. Run by scripts/test-topologies.sh.
 */
import { DeviceIdentity } from '@iotreg/device';
import { newDevice, registration } from '../support/devices';
import { clientsFile, inSync, netnsOf, network, orgClient, pidOf, uid } from './consortium';

const HOSTS: Record<string, string[]> = {
  orderer: ['ca-orderer', 'orderer0', 'orderer1', 'orderer2', 'orderer3'],
  org1: ['ca-org1', 'peer0.org1', 'chaincode-org1', 'gateway-org1'],
  org2: ['ca-org2', 'peer0.org2', 'chaincode-org2', 'gateway-org2'],
};

test('the network runs with the hosts topology', () => {
  expect(network('status')).toMatch(/^topology: hosts$/m);
});

test("each organisation's processes share one network namespace, and no two organisations share one", () => {
  const namespaceOf = Object.fromEntries(
    Object.entries(HOSTS).map(([org, components]) => {
      const spaces = new Set(components.map((c) => netnsOf(pidOf(c))));
      expect([org, spaces.size]).toEqual([org, 1]);
      return [org, [...spaces][0]];
    }),
  );
  expect(new Set(Object.values(namespaceOf)).size).toBe(3);
  // ...and none is this test's own (the host's) namespace.
  expect(Object.values(namespaceOf)).not.toContain(netnsOf(process.pid));
});

test('the channel names the orderers by hostname, and the gateways serve HTTPS on their own addresses', () => {
  expect(network('status')).toMatch(/id 1 {2}orderer\.iotreg\.test:7050 {2}OrdererMSP/);
  const orgs = clientsFile().orgs;
  const urls = Object.values(orgs).map((o) => new URL(o.gateway));
  for (const url of urls) {
    expect(url.protocol).toBe('https:');
    expect(url.hostname).not.toMatch(/^127\./);
  }
  expect(new Set(urls.map((u) => u.hostname)).size).toBe(urls.length);
});

test("a device registered through Org1's gateway is read through Org2's, across hosts", async () => {
  const family = uid('hosts-fam');
  const made = await orgClient('Org1MSP', 'vendor').post('/v1/families', {
    family,
    vendorKeyPem: DeviceIdentity.generate().publicKeyPem,
    approvalThreshold: 1,
  });
  expect(made.status).toBe(201);
  await inSync(['Org1MSP', 'Org2MSP']);

  const device = newDevice(uid('hosts-dev'));
  const registered = await orgClient('Org1MSP', 'admin').post('/v1/devices', registration(device, family, { site: 'far' }, 'Org1MSP'));
  expect(registered.status).toBe(201);
  await inSync(['Org1MSP', 'Org2MSP']);

  const read = await orgClient('Org2MSP', 'auditor').get(`/v1/devices/${device.id}`);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org1MSP', family, publicKeyPem: device.publicKeyPem });
});

test("a gateway's HTTPS is refused without its org's CA (no plain-HTTP fallback)", async () => {
  const entry = clientsFile().orgs.Org1MSP!;
  await expect(fetch(`${entry.gateway}/healthz`)).rejects.toThrow();
  await expect(fetch(`${entry.gateway.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
});
