import { createHash, createPublicKey, type JsonWebKey, KeyObject, verify } from 'node:crypto';
import { p256 } from '@noble/curves/nist';
import { RegistryError } from './errors';
import { BATCH_MAX, PEM_MAX, SIGNATURE_MAX } from './formats';
import { canonicalStatement, Statement } from './statements';

export type KeyAlgorithm = 'ecdsa-p256' | 'ed25519';

/** Shared by every parse of the same text (parsePublicKey keeps the last ones): read-only. */
export interface PublicKeyInfo {
  /** The key re-encoded as PEM SubjectPublicKeyInfo, so equal keys have equal text. */
  readonly pem: string;
  /** Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly keyId: string;
  readonly algorithm: KeyAlgorithm;
  readonly key: KeyObject;
}

const PEM_PATTERN = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;

/**
 * The keys parsed last, by their text: a request's keys are parsed by its schema, then by the
 * contract (and a batch's before its reads), and each parse is an OpenSSL import. A parse is a
 * pure function of the text, so answering a repeat from here changes nothing but the time.
 * Room for two batches of BATCH_MAX; the oldest goes first.
 */
const parsed = new Map<string, PublicKeyInfo>();
const PARSED_MAX = 2 * BATCH_MAX;

/** Parses a device or vendor public key: ECDSA P-256 or Ed25519, PEM SubjectPublicKeyInfo only. */
export function parsePublicKey(pem: unknown, field = 'publicKeyPem'): PublicKeyInfo {
  if (typeof pem !== 'string' || pem.length > PEM_MAX || !PEM_PATTERN.test(pem.trim() + '\n')) {
    throw new RegistryError('INVALID_ARGUMENT', `${field} must be a PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")`);
  }
  const known = parsed.get(pem);
  if (known) return known;
  const info = parseKey(pem, field);
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  parsed.set(pem, info);
  return info;
}

function parseKey(pem: string, field: string): PublicKeyInfo {
  const canonical = parseCanonicalPem(pem.trim() + '\n');
  if (canonical) return canonical;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new RegistryError('INVALID_ARGUMENT', `${field} is not a valid public key`);
  }
  const algorithm = algorithmOf(key);
  if (!algorithm) throw new RegistryError('INVALID_ARGUMENT', `${field} must be an ECDSA P-256 or Ed25519 key`);
  const der = key.export({ type: 'spki', format: 'der' });
  return { pem: spkiPem(der), keyId: keyIdOf(der), algorithm, key };
}

const PEM_HEADER = '-----BEGIN PUBLIC KEY-----\n';
const PEM_FOOTER = '-----END PUBLIC KEY-----\n';

/** A DER SubjectPublicKeyInfo as PEM, the way OpenSSL writes it: 64 base64 characters a line. */
export function spkiPem(der: Uint8Array): string {
  return (
    PEM_HEADER +
    Buffer.from(der)
      .toString('base64')
      .replace(/.{64}(?=.)/g, '$&\n') +
    '\n' +
    PEM_FOOTER
  );
}

const keyIdOf = (der: Uint8Array) => createHash('sha256').update(der).digest('hex');

/** The DER prefix of each key shape OpenSSL writes back unchanged, and where its public key starts. */
const SPKI_SHAPES = [
  // P-256 named curve, uncompressed point (04 || X || Y): what devices and the SDK generate.
  { algorithm: 'ecdsa-p256', prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex'), size: 64 },
  { algorithm: 'ed25519', prefix: Buffer.from('302a300506032b6570032100', 'hex'), size: 32 },
] as const;

/**
 * The common case without OpenSSL's PEM and DER decoders (about three quarters of a parse's time
 * on OpenSSL 3): a PEM already in OpenSSL's own layout, of a key in one of SPKI_SHAPES, is read as
 * JWK coordinates, which OpenSSL still checks (a P-256 point must lie on the curve). Its text and
 * DER are then what the decoders would have written back. Anything else (another layout, a
 * compressed point, a key that does not import) answers undefined and takes the decoders' path.
 */
function parseCanonicalPem(text: string): PublicKeyInfo | undefined {
  if (!text.startsWith(PEM_HEADER) || !text.endsWith(PEM_FOOTER)) return undefined;
  const der = Buffer.from(text.slice(PEM_HEADER.length, -PEM_FOOTER.length).replace(/\n/g, ''), 'base64');
  const shape = SPKI_SHAPES.find((s) => der.length === s.prefix.length + s.size && der.subarray(0, s.prefix.length).equals(s.prefix));
  if (!shape || spkiPem(der) !== text) return undefined;
  const point = der.subarray(shape.prefix.length);
  const jwk: JsonWebKey =
    shape.algorithm === 'ed25519'
      ? { kty: 'OKP', crv: 'Ed25519', x: point.toString('base64url') }
      : { kty: 'EC', crv: 'P-256', x: point.subarray(0, 32).toString('base64url'), y: point.subarray(32).toString('base64url') };
  try {
    return { pem: text, keyId: keyIdOf(der), algorithm: shape.algorithm, key: createPublicKey({ key: jwk, format: 'jwk' }) };
  } catch {
    return undefined;
  }
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
