/**
 * The chaincode's world-state keys as the read model reads them: the one definition is
 * packages/common (ledger/state-keys.ts), which the chaincode writes with; here they are joined
 * as Fabric stores them ("\0type\0attr\0...\0") and as the model's database holds them.
 */
import { compositeKey, keys, type StateKey } from '@iotreg/common';

export { type DeviceIndexField, sortableVersion, splitCompositeKey as splitComposite } from '@iotreg/common';

const NUL = '\u0000';
/** The delimiter as the model's database stores it. */
const DB_DELIMITER = '\u0001';

export const composite = (objectType: string, ...attributes: string[]): string => compositeKey({ objectType, attributes });

export const toDbKey = (key: string): string => key.replaceAll(NUL, DB_DELIMITER);
export const fromDbKey = (key: string): string => key.replaceAll(DB_DELIMITER, NUL);

/** The first key after every key that starts with `prefix` (Fabric's partial-key range end). */
export const prefixEnd = (prefix: string): string => prefix + '\u{10FFFF}';

const c = (key: StateKey): string => compositeKey(key);

/** The record kinds whose every version the model keeps: each device's keys and its history. */
export const VERSIONED = {
  publicKey: keys.publicKey('').objectType,
  deviceChange: keys.deviceChange('').objectType,
  /** Per-change records, as the chaincode wrote them before deviceChange. */
  history: keys.history('').objectType,
};

/** The keys (and key-range prefixes) the model's queries read, built by the chaincode's builders. */
export const stateKeys = {
  device: (deviceId?: string) => c(keys.device(deviceId)),
  devicesBy: (field: Parameters<typeof keys.devicesBy>[0], value: string, deviceId?: string) => c(keys.devicesBy(field, value, deviceId)),
  publicKey: (keyId: string) => c(keys.publicKey(keyId)),
  revocations: () => c(keys.revocation()),
  /** Revocations from time `since` on: the prefix of the revocation keys at that time (not closed by a delimiter). */
  revocationsSince: (since: string) => c(keys.revocation()) + since,
  history: (deviceId: string, revision?: number) => c(keys.history(deviceId, revision)),
  /** Every device's history records and key lists, as the chaincode wrote them before deviceChange. */
  histories: () => c({ objectType: keys.history('').objectType, attributes: [] }),
  deviceKeyLists: () => c({ objectType: keys.deviceKey('').objectType, attributes: [] }),
  config: (deviceId: string) => c(keys.config(deviceId)),
  configReport: (deviceId: string) => c(keys.configReport(deviceId)),
  family: (family: string) => c(keys.family(family)),
  families: () => c(keys.families()),
  firmware: (family: string, version?: string) => c(keys.firmware(family, version)),
  firmwareByHash: (family: string, sha256: string) => c(keys.firmwareByHash(family, sha256)),
  messages: (deviceId: string) => c(keys.message(deviceId)),
  message: (deviceId: string, seq: number) => c(keys.message(deviceId, seq)),
  endpoints: () => c(keys.endpoint()),
  members: () => c(keys.members()),
};
