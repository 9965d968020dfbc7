import canonicalize from 'canonicalize';
import { RegistryError } from './errors';

/** A signed statement: a flat JSON object of strings and safe integers. */
export type Statement = Record<string, string | number>;

/** Checks that a value is a flat statement; anything else is refused before it is signed or verified. */
export function assertStatement(value: unknown, what = 'statement'): asserts value is Statement {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError('INVALID_ARGUMENT', `${what} must be a JSON object`);
  }
  for (const [key, field] of Object.entries(value)) {
    const ok = typeof field === 'string' || (typeof field === 'number' && Number.isSafeInteger(field));
    if (!ok) throw new RegistryError('INVALID_ARGUMENT', `${what}.${key} must be a string or an integer`);
  }
}

/** RFC 8785 canonical form: keys sorted by code unit, no whitespace, UTF-8. */
export function canonicalStatement(statement: Statement): Buffer {
  assertStatement(statement);
  const text = canonicalize(statement);
  if (text === undefined) throw new RegistryError('INVALID_ARGUMENT', 'statement cannot be canonicalized');
  return Buffer.from(text, 'utf8');
}

/** The statements the REST contract fixes, built in one place so signer and verifier agree. */
export const statements = {
  /**
   * Proof of possession for registration. It names the org that will own the device and the
   * family, so a proof seen in one org's proposal cannot be submitted by another org as its own.
   */
  register: (deviceId: string, keyId: string, ownerMsp: string, family: string): Statement => ({
    action: 'register',
    deviceId,
    family,
    keyId,
    ownerMsp,
  }),
  /**
   * A device-authenticated read: `target` is the request target exactly as sent, path and query
   * (percent-encoding included), so nothing of what the read asks is left unsigned.
   */
  read: (deviceId: string, method: string, target: string, ts: number): Statement => ({
    action: 'read',
    deviceId,
    method,
    target,
    ts,
  }),
  rotate: (deviceId: string, fromKeyId: string, toKeyId: string): Statement => ({
    action: 'rotate',
    deviceId,
    fromKeyId,
    toKeyId,
  }),
  /** Registration that also commits to the next key (pre-rotation): the device signs its commitment. */
  registerCommitted: (deviceId: string, keyId: string, ownerMsp: string, family: string, nextKeyDigest: string): Statement => ({
    action: 'register',
    deviceId,
    family,
    keyId,
    nextKeyDigest,
    ownerMsp,
  }),
  /** A plain rotation (old and new key sign) that also commits to the key after the new one. */
  rotateCommitted: (deviceId: string, fromKeyId: string, toKeyId: string, nextKeyDigest: string): Statement => ({
    action: 'rotate',
    deviceId,
    fromKeyId,
    nextKeyDigest,
    toKeyId,
  }),
  /**
   * A pre-committed rotation: signed by the revealed key alone (toKeyId, whose digest the device
   * committed to), naming the key it replaces and committing to the next one.
   */
  preRotate: (deviceId: string, fromKeyId: string, toKeyId: string, nextKeyDigest: string): Statement => ({
    action: 'pre-rotate',
    deviceId,
    fromKeyId,
    nextKeyDigest,
    toKeyId,
  }),
  /**
   * A device's birth certificate: its maker's manufacturing key signs the device's ID, family and
   * key at manufacture, before any org owns it (so no owner is named).
   */
  manufacture: (deviceId: string, family: string, keyId: string, maker: string): Statement => ({
    action: 'manufacture',
    deviceId,
    family,
    keyId,
    maker,
  }),
  firmware: (family: string, version: string, sha256: string): Statement => ({
    action: 'firmware',
    family,
    version,
    sha256,
  }),
};

/** How the statements above are spelled in error messages, so a client built on an older form learns the current one. */
export const STATEMENT_FORMS = {
  register: '{"action":"register","deviceId","family","keyId","ownerMsp"} (ownerMsp: the registering org\'s MSP ID)',
  read: '{"action":"read","deviceId","method","target","ts"} (target: the path and query as sent)',
} as const;

/** A body a device signed itself: the statement and base64 signature over its canonical form. */
export interface SignedPayload<P extends Statement = Statement> {
  payload: P;
  signature: string;
}

/** Actions a device signs itself, each carrying deviceId and seq. */
export const DEVICE_ACTIONS = [
  'config-report',
  'firmware-report',
  'anchor',
  'read',
  'agreement-offer',
  'agreement-accept',
  'agreement-usage',
  'agreement-settle',
  'rollout-report',
] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];
