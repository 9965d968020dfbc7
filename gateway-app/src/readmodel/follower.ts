/**
 * Keeps the model in step with the org's own peer: block events from the model's height on,
 * each block decoded, checked against the hash chain and applied in one database transaction
 * with its height (model-store.ts), so after a crash the stream resumes at exactly the block
 * after the last one committed. A lost stream is opened again after a pause; a block that does
 * not fit the chain stops the follower for good, loudly (status "failed", an error log, /readyz 503).
 */
import type { common } from '@hyperledger/fabric-protos';
import type { Logger } from 'pino';
import { BlockIntegrityError, decodeModelBlock } from './blocks';
import type { ModelStore } from './model-store';

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
  /** Told of each block applied (metrics). */
  onApplied?: (status: FollowerStatus, applied: { block: number; writes: number; ms: number }) => void;
}

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
        for await (const block of this.#stream) {
          await this.#apply(block);
          delay = this.#options.retryDelayMs ?? 1_000;
        }
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

  async #apply(block: common.Block): Promise<void> {
    const started = Date.now();
    const decoded = decodeModelBlock(block, this.#store.namespace);
    const { applied, writes } = await this.#store.apply(decoded);
    if (applied || decoded.number + 1 > this.#height) this.#height = Math.max(this.#height, decoded.number + 1);
    this.#ledgerHeight = Math.max(this.#ledgerHeight, this.#height);
    this.#markCaughtUp();
    this.#release();
    this.#options.onApplied?.(this.status(), { block: decoded.number, writes, ms: Date.now() - started });
  }
}
