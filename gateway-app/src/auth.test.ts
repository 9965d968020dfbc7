import { createHash } from 'node:crypto';
import { authenticateDevice, parseAuthorization, TokenTable } from './auth';
import { deviceRecord, newDeviceKey, signStatement } from './testing/harness';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

describe('TokenTable', () => {
  const table = new TokenTable([
    { name: 'a', role: 'admin', tokenSha256: digest('alpha') },
    { name: 'v', role: 'vendor', tokenSha256: digest('victor') },
  ]);
  test('finds the identity of a token from its digest', () => {
    expect(table.lookup('alpha')).toEqual({ identity: 'a', role: 'admin' });
    expect(table.lookup('victor')).toEqual({ identity: 'v', role: 'vendor' });
  });
  test('anything else is unknown, including the digest itself', () => {
    expect(table.lookup('alph')).toBeUndefined();
    expect(table.lookup(digest('alpha'))).toBeUndefined();
    expect(table.lookup('')).toBeUndefined();
  });
});

describe('parseAuthorization', () => {
  test.each([
    [undefined, { scheme: 'none' }],
    ['', { scheme: 'none' }],
    ['Bearer abc.def', { scheme: 'bearer', token: 'abc.def' }],
    ['bearer abc', { scheme: 'bearer', token: 'abc' }],
    ['Device id="d-1", ts="1700000000", sig="AB+/=="', { scheme: 'device', deviceId: 'd-1', ts: 1700000000, sig: 'AB+/==' }],
    ['Device  sig="x" ,id="d-1",ts="1"', { scheme: 'device', deviceId: 'd-1', ts: 1, sig: 'x' }],
  ])('%p', (header, expected) => {
    expect(parseAuthorization(header)).toEqual(expected);
  });
  test.each([
    'Bearer',
    'Bearer a b',
    'Basic dXNlcjpwYXNz',
    'Device id="d-1", ts="1"',
    'Device id="d-1", ts="1", sig="x", extra="y"',
    'Device id="d 1", ts="1", sig="x"',
    'Device id="d-1", ts="-1", sig="x"',
    'Device id=d-1, ts="1", sig="x"',
  ])('invalid: %p', (header) => {
    expect(parseAuthorization(header).scheme).toBe('invalid');
  });
});

describe('authenticateDevice', () => {
  const device = newDeviceKey('d-1');
  const nowMs = 1_700_000_000_000;
  const ts = nowMs / 1000;
  const statement = { action: 'read', deviceId: 'd-1', method: 'GET', path: '/v1/discovery', ts };
  const input = (sig: string, overrides: Partial<Parameters<typeof authenticateDevice>[0]> = {}) => ({
    credentials: { deviceId: 'd-1', ts, sig },
    method: 'GET',
    path: '/v1/discovery',
    nowMs,
    lookupDevice: async () => deviceRecord(device),
    ...overrides,
  });

  test('accepts the canonical read statement signed by the current key', async () => {
    await expect(authenticateDevice(input(signStatement(device.privateKey, statement)))).resolves.toEqual({ kind: 'device', deviceId: 'd-1' });
  });

  test('refuses a device that is not active, with 401', async () => {
    const sig = signStatement(device.privateKey, statement);
    await expect(
      authenticateDevice(input(sig, { lookupDevice: async () => deviceRecord(device, { status: 'revoked' }) })),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: 'device is revoked' });
  });

  test('refuses a signature by a key the device no longer has', async () => {
    const rotated = newDeviceKey('d-1');
    const sig = signStatement(device.privateKey, statement);
    await expect(authenticateDevice(input(sig, { lookupDevice: async () => deviceRecord(rotated) }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
