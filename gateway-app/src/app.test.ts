import { ERROR_STATUS, ErrorCode, RegistryError } from '@iotreg/common';
import { INTERNAL_MESSAGE } from './http/errors';
import { fakeRegistry, RegistryMethod } from './testing/fake-registry';
import { deviceRecord, Harness, newDeviceKey, RELAY, signStatement, startHarness, TOKENS, TX_ID } from './testing/harness';

const device = newDeviceKey('sensor-1');
const HEX = 'ab'.repeat(32);
const KEY_ID = 'cd'.repeat(32);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.fake.calls.length = 0;
  for (const key of Object.keys(h.fake.handlers)) delete h.fake.handlers[key as RegistryMethod];
});

const committed = (result: unknown) => async () => ({ result, txId: TX_ID, blockNumber: 7 });

const REGISTER_PROOF = signStatement(device.privateKey, { action: 'register', deviceId: device.deviceId, keyId: device.keyId });
const registerBody = () => ({ deviceId: device.deviceId, publicKeyPem: device.publicKeyPem, family: 'thermo', proof: REGISTER_PROOF });

/** A body signed by `device`, as a device-signed write carries it. */
const deviceSigned = (payload: Record<string, string | number>) => ({ payload, signature: signStatement(device.privateKey, payload) });

const reportBody = (overrides: Record<string, unknown> = {}) => ({
  payload: { action: 'config-report', deviceId: 'sensor-1', seq: 3, sha256: HEX, ...overrides },
  signature: 'c2lnbmF0dXJl',
});
const SIGNED_REPORT = deviceSigned({ action: 'config-report', deviceId: 'sensor-1', seq: 3, sha256: HEX });
const signedReport = () => SIGNED_REPORT;

describe('authentication', () => {
  test('401 without a token, with WWW-Authenticate', async () => {
    const res = await h.request('GET', '/v1/devices/sensor-1');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.stringContaining('bearer token') } });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('401 with an unknown token', async () => {
    const res = await h.request('GET', '/v1/devices/sensor-1', { token: 'not-a-token' });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('unknown token');
    expect(h.fake.calls).toHaveLength(0);
  });

  test('401 for another scheme, and for device credentials where only tokens are accepted', async () => {
    const basic = await h.request('GET', '/v1/devices', { headers: { authorization: 'Basic YTpi' } });
    expect(basic.status).toBe(401);
    const deviceCreds = await h.request('GET', '/v1/devices', {
      headers: { authorization: `Device id="sensor-1", ts="${Math.floor(Date.now() / 1000)}", sig="AAAA"` },
    });
    expect(deviceCreds.status).toBe(401);
    expect(deviceCreds.body.error.message).toMatch(/not accepted here/);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('a valid token acts as its Fabric identity', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    const res = await h.request('GET', '/v1/devices/sensor-1', { token: TOKENS.vendor });
    expect(res.status).toBe(200);
    expect(h.fake.calls).toEqual([{ method: 'getDevice', as: 'org1-vendor', request: { deviceId: 'sensor-1' } }]);
  });
});

