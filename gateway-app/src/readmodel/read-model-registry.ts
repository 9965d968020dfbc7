/**
 * The registry as the gateway serves it with a read model: the catalogue's reads that the model
 * answers exactly (MODEL_QUERIES) come from it, everything else (writes, the other reads, ledger
 * queries, events) goes to the peer through the Fabric adapter it wraps.
 *
 * Consistency: a model answer reflects the height read in the same database snapshot. A read
 * waits (at most minHeightWaitMs) for `minHeight`, and for every block this gateway has already
 * revealed (its writes' blocks, the events it streamed), so what a caller learnt through this
 * gateway is in its next read; when the model cannot reach those blocks in time the read goes to
 * the peer instead. `source: 'ledger'` always asks the peer.
 */
import {
  MODEL_ONLY_OPERATIONS,
  modelOnlyMessage,
  type OperationName,
  OPERATIONS,
  parseWith,
  RegistryError,
  type RequestOf,
  type Role,
} from '@iotreg/common';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ModelFollower } from './follower';
import { MODEL_QUERIES, type QueryContext } from './model-queries';
import type { ModelStore } from './model-store';
import type { CallOptions, EventStream, LedgerEvent, Outcome, ReadModelStatus, Registry } from '../registry/registry';

export interface ReadModelRegistryOptions {
  ledger: Registry;
  store: ModelStore;
  follower: ModelFollower;
  /** The role of a configured Fabric identity (the chaincode reads it from the certificate). */
  roleOf: (identity: string) => Role | undefined;
  logger: Logger;
  /** Bound on waiting for minHeight or this gateway's own writes. */
  minHeightWaitMs: number;
  /**
   * Checks every model answer against the operation's answer schema (an answer outside it is an
   * INTERNAL error, logged). The queries build answers from the chaincode's own records, so this
   * is a test of the model, not of the caller: tests keep it on; it costs a fleet page of 100 as
   * much as the query (docs/read-model.md).
   */
  checkAnswers?: boolean;
  now?: () => number;
}

export class ReadModelRegistry implements Registry {
  readonly #ledger: Registry;
  readonly #store: ModelStore;
  readonly #follower: ModelFollower;
  readonly #options: ReadModelRegistryOptions;
  /** Height that includes every block this gateway revealed: the writes it answered, the events it streamed. */
  #revealed = 0;

  constructor(options: ReadModelRegistryOptions) {
    this.#ledger = options.ledger;
    this.#store = options.store;
    this.#follower = options.follower;
    this.#options = options;
  }

  async call<N extends OperationName>(operation: N, as: string, request: RequestOf<N>, options?: CallOptions): Promise<Outcome<N>> {
    if (OPERATIONS[operation].kind === 'submit') {
      const committed = (await this.#ledger.call(operation, as, request, options)) as { blockNumber: number };
      this.#reveal(committed.blockNumber);
      options?.observe?.({ height: committed.blockNumber + 1, source: 'ledger' });
      return committed as Outcome<N>;
    }
    const status = this.#follower.status();
    checkModelOnly(operation, request, options, status);
    // A model still catching up after a start would answer from the past: the peer answers meanwhile.
    if (!MODEL_QUERIES[operation] || options?.source === 'ledger' || status.state === 'starting') {
      return this.#fromLedger(operation, as, request, options);
    }
    if (status.state === 'failed') {
      throw new RegistryError('LEDGER_UNAVAILABLE', `the read model stopped (${status.failure}); ask with ?source=ledger`);
    }
    const wait = this.#options.minHeightWaitMs;
    const asked = options?.minHeight ?? 0;
    if (asked > this.#follower.height && !(await this.#follower.waitFor(asked, wait))) {
      throw new RegistryError(
        'LEDGER_UNAVAILABLE',
        `the read model has ${this.#follower.height} blocks; minHeight ${asked} was not reached within ${wait} ms`,
      );
    }
    if (this.#revealed > this.#follower.height && !(await this.#follower.waitFor(this.#revealed, wait))) {
      return this.#fromLedger(operation, as, request, options);
    }
    return this.#fromModel(operation, as, request, options);
  }

  /** The answer and the height it reflects, read in one database snapshot, checked against the operation's schema. */
  async #fromModel<N extends OperationName>(operation: N, as: string, request: RequestOf<N>, read?: CallOptions): Promise<Outcome<N>> {
    const query = MODEL_QUERIES[operation] as (c: QueryContext, r: unknown) => Promise<unknown>;
    const parsed = parseWith(OPERATIONS[operation].request, request);
    const context = { role: this.#options.roleOf(as), now: new Date((this.#options.now ?? Date.now)()).toISOString() };
    const { height, answer } = await this.#store.db.read(async (q) => {
      const { height } = await checkpointHeight(q);
      return { height, answer: await query({ q, ...context }, parsed) };
    });
    if (this.#options.checkAnswers) this.#check(operation, answer);
    read?.observe?.({ height, source: 'model' });
    return answer as Outcome<N>;
  }

