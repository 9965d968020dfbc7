/**
 * `./test-network.sh up --topology hosts`: each organisation on its own host (network namespace,
 * address, hostname), and the consortium still works across them. Run by scripts/test-topologies.sh.
 */
import { clientsFile, netnsOf, network, pidOf, registerAndReadAcross } from './consortium';

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
  const { family, device, read } = await registerAndReadAcross('hosts', { site: 'far' });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org1MSP', family, publicKeyPem: device.publicKeyPem });
});

test("a gateway's HTTPS is refused without its org's CA (no plain-HTTP fallback)", async () => {
  const entry = clientsFile().orgs.Org1MSP!;
  await expect(fetch(`${entry.gateway}/healthz`)).rejects.toThrow();
  await expect(fetch(`${entry.gateway.replace('https:', 'http:')}/healthz`)).rejects.toThrow();
});