describe('roles are checked at the gateway too (403, the ledger is not asked)', () => {
  const cases: [string, string, keyof typeof TOKENS, unknown][] = [
    ['POST', '/v1/devices', 'vendor', registerBody()],
    ['POST', '/v1/devices/sensor-1/keys', 'auditor', {}],
    ['POST', '/v1/devices/sensor-1/suspend', 'vendor', {}],
    ['POST', '/v1/devices/sensor-1/reactivate', 'auditor', {}],
    ['POST', '/v1/devices/sensor-1/revoke', 'vendor', { reason: 'other' }],
    ['GET', '/v1/devices/sensor-1/history', 'vendor', undefined],
    ['PUT', '/v1/devices/sensor-1/config', 'auditor', { version: 1, sha256: HEX }],
    ['POST', '/v1/families', 'admin', {}],
    ['PUT', '/v1/families/thermo/policy', 'vendor', { minVersion: '1.0.0' }],
    ['POST', '/v1/firmware', 'admin', {}],
    ['POST', '/v1/firmware/thermo/1.0.0/approvals', 'vendor', { decision: 'approve' }],
    ['POST', '/v1/firmware/thermo/1.0.0/revoke', 'auditor', { reason: 'bad' }],
    ['POST', '/v1/discovery/endpoints', 'vendor', {}],
    ['GET', `/v1/audit/tx/${TX_ID}`, 'vendor', undefined],
  ];
  test.each(cases)('%s %s as %s', async (method, path, role, body) => {
    const res = await h.request(method, path, { token: TOKENS[role], body });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect(res.body.error.message).toContain(`the token's role is ${role}`);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('firmware revoke is open to vendor and admin; history to auditor', async () => {
    h.fake.handlers.revokeFirmware = committed({ family: 'thermo', version: '1.0.0', status: 'revoked' });
    h.fake.handlers.getDeviceHistory = async () => ({ items: [], bookmark: '' });
    for (const role of ['vendor', 'admin'] as const) {
      const res = await h.request('POST', '/v1/firmware/thermo/1.0.0/revoke', { token: TOKENS[role], body: { reason: 'cve' } });
      expect(res.status).toBe(200);
    }
    expect((await h.request('GET', '/v1/devices/sensor-1/history', { token: TOKENS.auditor })).status).toBe(200);
  });
});

describe('every route calls the registry with validated values', () => {
  test('devices', async () => {
    const d = deviceRecord(device);
    h.fake.handlers.registerDevice = committed(d);
    const created = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body: registerBody() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ ...d, txId: TX_ID });
    expect(h.fake.callsTo('registerDevice')[0]).toEqual({ method: 'registerDevice', as: 'org1-admin', request: registerBody() });

    h.fake.handlers.listDevices = async () => ({ items: [d], bookmark: 'next' });
    const list = await h.request('GET', '/v1/devices?family=thermo&status=active&compliance=noncompliant&owner=Org2MSP', {
      token: TOKENS.auditor,
    });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: [d], bookmark: 'next' });
    expect(h.fake.callsTo('listDevices')[0]?.request).toEqual({
      family: 'thermo',
      status: 'active',
      compliance: 'noncompliant',
      owner: 'Org2MSP',
    });

    const next = newDeviceKey('sensor-1');
    h.fake.handlers.rotateKey = committed({ ...d, keyId: next.keyId });
    const rotateBody = { publicKeyPem: next.publicKeyPem, proofOld: 'b2xk', proofNew: 'bmV3' };
    const rotated = await h.request('POST', '/v1/devices/sensor-1/keys', { token: TOKENS.admin, body: rotateBody });
    expect(rotated.status).toBe(200);
    expect(rotated.body.keyId).toBe(next.keyId);
    expect(h.fake.callsTo('rotateKey')[0]?.request).toEqual({ deviceId: 'sensor-1', ...rotateBody });

    h.fake.handlers.listDeviceKeys = async () => [{ keyId: device.keyId, publicKeyPem: device.publicKeyPem, validFrom: 'x' }];
    const keys = await h.request('GET', '/v1/devices/sensor-1/keys', { token: TOKENS.vendor });
    expect(keys.status).toBe(200);
    expect(keys.body).toHaveLength(1);

    h.fake.handlers.getKeyValidity = async () => ({ keyId: KEY_ID, deviceId: 'sensor-1', validAt: true, status: 'current' });
    const validity = await h.request('GET', `/v1/keys/${KEY_ID}?at=2025-02-01T00:00:00Z`, { token: TOKENS.vendor });
    expect(validity.status).toBe(200);
    expect(h.fake.callsTo('getKeyValidity')[0]?.request).toEqual({ keyId: KEY_ID, at: '2025-02-01T00:00:00.000Z' });
    await h.request('GET', `/v1/keys/${KEY_ID}`, { token: TOKENS.vendor });
    expect(h.fake.callsTo('getKeyValidity')[1]?.request).toEqual({ keyId: KEY_ID });

    h.fake.handlers.setDeviceStatus = committed({ ...d, status: 'suspended' });
    const suspended = await h.request('POST', '/v1/devices/sensor-1/suspend', { token: TOKENS.admin, body: { reason: 'maintenance' } });
    expect(suspended.status).toBe(200);
    expect(h.fake.callsTo('setDeviceStatus')[0]?.request).toEqual({ deviceId: 'sensor-1', status: 'suspended', reason: 'maintenance' });
    // no body at all is fine for suspend/reactivate (reason is optional)
    const reactivated = await h.request('POST', '/v1/devices/sensor-1/reactivate', { token: TOKENS.admin });
    expect(reactivated.status).toBe(200);
    expect(h.fake.callsTo('setDeviceStatus')[1]?.request).toEqual({ deviceId: 'sensor-1', status: 'active' });

    h.fake.handlers.revokeDevice = committed({ ...d, status: 'revoked' });
    const revoked = await h.request('POST', '/v1/devices/sensor-1/revoke', { token: TOKENS.admin, body: { reason: 'keyCompromise' } });
    expect(revoked.status).toBe(200);
    expect(h.fake.callsTo('revokeDevice')[0]?.request).toEqual({ deviceId: 'sensor-1', reason: 'keyCompromise' });

    h.fake.handlers.listRevocations = async () => ({ items: [], bookmark: '' });
    const revocations = await h.request('GET', '/v1/revocations?since=2025-01-01T00:00:00Z&pageSize=5&bookmark=b1', {
      token: TOKENS.auditor,
    });
    expect(revocations.status).toBe(200);
    expect(h.fake.callsTo('listRevocations')[0]?.request).toEqual({ since: '2025-01-01T00:00:00.000Z', pageSize: 5, bookmark: 'b1' });

    h.fake.handlers.getDeviceHistory = async () => ({ items: [], bookmark: '' });
    await h.request('GET', '/v1/devices/sensor-1/history?pageSize=1000', { token: TOKENS.admin });
    expect(h.fake.callsTo('getDeviceHistory')[0]?.request).toEqual({ deviceId: 'sensor-1', pageSize: 1000 });
  });

  test('configuration', async () => {
    const record = { deviceId: 'sensor-1', version: 2, sha256: HEX, uri: '', publishedAt: 'x', txId: TX_ID };
    h.fake.handlers.publishConfig = committed(record);
    const published = await h.request('PUT', '/v1/devices/sensor-1/config', {
      token: TOKENS.admin,
      body: { version: 2, sha256: HEX, uri: 'https://cfg.example/2' },
    });
    expect(published.status).toBe(201);
    expect(published.body).toEqual(record);
    expect(h.fake.callsTo('publishConfig')[0]?.request).toEqual({
      deviceId: 'sensor-1',
      version: 2,
      sha256: HEX,
      uri: 'https://cfg.example/2',
    });

    h.fake.handlers.getConfig = async () => record;
    expect((await h.request('GET', '/v1/devices/sensor-1/config', { token: TOKENS.vendor })).body).toEqual(record);

    h.fake.handlers.verifyConfig = async () => ({ match: true, version: 2 });
    const verified = await h.request('POST', '/v1/devices/sensor-1/config/verify', { token: TOKENS.vendor, body: { sha256: HEX } });
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ match: true, version: 2 });
    expect(h.fake.callsTo('verifyConfig')[0]?.request).toEqual({ deviceId: 'sensor-1', sha256: HEX });
  });

  test('device-signed writes need no token and are relayed as the relay identity', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    h.fake.handlers.reportConfig = committed({ deviceId: 'sensor-1', configDrift: false });
    const res = await h.request('POST', '/v1/devices/sensor-1/config/report', { body: signedReport() });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ deviceId: 'sensor-1', configDrift: false, txId: TX_ID });
    expect(h.fake.callsTo('reportConfig')).toEqual([{ method: 'reportConfig', as: RELAY, request: signedReport() }]);

    h.fake.handlers.reportFirmware = committed({ deviceId: 'sensor-1' });
    const firmware = deviceSigned({
      action: 'firmware-report',
      deviceId: 'sensor-1',
      seq: 4,
      family: 'thermo',
      version: '1.0.0',
      sha256: HEX,
    });
    expect((await h.request('POST', '/v1/devices/sensor-1/firmware', { body: firmware })).status).toBe(201);
    expect(h.fake.callsTo('reportFirmware')[0]).toEqual({ method: 'reportFirmware', as: RELAY, request: firmware });

    const anchor = deviceSigned({ action: 'anchor', deviceId: 'sensor-1', seq: 5, digest: HEX });
    h.fake.handlers.anchorMessage = committed({ deviceId: 'sensor-1', seq: 5, digest: HEX, keyId: device.keyId, anchoredAt: 'x' });
    const anchored = await h.request('POST', '/v1/devices/sensor-1/messages', { body: anchor });
    expect(anchored.status).toBe(201);
    expect(anchored.body).toMatchObject({ deviceId: 'sensor-1', seq: 5, digest: HEX, txId: TX_ID });
    expect(h.fake.callsTo('anchorMessage')[0]?.as).toBe(RELAY);
  });

  test('a token on a device-signed write changes nothing: still relayed', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    h.fake.handlers.reportConfig = committed({});
    await h.request('POST', '/v1/devices/sensor-1/config/report', { token: TOKENS.admin, body: signedReport() });
    expect(h.fake.callsTo('reportConfig')[0]?.as).toBe(RELAY);
  });

  test('firmware', async () => {
    const vendorKey = newDeviceKey('vendor');
    const family = { family: 'thermo', ownerMsp: 'Org1MSP', vendorKeyId: vendorKey.keyId, approvalThreshold: 2 };
    h.fake.handlers.registerFamily = committed(family);
    const registered = await h.request('POST', '/v1/families', {
      token: TOKENS.vendor,
      body: { family: 'thermo', vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 2 },
    });
    expect(registered.status).toBe(201);
    expect(h.fake.callsTo('registerFamily')[0]?.as).toBe('org1-vendor');

    h.fake.handlers.getFamily = async () => family;
    expect((await h.request('GET', '/v1/families/thermo', { token: TOKENS.auditor })).body).toEqual(family);

    h.fake.handlers.setFamilyPolicy = committed({ ...family, minVersion: '1.2.0' });
    const policy = await h.request('PUT', '/v1/families/thermo/policy', { token: TOKENS.admin, body: { minVersion: '1.2.0' } });
    expect(policy.status).toBe(200);
    expect(h.fake.callsTo('setFamilyPolicy')[0]?.request).toEqual({ family: 'thermo', minVersion: '1.2.0' });

    const release = { family: 'thermo', version: '1.2.0', sha256: HEX, uri: '', status: 'pending', approvals: [], publishedAt: 'x' };
    h.fake.handlers.publishFirmware = committed(release);
    const body = { family: 'thermo', version: '1.2.0', sha256: HEX, signature: 'c2ln' };
    const published = await h.request('POST', '/v1/firmware', { token: TOKENS.vendor, body });
    expect(published.status).toBe(201);
    expect(published.body).toEqual({ ...release, txId: TX_ID });
    expect(h.fake.callsTo('publishFirmware')[0]?.request).toEqual(body);

    h.fake.handlers.getFirmware = async () => release;
    h.fake.handlers.getLatestFirmware = async () => ({ ...release, status: 'trusted' });
    h.fake.handlers.listFirmware = async () => ({ items: [release], bookmark: '' });
    expect((await h.request('GET', '/v1/firmware/thermo/1.2.0', { token: TOKENS.vendor })).body).toEqual(release);
    expect(h.fake.callsTo('getFirmware')[0]?.request).toEqual({ family: 'thermo', version: '1.2.0' });
    expect((await h.request('GET', '/v1/firmware/thermo/latest', { token: TOKENS.vendor })).body.status).toBe('trusted');
    expect(h.fake.callsTo('getLatestFirmware')[0]?.request).toEqual({ family: 'thermo' });
    expect((await h.request('GET', '/v1/firmware/thermo?pageSize=2', { token: TOKENS.vendor })).body.items).toHaveLength(1);
    expect(h.fake.callsTo('listFirmware')[0]?.request).toEqual({ family: 'thermo', pageSize: 2 });

    h.fake.handlers.voteFirmware = committed({ ...release, status: 'trusted' });
    const vote = await h.request('POST', '/v1/firmware/thermo/1.2.0/approvals', {
      token: TOKENS.admin,
      body: { decision: 'approve', comment: 'tested' },
    });
    expect(vote.status).toBe(201);
    expect(h.fake.callsTo('voteFirmware')[0]?.request).toEqual({
      family: 'thermo',
      version: '1.2.0',
      decision: 'approve',
      comment: 'tested',
    });

    h.fake.handlers.revokeFirmware = committed({ ...release, status: 'revoked' });
    await h.request('POST', '/v1/firmware/thermo/1.2.0/revoke', { token: TOKENS.vendor, body: { reason: 'CVE-1' } });
    expect(h.fake.callsTo('revokeFirmware')[0]?.request).toEqual({ family: 'thermo', version: '1.2.0', reason: 'CVE-1' });

    h.fake.handlers.verifyFirmware = async () => ({ verdict: 'trusted', version: '1.2.0' });
    const verdict = await h.request('POST', '/v1/firmware/verify', { token: TOKENS.auditor, body: { family: 'thermo', sha256: HEX } });
    expect(verdict.body).toEqual({ verdict: 'trusted', version: '1.2.0' });
  });

  test('messages and discovery', async () => {
    h.fake.handlers.listMessages = async () => ({ items: [], bookmark: '' });
    await h.request('GET', '/v1/devices/sensor-1/messages?bookmark=abc', { token: TOKENS.auditor });
    expect(h.fake.callsTo('listMessages')[0]?.request).toEqual({ deviceId: 'sensor-1', bookmark: 'abc' });

    h.fake.handlers.verifyMessage = async () => ({ anchored: true, keyId: device.keyId, anchoredAt: 'x' });
    const byDigest = await h.request('POST', '/v1/messages/verify', {
      token: TOKENS.auditor,
      body: { deviceId: 'sensor-1', seq: 5, digest: HEX },
    });
    expect(byDigest.body).toEqual({ anchored: true, keyId: device.keyId, anchoredAt: 'x' });
    const proofBody = { deviceId: 'sensor-1', seq: 5, leaf: HEX, proof: { index: 1, treeSize: 3, path: [HEX, HEX] } };
    const byProof = await h.request('POST', '/v1/messages/verify', { token: TOKENS.auditor, body: proofBody });
    expect(byProof.status).toBe(200);
    expect(h.fake.callsTo('verifyMessage')[1]?.request).toEqual(proofBody);

    const endpoint = { id: 'gw-1', org: 'Org1MSP', kind: 'gateway', url: 'https://gw.org1.example', tlsCertSha256: HEX };
    h.fake.handlers.registerEndpoint = committed(endpoint);
    const created = await h.request('POST', '/v1/discovery/endpoints', {
      token: TOKENS.admin,
      body: { id: 'gw-1', kind: 'gateway', url: 'https://gw.org1.example', tlsCertSha256: HEX },
    });
    expect(created.status).toBe(201);
    h.fake.handlers.listEndpoints = async () => ({ items: [endpoint], bookmark: '' });
    const listed = await h.request('GET', '/v1/discovery', { token: TOKENS.vendor });
    expect(listed.body).toEqual({ endpoints: [endpoint] });
  });

  test('transactions and audit proofs', async () => {
    h.fake.handlers.transactionStatus = async (_as, txId) => ({ txId, status: 'VALID', blockNumber: 9 });
    const status = await h.request('GET', `/v1/transactions/${TX_ID}`, { token: TOKENS.vendor });
    expect(status.body).toEqual({ txId: TX_ID, status: 'VALID', blockNumber: 9 });
    expect(h.fake.callsTo('transactionStatus')[0]).toEqual({ method: 'transactionStatus', as: 'org1-vendor', request: TX_ID });

    const proof = {
      txId: TX_ID,
      validationCode: 'VALID',
      validationCodeValue: 0,
      blockNumber: 9,
      block: 'AAAA',
      envelopeIndex: 0,
      configBlockNumber: 0,
      consenters: [{ id: 1, mspId: 'OrdererMSP', identity: 'PEM' }],
      configBlock: 'AAAA',
    };
    h.fake.handlers.transactionProof = async () => proof;
    const audit = await h.request('GET', `/v1/audit/tx/${TX_ID}`, { token: TOKENS.auditor });
    expect(audit.status).toBe(200);
    expect(audit.body).toEqual(proof);
  });
});