  /**
   * The answer is in the operation's schema, exactly: what the schema's parse would make of it
   * (unknown fields stripped, defaults added) reads the same as JSON, so answering it unparsed is safe.
   */
  #check(operation: OperationName, answer: unknown): void {
    const checked = OPERATIONS[operation].answer.safeParse(answer);
    const asJson = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as unknown;
    if (!checked.success || !isDeepStrictEqual(asJson(checked.data), asJson(answer))) {
      const issues = checked.success ? 'its parse differs from it' : checked.error.issues;
      this.#options.logger.error({ operation, issues }, 'read model answer does not match its schema');
      throw new RegistryError('INTERNAL', `${operation} answered outside its schema`);
    }
  }

  async #fromLedger<N extends OperationName>(operation: N, as: string, request: RequestOf<N>, read?: CallOptions): Promise<Outcome<N>> {
    // The peer's height before the query: the answer reflects at least this state.
    const before = this.#follower.status().ledgerHeight;
    const outcome = await this.#ledger.call(operation, as, request);
    read?.observe?.({ height: before, source: 'ledger' });
    return outcome;
  }

  readModelStatus(): ReadModelStatus {
    const status = this.#follower.status();
    return { ...status, lag: status.ledgerHeight - status.height };
  }

  async ping(): Promise<{ height: number; readModel: ReadModelStatus }> {
    const { height } = await this.#ledger.ping();
    const status = this.readModelStatus();
    const ledgerHeight = Math.max(height, status.ledgerHeight);
    return { height, readModel: { ...status, ledgerHeight, lag: ledgerHeight - status.height } };
  }

  transactionStatus: Registry['transactionStatus'] = (as, txId) => this.#ledger.transactionStatus(as, txId);
  committedResult: Registry['committedResult'] = (as, txId, resend) => this.#ledger.committedResult(as, txId, resend);
  transactionProof: Registry['transactionProof'] = (as, txId) => this.#ledger.transactionProof(as, txId);
  async chaincodeEvents(as: string, startBlock?: bigint): Promise<EventStream> {
    const events = await this.#ledger.chaincodeEvents(as, startBlock);
    const reveal = (block: bigint) => this.#reveal(Number(block));
    async function* iterate(): AsyncGenerator<LedgerEvent> {
      for await (const event of events) {
        reveal(event.blockNumber);
        yield event;
      }
    }
    return { [Symbol.asyncIterator]: iterate, close: () => events.close() };
  }

  #reveal(blockNumber: number): void {
    this.#revealed = Math.max(this.#revealed, blockNumber + 1);
  }
}

/** No peer answers a model-only operation: refuse the ledger at once, and tell a caller of a model not there yet to retry. */
function checkModelOnly(
  operation: OperationName,
  request: unknown,
  read: CallOptions | undefined,
  status: Omit<ReadModelStatus, 'lag'>,
): void {
  if (!(MODEL_ONLY_OPERATIONS as readonly string[]).includes(operation)) return;
  parseWith(OPERATIONS[operation].request, request);
  if (read?.source === 'ledger') throw new RegistryError('INVALID_ARGUMENT', modelOnlyMessage(operation));
  if (status.state === 'starting') {
    throw new RegistryError(
      'LEDGER_UNAVAILABLE',
      `the read model is catching up (${status.height} of ${status.ledgerHeight} blocks); ${operation} is answered by the read model only`,
    );
  }
}

async function checkpointHeight(q: Parameters<Parameters<ModelStore['db']['read']>[0]>[0]): Promise<{ height: number }> {
  const row = await q.get<{ height: number }>('SELECT height FROM model_checkpoint WHERE id = 1');
  return { height: Number(row?.height ?? 0) };
}
