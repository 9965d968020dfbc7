/**
 * The import report: JSON Lines, one line per row and run, appended as rows finish, so a run
 * that stops midway leaves a report the next run resumes from. The last line of a device wins.
 */
import { appendFileSync, readFileSync } from 'node:fs';

export type RowStatus = 'ok' | 'exists' | 'failed';

export interface ReportLine {
  row: number;
  deviceId: string;
  status: RowStatus;
  code?: string;
  message?: string;
  txId?: string;
}

/** The latest line of each device; a missing report is an empty one, a torn last line is ignored. */
export function readReport(file: string): Map<string, ReportLine> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return new Map();
  }
  const latest = new Map<string, ReportLine>();
  for (const line of text.split('\n')) {
    const entry = parseLine(line);
    if (entry) latest.set(entry.deviceId, entry);
  }
  return latest;
}

function parseLine(line: string): ReportLine | undefined {
  if (line.trim() === '') return undefined;
  try {
    const entry = JSON.parse(line) as Partial<ReportLine>;
    return typeof entry.deviceId === 'string' && typeof entry.status === 'string' ? (entry as ReportLine) : undefined;
  } catch {
    return undefined;
  }
}

/** Done in an earlier run: registered by it, or found registered with the same key. */
export function isDone(line: ReportLine | undefined): boolean {
  return line?.status === 'ok' || line?.status === 'exists';
}

export function appendReportLine(file: string, line: ReportLine): void {
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}
