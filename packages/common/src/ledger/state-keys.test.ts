import { keyValidity } from './key-validity';
import { compositeKey, keys, sortableVersion, splitCompositeKey, versionOfSortable } from './state-keys';

test('composite keys are Fabric’s form, and split back into their parts', () => {
  expect(compositeKey(keys.devicesBy('status', 'active', 'd-1'))).toBe('\u0000device-by\u0000status\u0000active\u0000d-1\u0000');
  expect(compositeKey(keys.device())).toBe('\u0000device\u0000');
  expect(splitCompositeKey(compositeKey(keys.firmware('thermo', '1.2.3')))).toEqual({
    objectType: 'firmware',
    attributes: ['thermo', '000000001.000000002.000000003'],
  });
});

test('sortable versions sort like versions and read back', () => {
  expect(sortableVersion('1.10.0') > sortableVersion('1.9.99')).toBe(true);
  for (const v of ['0.0.0', '1.10.0', '10.0.7']) expect(versionOfSortable(sortableVersion(v))).toBe(v);
});

test('a key is valid from its first use until rotated away or revoked', () => {
  const key = { keyId: 'a'.repeat(64), deviceId: 'd', publicKeyPem: '', validFrom: '2026-01-01T00:00:00.000Z' };
  expect(keyValidity(key, '2025-12-31T23:59:59.999Z')).toMatchObject({ validAt: false, status: 'current' });
  expect(keyValidity(key, '2026-01-01T00:00:00.000Z')).toMatchObject({ validAt: true, status: 'current' });
  const rotated = { ...key, validTo: '2026-02-01T00:00:00.000Z' };
  expect(keyValidity(rotated, '2026-02-01T00:00:00.000Z')).toMatchObject({ validAt: false, status: 'rotated' });
  const revoked = { ...rotated, revokedAt: '2026-01-15T00:00:00.000Z' };
  expect(keyValidity(revoked, '2026-01-20T00:00:00.000Z')).toMatchObject({ validAt: false, status: 'revoked' });
});
