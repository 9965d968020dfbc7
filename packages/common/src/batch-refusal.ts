/**
 * A refused batch names every refused item. Only a message string crosses from chaincode to
 * gateway, so the chaincode writes the items in one fixed form and the gateway reads them back
 * into a list for clients (the CLI's import settles rows by it).
 */
import { ErrorCode, isErrorCode, RegistryError } from './errors';

export interface RefusedItem {
  index: number;
  code: ErrorCode;
  message: string;
}

const PREFIX = /^(\d+) of (\d+) refused, nothing registered: /;
const ITEM_START = /(?:^|; )\[(\d+)\] ([A-Z][A-Z_]+): /g;

/** The error for a batch with refused items; its code is that of the first. */
export function batchRefusal(refused: RefusedItem[], total: number): RegistryError {
  const [first] = refused;
  if (!first) throw new Error('batchRefusal needs at least one refused item');
  const items = refused.map((item) => `[${item.index}] ${item.code}: ${item.message}`).join('; ');
  return new RegistryError(first.code, `${refused.length} of ${total} refused, nothing registered: ${items}`);
}

/** The items of a batchRefusal message; undefined for any other message. */
export function refusedItems(message: string): RefusedItem[] | undefined {
  const prefix = PREFIX.exec(message);
  if (!prefix) return undefined;
  const body = message.slice(prefix[0].length);
  const starts = [...body.matchAll(ITEM_START)];
  const items: RefusedItem[] = [];
  for (const [i, start] of starts.entries()) {
    const [matched, index, code] = start;
    const end = starts[i + 1]?.index ?? body.length;
    if (index === undefined || code === undefined || !isErrorCode(code)) return undefined;
    items.push({ index: Number(index), code, message: body.slice(start.index + matched.length, end) });
  }
  return items.length > 0 && items.length === Number(prefix[1]) ? items : undefined;
}
