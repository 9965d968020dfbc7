/**
 * Idempotency-Key support for writes.
 *
 * The first FINAL answer (any 2xx or 4xx; never a 5xx such as 503 OUTCOME_UNKNOWN) to a write
 * carrying `Idempotency-Key: K` from caller C is stored durably, with a hash of the request
 * (method, path and canonical JSON body). Later requests from C with key K:
 *   - same hash: the stored answer again, with `Idempotent-Replayed: true`;
 *   - different hash: 409 IDEMPOTENCY_CONFLICT;
 *   - while the first is still running: they wait for it, then behave as above (or run
 *     themselves if the first ended without a final answer).
 *
 * A write's transaction is stored as well, as a pending record (status 0), just before it goes
 * to the orderers. Found by a retry, a pending record means the gateway stopped (or the answer
 * was lost) mid-write: the retry then asks the ledger what became of that transaction, sending
 * it again if the ledger does not have it, instead of writing anew, which would be refused as a
 * duplicate.
 *
 * Storage: one file per (caller, key) in <stateDir>/idempotency/, named by the hex SHA-256 of
 * "<caller>\n<key>", holding one JSON object
 *   {"v":1,"caller":"org1-admin","key":"…","requestHash":"<hex>","status":201,"body":{…},"createdAt":"<ISO>"}
 * written to a temporary file, fsync'ed and renamed into place (a crash leaves the old state
 * or the new, never half a record). Records expire after the configured TTL; expired files are
 * removed hourly, and once at start in the background (listening does not wait for it).
 *
 * Only authenticated requests reach the store (a bearer token, or a device-signed write whose
 * signature the gateway checked first), and each caller may hold at most `maxRecordsPerCaller`
 * records: a new key beyond that is refused (the route answers 429) until records expire. The
 * count is kept in memory, rebuilt by each sweep.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SentTransaction } from '../registry/registry';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,255}$/;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export interface IdempotencyRecord extends StoredResponse {
  v: 1;
  caller: string;
  key: string;
  requestHash: string;
  createdAt: string;
  /** Set on a pending record (status 0): the transaction the write sent to the orderers… */
  txId?: string;
  /** …and its endorsed bytes (base64), which a retry sends again if the ledger lacks it. */
  transaction?: string;
}

/** Status of a record that holds only the transaction ID of a write still running (or cut off). */
const PENDING = 0;

export type IdempotentOutcome =
  | { kind: 'fresh'; response: StoredResponse }
  | { kind: 'replayed'; response: StoredResponse }
  | { kind: 'conflict' }
  /** The caller holds as many records as allowed: nothing was run. */
  | { kind: 'full' };

const FILE_SUFFIX = '.json';

