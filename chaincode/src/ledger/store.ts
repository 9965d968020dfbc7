/**
 * The one layer that reads and writes world state: JSON records under the keys of keys.ts,
 * prefix scans in key order, and pages. Contracts never touch the stub's state API directly.
 */
import type { ChaincodeStub, Iterators } from 'fabric-shim-api';
import { type Page, pageScanBudget, RegistryError } from '@iotreg/common';
import type { StateKey } from './keys';
import { type StateBatches, stateBatches } from './state-batches';

/** `bookmark` is opaque to callers: base64url of Fabric's bookmark, which holds NUL delimiters. */
export interface PageRequest {
  pageSize: number;
  bookmark: string;
}

const encodeBookmark = (raw: string) => Buffer.from(raw, 'utf8').toString('base64url');
const decodeBookmark = (token: string) => Buffer.from(token, 'base64url').toString('utf8');

export class Store {
  /**
   * This transaction's writes, held until flush(). Fabric answers a read with the state before
   * the transaction, so reads of a key written here are answered from this map. Each call to the
   * peer is a round trip that fabric-shim makes one at a time per transaction, so a key written
   * several times costs one write, and all of them go in one batch where the peer takes batches.
   * Range and page reads never need to see these writes.
   */
  readonly #written = new Map<string, string | undefined>();
  /** What the peer answered for keys read in this transaction: the same within a transaction, so asked once. */
  readonly #answered = new Map<string, string | undefined>();
  /** Many keys a round trip (a Fabric 3.1 peer through fabric-shim); undefined: one call a key. */
  readonly #batches: StateBatches | undefined;

  constructor(private readonly stub: ChaincodeStub) {
    this.#batches = stateBatches(stub);
  }

