/**
 * Who is calling.
 *
 * Bearer tokens: `Authorization: Bearer <token>`. The configuration holds only SHA-256 digests of
 * the tokens; a presented token is hashed and compared with every digest in constant time.
 *
 * Device-authenticated reads: `Authorization: Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"`
 * where sig is the device's signature (its current registered key) over the canonical statement
 *   {"action":"read","deviceId":<deviceId>,"method":<HTTP method>,"target":<path and query as sent>,"ts":<ts>}
 * (statements.read in @iotreg/common). The whole request target is signed: for a read, method and
 * target are everything the request asks. The gateway requires |now - ts| <= 30 s, reads the device
 * from the ledger (as the relay identity), requires status "active", verifies the signature with
 * the device's current key, and accepts each signature once (a bounded memory of the signatures
 * seen within the window). Reads do not consume the device's seq.
 *
 * Every failed device credential gets one and the same 401 (DEVICE_CREDENTIALS_REFUSED): stale,
 * replayed, unknown device, inactive device and bad signature are not told apart, so a caller
 * without the device's key learns neither whether the device exists nor its status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  Device,
  ID_PATTERN,
  parsePublicKey,
  RegistryError,
  Role,
  Statement,
  STATEMENT_FORMS,
  statements,
  verifyStatement,
} from '@iotreg/common';

export interface BearerIdentity {
  identity: string;
  role: Role;
}

export type Caller = ({ kind: 'token' } & BearerIdentity) | { kind: 'device'; deviceId: string };

/**
 * How far a device read's ts may be from the gateway's clock. 30 s covers an NTP-synchronised
 * device and a slow link (a device without NTP can take the time from the gateway's Date
 * header); together with the memory of seen signatures it bounds a captured header to one use
 * here, and to one use within 30 s at each other gateway it could be carried to.
 */
export const DEVICE_READ_MAX_SKEW_S = 30;
/** Signatures remembered at most; at the cap the oldest are forgotten first (see SeenSignatures). */
export const DEVICE_READS_REMEMBERED_MAX = 100_000;

/** The one answer to every failed device credential; it names the statement for clients built on an older form. */
export const DEVICE_CREDENTIALS_REFUSED =
  `device credentials refused: sig must be the current key of an active device over ${STATEMENT_FORMS.read}, ` +
  `ts within ${DEVICE_READ_MAX_SKEW_S} s of the gateway's clock, each signature used once`;
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

/**
 * Signatures of device reads accepted within the window, so each is accepted once. Entries
 * expire when their ts leaves the window; at DEVICE_READS_REMEMBERED_MAX the oldest are dropped
 * (only verified signatures enter, so filling it takes a device key and the rate limits' leave).
 */
export class SeenSignatures {
  readonly #expiry = new Map<string, number>();

  constructor(readonly max = DEVICE_READS_REMEMBERED_MAX) {}

  /** Records `signature` until `expiresAtMs`; false when it was already recorded (a replay). */
  claim(signature: string, expiresAtMs: number, nowMs: number): boolean {
    const id = createHash('sha256').update(signature).digest('base64');
    const known = this.#expiry.get(id);
    if (known !== undefined && known >= nowMs) return false;
    this.#forgetExpired(nowMs);
    this.#expiry.delete(id);
    this.#expiry.set(id, expiresAtMs);
    return true;
  }

  get size(): number {
    return this.#expiry.size;
  }

  #forgetExpired(nowMs: number): void {
    // Insertion order is close to expiry order (ts within a minute of each other): sweep from the front.
    for (const [id, expiresAt] of this.#expiry) {
      if (expiresAt >= nowMs && this.#expiry.size < this.max) break;
      this.#expiry.delete(id);
    }
  }
}

export interface DeviceAuthInput {
  credentials: { deviceId: string; ts: number; sig: string };
  method: string;
  /** The request target as received: path and query, percent-encoding included. */
  target: string;
  nowMs: number;
  /** Reads the device from the ledger; NOT_FOUND when it does not exist. */
  lookupDevice: (deviceId: string) => Promise<Device>;
  seen: SeenSignatures;
}

/** Verifies a device-signed read; the one 401 unless it holds. Ledger failures (503) pass through. */
export async function authenticateDevice(input: DeviceAuthInput): Promise<Caller> {
  const { deviceId, ts, sig } = input.credentials;
  const refused = () => new RegistryError('UNAUTHENTICATED', DEVICE_CREDENTIALS_REFUSED);
  if (Math.abs(input.nowMs / 1000 - ts) > DEVICE_READ_MAX_SKEW_S) throw refused();
  let device: Device;
  try {
    device = await input.lookupDevice(deviceId);
  } catch (err) {
    if (err instanceof RegistryError && err.code === 'NOT_FOUND') throw refused();
    throw err;
  }
  const statement = statements.read(deviceId, input.method, input.target, ts);
  if (device.status !== 'active' || !verifiesWith(device, statement, sig)) throw refused();
  if (!input.seen.claim(sig, (ts + DEVICE_READ_MAX_SKEW_S) * 1000, input.nowMs)) throw refused();
  return { kind: 'device', deviceId };
}

function verifiesWith(device: Device, statement: Statement, sig: string): boolean {
  try {
    return verifyStatement(parsePublicKey(device.publicKeyPem), statement, sig);
  } catch {
    return false;
  }
}