/** JSON with object keys sorted at every level: equal bodies hash equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

export class IdempotencyStore {
  readonly #dir: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  readonly #locks = new Map<string, Promise<void>>();
  readonly #maxRecordsPerCaller: number;
  /** Records per caller: what the last sweep found, plus those added since. */
  #counts = new Map<string, number>();
  /** Records added while a sweep runs (it may not see them). */
  #addedDuringSweep: Map<string, number> | undefined;
  #sweeper?: NodeJS.Timeout;
  /** The sweep started by open(); resolves when it is done (errors go to onError). */
  readonly firstSweep: Promise<void>;

  private constructor(dir: string, ttlMs: number, now: () => number, onError: (err: unknown) => void, maxRecordsPerCaller: number) {
    this.#dir = dir;
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#onError = onError;
    this.#maxRecordsPerCaller = maxRecordsPerCaller;
    this.firstSweep = this.sweep().then(
      () => undefined,
      (err: unknown) => this.#onError(err),
    );
  }

  /**
   * Opens (creating if needed) the store under `stateDir` and starts removing expired records
   * without waiting for that. `onError` hears of records that could not be stored or swept (the
   * answer is still given).
   */
  static async open(
    stateDir: string,
    ttlMs: number,
    options: { now?: () => number; onError?: (err: unknown) => void; maxRecordsPerCaller?: number } = {},
  ): Promise<IdempotencyStore> {
    const dir = join(stateDir, 'idempotency');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new IdempotencyStore(
      dir,
      ttlMs,
      options.now ?? Date.now,
      options.onError ?? (() => undefined),
      options.maxRecordsPerCaller ?? Infinity,
    );
  }

  /** How many records `caller` holds (approximately, while a sweep runs). */
  recordsOf(caller: string): number {
    return this.#counts.get(caller) ?? 0;
  }

  #added(caller: string): void {
    this.#counts.set(caller, this.recordsOf(caller) + 1);
    if (this.#addedDuringSweep) this.#addedDuringSweep.set(caller, (this.#addedDuringSweep.get(caller) ?? 0) + 1);
  }

  /** Sweeps expired records every hour until close() (open() started the first sweep). */
  startSweeping(): void {
    this.#sweeper = setInterval(() => this.sweep().catch(this.#onError), 3_600_000);
    this.#sweeper.unref();
  }

  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
  }

  #file(caller: string, key: string): string {
    const name = createHash('sha256').update(`${caller}\n${key}`).digest('hex');
    return join(this.#dir, name + FILE_SUFFIX);
  }

  #expired(record: IdempotencyRecord): boolean {
    const created = Date.parse(record.createdAt);
    return !Number.isFinite(created) || this.#now() - created > this.#ttlMs;
  }

  async get(caller: string, key: string): Promise<IdempotencyRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#file(caller, key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let record: IdempotencyRecord;
    try {
      record = JSON.parse(text) as IdempotencyRecord;
    } catch (err) {
      this.#onError(err);
      return undefined;
    }
    if (record.v !== 1 || record.caller !== caller || record.key !== key || this.#expired(record)) return undefined;
    return record;
  }

  async put(record: Omit<IdempotencyRecord, 'v' | 'createdAt'>): Promise<void> {
    const full: IdempotencyRecord = { v: 1, ...record, createdAt: new Date(this.#now()).toISOString() };
    const target = this.#file(record.caller, record.key);
    const temporary = join(this.#dir, `.${randomBytes(8).toString('hex')}.tmp`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(full), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** Removes expired records (and temporary files left by a crash), and recounts records per caller. Returns how many went. */
  async sweep(): Promise<number> {
    let removed = 0;
    const counts = new Map<string, number>();
    const added = new Map<string, number>();
    this.#addedDuringSweep = added;
    try {
      removed = await this.#sweepInto(counts);
    } finally {
      if (this.#addedDuringSweep === added) this.#addedDuringSweep = undefined;
    }
    for (const [caller, n] of added) counts.set(caller, (counts.get(caller) ?? 0) + n);
    this.#counts = counts;
    return removed;
  }

  async #sweepInto(counts: Map<string, number>): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.#dir)) {
      const path = join(this.#dir, name);
      try {
        if (name.endsWith('.tmp')) {
          if (this.#now() - (await stat(path)).mtimeMs > 60_000) {
            await unlink(path);
            removed += 1;
          }
          continue;
        }
        if (!name.endsWith(FILE_SUFFIX)) continue;
        const record = JSON.parse(await readFile(path, 'utf8')) as IdempotencyRecord;
        if (this.#expired(record)) {
          await unlink(path);
          removed += 1;
        } else {
          counts.set(record.caller, (counts.get(record.caller) ?? 0) + 1);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return removed;
  }

  /** Runs `fn` with the (caller, key) lock held: requests with the same key run one at a time. */
  async #withLock<T>(caller: string, key: string, fn: () => Promise<T>): Promise<T> {
    const id = `${caller}\n${key}`;
    const previous = this.#locks.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#locks.set(id, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.#locks.get(id) === tail) this.#locks.delete(id);
    }
  }

  /**
   * Answers a write idempotently: the stored answer when there is one for this (caller, key);
   * for a pending one, what `recover` learns of its transaction; otherwise runs `execute`
   * (which reports its transaction ID through `submitting`) and stores its answer when
   * `isFinal` says it is final.
   */
  run(
    request: { caller: string; key: string; hash: string },
    execute: (submitting: (sent: SentTransaction) => Promise<void>) => Promise<StoredResponse>,
    isFinal: (response: StoredResponse) => boolean,
    recover: (sent: SentTransaction) => Promise<StoredResponse | undefined> = async () => undefined,
  ): Promise<IdempotentOutcome> {
    return this.#withLock(request.caller, request.key, async () => {
      const stored = await this.get(request.caller, request.key);
      if (stored && stored.requestHash !== request.hash) return { kind: 'conflict' };
      if (stored && stored.status !== PENDING) {
        return { kind: 'replayed', response: { status: stored.status, body: stored.body } };
      }
      if (!stored && this.recordsOf(request.caller) >= this.#maxRecordsPerCaller) return { kind: 'full' };
      let counted = stored !== undefined;
      const put = async (record: Omit<IdempotencyRecord, 'v' | 'createdAt'>) => {
        await this.put(record);
        if (!counted) this.#added(request.caller);
        counted = true;
      };
      const base = { caller: request.caller, key: request.key, requestHash: request.hash };
      const pending = stored?.txId === undefined ? undefined : { txId: stored.txId, transaction: stored.transaction ?? '' };
      const recovered = pending ? await recover(pending) : undefined;
      const response =
        recovered ??
        (await execute(async (sent) => {
          await put({ ...base, status: PENDING, body: null, ...sent });
        }));
      if (isFinal(response)) {
        try {
          await put({ ...base, ...response });
        } catch (err) {
          // The write itself stands; only its replay is lost. Say so in the log, answer anyway.
          this.#onError(err);
        }
      }
      return { kind: recovered ? 'replayed' : 'fresh', response };
    });
  }
}
