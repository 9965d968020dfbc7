/**
 * The chaincode's world-state keys as the read model reads them. The formats are the chaincode's
 * (chaincode/src/ledger/keys.ts, where they are built): composite keys "\0type\0attr\0...\0",
 * numbers zero-padded to 16 digits, versions padded per part to 9. The model-vs-chaincode test
 * (model-vs-chaincode.test.ts) runs the chaincode itself, so a change there that this file does
 * not follow fails it.
 */
const NUL = '\u0000';
/** The delimiter as the model's database stores it. */
const DB_DELIMITER = '\u0001';

export const composite = (objectType: string, ...attributes: string[]): string =>
  NUL + objectType + NUL + attributes.map((a) => a + NUL).join('');

/** The last attribute of a composite key under `prefix` (a page bookmark names its next key). */
export function splitComposite(key: string): { objectType: string; attributes: string[] } {
  const parts = key.slice(1, -1).split(NUL);
  return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
}

export const toDbKey = (key: string): string => key.replaceAll(NUL, DB_DELIMITER);
export const fromDbKey = (key: string): string => key.replaceAll(DB_DELIMITER, NUL);

/** The first key after every key that starts with `prefix` (Fabric's partial-key range end). */
export const prefixEnd = (prefix: string): string => prefix + '\u{10FFFF}';

export const sortableVersion = (version: string): string =>
  version
    .split('.')
    .map((part) => part.padStart(9, '0'))
    .join('.');

export type DeviceIndexField = 'owner' | 'family' | 'status';

export const stateKeys = {
  device: (deviceId?: string) => (deviceId === undefined ? composite('device') : composite('device', deviceId)),
  devicesBy: (field: DeviceIndexField, value: string, deviceId?: string) =>
    deviceId === undefined ? composite('device-by', field, value) : composite('device-by', field, value, deviceId),
  publicKey: (keyId: string) => composite('key', keyId),
  deviceKeys: (deviceId: string) => composite('device-key', deviceId),
  revocations: () => composite('revocation'),
  revocationsSince: (since: string) => NUL + 'revocation' + NUL + since,
  history: (deviceId: string) => composite('history', deviceId),
  config: (deviceId: string) => composite('config', deviceId),
  configReport: (deviceId: string) => composite('config-report', deviceId),
  family: (family: string) => composite('family', family),
  firmware: (family: string, version?: string) =>
    version === undefined ? composite('firmware', family) : composite('firmware', family, sortableVersion(version)),
  firmwareByHash: (family: string, sha256: string) => composite('firmware-hash', family, sha256),
  messages: (deviceId: string) => composite('message', deviceId),
  message: (deviceId: string, seq: number) => composite('message', deviceId, seq.toString().padStart(16, '0')),
  endpoints: () => composite('endpoint'),
  members: () => composite('governance', 'members'),
};
