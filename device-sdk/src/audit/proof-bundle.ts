/**
 * The proof bundle of `GET /v1/audit/tx/{txId}`: the block holding the transaction, as the peer
 * stores it, the consenter identities its BFT signatures name by ID and, from newer gateways, the
 * config block those come from. Only the block is signed; the rest is checked against trust.
 */
import type { Consenter, TransactionProof } from '@iotreg/common';

/** Checks the bundle's shape; the reason names the first field that is wrong. */
export function parseProofBundle(value: unknown): { bundle: TransactionProof } | { reason: string } {
  if (typeof value !== 'object' || value === null) return { reason: 'the bundle is not a JSON object' };
  const b = value as Record<string, unknown>;
  if (b.consenters === undefined && b.configBlockNumber === undefined) {
    return { reason: 'the bundle has no consenter mapping: fetch it again from a gateway that includes one' };
  }
  const strings = ['txId', 'validationCode', 'block'] as const;
  const integers = ['validationCodeValue', 'blockNumber', 'envelopeIndex', 'configBlockNumber'] as const;
  for (const field of strings) if (typeof b[field] !== 'string') return { reason: `${field} must be a string` };
  for (const field of integers) if (!Number.isSafeInteger(b[field])) return { reason: `${field} must be an integer` };
  if (b.configBlock !== undefined && typeof b.configBlock !== 'string') return { reason: 'configBlock must be a base64 string' };
  if (!Array.isArray(b.consenters)) return { reason: 'consenters must be a list' };
  for (const [i, c] of b.consenters.entries()) {
    const consenter = c as Partial<Consenter> | null;
    if (!Number.isSafeInteger(consenter?.id) || typeof consenter?.mspId !== 'string' || typeof consenter.identity !== 'string') {
      return { reason: `consenters[${i}] must have an integer id, an mspId and a PEM identity` };
    }
  }
  return { bundle: value as TransactionProof };
}
