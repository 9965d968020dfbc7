/** Confidential device attributes (../confidential.ts): stored privately by the owner org, their salted hash public. */
import { z } from 'zod';
import { CONFIDENTIAL_SALT_BYTES } from '../confidential';
import { Attributes, Id, Msp, Sha256Hex, Timestamp, TxId } from './fields';

export const ConfidentialSalt = z
  .string()
  .regex(new RegExp(`^[0-9a-f]{${CONFIDENTIAL_SALT_BYTES * 2}}$`), {
    error: `must be ${CONFIDENTIAL_SALT_BYTES * 2} lowercase hex characters (${CONFIDENTIAL_SALT_BYTES} random bytes)`,
  })
  .meta({ description: `${CONFIDENTIAL_SALT_BYTES} random bytes, hex; keep it with the values: an auditor needs both` });

export const PutConfidentialAttributesRequest = z
  .strictObject({
    deviceId: Id,
    attributes: Attributes.refine((record) => Object.keys(record).length > 0, { error: 'give at least one attribute' }),
    salt: ConfidentialSalt.optional().meta({ description: 'left out: the gateway draws one (it is in the answer of GET …/confidential)' }),
  })
  .meta({
    id: 'PutConfidentialAttributesRequest',
    description: "sent to the owner org's peers alone, as transient data: never in the transaction, a block or the other org's peers",
  });

const ConfidentialFields = {
  deviceId: Id,
  ownerMsp: Msp,
  collection: z.string().meta({ description: "the owner's implicit private data collection" }),
  sha256: Sha256Hex.meta({ description: 'SHA-256 of the stored bytes (canonical JSON of {attributes, deviceId, salt})' }),
};

/** Where the values went: nothing of them but their salted hash. */
export const ConfidentialAttributesStored = z
  .object({ ...ConfidentialFields, storedAt: Timestamp })
  .meta({ id: 'ConfidentialAttributesStored' });

/** The values, for the owner org's roles, from its own peer. */
export const ConfidentialAttributes = z
  .object({ ...ConfidentialFields, attributes: Attributes, salt: ConfidentialSalt })
  .meta({ id: 'ConfidentialAttributes' });

/** The public record: the hash every org's peer endorsed from GetPrivateDataHash, never having seen the values. */
export const ConfidentialDigest = z
  .object({
    deviceId: Id,
    ownerMsp: Msp,
    collection: z.string(),
    sha256: Sha256Hex.meta({ description: 'SHA-256 of canonical JSON {attributes, deviceId, salt}: recompute it from the values' }),
    recordedAt: Timestamp,
    txId: TxId,
  })
  .meta({ id: 'ConfidentialDigest' });

export type PutConfidentialAttributesRequest = z.input<typeof PutConfidentialAttributesRequest>;
export type ConfidentialAttributesStored = z.output<typeof ConfidentialAttributesStored>;
export type ConfidentialAttributes = z.output<typeof ConfidentialAttributes>;
export type ConfidentialDigest = z.output<typeof ConfidentialDigest>;
