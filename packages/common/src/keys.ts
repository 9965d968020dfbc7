import { createHash, createPublicKey, KeyObject, verify } from 'node:crypto';
import { p256 } from '@noble/curves/nist';
import { RegistryError } from './errors';
import { PEM_MAX, SIGNATURE_MAX } from './formats';
import { canonicalStatement, Statement } from './statements';

export type KeyAlgorithm = 'ecdsa-p256' | 'ed25519';

export interface PublicKeyInfo {
  /** The key re-encoded as PEM SubjectPublicKeyInfo, so equal keys have equal text. */
  pem: string;
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  keyId: string;
  algorithm: KeyAlgorithm;
  key: KeyObject;
}

const PEM_PATTERN = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;

/** Parses a device or vendor public key: ECDSA P-256 or Ed25519, PEM SubjectPublicKeyInfo only. */
export function parsePublicKey(pem: unknown, field = 'publicKeyPem'): PublicKeyInfo {
  if (typeof pem !== 'string' || pem.length > PEM_MAX || !PEM_PATTERN.test(pem.trim() + '\n')) {
    throw new RegistryError('INVALID_ARGUMENT', `${field} must be a PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new RegistryError('INVALID_ARGUMENT', `${field} is not a valid public key`);
  }
  const algorithm = algorithmOf(key);
  if (!algorithm) throw new RegistryError('INVALID_ARGUMENT', `${field} must be an ECDSA P-256 or Ed25519 key`);
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256').update(der).digest('hex'),
    algorithm,
    key,
  };
}

function algorithmOf(key: KeyObject): KeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  return undefined;
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Verifies a base64 signature over a statement's canonical form: DER ECDSA-SHA256 for P-256,
 * plain Ed25519 otherwise. A malformed signature is a failed verification, not an input error,
 * so forgeries and garbage get the same answer.
 *
 * Each valid signature has exactly one accepted text, so a signature can serve as an identifier
 * (stored, hashed, remembered against replay) without a third party minting a twin of it:
 * - base64 must be canonical (no stray bits in the padding: "AB==" and "AC==" decode alike);
 * - DER must be strict (OpenSSL re-encodes and compares);
 * - ECDSA's S must be low: (r, s) and (r, n - s) both verify, and only s <= n/2 is accepted.
 *   DeviceIdentity.sign always answers the low-S form; Ed25519 has no such twin (S < L is checked).
 */
export function verifyStatement(key: PublicKeyInfo, statement: Statement, signature: unknown): boolean {
  if (typeof signature !== 'string' || signature.length > SIGNATURE_MAX || !BASE64_PATTERN.test(signature)) {
    return false;
  }
  const data = canonicalStatement(statement);
  const sig = Buffer.from(signature, 'base64');
  if (sig.toString('base64') !== signature) return false;
  try {
    return key.algorithm === 'ed25519'
      ? verify(null, data, key.key, sig)
      : isLowS(sig) && verify('sha256', data, { key: key.key, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
}

/** Whether a DER ECDSA P-256 signature has S <= n/2 (false for anything that does not parse). */
export function isLowS(der: Uint8Array): boolean {
  try {
    return !p256.Signature.fromDER(der).hasHighS();
  } catch {
    return false;
  }
}

/** The low-S form of a DER ECDSA P-256 signature: (r, n - s) when s > n/2, else the same signature. */
export function toLowS(der: Uint8Array): Buffer {
  const signature = p256.Signature.fromDER(der);
  return Buffer.from((signature.hasHighS() ? signature.normalizeS() : signature).toDERRawBytes());
}

/** Throws BAD_SIGNATURE unless the signature verifies. */
export function requireSignature(key: PublicKeyInfo, statement: Statement, signature: unknown, what: string): void {
  if (!verifyStatement(key, statement, signature)) {
    throw new RegistryError('BAD_SIGNATURE', `${what} does not verify with key ${key.keyId}`);
  }
}