describe('validation at the edge: 400 before the ledger is asked', () => {
  const admin = TOKENS.admin;
  const vendor = TOKENS.vendor;
  const cases: [string, string, string | undefined, unknown, string][] = [
    ['POST', '/v1/devices', admin, { ...registerBody(), deviceId: 'bad id!' }, 'body.deviceId'],
    ['POST', '/v1/devices', admin, { ...registerBody(), publicKeyPem: 'not a pem' }, 'body.publicKeyPem'],
    ['POST', '/v1/devices', admin, { ...registerBody(), proof: undefined }, 'body.proof'],
    ['POST', '/v1/devices', admin, { ...registerBody(), colour: 'red' }, 'unknown field(s) colour'],
    ['POST', '/v1/devices', admin, { ...registerBody(), attributes: { site: 5 } }, 'body.attributes.site'],
    ['GET', '/v1/devices?pageSize=0', admin, undefined, 'query.pageSize'],
    ['GET', '/v1/devices?pageSize=1001', admin, undefined, 'query.pageSize'],
    ['GET', '/v1/devices?pageSize=ten', admin, undefined, 'query.pageSize'],
    ['GET', '/v1/devices?status=lost', admin, undefined, 'query.status'],
    ['GET', '/v1/devices?owner=no%20msp', admin, undefined, 'query.owner'],
    ['GET', '/v1/devices?compliance=compliant', admin, undefined, 'query.compliance'],
    ['GET', '/v1/devices/bad!id', admin, undefined, 'path.deviceId'],
    ['POST', '/v1/devices/sensor-1/keys', admin, { publicKeyPem: device.publicKeyPem, proofOld: 'b2xk' }, 'body.proofNew'],
    ['GET', '/v1/devices/bad!id/keys', admin, undefined, 'path.deviceId'],
    ['GET', '/v1/keys/xyz', admin, undefined, 'path.keyId'],
    ['GET', `/v1/keys/${KEY_ID}?at=yesterday`, admin, undefined, 'query.at'],
    ['POST', '/v1/devices/sensor-1/suspend', admin, { reason: 5 }, 'body.reason'],
    ['POST', '/v1/devices/sensor-1/reactivate', admin, { why: 'x' }, 'unknown field(s) why'],
    ['POST', '/v1/devices/sensor-1/revoke', admin, { reason: 'lost' }, 'body.reason'],
    ['POST', '/v1/devices/sensor-1/revoke', admin, {}, 'body.reason'],
    ['GET', '/v1/revocations?since=last-week', admin, undefined, 'query.since'],
    ['GET', '/v1/devices/sensor-1/history?pageSize=abc', admin, undefined, 'query.pageSize'],
    ['PUT', '/v1/devices/sensor-1/config', admin, { version: 1.5, sha256: HEX }, 'body.version'],
    ['PUT', '/v1/devices/sensor-1/config', admin, { version: 1, sha256: HEX.toUpperCase() }, 'body.sha256'],
    ['PUT', '/v1/devices/sensor-1/config', admin, { version: 1, sha256: HEX, uri: 'not a uri' }, 'body.uri'],
    ['GET', '/v1/devices/bad!id/config', admin, undefined, 'path.deviceId'],
    ['POST', '/v1/devices/sensor-1/config/verify', admin, { sha256: 'xyz' }, 'body.sha256'],
    ['POST', '/v1/devices/sensor-1/config/report', undefined, reportBody({ seq: 0 }), 'body.payload.seq'],
    ['POST', '/v1/devices/sensor-1/config/report', undefined, reportBody({ seq: '3' }), 'body.payload.seq'],
    ['POST', '/v1/devices/sensor-1/config/report', undefined, reportBody({ deviceId: 'sensor-2' }), 'must equal the device in the path'],
    ['POST', '/v1/devices/sensor-1/config/report', undefined, reportBody({ action: 'anchor' }), 'body.payload.action'],
    ['POST', '/v1/devices/sensor-1/config/report', undefined, { payload: reportBody().payload }, 'body.signature'],
    [
      'POST',
      '/v1/families',
      vendor,
      { family: 'thermo', vendorKeyPem: device.publicKeyPem, approvalThreshold: 0 },
      'body.approvalThreshold',
    ],
    ['POST', '/v1/families', vendor, { family: 'thermo', vendorKeyPem: 'x', approvalThreshold: 1 }, 'body.vendorKeyPem'],
    ['GET', '/v1/families/bad!family', vendor, undefined, 'path.family'],
    ['PUT', '/v1/families/thermo/policy', admin, { minVersion: '1.2' }, 'body.minVersion'],
    ['POST', '/v1/firmware', vendor, { family: 'thermo', version: '01.2.3', sha256: HEX, signature: 'c2ln' }, 'body.version'],
    ['POST', '/v1/firmware', vendor, { family: 'thermo', version: '1.2.3', sha256: HEX }, 'body.signature'],
    [
      'POST',
      '/v1/firmware',
      vendor,
      { family: 'thermo', version: '1.2.3', sha256: HEX, signature: 'c2ln', uri: 'http://fw.example/a.bin' },
      'body.uri',
    ],
    [
      'POST',
      '/v1/firmware',
      vendor,
      { family: 'thermo', version: '1.2.3', sha256: HEX, signature: 'c2ln', uri: 'https://u:p@fw.example/a.bin' },
      'body.uri',
    ],
    ['GET', '/v1/firmware/thermo/1.2', vendor, undefined, 'path.version'],
    ['GET', '/v1/firmware/bad!family', vendor, undefined, 'path.family'],
    ['GET', '/v1/firmware/bad!family/latest', vendor, undefined, 'path.family'],
    ['POST', '/v1/firmware/thermo/1.0.0/approvals', admin, { decision: 'maybe' }, 'body.decision'],
    ['POST', '/v1/firmware/thermo/1.0.0/revoke', admin, { reason: '' }, 'body.reason'],
    ['POST', '/v1/firmware/verify', vendor, { family: 'thermo' }, 'body.sha256'],
    [
      'POST',
      '/v1/devices/sensor-1/firmware',
      undefined,
      { payload: { action: 'firmware-report', deviceId: 'sensor-1', seq: 1, family: 'thermo', sha256: HEX }, signature: 'c2ln' },
      'body.payload.version',
    ],
    [
      'POST',
      '/v1/devices/sensor-1/messages',
      undefined,
      { payload: { action: 'anchor', deviceId: 'sensor-1', seq: 1, digest: 'zz' }, signature: 'c2ln' },
      'body.payload.digest',
    ],
    ['GET', `/v1/devices/sensor-1/messages?bookmark=${'b'.repeat(3000)}`, vendor, undefined, 'query.bookmark'],
    ['POST', '/v1/messages/verify', vendor, { deviceId: 'sensor-1', seq: 1, digest: HEX, leaf: 'beef' }, 'unknown field(s) leaf'],
    ['POST', '/v1/messages/verify', vendor, { deviceId: 'sensor-1', seq: 1, leaf: HEX }, 'leaf and proof go together'],
    ['POST', '/v1/messages/verify', vendor, { deviceId: 'sensor-1', seq: 1, digest: 'zz' }, 'body.digest'],
    [
      'POST',
      '/v1/messages/verify',
      vendor,
      { deviceId: 'sensor-1', seq: 1, leaf: 'beef', proof: { index: 0, treeSize: 1, path: [] } },
      'body.leaf',
    ],
    [
      'POST',
      '/v1/messages/verify',
      vendor,
      { deviceId: 'sensor-1', seq: 1, leaf: HEX, proof: { index: 3, treeSize: 3, path: [] } },
      'index must be less',
    ],
    ['POST', '/v1/discovery/endpoints', admin, { id: 'gw', kind: 'router', url: 'https://x.example' }, 'body.kind'],
    ['POST', '/v1/discovery/endpoints', admin, { id: 'gw', kind: 'gateway', url: 'nowhere' }, 'body.url'],
    ['GET', '/v1/transactions/xyz', vendor, undefined, 'path.txId'],
    ['GET', '/v1/audit/tx/xyz', admin, undefined, 'path.txId'],
    ['GET', '/v1/events?since=yesterday', vendor, undefined, 'query.since'],
  ];
  test.each(cases)('%s %s → %s', async (method, path, token, body, fragment) => {
    const res = await h.request(method, path, { ...(token ? { token } : {}), body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_ARGUMENT');
    expect(res.body.error.message).toContain(fragment);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('a malformed Last-Event-ID is 400', async () => {
    const res = await h.request('GET', '/v1/events', { token: vendor, headers: { 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('a malformed Idempotency-Key is 400', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: admin,
      body: registerBody(),
      headers: { 'idempotency-key': 'has spaces' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('Idempotency-Key');
    expect(h.fake.calls).toHaveLength(0);
  });
});

describe('bodies', () => {
  test('over 64 KiB: 413', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      body: { ...registerBody(), attributes: { big: 'x'.repeat(70 * 1024) } },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(h.fake.calls).toHaveLength(0);
  });

  test('malformed JSON: 400', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      raw: '{"deviceId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('not valid JSON') });
  });

  test('JSON that is not an object or array: 400', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      raw: '"text"',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
  });

  test('a JSON array where an object is expected: 400', async () => {
    const res = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body: [registerBody()] });
    expect(res.status).toBe(400);
    expect(h.fake.calls).toHaveLength(0);
  });

  test('not JSON: 415', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      raw: 'deviceId=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('a charset other than UTF-8: 415', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      raw: JSON.stringify(registerBody()),
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.message).toContain('UTF-8');
    expect(h.fake.calls).toHaveLength(0);
  });

  test('compressed bodies: 415', async () => {
    const res = await h.request('POST', '/v1/devices', {
      token: TOKENS.admin,
      raw: 'x',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(415);
  });
});

test('a path that is not valid percent-encoding: 400, not 500', async () => {
  const res = await h.request('GET', '/v1/devices/%E0%A4%A', { token: TOKENS.admin });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('INVALID_ARGUMENT');
});

test('a repeated query parameter: 400', async () => {
  const res = await h.request('GET', '/v1/devices?pageSize=1&pageSize=2', { token: TOKENS.admin });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toContain('query.pageSize');
});

describe('unknown routes', () => {
  test.each([
    ['GET', '/v1/nothing'],
    ['DELETE', '/v1/devices/sensor-1'],
    ['GET', '/'],
    // Paths are as the OpenAPI document writes them: case and trailing slashes count.
    ['GET', '/V1/DEVICES'],
    ['GET', '/healthz/'],
  ])('%s %s → 404 with the error body', async (method, path) => {
    const res = await h.request(method, path, { token: TOKENS.admin });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('error mapping', () => {
  const codes = Object.keys(ERROR_STATUS) as ErrorCode[];
  test.each(codes.filter((code) => code !== 'INTERNAL'))('%s from the registry', async (code) => {
    h.fake.handlers.getDevice = async () => {
      throw new RegistryError(code, `the ${code} text`);
    };
    const res = await h.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin });
    expect(res.status).toBe(ERROR_STATUS[code]);
    expect(res.body).toEqual({ error: { code, message: `the ${code} text` } });
  });

  test("INTERNAL from the chaincode: a 500 without the exception's text, which goes to the log with the request ID", async () => {
    h.fake.handlers.getDevice = async () => {
      throw new RegistryError(
        'INTERNAL',
        "TypeError: Cannot read properties of undefined (reading 'keyId') at /srv/chaincode/dist/devices.js:88",
      );
    };
    const res = await h.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin, headers: { 'x-request-id': 'trace-500' } });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: INTERNAL_MESSAGE } });
    expect(res.text).not.toContain('TypeError');
    const logged = h.logs.find((line) => line.requestId === 'trace-500' && line.level >= 50);
    expect(JSON.stringify(logged)).toContain("reading 'keyId'");
  });

  test('OUTCOME_UNKNOWN carries the transaction ID', async () => {
    h.fake.handlers.registerDevice = async () => {
      throw new RegistryError('OUTCOME_UNKNOWN', 'not known yet', { txId: TX_ID });
    };
    const res = await h.request('POST', '/v1/devices', { token: TOKENS.admin, body: registerBody() });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: { code: 'OUTCOME_UNKNOWN', message: 'not known yet', txId: TX_ID } });
  });

  test('an unexpected failure is a 500 that reveals nothing', async () => {
    h.fake.handlers.getDevice = async () => {
      throw new Error('secret internals at /etc/passwd');
    };
    const res = await h.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: INTERNAL_MESSAGE } });
  });
});

