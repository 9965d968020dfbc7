/**
 * Machine-to-machine agreements (../agreements.ts): every step is a statement the acting device
 * signs itself, replay-proof by its seq like an anchor; what the ledger keeps of each step keeps
 * the signed statement, so neither side can repudiate it later.
 */
import { z } from 'zod';
import { AGREEMENT_PRICE_MAX, AGREEMENT_QUANTITY_MAX, AGREEMENT_UNITS } from '../formats';
import { Id, integerFrom, Msp, PageFields, Sha256Hex, Timestamp, TxId } from './fields';
import { signed } from './requests';

/**
 * A time in exactly the form the ledger writes (UTC, milliseconds): signed statements are
 * verified as sent, so a time is not normalised but must already be in this form.
 */
const LedgerTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, { error: 'must be a UTC time as the ledger writes it: 2026-12-31T23:59:59.000Z' })
  .refine((value) => !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value, { error: 'must be a real time' });

const Quantity = integerFrom(1, AGREEMENT_QUANTITY_MAX);
const Price = integerFrom(0, AGREEMENT_PRICE_MAX).meta({ description: "in the currency's minor unit (e.g. cents): an integer" });

/** The terms of a metered agreement: a flat statement, all integers and strings. */
export const AGREEMENT_TERMS = {
  agreementId: Id,
  consumerId: Id.meta({ description: 'the device that consumes the resource, accepts the terms and signs each usage record' }),
  resource: Id.meta({ description: 'what is metered, e.g. "ev-charging" or "telemetry-feed"' }),
  unit: z.enum(AGREEMENT_UNITS),
  maxQuantity: Quantity.meta({ description: 'the most the consumer may use in all; a usage record beyond it is refused' }),
  pricePerUnit: Price,
  currency: z.string().regex(/^[A-Z]{3}$/, { error: 'must be an ISO 4217 code such as EUR' }),
  expiresAt: LedgerTime.meta({ description: 'no acceptance or usage from this time on; settlement from then' }),
  minQuantity: integerFrom(0, AGREEMENT_QUANTITY_MAX).meta({
    description: 'the penalty rule: the consumer pays penaltyPerUnit for each unit below this it has not used by settlement',
  }),
  penaltyPerUnit: Price,
};

export const OfferAgreementRequest = signed('AgreementOfferRequest', 'agreement-offer', AGREEMENT_TERMS);
export const AcceptAgreementRequest = signed('AgreementAcceptRequest', 'agreement-accept', {
  agreementId: Id,
  termsSha256: Sha256Hex.meta({
    description: "SHA-256 of the canonical terms (the agreement record's termsSha256): what the consumer agrees to",
  }),
});
export const RecordUsageRequest = signed('AgreementUsageRequest', 'agreement-usage', {
  agreementId: Id,
  quantity: Quantity,
});
export const SettleAgreementRequest = signed('AgreementSettleRequest', 'agreement-settle', { agreementId: Id });

export const AgreementRef = z.strictObject({ agreementId: Id });
export const ListUsageRequest = z.strictObject({ agreementId: Id, ...PageFields });

export const AGREEMENT_STATUSES = ['offered', 'active', 'settled'] as const;

/** A signed step as the ledger keeps it: the statement and the device's signature, checkable by anyone later. */
const SignedStep = z.object({ payload: z.record(z.string(), z.union([z.string(), z.number()])), signature: z.string() });

export const Settlement = z
  .object({
    used: z.number().int(),
    amount: z.number().int().meta({ description: 'used × pricePerUnit' }),
    shortfall: z.number().int().meta({ description: 'max(0, minQuantity − used)' }),
    penalty: z.number().int().meta({ description: 'shortfall × penaltyPerUnit' }),
    total: z.number().int().meta({ description: 'amount + penalty, owed by the consumer to the provider' }),
    settledAt: Timestamp,
    settledBy: Id,
    txId: TxId,
  })
  .meta({ id: 'Settlement' });

export const Agreement = z
  .object({
    agreementId: Id,
    providerId: Id,
    providerMsp: Msp,
    consumerId: Id,
    consumerMsp: Msp,
    resource: Id,
    unit: z.enum(AGREEMENT_UNITS),
    maxQuantity: z.number().int(),
    pricePerUnit: z.number().int(),
    currency: z.string(),
    expiresAt: Timestamp,
    minQuantity: z.number().int(),
    penaltyPerUnit: z.number().int(),
    termsSha256: Sha256Hex,
    status: z.enum(AGREEMENT_STATUSES),
    used: z.number().int().meta({ description: 'the quantity of every usage record so far' }),
    records: z.number().int().meta({ description: 'usage records so far' }),
    amount: z.number().int().meta({ description: 'used × pricePerUnit so far' }),
    offer: SignedStep.extend({ at: Timestamp, txId: TxId }),
    acceptance: SignedStep.extend({ at: Timestamp, txId: TxId }).optional(),
    settlement: Settlement.optional(),
    settlementRequest: SignedStep.optional().meta({ description: "the party's signed request that settled it" }),
  })
  .meta({ id: 'Agreement' });

export const UsageRecord = z
  .object({
    agreementId: Id,
    index: z.number().int().meta({ description: '1 for the first record of the agreement, and so on' }),
    consumerId: Id,
    quantity: z.number().int(),
    used: z.number().int().meta({ description: 'cumulative quantity after this record' }),
    amount: z.number().int().meta({ description: 'quantity × pricePerUnit' }),
    keyId: Sha256Hex.meta({ description: 'the consumer key that signed it' }),
    signed: SignedStep,
    recordedAt: Timestamp,
    txId: TxId,
  })
  .meta({ id: 'UsageRecord' });

export type Agreement = z.output<typeof Agreement>;
export type UsageRecord = z.output<typeof UsageRecord>;
export type Settlement = z.output<typeof Settlement>;
