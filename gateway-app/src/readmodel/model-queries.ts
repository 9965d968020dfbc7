/**
 * The catalogue's reads, answered from the model: the same records, the same rules and the same
 * refusals as the chaincode's read transactions (chaincode/src/contracts), so an answer does not
 * depend on where it came from. Pages are in key order and their bookmarks are the chaincode's
 * (base64url of the next world-state key), so a list may be continued from either source.
 * Unlike the chaincode's filtered pages, which end early after a bounded scan, the model's pages
 * are full: its filters are indexed columns.
 */
import {
  approvalsRequired,
  compareVersions,
  type ConfigRecord,
  type ConfigReport,
  type Device,
  type DeviceKey,
  type Endpoint,
  type FamilyView,
  familySummary,
  type FamilySummary,
  type FirmwareRelease,
  type FirmwareVerdict,
  type HistoryEntry,
  keyValidity,
  type MessageAnchor,
  type Members,
  type OperationName,
  type Page,
  PAGE_SIZE_DEFAULT,
  type ParsedRequestOf,
  RegistryError,
  type Revocation,
  type Role,
} from '@iotreg/common';
import { COMPLIANT_FIRMWARE, fleetCounts, fleetPage } from './fleet-queries';
import { getRecord, getRecords, recordsUnder } from './model-store';
import type { Param, SqlExec } from './sql';
import { splitComposite, stateKeys, toDbKey } from './state-keys';

type Family = Omit<FamilyView, 'approvalsRequired'>;

export interface QueryContext {
  q: SqlExec;
  /** The role of the Fabric identity asking (the chaincode reads it from its certificate). */
  role: Role | undefined;
  /** ISO time standing in for the transaction time of a chaincode read. */
  now: string;
}

type Query<N extends OperationName> = (ctx: QueryContext, request: ParsedRequestOf<N>) => Promise<unknown>;

