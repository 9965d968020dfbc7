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
  register: (deviceId: string, keyId: string): Statement => ({ action: 'register', deviceId, keyId }),
  rotate: (deviceId: string, fromKeyId: string, toKeyId: string): Statement => ({
    action: 'rotate',
    deviceId,
    fromKeyId,
    toKeyId,
  }),
  firmware: (family: string, version: string, sha256: string): Statement => ({
    action: 'firmware',
    family,
    version,
    sha256,
  }),
};

/** Actions a device signs itself, each carrying deviceId and seq. */
export const DEVICE_ACTIONS = ['config-report', 'firmware-report', 'anchor', 'read'] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];