describe('headers', () => {
  test('security headers on every answer, and a request ID', async () => {
    for (const path of ['/healthz', '/v1/devices/sensor-1', '/v1/nothing']) {
      const res = await h.request('GET', path);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-powered-by')).toBeNull();
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test('a well-formed X-Request-Id is kept, a malformed one replaced', async () => {
    const kept = await h.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await h.request('GET', '/healthz', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id <script>');
  });
});

describe('operations', () => {
  test('healthz needs no ledger', async () => {
    const res = await h.request('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(h.fake.calls).toHaveLength(0);
  });

  test('readyz: 200 when the ledger answers, 503 when not', async () => {
    h.fake.handlers.ping = async () => ({ height: 12 });
    expect(await h.request('GET', '/readyz')).toMatchObject({ status: 200, body: { status: 'ready', height: 12 } });
    h.fake.handlers.ping = async () => {
      throw new Error('connection refused');
    };
    const down = await h.request('GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('LEDGER_UNAVAILABLE');
  });

  test('metrics: Prometheus text with request counts by route template', async () => {
    h.fake.handlers.getDevice = async () => deviceRecord(device);
    await h.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin });
    const res = await h.request('GET', '/metrics', { token: TOKENS.auditor });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/iotreg_gateway_http_requests_total\{method="GET",route="\/v1\/devices\/\{deviceId\}",status="200"\} \d+/);
    expect(res.text).toContain('iotreg_gateway_http_request_duration_seconds_bucket');
  });
});

test('metrics are not public: 401 without a token, 403 for a vendor, 200 for auditor and admin', async () => {
  expect((await h.request('GET', '/metrics')).status).toBe(401);
  expect((await h.request('GET', '/metrics', { token: TOKENS.vendor })).status).toBe(403);
  expect((await h.request('GET', '/metrics', { token: TOKENS.admin })).status).toBe(200);
});

describe('limits', () => {
  test('rate limit per token: 429 with Retry-After once the burst is spent', async () => {
    const limited = await startHarness({ limits: { rateLimitPerSecond: 0.01, rateLimitBurst: 2 } });
    try {
      limited.fake.handlers.getDevice = async () => deviceRecord(device);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await limited.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin })).status);
      expect(statuses).toEqual([200, 200, 429]);
      const res = await limited.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin });
      expect(res.body.error.code).toBe('RATE_LIMITED');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      // another token has its own bucket
      expect((await limited.request('GET', '/v1/devices/sensor-1', { token: TOKENS.vendor })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  test('a read that outlives its deadline is answered 503', async () => {
    const slow = await startHarness({ limits: { readTimeoutMs: 50 } });
    try {
      slow.fake.handlers.getDevice = () => new Promise((resolve) => setTimeout(() => resolve(deviceRecord(device)), 300));
      const res = await slow.request('GET', '/v1/devices/sensor-1', { token: TOKENS.admin });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('LEDGER_UNAVAILABLE');
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await slow.close();
    }
  });
});

test('fakeRegistry refuses calls it was not told about (so routes cannot call the ledger unnoticed)', async () => {
  const fake = fakeRegistry();
  await expect(fake.registry.call('getDevice', 'x', { deviceId: 'y' })).rejects.toMatchObject({ code: 'INTERNAL' });
});
