/**
 * The few node:crypto functions the offline proof verifier (cli/src/audit) uses, for the browser
 * bundle: SHA-256 (@noble/hashes), ECDSA P-256 verification (@noble/curves) and enough of
 * X509Certificate (asn1js) to read a consenter's subject, fingerprint and public key. Same
 * verifier code, same checks as `iotreg audit verify`; only the primitives differ.
 */
import { p256 } from '@noble/curves/p256';
import { sha256 } from '@noble/hashes/sha2';
import { fromBER, ObjectIdentifier, Sequence, BitString, Set as Asn1Set } from 'asn1js';
import { Buffer } from 'buffer';

class Sha256Hash {
  readonly #chunks: Uint8Array[] = [];
  update(bytes: Uint8Array | string): this {
    this.#chunks.push(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    return this;
  }
  digest(): Buffer;
  digest(encoding: 'hex'): string;
  digest(encoding?: 'hex'): Buffer | string {
    const out = Buffer.from(sha256(Buffer.concat(this.#chunks)));
    return encoding === 'hex' ? out.toString('hex') : out;
  }
}

export function createHash(algorithm: string): Sha256Hash {
  if (algorithm !== 'sha256') throw new Error(`only sha256 in the browser, not ${algorithm}`);
  return new Sha256Hash();
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const P256 = '1.2.840.10045.3.1.7';

/** A certificate's public key as this shim keeps it: the curve and the uncompressed point. */
export interface BrowserPublicKey {
  curve: string;
  point: Uint8Array;
}

/** ECDSA P-256 with SHA-256 over DER signatures, as node's verify('sha256', …) accepts them (high S too). */
export function verify(algorithm: string, data: Uint8Array, key: BrowserPublicKey, signature: Uint8Array): boolean {
  if (algorithm !== 'sha256' || key.curve !== P256) return false;
  return p256.verify(signature, sha256(data), key.point, { format: 'der', lowS: false, prehash: false });
}

const NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function derOf(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return input;
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(input);
  if (!match?.[1]) throw new Error('not a PEM certificate');
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

function sequenceItems(value: unknown, what: string) {
  if (!(value instanceof Sequence)) throw new Error(`${what} is not a SEQUENCE`);
  return value.valueBlock.value;
}

/** Node's form: one "TYPE=value" line per RDN, the values of a multi-valued RDN joined with "+". */
function nameOf(name: unknown): string {
  return sequenceItems(name, 'name')
    .map((rdn) => {
      if (!(rdn instanceof Asn1Set)) throw new Error('an RDN is not a SET');
      return rdn.valueBlock.value
        .map((pair) => {
          const [type, value] = sequenceItems(pair, 'attribute');
          if (!(type instanceof ObjectIdentifier)) throw new Error('attribute type is not an OID');
          const oid = type.valueBlock.toString();
          const text = (value as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value;
          return `${NAMES[oid] ?? oid}=${typeof text === 'string' ? text : ''}`;
        })
        .join('+');
    })
    .join('\n');
}

function publicKeyOf(spki: unknown): BrowserPublicKey {
  const [algorithm, point] = sequenceItems(spki, 'subjectPublicKeyInfo');
  const [kind, curve] = sequenceItems(algorithm, 'algorithm');
  if (!(kind instanceof ObjectIdentifier) || !(point instanceof BitString)) throw new Error('malformed subjectPublicKeyInfo');
  const curveOid = kind.valueBlock.toString() === EC_PUBLIC_KEY && curve instanceof ObjectIdentifier ? curve.valueBlock.toString() : '';
  return { curve: curveOid, point: new Uint8Array(point.valueBlock.valueHexView) };
}

function colonHex(bytes: Uint8Array): string {
  return (Buffer.from(bytes).toString('hex').toUpperCase().match(/../g) ?? []).join(':');
}

export class X509Certificate {
  readonly raw: Buffer;
  readonly subject: string;
  readonly fingerprint256: string;
  readonly publicKey: BrowserPublicKey;

  constructor(input: string | Uint8Array) {
    const der = derOf(input);
    const parsed = fromBER(der);
    if (parsed.offset === -1) throw new Error('not DER');
    const [tbs] = sequenceItems(parsed.result, 'certificate');
    const fields = sequenceItems(tbs, 'tbsCertificate');
    // [0] version is optional: subject and key follow serial, signature, issuer and validity.
    const offset = fields[0]?.idBlock.tagClass === 3 ? 1 : 0;
    this.raw = Buffer.from(der);
    this.subject = nameOf(fields[offset + 4]);
    this.publicKey = publicKeyOf(fields[offset + 5]);
    this.fingerprint256 = colonHex(sha256(der));
  }

  /** Checking a CA chain is not offered in the browser: pin consenters or a config block instead. */
  checkIssued(): boolean {
    return false;
  }

  verify(): boolean {
    return false;
  }
}

/**
 * @iotreg/common's key parsing (keys.ts: device and vendor PEM keys in request schemas) is Node
 * code; the console never parses a request schema with a key (RegistryClient checks answers
 * only), so these are here for the import to resolve, and refuse if ever called.
 */
export function createPublicKey(): never {
  throw new Error('public keys are not parsed in the browser console');
}

export class KeyObject {}
