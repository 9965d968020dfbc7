import type { DeviceIdentity } from './identity';

/**
 * `Authorization` for a device's reads (discovery, a peer's key): the device signs
 * {"action":"read","deviceId","method","path","ts"} with ts in unix seconds; the gateway accepts
 * it within 300 s of its clock. `path` is the URL path without the query.
 */
export function deviceAuthorization(deviceId: string, identity: DeviceIdentity, method: string, path: string, nowMs = Date.now()): string {
  const ts = Math.floor(nowMs / 1000);
  const sig = identity.sign({ action: 'read', deviceId, method: method.toUpperCase(), path, ts });
  return `Device id="${deviceId}", ts="${ts}", sig="${sig}"`;
}
