import type { DeviceKey, KeyValidity } from '../api/records';

/**
 * Was `key` its device's valid key at `at`: from its first use until rotated away or revoked.
 * The chaincode's GetKeyValidity and the read model both answer with this rule.
 */
export function keyValidity(key: DeviceKey, at: string): KeyValidity {
  const end = key.revokedAt ?? key.validTo;
  return {
    keyId: key.keyId,
    deviceId: key.deviceId,
    at,
    validAt: key.validFrom <= at && (end === undefined || at < end),
    status: key.revokedAt ? 'revoked' : key.validTo ? 'rotated' : 'current',
  };
}
