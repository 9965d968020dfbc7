/** Human output: aligned tables for lists, "key  value" lines for one record. --json bypasses both. */

export type Row = Record<string, unknown>;

/** Columns in the given order, padded to their widest cell; nested values as compact JSON. */
export function formatTable(rows: Row[], columns: string[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n') + '\n';
}

/** One record, a field per line; multi-line values (PEM) indented under their key. */
export function formatRecord(record: Row): string {
  const entries = Object.entries(record).filter(([, value]) => value !== undefined);
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return (
    entries
      .map(([key, value]) => {
        const text = typeof value === 'string' ? value.trimEnd() : cell(value);
        return text.includes('\n') ? `${key}:\n  ${text.split('\n').join('\n  ')}` : `${key.padEnd(width)}  ${text}`;
      })
      .join('\n') + '\n'
  );
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
