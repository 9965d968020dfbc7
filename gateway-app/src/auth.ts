/**
 * Who is calling.
 *
 * Bearer tokens: `Authorization: Bearer <token>`. The configuration holds only SHA-256 digests of
 * the tokens; a presented token is hashed and compared with every digest in constant time.
 *
 * Device-authenticated reads: `Authorization: Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"`
 * where sig is the device's signature (its current registered key) over the canonical statement
 *   {"action":"read","deviceId":<deviceId>,"method":<HTTP method>,"path":<request path, no query>,"ts":<ts>}
 * The gateway reads the device from the ledger (as the relay identity), requires status
 * "active", verifies the signature with the device's current public key, and requires
 * |now - ts| <= 300 s. Reads do not consume the device's seq. Any failure: 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Device,
  ID_PATTERN,
  parsePublicKey,
  RegistryError,
  Role,
  Statement,
  verifyStatement,
} from '@iotreg/common';

export interface BearerIdentity {
  identity: string;
  role: Role;
}

export type Caller =
  | ({ kind: 'token' } & BearerIdentity)
  | { kind: 'device'; deviceId: string };

export const DEVICE_READ_MAX_SKEW_S = 300;
const TOKEN_MAX = 4096;

export class TokenTable {
  readonly #entries: { digest: Buffer; identity: BearerIdentity }[];

  constructor(identities: readonly { name: string; role: Role; tokenSha256: string }[]) {
    this.#entries = identities.map((i) => ({
      digest: Buffer.from(i.tokenSha256, 'hex'),
      identity: { identity: i.name, role: i.role },
    }));
  }

  /** The identity a token stands for. Every digest is compared, so timing tells nothing. */
  lookup(token: string): BearerIdentity | undefined {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: BearerIdentity | undefined;
    for (const entry of this.#entries) {
      if (entry.digest.length === digest.length && timingSafeEqual(entry.digest, digest)) found = entry.identity;
    }
    return found;
  }
}

export type Credentials =
  | { scheme: 'none' }
  | { scheme: 'bearer'; token: string }
  | { scheme: 'device'; deviceId: string; ts: number; sig: string }
  | { scheme: 'invalid'; problem: string };

const DEVICE_PARAM = /^\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*$/;

export function parseAuthorization(header: string | undefined): Credentials {
  if (header === undefined || header.trim() === '') return { scheme: 'none' };
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : header.slice(space + 1).trim();
  if (scheme === 'bearer') {
    if (rest === '' || rest.length > TOKEN_MAX || /\s/.test(rest)) return { scheme: 'invalid', problem: 'malformed bearer token' };
    return { scheme: 'bearer', token: rest };
  }
  if (scheme === 'device') {
    const params = new Map<string, string>();
    for (const part of rest.split(',')) {
      const match = DEVICE_PARAM.exec(part);
      if (!match || match[1] === undefined || match[2] === undefined) {
        return { scheme: 'invalid', problem: 'Device credentials must be id="…", ts="…", sig="…"' };
      }
      params.set(match[1].toLowerCase(), match[2]);
    }
    const deviceId = params.get('id');
    const ts = params.get('ts');
    const sig = params.get('sig');
    if (deviceId === undefined || ts === undefined || sig === undefined || params.size !== 3) {
      return { scheme: 'invalid', problem: 'Device credentials must be id="…", ts="…", sig="…"' };
    }
    if (!ID_PATTERN.test(deviceId)) return { scheme: 'invalid', problem: 'Device credentials: id is not a device ID' };
    if (!/^\d{1,12}$/.test(ts)) return { scheme: 'invalid', problem: 'Device credentials: ts must be unix seconds' };
    return { scheme: 'device', deviceId, ts: Number(ts), sig };
  }
  return { scheme: 'invalid', problem: 'unsupported authorization scheme (use Bearer, or Device where allowed)' };
}

/** The statement a device signs to read `method path` at time `ts` (unix seconds). */
export function deviceReadStatement(deviceId: string, method: string, path: string, ts: number): Statement {
  return { action: 'read', deviceId, method, path, ts };
}

export interface DeviceAuthInput {
  credentials: { deviceId: string; ts: number; sig: string };
  method: string;
  path: string;
  nowMs: number;
  /** Reads the device from the ledger; NOT_FOUND when it does not exist. */
  lookupDevice: (deviceId: string) => Promise<Device>;
}

/** Verifies a device-signed read; 401 (UNAUTHENTICATED) unless it holds, ledger failures pass through. */
export async function authenticateDevice(input: DeviceAuthInput): Promise<Caller> {
  const { deviceId, ts, sig } = input.credentials;
  const skew = Math.abs(input.nowMs / 1000 - ts);
  if (skew > DEVICE_READ_MAX_SKEW_S) {
    throw new RegistryError('UNAUTHENTICATED', `device credentials are stale: ts must be within ${DEVICE_READ_MAX_SKEW_S} s of the gateway's clock`);
  }
  let device: Device;
  try {
    device = await input.lookupDevice(deviceId);
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'NOT_FOUND') {
      throw new RegistryError('UNAUTHENTICATED', 'unknown device');
    }
    throw err;
  }
  if (device.status !== 'active') throw new RegistryError('UNAUTHENTICATED', `device is ${device.status}`);
  let key: ReturnType<typeof parsePublicKey>;
  try {
    key = parsePublicKey(device.publicKeyPem);
  } catch {
    throw new RegistryError('UNAUTHENTICATED', 'device has no usable key');
  }
  const statement = deviceReadStatement(deviceId, input.method, input.path, ts);
  if (!verifyStatement(key, statement, sig)) {
    throw new RegistryError('UNAUTHENTICATED', 'device signature does not verify');
  }
  return { kind: 'device', deviceId };
}
