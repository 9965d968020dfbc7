import { createHash } from 'node:crypto';
import { RegistryError } from '@iotreg/common';
import { authenticateDevice, DEVICE_CREDENTIALS_REFUSED, parseAuthorization, SeenSignatures, TokenTable } from './auth';
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
  const statement = { action: 'read', deviceId: 'd-1', method: 'GET', target: '/v1/discovery?kind=peer', ts };
  const input = (sig: string, overrides: Partial<Parameters<typeof authenticateDevice>[0]> = {}) => ({
    credentials: { deviceId: 'd-1', ts, sig },
    method: 'GET',
    target: '/v1/discovery?kind=peer',
    nowMs,
    lookupDevice: async () => deviceRecord(device),
    seen: new SeenSignatures(),
    ...overrides,
  });

  test('accepts the canonical read statement, query included, signed by the current key', async () => {
    await expect(authenticateDevice(input(signStatement(device.privateKey, statement)))).resolves.toEqual({
      kind: 'device',
      deviceId: 'd-1',
    });
  });

  test('refuses a device that is not active with the same 401 as an unknown one', async () => {
    const sig = signStatement(device.privateKey, statement);
    const revoked = authenticateDevice(input(sig, { lookupDevice: async () => deviceRecord(device, { status: 'revoked' }) }));
    await expect(revoked).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: DEVICE_CREDENTIALS_REFUSED });
    const unknown = authenticateDevice(input(sig, { lookupDevice: async () => Promise.reject(new RegistryError('NOT_FOUND', 'no d-1')) }));
    await expect(unknown).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: DEVICE_CREDENTIALS_REFUSED });
  });

  test('refuses a signature by a key the device no longer has', async () => {
    const rotated = newDeviceKey('d-1');
    const sig = signStatement(device.privateKey, statement);
    await expect(authenticateDevice(input(sig, { lookupDevice: async () => deviceRecord(rotated) }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: DEVICE_CREDENTIALS_REFUSED,
    });
  });

  test('a signature is accepted once', async () => {
    const seen = new SeenSignatures();
    const sig = signStatement(device.privateKey, statement);
    await expect(authenticateDevice(input(sig, { seen }))).resolves.toEqual({ kind: 'device', deviceId: 'd-1' });
    await expect(authenticateDevice(input(sig, { seen }))).rejects.toMatchObject({ message: DEVICE_CREDENTIALS_REFUSED });
  });
});

describe('SeenSignatures', () => {
  test('remembers a signature until it expires', () => {
    const seen = new SeenSignatures();
    expect(seen.claim('a', 1_000, 0)).toBe(true);
    expect(seen.claim('a', 1_000, 999)).toBe(false);
    expect(seen.claim('a', 2_000, 1_001)).toBe(true); // expired: by then its ts is outside the window anyway
  });

  test('holds at most max entries, forgetting expired ones and then the oldest', () => {
    const seen = new SeenSignatures(3);
    for (const sig of ['a', 'b', 'c']) seen.claim(sig, 10_000, 0);
    expect(seen.claim('d', 10_000, 0)).toBe(true);
    expect(seen.size).toBe(3);
    expect(seen.claim('a', 10_000, 0)).toBe(true); // the oldest was dropped at the cap
    expect(seen.claim('d', 10_000, 0)).toBe(false);
    seen.claim('e', 10_000, 20_000); // everything before is expired now
    expect(seen.size).toBe(1);
  });
});