  #compose(key: StateKey): string {
    return this.stub.createCompositeKey(key.objectType, key.attributes);
  }

  async get<T>(key: StateKey): Promise<T | undefined> {
    const text = await this.#read(this.#compose(key));
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async #read(composite: string): Promise<string | undefined> {
    if (this.#written.has(composite)) return this.#written.get(composite);
    if (this.#answered.has(composite)) return this.#answered.get(composite);
    const bytes = await this.stub.getState(composite);
    const text = !bytes || bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
    this.#answered.set(composite, text);
    return text;
  }

  /**
   * Reads the keys a transaction is about to read in one round trip, where the peer takes batches;
   * the reads that follow are answered from here. Keys already read or written are not asked again.
   * Only for keys the transaction reads anyway: each one joins its read set.
   */
  async prefetch(keys: readonly StateKey[]): Promise<void> {
    if (!this.#batches) return;
    const wanted = [...new Set(keys.map((key) => this.#compose(key)))].filter((k) => !this.#written.has(k) && !this.#answered.has(k));
    if (wanted.length < 2) return; // one key: a GetState is the same round trip
    const values = await this.#batches.read(wanted);
    wanted.forEach((composite, i) => this.#answered.set(composite, values[i]?.toString('utf8')));
  }

  async mustGet<T>(key: StateKey, what: string): Promise<T> {
    const record = await this.get<T>(key);
    if (record === undefined) throw new RegistryError('NOT_FOUND', `${what} not found`);
    return record;
  }

  async exists(key: StateKey): Promise<boolean> {
    return (await this.#read(this.#compose(key))) !== undefined;
  }

  /** Records are stored as JSON with keys in insertion order; writers build them deterministically. */
  put(key: StateKey, record: unknown): void {
    this.#written.set(this.#compose(key), JSON.stringify(record));
  }

  delete(key: StateKey): void {
    this.#written.set(this.#compose(key), undefined);
  }

  /**
   * Hands this transaction's writes to the peer, in the order each key was first written (the
   * same on every endorser). Called once, after the transaction's work succeeded.
   */
  async flush(): Promise<void> {
    if (this.#batches && this.#written.size > 1) {
      await this.#batches.write(
        [...this.#written].map(([composite, text]) => [composite, text === undefined ? undefined : Buffer.from(text)] as const),
      );
      this.#written.clear();
      return;
    }
    for (const [composite, text] of this.#written) {
      if (text === undefined) await this.stub.deleteState(composite);
      else await this.stub.putState(composite, Buffer.from(text));
    }
    this.#written.clear();
  }

  /**
   * Private data (an org's implicit collection), written at once: it never goes through the
   * public write map, so flush() cannot put it in world state by mistake.
   */
  async putPrivate(collection: string, key: StateKey, bytes: Buffer): Promise<void> {
    await this.stub.putPrivateData(collection, this.#compose(key), bytes);
  }

  /** The stored bytes; undefined where this peer holds none (every peer of an org not in the collection). */
  async getPrivate(collection: string, key: StateKey): Promise<Buffer | undefined> {
    const bytes = await this.stub.getPrivateData(collection, this.#compose(key));
    return !bytes || bytes.length === 0 ? undefined : Buffer.from(bytes);
  }

  /** SHA-256 (hex) of a collection's value, which every peer of the channel holds, member or not. */
  async privateHash(collection: string, key: StateKey): Promise<string | undefined> {
    const bytes = await this.stub.getPrivateDataHash(collection, this.#compose(key));
    return !bytes || bytes.length === 0 ? undefined : Buffer.from(bytes).toString('hex');
  }

  /** A transient field of the proposal (never part of the transaction), as text. */
  transient(name: string): string | undefined {
    const value = this.stub.getTransient().get(name);
    return value === undefined ? undefined : Buffer.from(value).toString('utf8');
  }

  /** Every record under a key prefix, in key order. For bounded sets only (one device's keys). */
  async all<T>(prefix: StateKey): Promise<T[]> {
    const iterator = await this.stub.getStateByPartialCompositeKey(prefix.objectType, prefix.attributes);
    return collect<T>(iterator);
  }

  /**
   * Every committed version of one key, oldest first, deletions left out: Fabric's history
   * database (which answers newest first). Bounded by how often the key changed.
   */
  async versions<T>(key: StateKey): Promise<T[]> {
    const iterator = await this.stub.getHistoryForKey(this.#compose(key));
    const records: T[] = [];
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!next.value.isDelete) records.push(JSON.parse(Buffer.from(next.value.value).toString('utf8')) as T);
      }
    } finally {
      await iterator.close();
    }
    return records.reverse();
  }

  /** The last attribute of every key under a prefix, in key order (index scans). */
  async *keysUnder(prefix: StateKey): AsyncGenerator<string[]> {
    const iterator = await this.stub.getStateByPartialCompositeKey(prefix.objectType, prefix.attributes);
    try {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield this.stub.splitCompositeKey(next.value.key).attributes;
      }
    } finally {
      await iterator.close();
    }
  }

  /**
   * A page of records under a prefix that `select` keeps, read through Fabric's paged queries so a
   * read never scans more than it returns plus what `select` refused, and never more than
   * pageScanBudget(pageSize) records: a filter that keeps few of them ends the page early, with
   * fewer items than pageSize (possibly none) and a bookmark to go on from. Each round asks for
   * exactly the number still missing (within the budget), so no record is skipped between pages.
   */
  async page<R, T = R>(
    prefix: StateKey,
    request: PageRequest,
    select: (record: R) => Promise<T | undefined> | T | undefined,
  ): Promise<Page<T>> {
    const items: T[] = [];
    let bookmark = decodeBookmark(request.bookmark);
    // Fabric starts at any key it is given: a bookmark from elsewhere would read outside the prefix.
    if (bookmark && !bookmark.startsWith(this.#compose(prefix))) {
      throw new RegistryError('INVALID_ARGUMENT', 'bookmark is not one this list gave');
    }
    let budget = pageScanBudget(request.pageSize);
    for (;;) {
      const wanted = Math.min(request.pageSize - items.length, budget);
      const { iterator, metadata } = await this.stub.getStateByPartialCompositeKeyWithPagination(
        prefix.objectType,
        prefix.attributes,
        wanted,
        bookmark,
      );
      const records = await collect<R>(iterator);
      budget -= records.length;
      for (const record of records) {
        const selected = await select(record);
        if (selected !== undefined) items.push(selected);
      }
      // fabric-shim leaves `metadata` out when the peer found nothing.
      bookmark = metadata?.bookmark ?? '';
      if (records.length < wanted || !bookmark) return { items, bookmark: '' };
      if (items.length === request.pageSize || budget <= 0) {
        return { items, bookmark: (await this.#hasMore(prefix, bookmark)) ? encodeBookmark(bookmark) : '' };
      }
    }
  }

  /**
   * A page of a list read whole (a device's history): entry n (from 1) stands at key `keyAt(n)`,
   * and the bookmark names the key of the next entry, as a page of records under `keyAt()` would.
   */
  listPage<T>(items: T[], request: PageRequest, keyAt: (n?: number) => StateKey): Page<T> {
    const prefix = this.#compose(keyAt());
    const bookmark = decodeBookmark(request.bookmark);
    let start = 0;
    if (bookmark) {
      const n = bookmark.startsWith(prefix) ? Number(this.stub.splitCompositeKey(bookmark).attributes.at(-1)) : NaN;
      if (!Number.isSafeInteger(n) || n < 1) throw new RegistryError('INVALID_ARGUMENT', 'bookmark is not one this list gave');
      start = n - 1;
    }
    const end = start + request.pageSize;
    return {
      items: items.slice(start, end),
      bookmark: end < items.length ? encodeBookmark(this.#compose(keyAt(end + 1))) : '',
    };
  }

  async #hasMore(prefix: StateKey, bookmark: string): Promise<boolean> {
    const { iterator } = await this.stub.getStateByPartialCompositeKeyWithPagination(prefix.objectType, prefix.attributes, 1, bookmark);
    return (await collect(iterator)).length > 0;
  }
}

async function collect<T>(iterator: Iterators.StateQueryIterator): Promise<T[]> {
  const records: T[] = [];
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      records.push(JSON.parse(Buffer.from(next.value.value).toString('utf8')) as T);
    }
  } finally {
    await iterator.close();
  }
  return records;
}
