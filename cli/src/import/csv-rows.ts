/** The import CSV: a header line, then one device per row. */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { invalidArgument } from '../errors';

export interface ImportRow {
  /** 1-based data row (the header is row 0), as the report names it. */
  row: number;
  deviceId: string;
  family: string;
  privateKeyFile?: string;
  publicKeyPem?: string;
  proof?: string;
}

const COLUMNS = ['deviceId', 'family', 'privateKeyFile', 'publicKeyPem', 'proof'] as const;

export function readImportRows(file: string): ImportRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`cannot read ${file}`);
  }
  let records: Record<string, string>[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw invalidArgument(`${file} is not valid CSV: ${(err as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  const unknown = header.filter((column) => !(COLUMNS as readonly string[]).includes(column));
  if (unknown.length > 0) throw invalidArgument(`${file}: unknown column(s) ${unknown.join(', ')}; expected ${COLUMNS.join(', ')}`);
  if (records.length > 0 && !(header.includes('deviceId') && header.includes('family'))) {
    throw invalidArgument(`${file} needs the columns deviceId and family`);
  }
  return records.map((record, i) => {
    const row: ImportRow = { row: i + 1, deviceId: record.deviceId ?? '', family: record.family ?? '' };
    for (const column of ['privateKeyFile', 'publicKeyPem', 'proof'] as const) {
      const value = record[column];
      if (value !== undefined && value !== '') row[column] = value;
    }
    return row;
  });
}
