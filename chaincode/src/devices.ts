/**
 * Device records and what changes with them: the keys, the per-device audit trail, and checks
 * of device-signed statements.
 */
import {
  compareVersions,
  ConfigRecord,
  ConfigReport,
  Device,
  DeviceKey,
  deviceSignatureRefused,
  HistoryEntry,
  parsePublicKey,
  RegistryError,
  Family,
  FirmwareRelease,
  FirmwareVerdict,
  type ParsedRequestOf,
  verifyStatement,
} from '@iotreg/common';
import type { RegistryContext } from './context';
import { keys } from './ledger/keys';

export async function findDevice(ctx: RegistryContext, deviceId: string): Promise<Device> {
  const device = await ctx.store.get<Device>(keys.device(deviceId));
  if (!device) throw new RegistryError('NOT_FOUND', `device ${deviceId} not found`);
  return device;
}

/**
 * Writes a device and records `action` as its last change (whose versions are its history).
 * Every device change goes through here, so the history is complete; only a message anchor
 * (which moves just `seq`) passes no action: the anchors are their own trail. The chaincode keeps
 * no list index but the family's (see register()): lists and filters are the read model's.
 */
export async function saveDevice(ctx: RegistryContext, device: Device, action?: string, before?: Device): Promise<void> {
  if (before) ctx.requireNotBefore(before.updatedAt, `device ${before.deviceId}`);
  ctx.store.put(keys.device(device.deviceId), device);
  if (action) appendHistory(ctx, device.deviceId, action, device);
}

/**
 * One write, no read: the entry replaces the device's last change. Fabric's history database
 * keeps every version of that key (GetDeviceHistory on the ledger), and the read model appends
 * each one to its history table from the blocks.
 */
export function appendHistory(ctx: RegistryContext, deviceId: string, action: string, record: unknown): void {
  const entry: HistoryEntry = { txId: ctx.txId, timestamp: ctx.now, submitterMsp: ctx.msp, action, record };
  ctx.store.put(keys.deviceChange(deviceId), entry);
}

/** A device's history, oldest first: entries from before deviceChange (history records), then its versions. */
export async function deviceHistory(ctx: RegistryContext, deviceId: string): Promise<HistoryEntry[]> {
  const earlier = await ctx.store.all<HistoryEntry>(keys.history(deviceId));
  return [...earlier, ...(await ctx.store.versions<HistoryEntry>(keys.deviceChange(deviceId)))];
}

/** Records a key as the device's newest; a key belongs to one device, ever. */
export async function addKey(ctx: RegistryContext, deviceKey: DeviceKey): Promise<void> {
  if (await ctx.store.exists(keys.publicKey(deviceKey.keyId))) {
    throw new RegistryError('ALREADY_EXISTS', `key ${deviceKey.keyId} is already registered`);
  }
  ctx.store.put(keys.publicKey(deviceKey.keyId), deviceKey);
}

export async function closeKey(ctx: RegistryContext, keyId: string, change: Partial<DeviceKey>): Promise<void> {
  const current = await ctx.store.mustGet<DeviceKey>(keys.publicKey(keyId), `key ${keyId}`);
  ctx.store.put(keys.publicKey(keyId), { ...current, ...change });
}

/** The keys a device has had, oldest first: the keyId of each version of its record (Fabric's history database). */
export async function deviceKeys(ctx: RegistryContext, deviceId: string): Promise<DeviceKey[]> {
  const keyIds = new Set((await ctx.store.versions<Device>(keys.device(deviceId))).map((device) => device.keyId));
  const records: DeviceKey[] = [];
  for (const keyId of keyIds) records.push(await ctx.store.mustGet<DeviceKey>(keys.publicKey(keyId), `key ${keyId}`));
  return records;
}

/** A device-signed request as its schema reads it: the statement, and the signature over its canonical form. */
export type SignedRequest = ParsedRequestOf<
  | 'reportConfig'
  | 'reportFirmware'
  | 'anchorMessage'
  | 'offerAgreement'
  | 'acceptAgreement'
  | 'recordUsage'
  | 'settleAgreement'
  | 'reportRollout'
>;

/**
 * A statement the device signed itself (its form and action checked by the request's schema),
 * checked against the device's current key: the device must be active, and `seq` above every seq
 * accepted before (no replay). Returns the device with its new seq, not yet saved.
 */
export async function acceptSigned(ctx: RegistryContext, { payload, signature }: SignedRequest): Promise<Device> {
  const { deviceId, seq } = payload;
  // Unknown, not active, or not its current key: one answer, so a caller without the device's key
  // learns nothing of whether the device exists or of its status (the gateway relays it as 401).
  const device = await ctx.store.get<Device>(keys.device(deviceId));
  if (!device || device.status !== 'active' || !verifyStatement(parsePublicKey(device.publicKeyPem), payload, signature)) {
    throw deviceSignatureRefused();
  }
  ctx.requireNotBefore(device.updatedAt, `device ${deviceId}`);
  if (seq <= device.seq) throw new RegistryError('REPLAYED_SEQ', `seq ${seq} is not above ${device.seq}, the last accepted`);
  // updatedAt stays the owner's: a relaying org's timestamp must not date the record ahead (see Device.updatedAt).
  return { ...device, seq };
}

/** A device as readers see it: firmware compliance judged now, against the family's current policy. */
export async function present(ctx: RegistryContext, device: Device): Promise<Device> {
  const withDrift = await withConfigDrift(ctx, device);
  return withDrift.firmware ? withCompliance(ctx, withDrift) : withDrift;
}

/** Drift: the device's last report differs from the configuration the ledger expects now. */
async function withConfigDrift(ctx: RegistryContext, device: Device): Promise<Device> {
  const report = await ctx.store.get<ConfigReportRecord>(keys.configReport(device.deviceId));
  if (!report) return device;
  const expected = await ctx.store.get<ConfigRecord>(keys.config(device.deviceId));
  return { ...device, configDrift: expected?.sha256 !== report.sha256 };
}

/** A device's last configuration report as stored: the answer without the drift, which is judged on read. */
export type ConfigReportRecord = Omit<ConfigReport, 'configDrift'>;

async function withCompliance(ctx: RegistryContext, device: Device): Promise<Device> {
  if (!device.firmware) return device;
  const { family: familyId, version, sha256 } = device.firmware;
  const family = await ctx.store.get<Family>(keys.family(familyId));
  const release = await ctx.store.get<FirmwareRelease>(keys.firmware(familyId, version));
  // An image whose hash is not the release's is not that release, whatever version it claims.
  const verdict: FirmwareVerdict = release && release.sha256 === sha256 ? release.status : 'unknown';
  const meetsMinimum = !family?.minVersion || compareVersions(version, family.minVersion) >= 0;
  return { ...device, firmware: { ...device.firmware, verdict, compliant: verdict === 'trusted' && meetsMinimum } };
}