/** The operations the model answers exactly; the others go to the peer. */
export const MODEL_QUERIES: { [N in OperationName]?: Query<N> } = {
  getDevice: async ({ q }, { deviceId }) => present((key) => getRecord(q, key), await findDevice(q, deviceId)),
  listDevices: listDevices,
  listDeviceKeys: async ({ q }, { deviceId }) => {
    const device = await findDevice(q, deviceId);
    const keyIds = await q.all<{ key_id: string }>('SELECT key_id FROM model_device_keys WHERE device_id = ? ORDER BY position', [
      device.deviceId,
    ]);
    const records: DeviceKey[] = [];
    for (const { key_id: keyId } of keyIds) records.push(await mustGet<DeviceKey>(q, stateKeys.publicKey(keyId), `key ${keyId}`));
    return records;
  },
  getKeyValidity: async ({ q, now }, { keyId, at: asked }) => {
    const at = asked ?? now;
    const key = await getRecord<DeviceKey>(q, stateKeys.publicKey(keyId));
    if (!key) throw new RegistryError('NOT_FOUND', `key ${keyId} is not registered`);
    return keyValidity(key, at);
  },
  listRevocations: async ({ q }, request) =>
    page<Revocation>(
      q,
      stateKeys.revocations(),
      request,
      request.since === undefined ? undefined : stateKeys.revocationsSince(request.since),
    ),
  getDeviceHistory: async ({ q, role }, request) => {
    requireRole(role, 'auditor', 'admin');
    const device = await findDevice(q, request.deviceId);
    return historyPage(q, device.deviceId, request);
  },
  getConfig: async ({ q }, { deviceId }) => {
    const device = await findDevice(q, deviceId);
    return mustGet<ConfigRecord>(q, stateKeys.config(device.deviceId), `configuration of device ${device.deviceId}`);
  },
  verifyConfig: async ({ q }, { deviceId, sha256 }) => {
    const device = await findDevice(q, deviceId);
    const current = await getRecord<ConfigRecord>(q, stateKeys.config(device.deviceId));
    return { match: current?.sha256 === sha256, version: current?.version ?? null };
  },
  getConfigReport: async ({ q }, { deviceId }) => {
    const device = await findDevice(q, deviceId);
    const report = await mustGet<Omit<ConfigReport, 'configDrift'>>(
      q,
      stateKeys.configReport(device.deviceId),
      `configuration report of device ${device.deviceId}`,
    );
    const expected = await getRecord<ConfigRecord>(q, stateKeys.config(device.deviceId));
    const answer: ConfigReport = { ...report, configDrift: expected?.sha256 !== report.sha256 };
    return answer;
  },
  getFamily: async ({ q }, { family }) => {
    const record = await findFamily(q, family);
    const members = await consortium(q);
    const view: FamilyView = { ...record, approvalsRequired: approvalsRequired(members.length, record.approvalThreshold) };
    return view;
  },
  getFirmware: async ({ q }, { family, version }) =>
    mustGet<FirmwareRelease>(q, stateKeys.firmware(family, version), `release ${family} ${version}`),
  listFirmware: async ({ q }, request) => {
    const family = await findFamily(q, request.family);
    return page<FirmwareRelease>(q, stateKeys.firmware(family.family), request);
  },
  getLatestFirmware: async ({ q }, request) => {
    const family = await findFamily(q, request.family);
    const releases = await recordsUnder<FirmwareRelease>(q, stateKeys.firmware(family.family));
    const latest = releases.filter((r) => r.record.status === 'trusted').pop();
    if (!latest) throw new RegistryError('NOT_FOUND', `family ${family.family} has no trusted release`);
    return latest.record;
  },
  verifyFirmware: async ({ q }, { family, sha256 }) => {
    const version = await getRecord<string>(q, stateKeys.firmwareByHash(family, sha256));
    if (version === undefined) return { verdict: 'unknown' };
    const release = await mustGet<FirmwareRelease>(q, stateKeys.firmware(family, version), 'release');
    return { verdict: release.status, version: release.version };
  },
  listMessages: async ({ q }, request) => {
    const device = await findDevice(q, request.deviceId);
    return page<MessageAnchor>(q, stateKeys.messages(device.deviceId), request);
  },
  listEndpoints: async ({ q }, request) => page<Endpoint>(q, stateKeys.endpoints(), request),
  getMembers: async ({ q }) => {
    const record = await getRecord<Members>(q, stateKeys.members());
    if (!record) throw new RegistryError('NOT_FOUND', 'no member list is recorded or proposed yet');
    return record;
  },
  // Model-only (fleet-queries.ts): the chaincode keeps no index for these.
  queryDevices: async ({ q }, request) => {
    const { devices, bookmark } = await fleetPage(q, request);
    const lookup = await pageLookup(q, devices);
    const items: Device[] = [];
    for (const device of devices) items.push(await present(lookup, device));
    return { items, bookmark };
  },
  countDevices: async ({ q }, request) => fleetCounts(q, request),
  listFamilies: listFamilies,
};

// The chaincode's lookups and rules, over the model's records

async function mustGet<T>(q: SqlExec, key: string, what: string): Promise<T> {
  const record = await getRecord<T>(q, key);
  if (record === undefined) throw new RegistryError('NOT_FOUND', `${what} not found`);
  return record;
}

async function findDevice(q: SqlExec, deviceId: string): Promise<Device> {
  const device = await getRecord<Device>(q, stateKeys.device(deviceId));
  if (!device) throw new RegistryError('NOT_FOUND', `device ${deviceId} not found`);
  return device;
}

const findFamily = (q: SqlExec, family: string) => mustGet<Family>(q, stateKeys.family(family), `family ${family}`);

async function consortium(q: SqlExec): Promise<string[]> {
  const record = await getRecord<Members>(q, stateKeys.members());
  if (!record || record.members.length === 0) throw new RegistryError('RULE_VIOLATION', 'the consortium members are not recorded yet');
  return record.members;
}

