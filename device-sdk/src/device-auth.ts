import { ID_PATTERN, RegistryError, statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * `Authorization` value for a device's reads in place of a bearer token (GET /v1/discovery,
 * GET /v1/devices/{id}, GET /v1/keys/{keyId}), in the form gateway-app/src/auth.ts verifies:
 *
 *   Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"
 *
 * `sig` is over {"action":"read","deviceId","method","target","ts"}, with `target` the path and
 * query exactly as sent (percent-encoding included). The gateway accepts it within 30 s of its
 * clock, once, and only while the device is active with this key; make a new one per request
 * (reads do not consume the device's seq).
 */
export function deviceAuthorization(
  deviceId: string,
  identity: DeviceIdentity,
  method: string,
  target: string,
  nowMs = Date.now(),
): string {
  if (!ID_PATTERN.test(deviceId)) throw new RegistryError('INVALID_ARGUMENT', 'deviceId is not a device ID');
  const ts = Math.floor(nowMs / 1000);
  const statement = statements.read(deviceId, method.toUpperCase(), target, ts);
  return `Device id="${deviceId}", ts="${ts}", sig="${identity.sign(statement)}"`;
}
