/** The running system as `./test-network.sh up` left it: processes, channel, gateways. */
import { client, clientsFile, Client, network, ORGS, topology } from './support/network';

test('status reads BFT with 4 consenters from the live channel configuration', async () => {
  const out = await network('status');
  expect(out).toMatch(/consensus: BFT \(STATE_NORMAL\), 4 consenters/);
  const host = topology() === 'hosts' ? 'orderer.iotreg.test' : '127.0.0.1';
  for (const port of [7050, 7150, 7250, 7350]) expect(out).toContain(`${host}:${port}  OrdererMSP`);
  expect(out).toMatch(/Version: 1\.0, Sequence: 1.*Approvals: \[Org1MSP: true, Org2MSP: true\]/);
  for (const name of ['orderer0', 'orderer3', 'peer0.org1', 'peer0.org2', 'chaincode-org1', 'gateway-org2']) {
    expect(out).toMatch(new RegExp(`^${name.replace('.', '\\.')}\\s+\\d+\\s+(healthy|running)`, 'm'));
  }
  for (const name of ['orderer0', 'orderer1', 'orderer2', 'orderer3', 'peer0.org1', 'peer0.org2']) {
    expect(out).toMatch(new RegExp(`^${name.replace('.', '\\.')}\\s+\\d+\\s+healthy\\s+Fabric 3\\.1\\.5$`, 'm'));
  }
});

test('clients.json names both orgs, their gateways and one token per role', () => {
  const file = clientsFile();
  expect(file.channel).toBe('iot');
  expect(file.chaincode).toBe('device-registry');
  for (const org of ORGS) {
    expect(file.orgs[org].gateway).toMatch(topology() === 'hosts' ? /^https:\/\/(?!127\.)[\d.]+:\d+$/ : /^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Object.keys(file.orgs[org].tokens).sort()).toEqual(['admin', 'auditor', 'vendor']);
  }
  expect(file.orgs.Org1MSP.tokens.admin).not.toBe(file.orgs.Org2MSP.tokens.admin);
});

describe.each(ORGS)('gateway of %s', (org) => {
  const anonymous = () => client(org);

  test('/healthz and /readyz answer, /readyz from the ledger', async () => {
    expect((await anonymous().get('/healthz')).status).toBe(200);
    const ready = await anonymous().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.height).toBeGreaterThan(1);
  });

  test('/openapi.json documents the contract', async () => {
    const res = await anonymous().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/devices', '/v1/devices/{deviceId}/keys', '/v1/firmware/verify', '/v1/events', '/v1/discovery']) {
      expect(res.body.paths).toHaveProperty([path]);
    }
  });

  test('/metrics is Prometheus text, for the auditor token only (401 without one)', async () => {
    expect((await anonymous().get('/metrics')).status).toBe(401);
    const res = await client(org, 'auditor').get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/^# HELP /m);
  });

  test("no credentials, an unknown token, or another org's token: 401 with the contract's body", async () => {
    const other = clientsFile().orgs[org === 'Org1MSP' ? 'Org2MSP' : 'Org1MSP'].tokens.admin;
    for (const c of [anonymous(), new Client(anonymous().baseUrl, 'not-a-token'), new Client(anonymous().baseUrl, other)]) {
      const res = await c.get('/v1/devices');
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
    }
  });
});