function requireRole(role: Role | undefined, ...allowed: Role[]): void {
  if (!role || !allowed.includes(role)) {
    throw new RegistryError('FORBIDDEN', `this needs the role ${allowed.join(' or ')}; the submitter has ${role ?? 'none'}`);
  }
}

type Lookup = <T>(key: string) => Promise<T | undefined>;

/**
 * A device as readers see it: configuration drift and firmware compliance judged now (chaincode
 * present()), from records `lookup` finds (one by one, or fetched for a whole page at once).
 */
async function present(lookup: Lookup, device: Device): Promise<Device> {
  let shown = device;
  const report = await lookup<{ sha256: string }>(stateKeys.configReport(device.deviceId));
  if (report) {
    const expected = await lookup<ConfigRecord>(stateKeys.config(device.deviceId));
    shown = { ...shown, configDrift: expected?.sha256 !== report.sha256 };
  }
  if (!shown.firmware) return shown;
  const { family: familyId, version, sha256 } = shown.firmware;
  const family = await lookup<Family>(stateKeys.family(familyId));
  const release = await lookup<FirmwareRelease>(stateKeys.firmware(familyId, version));
  const verdict: FirmwareVerdict = release && release.sha256 === sha256 ? release.status : 'unknown';
  const meetsMinimum = !family?.minVersion || compareVersions(version, family.minVersion) >= 0;
  return { ...shown, firmware: { ...shown.firmware, verdict, compliant: verdict === 'trusted' && meetsMinimum } };
}

/** Every record present() may read for these devices, in one query: a page costs two round trips, not hundreds. */
async function pageLookup(q: SqlExec, devices: Device[]): Promise<Lookup> {
  const keys = new Set<string>();
  for (const d of devices) {
    keys.add(stateKeys.configReport(d.deviceId));
    keys.add(stateKeys.config(d.deviceId));
    if (d.firmware) {
      keys.add(stateKeys.family(d.firmware.family));
      keys.add(stateKeys.firmware(d.firmware.family, d.firmware.version));
    }
  }
  const records = await getRecords(q, [...keys]);
  return async <T>(key: string) => records.get(key) as T | undefined;
}

// Pages

const encodeBookmark = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

/** Where a page starts: the key its bookmark names, which must lie under the list's prefix. */
function startKey(prefix: string, bookmark: string): string {
  if (bookmark === '') return prefix;
  const key = Buffer.from(bookmark, 'base64url').toString('utf8');
  if (!key.startsWith(prefix)) throw new RegistryError('INVALID_ARGUMENT', 'bookmark is not one this list gave');
  return key;
}

interface PageRequest {
  pageSize?: number | undefined;
  bookmark?: string | undefined;
}

async function page<T>(q: SqlExec, prefix: string, request: PageRequest, from?: string): Promise<Page<T>> {
  const size = request.pageSize ?? PAGE_SIZE_DEFAULT;
  const bookmarked = startKey(prefix, request.bookmark ?? '');
  const start = from !== undefined && from > bookmarked ? from : bookmarked;
  const rows = await recordsUnder<T>(q, prefix, start, size + 1);
  const next = rows[size];
  return { items: rows.slice(0, size).map((r) => r.record), bookmark: next ? encodeBookmark(next.key) : '' };
}

/**
 * A device's history, from model_history (every version of its last change, in block order).
 * Entry n's bookmark is the key history(deviceId, n), as the chaincode's pages over Fabric's
 * history database name it.
 */
