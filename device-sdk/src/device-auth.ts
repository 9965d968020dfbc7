import { ID_PATTERN, RegistryError, Statement } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * `Authorization` value for a device's reads in place of a bearer token (GET /v1/discovery,
 * GET /v1/devices/{id}, GET /v1/keys/{keyId}), in the form gateway-app/src/auth.ts verifies:
 *
 *   Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"
 *
 * `sig` is over {"action":"read","deviceId","method","path","ts"}, with `path` exactly as sent
 * (percent-encoding included) and without the query. The gateway accepts it within 300 s of its
 * clock and only while the device is active with this key; reads do not consume the device's seq.
 */
export function deviceAuthorization(
  deviceId: string,
  identity: DeviceIdentity,
  method: string,
  path: string,
  nowMs = Date.now(),
): string {
  if (!ID_PATTERN.test(deviceId)) throw new RegistryError('INVALID_ARGUMENT', 'deviceId is not a device ID');
  const ts = Math.floor(nowMs / 1000);
  const signedPath = path.split('?', 1)[0] ?? path;
  const statement: Statement = { action: 'read', deviceId, method: method.toUpperCase(), path: signedPath, ts };
  return `Device id="${deviceId}", ts="${ts}", sig="${identity.sign(statement)}"`;
}
