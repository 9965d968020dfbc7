/**
 * Audit export: the change history of one device, or of every device changed since a time,
 * as JSON Lines or CSV, oldest first. A device whose updatedAt is before the time has no
 * history after it, so only the others' histories are read.
 */
import type { HistoryEntry, RegistryClient } from '@iotreg/common';
import { forEachConcurrently } from '../pool';

export interface AuditRecord extends HistoryEntry {
  deviceId: string;
}

export type ExportFormat = 'jsonl' | 'csv';

const HISTORY_READS_IN_FLIGHT = 8;
const CSV_COLUMNS = ['timestamp', 'deviceId', 'action', 'submitterMsp', 'txId', 'record'] as const;

export async function deviceHistory(client: RegistryClient, deviceId: string): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const page of client.pages('getDeviceHistory', { deviceId, pageSize: 1000 })) {
    records.push(...page.items.map((entry) => ({ deviceId, ...entry })));
  }
  return records;
}

export async function historySince(client: RegistryClient, since: Date): Promise<AuditRecord[]> {
  const changed: string[] = [];
  for await (const page of client.pages('listDevices', { pageSize: 1000 })) {
    for (const device of page.items) if (Date.parse(device.updatedAt) >= since.getTime()) changed.push(device.deviceId);
  }
  const records: AuditRecord[] = [];
  await forEachConcurrently(changed, HISTORY_READS_IN_FLIGHT, async (deviceId) => {
    records.push(...(await deviceHistory(client, deviceId)).filter((r) => Date.parse(r.timestamp) >= since.getTime()));
  });
  // Same timestamp: order by device, so the export is the same however the reads interleaved.
  return records.sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.deviceId.localeCompare(b.deviceId));
}

export function formatAudit(records: AuditRecord[], format: ExportFormat): string {
  if (format === 'jsonl') return records.map((r) => `${JSON.stringify(r)}\n`).join('');
  const lines = records.map((r) =>
    CSV_COLUMNS.map((column) => csvField(column === 'record' ? JSON.stringify(r.record) : r[column])).join(','),
  );
  return [CSV_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

/** RFC 4180: quote fields holding a comma, quote or line break; double the quotes. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
