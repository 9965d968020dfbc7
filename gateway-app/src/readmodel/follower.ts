/**
 * Keeps the model in step with the org's own peer: block events from the model's height on,
 * each block decoded, checked against the hash chain and applied in the database transaction
 * that records its height (model-store.ts; blocks that arrived while the last were applied share
 * one transaction), so after a crash the stream resumes at exactly the block after the last one
 * committed. A lost stream is opened again after a pause; a block that does
 * not fit the chain stops the follower for good, loudly (status "failed", an error log, /readyz 503).
 */
import type { common } from '@hyperledger/fabric-protos';
import type { Logger } from 'pino';
import { BlockIntegrityError, type DecodedBlock, decodeModelBlock } from './blocks';
import type { ApplyResult, ModelStore } from './model-store';

export interface BlockStream extends AsyncIterable<common.Block> {
  close(): void;
}

/** Where blocks come from: the peer's deliver service (fabric-gateway getBlockEvents), or a test's list. */
export type BlockSource = (startBlock: bigint) => Promise<BlockStream>;

export type FollowerState = 'starting' | 'following' | 'failed' | 'stopped';

export interface FollowerStatus {
  state: FollowerState;
  /** Blocks in the model. */
  height: number;
  /** The peer's height as last seen (never below the model's). */
  ledgerHeight: number;
  /** Why it failed, when it did. */
  failure?: string;
}

export interface FollowerOptions {
  store: ModelStore;
  source: BlockSource;
  logger: Logger;
  /** The peer's chain height (qscc GetChainInfo), polled for the lag. */
  chainHeight?: () => Promise<number>;
  chainHeightEveryMs?: number;
  retryDelayMs?: number;
  /** Told of each block applied (metrics); `ms` is the block's share of the time its batch took. */
  onApplied?: (status: FollowerStatus, applied: { block: number; writes: number; ms: number }) => void;
}

