import { Device } from '@iotreg/common';
import { authenticateDevice, parseAuthorization, SeenSignatures } from '../../gateway-app/src/auth';
import { deviceAuthorization } from './device-auth';
import { DeviceIdentity } from './identity';
import { deviceRecord } from './testing/device-record';

const identity = DeviceIdentity.generate();
const nowMs = 1_700_000_000_500;
const record = (overrides: Partial<Device> = {}): Device => deviceRecord('dev:1', identity, overrides);

/** The gateway's own check, as gateway-app/src/http/route.ts runs it. */
async function gatewayAccepts(header: string, method: string, target: string, device = record(), gatewayNowMs = nowMs) {
  const credentials = parseAuthorization(header);
  if (credentials.scheme !== 'device') throw new Error(`parsed as ${credentials.scheme}`);
  return authenticateDevice({
    credentials,
    method,
    target,
    nowMs: gatewayNowMs,
    lookupDevice: async () => device,
    seen: new SeenSignatures(),
  });
}

test('the header has the form the gateway parses', () => {
  const header = deviceAuthorization('dev:1', identity, 'GET', '/v1/discovery', nowMs);
  expect(header).toMatch(/^Device id="dev:1", ts="1700000000", sig="[A-Za-z0-9+/]+=*"$/);
});

test.each(['/v1/discovery', '/v1/devices/dev%3A2', '/v1/keys/' + 'a'.repeat(64)])(
  'the gateway accepts a signed read of %s',
  async (path) => {
    const header = deviceAuthorization('dev:1', identity, 'get', path, nowMs);
    await expect(gatewayAccepts(header, 'GET', path)).resolves.toEqual({ kind: 'device', deviceId: 'dev:1' });
  },
);

test('the query is signed with the path', async () => {
  const target = '/v1/keys/abc?at=2024-01-01T00:00:00Z';
  const header = deviceAuthorization('dev:1', identity, 'GET', target, nowMs);
  await expect(gatewayAccepts(header, 'GET', target)).resolves.toEqual({ kind: 'device', deviceId: 'dev:1' });
  await expect(gatewayAccepts(header, 'GET', '/v1/keys/abc')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  await expect(gatewayAccepts(header, 'GET', '/v1/keys/abc?at=2020-01-01T00:00:00Z')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
});

test.each([
  ['another path', 'GET', '/v1/devices', record(), nowMs],
  ['another method', 'POST', '/v1/discovery', record(), nowMs],
  ['a stale timestamp', 'GET', '/v1/discovery', record(), nowMs + 31_000],
  ['a device that has another key', 'GET', '/v1/discovery', record({ publicKeyPem: DeviceIdentity.generate().publicKeyPem }), nowMs],
])('the gateway refuses it for %s', async (_, method, path, device, gatewayNowMs) => {
  const header = deviceAuthorization('dev:1', identity, 'GET', '/v1/discovery', nowMs);
  await expect(gatewayAccepts(header, method, path, device, gatewayNowMs)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
});
