/**
 * Machine-to-machine agreements: the rules both sides compute alike. The terms' hash is what the
 * consumer signs to accept; the settlement is integer arithmetic only, within bounds that keep
 * every value a safe integer (formats.ts), so every endorser computes the same totals.
 */
import { createHash } from 'node:crypto';
import { canonicalStatement } from './statements';

/** The terms both devices sign, in the order they are hashed. */
export const AGREEMENT_TERM_FIELDS = [
  'agreementId',
  'providerId',
  'consumerId',
  'resource',
  'unit',
  'maxQuantity',
  'pricePerUnit',
  'currency',
  'expiresAt',
  'minQuantity',
  'penaltyPerUnit',
] as const;

type NumericTerm = 'maxQuantity' | 'pricePerUnit' | 'minQuantity' | 'penaltyPerUnit';
export type AgreementTerms = { [K in (typeof AGREEMENT_TERM_FIELDS)[number]]: K extends NumericTerm ? number : string };

/** SHA-256 of the canonical terms: both devices, and every term (nothing else the record holds). */
export function agreementTermsSha256(terms: AgreementTerms): string {
  const statement = Object.fromEntries(AGREEMENT_TERM_FIELDS.map((field) => [field, terms[field]]));
  return createHash('sha256').update(canonicalStatement(statement)).digest('hex');
}

/** What is owed once an agreement ends: used × price, plus the penalty for each unit short of the minimum. */
export function settlementOf(terms: Pick<AgreementTerms, 'pricePerUnit' | 'minQuantity' | 'penaltyPerUnit'>, used: number) {
  const amount = used * terms.pricePerUnit;
  const shortfall = Math.max(0, terms.minQuantity - used);
  const penalty = shortfall * terms.penaltyPerUnit;
  return { used, amount, shortfall, penalty, total: amount + penalty };
}
