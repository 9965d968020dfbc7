import type { Committed } from '../registry/registry';

/** A write's answer: the chaincode's record with the transaction ID that committed it. */
export function committedAnswer<T>(committed: Committed<T>): Record<string, unknown> {
  const { result, txId } = committed;
  if (typeof result === 'object' && result !== null && !Array.isArray(result)) return { ...result, txId };
  return result === undefined ? { txId } : { result, txId };
}