async function historyPage(q: SqlExec, deviceId: string, request: PageRequest): Promise<Page<HistoryEntry>> {
  const size = request.pageSize ?? PAGE_SIZE_DEFAULT;
  const prefix = stateKeys.history(deviceId);
  const bookmarked = startKey(prefix, request.bookmark ?? '');
  const from = bookmarked === prefix ? 1 : Number(splitComposite(bookmarked).attributes.at(-1));
  if (!Number.isSafeInteger(from) || from < 1) throw new RegistryError('INVALID_ARGUMENT', 'bookmark is not one this list gave');
  const rows = await q.all<{ revision: number; entry: string }>(
    'SELECT revision, entry FROM model_history WHERE device_id = ? AND revision >= ? ORDER BY revision LIMIT ?',
    [deviceId, from, size + 1],
  );
  const next = rows[size];
  return {
    items: rows.slice(0, size).map((row) => JSON.parse(row.entry) as HistoryEntry),
    bookmark: next ? encodeBookmark(stateKeys.history(deviceId, Number(next.revision))) : '',
  };
}

/**
 * Devices by owner, family, status and compliance, in device ID order. The bookmark is the key
 * the chaincode would walk next: in its family index when a family is given (its one list
 * index), else among the devices.
 */
async function listDevices({ q }: QueryContext, request: ParsedRequestOf<'listDevices'>): Promise<Page<Device>> {
  const filters: Array<[string | undefined, string]> = [
    [request.status, 'd.status'],
    [request.family, 'd.family'],
    [request.owner, 'd.owner_msp'],
  ];
  const prefix = request.family !== undefined ? stateKeys.devicesBy('family', request.family) : stateKeys.device();
  const size = request.pageSize ?? PAGE_SIZE_DEFAULT;
  const bookmarked = startKey(prefix, request.bookmark ?? '');
  const where: string[] = [];
  const params: Param[] = [toDbKey(stateKeys.device()), toDbKey('\u0000')];
  for (const [value, column] of filters) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (request.compliance === 'noncompliant') where.push(NONCOMPLIANT);
  if (bookmarked !== prefix) {
    where.push('d.device_id >= ?');
    params.push(splitComposite(bookmarked).attributes.at(-1) ?? '');
  }
  params.push(size + 1);
  const rows = await q.all<{ device_id: string; value: string }>(
    'SELECT d.device_id, s.value FROM model_devices d JOIN model_state s ON s.key = CAST(? AS TEXT) || d.device_id || CAST(? AS TEXT)' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY d.device_id LIMIT ?',
    params,
  );
  const devices = rows.slice(0, size).map((row) => JSON.parse(row.value) as Device);
  const lookup = await pageLookup(q, devices);
  const items: Device[] = [];
  for (const device of devices) items.push(await present(lookup, device));
  const next = rows[size];
  return { items, bookmark: next ? encodeBookmark(prefix + next.device_id + '\u0000') : '' };
}

const NONCOMPLIANT = `d.fw_family IS NOT NULL AND NOT ${COMPLIANT_FIRMWARE}`;

/**
 * Families in name order (the chaincode's scan of the family keys), a prefix narrowing the key
 * range itself, so pages are full. Release counts come from the release keys of the page's families.
 */
async function listFamilies({ q }: QueryContext, request: ParsedRequestOf<'listFamilies'>): Promise<Page<FamilySummary>> {
  const all = stateKeys.families();
  const size = request.pageSize ?? PAGE_SIZE_DEFAULT;
  const bookmarked = startKey(all, request.bookmark ?? '');
  const narrowed = all + (request.prefix ?? '');
  const rows = await recordsUnder<Family>(q, narrowed, bookmarked > narrowed ? bookmarked : narrowed, size + 1);
  const items: FamilySummary[] = [];
  const shown = rows.slice(0, size);
  // Asked only once there is a family to show, as the chaincode does.
  const members = shown.length === 0 ? [] : await consortium(q);
  for (const { record } of shown) {
    const releases = await recordsUnder<FirmwareRelease>(q, stateKeys.firmware(record.family));
    items.push(
      familySummary(
        record,
        members,
        releases.map((r) => r.record),
      ),
    );
  }
  const next = rows[size];
  return { items, bookmark: next ? encodeBookmark(next.key) : '' };
}
