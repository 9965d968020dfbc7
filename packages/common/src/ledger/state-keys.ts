/**
 * Every world-state key of the registry, built here and only here: the chaincode writes and reads
 * its state under these keys, and each gateway's read model reads the same keys from the blocks.
 * Keys are composite (objectType + attributes), so IDs can't collide across record kinds; numbers
 * inside keys are zero-padded so that key order is numeric order.
 */
export type StateKey = { objectType: string; attributes: string[] };

const key = (objectType: string, ...attributes: string[]): StateKey => ({ objectType, attributes });

/** Zero-padded to 16 digits: sorts like the number for every safe integer. */
export const sortable = (n: number): string => n.toString().padStart(16, '0');

/** MAJOR.MINOR.PATCH as a string that sorts like the version. */
export const sortableVersion = (version: string): string =>
  version
    .split('.')
    .map((part) => part.padStart(9, '0'))
    .join('.');

/** The version a sortableVersion() stands for (the read model groups by the sortable form). */
export const versionOfSortable = (sortableForm: string): string =>
  sortableForm
    .split('.')
    .map((part) => part.replace(/^0+(?=\d)/, ''))
    .join('.');

export type DeviceIndexField = 'owner' | 'family' | 'status';

export const keys = {
  device: (deviceId?: string) => (deviceId === undefined ? key('device') : key('device', deviceId)),
  /** Bookkeeping per device: revision counter of its history, number of keys it has had. */
  /** No longer written (a device's keys and history come from Fabric's history database). */
  deviceMeta: (deviceId: string) => key('device-meta', deviceId),
  /** The chaincode writes only the family index (a rollout counts its family's devices); owner and status are no longer written. */
  devicesBy: (field: DeviceIndexField, value: string, deviceId?: string) =>
    deviceId === undefined ? key('device-by', field, value) : key('device-by', field, value, deviceId),
  publicKey: (keyId: string) => key('key', keyId),
  /** No longer written: a device's keys are the keyIds of its record's versions (Fabric's history database). */
  deviceKey: (deviceId: string, index?: number) =>
    index === undefined ? key('device-key', deviceId) : key('device-key', deviceId, sortable(index)),
  revocation: (revokedAt?: string, deviceId?: string) =>
    revokedAt === undefined || deviceId === undefined ? key('revocation') : key('revocation', revokedAt, deviceId),
  /**
   * A device's last change (a HistoryEntry), overwritten by each: its versions in Fabric's history
   * database, and the read model's history table fed from the blocks, are the device's history.
   */
  deviceChange: (deviceId: string) => key('device-change', deviceId),
  /** Written before the chaincode kept one deviceChange record: history(deviceId, revision) per change. */
  history: (deviceId: string, revision?: number) =>
    revision === undefined ? key('history', deviceId) : key('history', deviceId, sortable(revision)),
  config: (deviceId: string) => key('config', deviceId),
  configReport: (deviceId: string) => key('config-report', deviceId),
  /** A device's sealed configuration (ciphertext, or its off-chain hash and URI). */
  sealedConfig: (deviceId: string) => key('sealed-config', deviceId),
  family: (family: string) => key('family', family),
  /** The prefix of every family's key (the family list). */
  families: () => key('family'),
  firmware: (family: string, version?: string) =>
    version === undefined ? key('firmware', family) : key('firmware', family, sortableVersion(version)),
  firmwareByHash: (family: string, sha256: string) => key('firmware-hash', family, sha256),
  message: (deviceId: string, seq?: number) => (seq === undefined ? key('message', deviceId) : key('message', deviceId, sortable(seq))),
  endpoint: (id?: string) => (id === undefined ? key('endpoint') : key('endpoint', id)),
  members: () => key('governance', 'members'),
  maker: (maker: string) => key('maker', maker),
  agreement: (agreementId: string) => key('agreement', agreementId),
  agreementUsage: (agreementId: string, index?: number) =>
    index === undefined ? key('agreement-usage', agreementId) : key('agreement-usage', agreementId, sortable(index)),
  rollout: (rolloutId: string) => key('rollout', rolloutId),
  /** A device's last install report in a rollout. */
  rolloutDevice: (rolloutId: string, deviceId: string) => key('rollout-device', rolloutId, deviceId),
  /** An org's standing consent policy for its devices of a family. */
  consentPolicy: (family: string, msp: string) => key('consent-policy', family, msp),
  rollback: (family: string, version: string) => key('rollback', family, sortableVersion(version)),
  /** The rollouts of a family, by ID: the family status lists the running ones. */
  rolloutOf: (family: string, rolloutId?: string) =>
    rolloutId === undefined ? key('rollout-of', family) : key('rollout-of', family, rolloutId),
  familyStatus: (family: string) => key('family-status', family),
  /** In the owner's implicit private data collection, not world state: a device's confidential attributes. */
  confidentialAttributes: (deviceId: string) => key('confidential-attributes', deviceId),
  /** Public: the salted hash of a device's confidential attributes. */
  confidentialDigest: (deviceId: string) => key('confidential-digest', deviceId),
};

const NUL = '\u0000';

/**
 * A key as Fabric stores it (ChaincodeStub.createCompositeKey): "\0type\0attr\0...\0". With no
 * attributes it is the prefix of every key of that type, as a partial-key range reads it.
 */
export const compositeKey = ({ objectType, attributes }: StateKey): string =>
  NUL + objectType + NUL + attributes.map((a) => a + NUL).join('');

/** The parts of a composite key (what compositeKey() joined). */
export function splitCompositeKey(composite: string): StateKey {
  const parts = composite.slice(1, -1).split(NUL);
  return { objectType: parts[0] ?? '', attributes: parts.slice(1) };
}
