/**
 * Device-signed writes are checked at the gateway before anything reaches the peers' endorsement
 * or the orderers: the body's signature must verify with the device's current key, read from the
 * ledger and cached for a short time. The chaincode checks again (status, key, seq) when it
 * endorses, so a stale cache can let a write through to be refused there, never accept one.
 *
 * A forged write therefore costs at most a ledger read, not a transaction, and is answered before
 * the idempotency store sees it, so it stores nothing. An unknown device and a signature that does
 * not verify get the same answer (deviceSignatureRefused), which tells a caller without the key
 * nothing about whether the device exists; an inactive device's signature gets it too, as from the
 * chaincode (401 UNAUTHENTICATED).
 */
import { Device, deviceSignatureRefused, parsePublicKey, PublicKeyInfo, RegistryError, Statement, verifyStatement } from '@iotreg/common';

interface Entry {
  /** Undefined when the ledger has no such device. */
  device?: Device;
  key?: PublicKeyInfo;
  at: number;
}

export interface DeviceWriteCheckOptions {
  /** Reads the device from the ledger; throws RegistryError NOT_FOUND when there is none. */
  lookup: (deviceId: string) => Promise<Device>;
  /** How long a device's key is trusted from the cache. */
  ttlMs: number;
  now?: () => number;
  /** Cached devices at most (the oldest go first). */
  maxEntries?: number;
}

/**
 * A cached key that fails to verify is read again, at most once a second per device, so a device
 * that just rotated its key is not refused for the cache's whole TTL, and forgeries against one
 * device cost at most one ledger read a second. Writes through this gateway that change a device
 * (rotation, status) forget its entry at once; a change through another org's gateway is seen
 * after a second at most. Unknown devices are not cached: a device may be registered any moment.
 */
const MIN_REFRESH_MS = 1_000;

export class DeviceWriteCheck {
  readonly #cache = new Map<string, Entry>();
  readonly #lookup: (deviceId: string) => Promise<Device>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #maxEntries: number;

  constructor(options: DeviceWriteCheckOptions) {
    this.#lookup = options.lookup;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  /** Drops what is cached of a device (this gateway just changed it). */
  forget(deviceId: string): void {
    this.#cache.delete(deviceId);
  }

  /** Resolves when `signature` over `payload` is by the current key of active device `deviceId`; else throws. */
  async check(deviceId: string, payload: Statement, signature: string): Promise<void> {
    let entry = this.#cache.get(deviceId);
    if (!entry || this.#now() - entry.at >= this.#ttlMs) entry = await this.#load(deviceId);
    if (!verifies(entry, payload, signature)) {
      if (this.#now() - entry.at < MIN_REFRESH_MS) throw deviceSignatureRefused();
      entry = await this.#load(deviceId);
      if (!verifies(entry, payload, signature)) throw deviceSignatureRefused();
    }
    if (entry.device?.status !== 'active') throw deviceSignatureRefused();
  }

  async #load(deviceId: string): Promise<Entry> {
    let entry: Entry;
    try {
      const device = await this.#lookup(deviceId);
      let key: PublicKeyInfo | undefined;
      try {
        key = parsePublicKey(device.publicKeyPem);
      } catch {
        key = undefined;
      }
      entry = { device, ...(key ? { key } : {}), at: this.#now() };
    } catch (err) {
      if (!(err instanceof RegistryError && err.code === 'NOT_FOUND')) throw err;
      this.#cache.delete(deviceId);
      return { at: this.#now() };
    }
    this.#cache.delete(deviceId);
    this.#cache.set(deviceId, entry);
    while (this.#cache.size > this.#maxEntries) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return entry;
  }
}

function verifies(entry: Entry, payload: Statement, signature: string): boolean {
  if (!entry.key) return false;
  try {
    return verifyStatement(entry.key, payload, signature);
  } catch {
    return false;
  }
}
