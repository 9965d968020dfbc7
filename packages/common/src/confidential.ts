/**
 * Confidential device attributes (docs/identity.md): the values live in the owner org's implicit
 * private data collection, the public record holds only the SHA-256 of exactly the bytes stored
 * there. Both sides build those bytes here, so an auditor given the values and the salt
 * recomputes the hash the ledger holds.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { RegistryError } from './errors';

/** The transient field an own-org-only operation's request travels in (catalogue `ownOrgOnly`). */
export const TRANSIENT_REQUEST = 'request';

/** The salt's size: enough that nobody guesses low-entropy values (a site name) from the hash. */
export const CONFIDENTIAL_SALT_BYTES = 32;

/** Fabric's implicit collection of an org: its members' peers alone hold the values. */
export const implicitCollection = (msp: string): string => `_implicit_org_${msp}`;

export interface ConfidentialValues {
  deviceId: string;
  attributes: Record<string, string>;
  /** Lowercase hex, CONFIDENTIAL_SALT_BYTES bytes, drawn by the client or the gateway (never the chaincode). */
  salt: string;
}

/** What the chaincode stores in the collection: RFC 8785 JSON of {attributes, deviceId, salt}. */
export function confidentialBytes({ deviceId, attributes, salt }: ConfidentialValues): Buffer {
  const text = canonicalize({ attributes, deviceId, salt });
  if (text === undefined) throw new RegistryError('INVALID_ARGUMENT', 'attributes cannot be canonicalized');
  return Buffer.from(text, 'utf8');
}

/** SHA-256 (hex) of the stored bytes: what Fabric's GetPrivateDataHash answers for them. */
export function confidentialDigest(values: ConfidentialValues): string {
  return createHash('sha256').update(confidentialBytes(values)).digest('hex');
}

/** Whether the values and salt an owner handed over are the ones whose hash the ledger records. */
export function confidentialValuesMatch(values: ConfidentialValues, recordedSha256: string): boolean {
  // Both hashes are public: a plain comparison leaks nothing.
  return confidentialDigest(values) === recordedSha256.toLowerCase();
}
