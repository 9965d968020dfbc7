import { RegistryError, statements, PAGE_SIZE_MAX } from '@iotreg/common';
import { DEVICE_CREDENTIALS_REFUSED } from '../auth';
import { deviceRecord, Harness, newDeviceKey, RELAY, signStatement, startHarness, TOKENS } from '../testing/harness';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const nowSeconds = Math.floor(NOW / 1000);
const device = newDeviceKey('meter-7');
const endpoints = [{ id: 'gw-1', org: 'Org1MSP', kind: 'gateway', url: 'https://gw.example', tlsCertSha256: '' }];

function deviceHeader(options: { ts?: number; path?: string; method?: string; key?: typeof device; id?: string } = {}): string {
  const ts = options.ts ?? nowSeconds;
  const key = options.key ?? device;
  const id = options.id ?? device.deviceId;
  const sig = signStatement(key.privateKey, statements.read(id, options.method ?? 'GET', options.path ?? '/v1/discovery', ts));
  return `Device id="${id}", ts="${ts}", sig="${sig}"`;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ now: () => NOW });
});
afterAll(() => h.close());
beforeEach(() => {
  h.fake.calls.length = 0;
  h.fake.handlers.getDevice = async (_as, request) => {
    const { deviceId } = request as { deviceId: string };
    if (deviceId === device.deviceId) return deviceRecord(device);
    if (deviceId === 'paused-1') return deviceRecord({ ...device, deviceId }, { status: 'suspended' });
    throw new RegistryError('NOT_FOUND', `no device ${deviceId}`);
  };
  h.fake.handlers.listEndpoints = async () => ({ items: endpoints, bookmark: '' });
});

test('a device reads discovery with its signature; the device is looked up as the relay identity', async () => {
  const res = await h.request('GET', '/v1/discovery', { headers: { authorization: deviceHeader() } });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ endpoints });
  expect(h.fake.calls).toEqual([
    { method: 'getDevice', as: RELAY, request: { deviceId: 'meter-7' } },
    { method: 'listEndpoints', as: RELAY, request: { pageSize: PAGE_SIZE_MAX, bookmark: '' } },
  ]);
});

test('clock skew up to 30 s either way is accepted', async () => {
  for (const ts of [nowSeconds - 30, nowSeconds + 30]) {
    expect((await h.request('GET', '/v1/discovery', { headers: { authorization: deviceHeader({ ts }) } })).status).toBe(200);
  }
});

test('a bearer token works too', async () => {
  const res = await h.request('GET', '/v1/discovery', { token: TOKENS.auditor });
  expect(res.status).toBe(200);
  expect(h.fake.calls).toEqual([{ method: 'listEndpoints', as: 'org1-auditor', request: { pageSize: PAGE_SIZE_MAX, bookmark: '' } }]);
});

test('the query is signed with the path: the signed target is accepted, the same signature with another query is not', async () => {
  const header = deviceHeader({ path: '/v1/discovery?kind=gateway' });
  expect((await h.request('GET', '/v1/discovery?kind=gateway', { headers: { authorization: header } })).status).toBe(200);
  const bare = deviceHeader({ path: '/v1/discovery' });
  expect((await h.request('GET', '/v1/discovery?kind=peer', { headers: { authorization: bare } })).status).toBe(401);
});

test('a signature is accepted once: the same header again is a replay, 401', async () => {
  const header = deviceHeader({ ts: nowSeconds - 5 });
  expect((await h.request('GET', '/v1/discovery', { headers: { authorization: header } })).status).toBe(200);
  const again = await h.request('GET', '/v1/discovery', { headers: { authorization: header } });
  expect([again.status, again.body.error.message]).toEqual([401, DEVICE_CREDENTIALS_REFUSED]);
});

describe('401, one and the same answer, for', () => {
  const other = newDeviceKey('meter-7');
  const cases: [string, () => string][] = [
    ['a stale timestamp', () => deviceHeader({ ts: nowSeconds - 31 })],
    ['a timestamp from the future', () => deviceHeader({ ts: nowSeconds + 31 })],
    ['a signature by another key', () => deviceHeader({ key: other })],
    ['a signature over another path', () => deviceHeader({ path: '/v1/devices' })],
    ['a signature over another method', () => deviceHeader({ method: 'POST' })],
    ['a signature for another timestamp', () => deviceHeader().replace(`ts="${nowSeconds}"`, `ts="${nowSeconds - 1}"`)],
    ['garbage in sig', () => `Device id="meter-7", ts="${nowSeconds}", sig="!!!"`],
    ['an unknown device', () => deviceHeader({ id: 'ghost-1' })],
    ['a suspended device', () => deviceHeader({ id: 'paused-1' })],
    [
      'an old client signing {"path"} without the query',
      () => {
        const sig = signStatement(device.privateKey, {
          action: 'read',
          deviceId: 'meter-7',
          method: 'GET',
          path: '/v1/discovery',
          ts: nowSeconds,
        });
        return `Device id="meter-7", ts="${nowSeconds}", sig="${sig}"`;
      },
    ],
  ];
  test.each(cases)('%s', async (_name, header) => {
    const res = await h.request('GET', '/v1/discovery', { headers: { authorization: header() } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: DEVICE_CREDENTIALS_REFUSED } });
    expect(h.fake.callsTo('listEndpoints')).toHaveLength(0);
  });
  test('the answer names the statement to sign', () => {
    expect(DEVICE_CREDENTIALS_REFUSED).toContain('{"action":"read","deviceId","method","target","ts"}');
    expect(DEVICE_CREDENTIALS_REFUSED).toContain('30 s');
  });
});

describe('401 for malformed credentials, saying what is malformed', () => {
  const cases: [string, () => string, string][] = [
    ['a missing parameter', () => `Device id="meter-7", ts="${nowSeconds}"`, 'Device credentials'],
    ['a malformed device id', () => `Device id="bad id", ts="${nowSeconds}", sig="AAAA"`, 'Device credentials'],
    ['no credentials', () => '', 'bearer token or device credentials'],
  ];
  test.each(cases)('%s', async (_name, header, fragment) => {
    const value = header();
    const res = await h.request('GET', '/v1/discovery', value === '' ? {} : { headers: { authorization: value } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    expect(res.body.error.message).toContain(fragment);
    expect(h.fake.callsTo('listEndpoints')).toHaveLength(0);
  });
});

test('a stale request is refused before the ledger is asked', async () => {
  await h.request('GET', '/v1/discovery', { headers: { authorization: deviceHeader({ ts: nowSeconds - 1000 }) } });
  expect(h.fake.calls).toHaveLength(0);
});

test('the ledger being down is 503, not 401', async () => {
  h.fake.handlers.getDevice = async () => {
    throw new RegistryError('LEDGER_UNAVAILABLE', 'down');
  };
  const res = await h.request('GET', '/v1/discovery', { headers: { authorization: deviceHeader() } });
  expect(res.status).toBe(503);
});
