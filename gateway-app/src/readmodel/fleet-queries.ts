/**
 * The fleet queries (packages/common/src/api/fleet.ts), which only the read model answers: any
 * mix of indexed filters over model_devices, pages in device ID order (keyset: the bookmark is
 * the next device ID), and counts of the matching devices per status, family, compliance and
 * firmware version.
 */
import {
  type ComplianceState,
  type Device,
  type FleetCounts,
  Id,
  PAGE_SIZE_DEFAULT,
  type ParsedRequestOf,
  RegistryError,
  sortableVersion,
  versionOfSortable,
} from '@iotreg/common';
import type { Param, SqlExec } from './sql';
import { stateKeys, toDbKey } from './state-keys';

/**
 * present()'s compliance, in SQL, for a device that reported firmware: the release of that
 * version has its hash and is trusted, and the version is not below the family's minimum.
 */
export const COMPLIANT_FIRMWARE =
  'EXISTS (SELECT 1 FROM model_firmware f WHERE f.family = d.fw_family ' +
  "AND f.version_key = d.fw_version AND f.sha256 = d.fw_sha256 AND f.status = 'trusted' AND NOT EXISTS " +
  '(SELECT 1 FROM model_families m WHERE m.family = d.fw_family AND m.min_version_key IS NOT NULL AND m.min_version_key > d.fw_version))';

const COMPLIANCE_SQL: Record<ComplianceState, string> = {
  compliant: `d.fw_family IS NOT NULL AND ${COMPLIANT_FIRMWARE}`,
  noncompliant: `d.fw_family IS NOT NULL AND NOT ${COMPLIANT_FIRMWARE}`,
  unreported: 'd.fw_family IS NULL',
};

const COMPLIANCE_OF_ROW = `CASE WHEN d.fw_family IS NULL THEN 'unreported' WHEN ${COMPLIANT_FIRMWARE} THEN 'compliant' ELSE 'noncompliant' END`;

type Filter = ParsedRequestOf<'countDevices'>;

/** The WHERE conditions (over model_devices d) of a filter, and their parameters. */
export function filterConditions(filter: Filter): { where: string[]; params: Param[] } {
  const where: string[] = [];
  const params: Param[] = [];
  const equal = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(`${column} = ?`);
    params.push(value);
  };
  const compare = (condition: string, value: string | undefined) => {
    if (value === undefined) return;
    where.push(condition);
    params.push(value);
  };
  equal('d.owner_msp', filter.owner);
  equal('d.family', filter.family);
  equal('d.status', filter.status);
  equal('d.fw_version', filter.firmwareVersion === undefined ? undefined : sortableVersion(filter.firmwareVersion));
  if (filter.compliance !== undefined) where.push(COMPLIANCE_SQL[filter.compliance]);
  compare('d.created_at >= ?', filter.createdFrom);
  compare('d.created_at < ?', filter.createdTo);
  compare('d.updated_at >= ?', filter.changedFrom);
  compare('d.updated_at < ?', filter.changedTo);
  if (filter.attributeName !== undefined && filter.attributeValue !== undefined) {
    where.push('EXISTS (SELECT 1 FROM model_device_attributes a WHERE a.device_id = d.device_id AND a.name = ? AND a.value = ?)');
    params.push(filter.attributeName, filter.attributeValue);
  }
  return { where, params };
}

const whereClause = (where: string[]) => (where.length ? ` WHERE ${where.join(' AND ')}` : '');

const encodeBookmark = (deviceId: string) => Buffer.from(deviceId, 'utf8').toString('base64url');

function decodeBookmark(bookmark: string | undefined): string | undefined {
  if (!bookmark) return undefined;
  const deviceId = Buffer.from(bookmark, 'base64url').toString('utf8');
  if (encodeBookmark(deviceId) !== bookmark || !Id.safeParse(deviceId).success)
    throw new RegistryError('INVALID_ARGUMENT', 'bookmark is not one this list gave');
  return deviceId;
}

/** A page of the matching devices as stored (not yet presented), and the bookmark of the next. */
export async function fleetPage(q: SqlExec, request: ParsedRequestOf<'queryDevices'>): Promise<{ devices: Device[]; bookmark: string }> {
  const size = request.pageSize ?? PAGE_SIZE_DEFAULT;
  const { where, params } = filterConditions(request);
  const after = decodeBookmark(request.bookmark);
  if (after !== undefined) {
    where.push('d.device_id >= ?');
    params.push(after);
  }
  const rows = await q.all<{ device_id: string; value: string }>(
    'SELECT d.device_id, s.value FROM model_devices d JOIN model_state s ON s.key = CAST(? AS TEXT) || d.device_id || CAST(? AS TEXT)' +
      whereClause(where) +
      ' ORDER BY d.device_id LIMIT ?',
    [toDbKey(stateKeys.device()), toDbKey('\u0000'), ...params, size + 1],
  );
  const next = rows[size];
  return {
    devices: rows.slice(0, size).map((row) => JSON.parse(row.value) as Device),
    bookmark: next ? encodeBookmark(next.device_id) : '',
  };
}

const byValue = <T extends { value: string }>(a: T, b: T) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

/** Counts of the matching devices: a few GROUP BY queries over the same conditions, in one snapshot. */
export async function fleetCounts(q: SqlExec, filter: Filter): Promise<FleetCounts> {
  const { where, params } = filterConditions(filter);
  const grouped = async (expression: string, extra: string[] = []) =>
    (
      await q.all<{ value: string; n: number | string }>(
        `SELECT ${expression} AS value, COUNT(*) AS n FROM model_devices d${whereClause([...where, ...extra])} GROUP BY ${expression}`,
        params,
      )
    )
      .map((row) => ({ value: row.value, count: Number(row.n) }))
      .sort(byValue);
  const total = await q.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM model_devices d${whereClause(where)}`, params);
  const firmware = await q.all<{ family: string; version_key: string; n: number | string }>(
    `SELECT d.fw_family AS family, d.fw_version AS version_key, COUNT(*) AS n FROM model_devices d` +
      whereClause([...where, 'd.fw_family IS NOT NULL']) +
      ' GROUP BY d.fw_family, d.fw_version',
    params,
  );
  return {
    total: Number(total?.n ?? 0),
    byStatus: (await grouped('d.status')) as FleetCounts['byStatus'],
    byFamily: await grouped('d.family'),
    byCompliance: (await grouped(COMPLIANCE_OF_ROW)) as FleetCounts['byCompliance'],
    byFirmware: firmware
      .map((row) => ({ family: row.family, versionKey: row.version_key, count: Number(row.n) }))
      .sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.versionKey < b.versionKey ? -1 : 1))
      .map(({ family, versionKey, count }) => ({ family, version: versionOfSortable(versionKey), count })),
  };
}