/** Blocks read ahead of those being applied: the most applied in one database transaction. */
const READ_AHEAD = 16;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ModelFollower {
  readonly #store: ModelStore;
  readonly #source: BlockSource;
  readonly #log: Logger;
  readonly #options: FollowerOptions;
  #state: FollowerState = 'starting';
  #height = 0;
  #ledgerHeight = 0;
  #failure: string | undefined;
  /** The height after which the model counts as caught up ("following"). */
  #caughtUpAt = 0;
  #stream: BlockStream | undefined;
  #running: Promise<void> | undefined;
  #poller: NodeJS.Timeout | undefined;
  #waiters: Array<{ height: number; done: (reached: boolean) => void }> = [];

  constructor(options: FollowerOptions) {
    this.#store = options.store;
    this.#source = options.source;
    this.#log = options.logger;
    this.#options = options;
  }

  status(): FollowerStatus {
    return {
      state: this.#state,
      height: this.#height,
      ledgerHeight: Math.max(this.#ledgerHeight, this.#height),
      ...(this.#failure ? { failure: this.#failure } : {}),
    };
  }

  get height(): number {
    return this.#height;
  }

  /**
   * Starts following from the stored checkpoint; resolves once the checkpoint is read. The state
   * stays "starting" until the model has the height the peer had at the start (catching up).
   */
  async start(): Promise<void> {
    this.#height = (await this.#store.checkpoint()).height;
    const poll = this.#options.chainHeight;
    const startHeight = poll ? await poll().catch(() => 0) : 0;
    this.#ledgerHeight = startHeight;
    this.#caughtUpAt = startHeight;
    this.#running = this.#follow();
    if (poll) {
      const every = this.#options.chainHeightEveryMs ?? 5_000;
      const tick = () =>
        poll().then(
          (h) => void (this.#ledgerHeight = h),
          () => undefined,
        );
      this.#poller = setInterval(tick, every);
      this.#poller.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'stopped';
    if (this.#poller) clearInterval(this.#poller);
    this.#stream?.close();
    await this.#running;
    this.#release();
  }

  /** Resolves true once the model has `height` blocks, false after `timeoutMs` or when the follower stops. */
  waitFor(height: number, timeoutMs: number): Promise<boolean> {
    if (this.#height >= height) return Promise.resolve(true);
    if (this.#state === 'failed' || this.#state === 'stopped' || timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        height,
        done: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  #markCaughtUp(): void {
    if (this.#state === 'starting' && this.#height >= this.#caughtUpAt) this.#state = 'following';
  }

  /** stop() may have been called while a block was being applied. */
  #stopped(): boolean {
    return this.#state === 'stopped';
  }

  #release(): void {
    const reached = this.#waiters.filter((w) => w.height <= this.#height || this.#state === 'failed' || this.#state === 'stopped');
    this.#waiters = this.#waiters.filter((w) => !reached.includes(w));
    for (const w of reached) w.done(w.height <= this.#height);
  }

  async #follow(): Promise<void> {
    let delay = this.#options.retryDelayMs ?? 1_000;
    while (this.#state === 'starting' || this.#state === 'following') {
      try {
        this.#stream = await this.#source(BigInt(this.#height));
        this.#markCaughtUp();
        await this.#applyStream(this.#stream, () => void (delay = this.#options.retryDelayMs ?? 1_000));
      } catch (err) {
        if (err instanceof BlockIntegrityError) {
          this.#state = 'failed';
          this.#failure = err.message;
          this.#log.fatal({ err: err.message, height: this.#height }, 'read model stopped: the block stream does not fit its hash chain');
          this.#stream?.close();
          this.#release();
          return;
        }
        if (this.#stopped()) return;
        this.#log.warn({ err: err instanceof Error ? err.message : String(err), height: this.#height }, 'block stream lost; reopening');
      } finally {
        this.#stream?.close();
      }
      if (this.#stopped()) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  /**
   * Applies the stream's blocks in order. The blocks that arrive while a batch is being applied
   * (READ_AHEAD at most) are the next batch, applied in one database transaction: a model catching
   * up commits once per batch, a model following the peer's new blocks commits each as it comes.
   * A stream that fails does so after the blocks it delivered before are applied.
   */
  async #applyStream(stream: BlockStream, onApplied: () => void): Promise<void> {
    const ready: common.Block[] = [];
    let ended = false;
    let failure: { err: unknown } | undefined;
    let wake: (() => void) | undefined;
    let resume: (() => void) | undefined;
    const reader = (async () => {
      try {
        for await (const block of stream) {
          ready.push(block);
          wake?.();
          if (ready.length >= READ_AHEAD) await new Promise<void>((resolve) => (resume = resolve));
        }
      } catch (err) {
        failure = { err };
      } finally {
        ended = true;
        wake?.();
      }
    })();
    try {
      while (!this.#stopped()) {
        if (ready.length === 0) {
          if (ended) break;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const batch = ready.splice(0, READ_AHEAD);
        resume?.();
        resume = undefined;
        await this.#applyBatch(batch);
        onApplied();
      }
    } finally {
      resume?.(); // a reader waiting for room ends with the stream (closed by the caller)
    }
    if (this.#stopped()) return;
    await reader;
    if (failure) throw failure.err;
  }

  /**
   * Decodes and applies blocks in one transaction. When that fails they are applied one by one,
   * so the blocks before the one that does not fit are in the model, as if each had come alone.
   */
  async #applyBatch(blocks: readonly common.Block[]): Promise<void> {
    const started = Date.now();
    const decoded: DecodedBlock[] = [];
    let undecodable: unknown;
    for (const block of blocks) {
      try {
        decoded.push(decodeModelBlock(block, this.#store.namespace));
      } catch (err) {
        undecodable = err;
        break;
      }
    }
    let results: ApplyResult[] | undefined;
    try {
      results = decoded.length > 0 ? await this.#store.applyBlocks(decoded) : [];
    } catch (err) {
      if (decoded.length === 1) throw err;
    }
    if (results) this.#applied(decoded, results, Date.now() - started);
    else {
      for (const block of decoded) {
        const alone = Date.now();
        this.#applied([block], await this.#store.applyBlocks([block]), Date.now() - alone);
      }
    }
    if (undecodable !== undefined) throw undecodable;
  }

  #applied(blocks: readonly DecodedBlock[], results: readonly ApplyResult[], ms: number): void {
    blocks.forEach((block, i) => {
      const { applied, writes } = results[i]!;
      if (applied || block.number + 1 > this.#height) this.#height = Math.max(this.#height, block.number + 1);
      this.#ledgerHeight = Math.max(this.#ledgerHeight, this.#height);
      this.#markCaughtUp();
      this.#release();
      // A batch's time, shared among its blocks.
      this.#options.onApplied?.(this.status(), { block: block.number, writes, ms: ms / blocks.length });
    });
  }
}
