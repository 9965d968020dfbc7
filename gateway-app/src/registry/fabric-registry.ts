/**
 * The one adapter between the gateway and Fabric: it alone touches Contract, bytes and
 * decoding, calls the catalogue's transactions (OPERATIONS), decides retries, and turns fabric-gateway
 * failures into RegistryError (see classify.ts for the table).
 *
 * Writes: a proposal is created first, so the transaction ID is known before anything is
 * sent; then endorse, submit, and wait for the commit status. A write answers only once its
 * transaction is committed VALID. Committed invalid with an MVCC or phantom read conflict: the
 * whole write is proposed again (a new transaction), at most MVCC_RETRIES times. When the
 * submit or the commit wait fails in a way that leaves the outcome open (UNAVAILABLE, BFT
 * quorum, DEADLINE_EXCEEDED, a lost connection), the transaction is looked up by its ID for
 * a bounded time instead of being reported as failed or sent again. An endorsement that only
 * other orgs' peers refused is asked again after a pause, a few times (ENDORSE_AGAIN_AFTER_MS):
 * a write that depends on one just committed can reach their peers before that block does.
 */
import { randomBytes } from 'node:crypto';
import type { CallOptions } from '@grpc/grpc-js';
import type { Proposal, ProposalOptions, Status, Transaction } from '@hyperledger/fabric-gateway';
import type { Logger } from 'pino';
import {
  CONFIDENTIAL_SALT_BYTES,
  isOwnOrgOnly,
  OperationName,
  OPERATIONS,
  RegistryError,
  RequestOf,
  TRANSIENT_REQUEST,
} from '@iotreg/common';
import type { z } from 'zod';
import { endorseOptions, type LedgerPort } from '../fabric/connection';
import type { Metrics } from '../metrics';
import {
  classifyFabricError,
  FabricFault,
  isChaincodeRefusal,
  isRetryableValidationCode,
  refusedOnlyByOtherOrgs,
  ValidationCode,
} from './classify';
import {
  decodeBlock,
  decodeChainHeight,
  decodeChaincodeResult,
  decodeConsenters,
  decodeProcessedTransaction,
  validationCodeName,
} from './ledger-decode';
import type {
  CallOptions as RegistryCallOptions,
  Committed,
  CommittedOutcome,
  EventStream,
  LedgerEvent,
  Outcome,
  Registry,
  Submitting,
  TransactionProof,
  TransactionStatus,
} from './registry';

export const MVCC_RETRIES = 3;
/**
 * Pauses before endorsing again when only other orgs' peers refused (3.85 s in all): a peer
 * commits a block a few hundred milliseconds after another under load, seconds at the most.
 */
export const ENDORSE_AGAIN_AFTER_MS = [100, 250, 500, 1_000, 2_000];

export interface FabricRegistryOptions {
  ledger: LedgerPort;
  /** Identity for calls made on nobody's behalf (readiness). */
  relayIdentity: string;
  metrics: Metrics;
  logger: Logger;
  /** How long to look for the outcome of a write whose submit or commit wait failed. */
  outcomeResolutionMs: number;
  /** Pause between commit status attempts while the peer is unreachable. */
  resolutionRetryDelayMs?: number;
  /** Deadline of the readiness probe. */
  pingTimeoutMs?: number;
  /** Pauses before endorsing again while only other orgs' peers refuse; ENDORSE_AGAIN_AFTER_MS unless given. */
  endorseAgainAfterMs?: readonly number[];
}

const QSCC = {
  getTransactionByID: 'GetTransactionByID',
  getBlockByTxID: 'GetBlockByTxID',
  getBlockByNumber: 'GetBlockByNumber',
  getChainInfo: 'GetChainInfo',
} as const;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class FabricRegistry implements Registry {
  readonly #ledger: LedgerPort;
  readonly #relay: string;
  readonly #metrics: Metrics;
  readonly #log: Logger;
  readonly #resolutionMs: number;
  readonly #retryDelayMs: number;
  readonly #pingTimeoutMs: number;
  readonly #endorseAgainAfterMs: readonly number[];

  constructor(options: FabricRegistryOptions) {
    this.#ledger = options.ledger;
    this.#relay = options.relayIdentity;
    this.#metrics = options.metrics;
    this.#log = options.logger;
    this.#resolutionMs = options.outcomeResolutionMs;
    this.#retryDelayMs = options.resolutionRetryDelayMs ?? 1_000;
    this.#pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
    this.#endorseAgainAfterMs = options.endorseAgainAfterMs ?? ENDORSE_AGAIN_AFTER_MS;
  }

  async call<N extends OperationName>(operation: N, as: string, request: RequestOf<N>, options?: RegistryCallOptions): Promise<Outcome<N>> {
    const { tx, kind, answer } = OPERATIONS[operation];
    const proposal = this.#proposalOf(operation, request);
    if (kind === 'evaluate') return this.#checked(tx, answer, await this.#evaluate(as, tx, proposal)) as Outcome<N>;
    // a batch's endorsement takes time per device
    const batch = operation === 'registerDevices' ? (request as RequestOf<'registerDevices'>).devices.length : 0;
    const committed = await this.#submit(as, tx, proposal, batch, options?.submitting);
    return { ...committed, result: this.#checked(tx, answer, committed.result) } as Outcome<N>;
  }

  /**
   * The request as the proposal carries it: the one argument, or, for private data, transient
   * data that only this org's peers receive (Fabric leaves it out of the transaction), with a salt
   * drawn here when the caller gave none (the chaincode may draw nothing at random).
   */
  #proposalOf<N extends OperationName>(operation: N, request: RequestOf<N>): ProposalOptions {
    if (!isOwnOrgOnly(operation)) return { arguments: [JSON.stringify(request)] };
    const body = request as Record<string, unknown>;
    const salted =
      operation === 'putConfidentialAttributes' && body.salt === undefined
        ? { ...body, salt: randomBytes(CONFIDENTIAL_SALT_BYTES).toString('hex') }
        : body;
    return {
      arguments: [],
      transientData: { [TRANSIENT_REQUEST]: JSON.stringify(salted) },
      endorsingOrganizations: [this.#ledger.mspId],
    };
  }

  /** The chaincode's answer as its schema reads it; an answer outside it is the registry's fault, not the caller's. */
  #checked(tx: string, schema: z.ZodType, answer: unknown): unknown {
    const parsed = schema.safeParse(answer);
    if (parsed.success) return parsed.data;
    this.#log.error({ tx, issues: parsed.error.issues }, 'chaincode answer does not match its schema');
    throw new RegistryError('INTERNAL', `${tx} answered outside its schema`);
  }

  // Ledger queries (qscc)
  async transactionStatus(as: string, txId: string): Promise<TransactionStatus> {
    const processed = await this.#findTransaction(as, txId);
    if (!processed) return { txId, status: 'UNKNOWN' };
    const status = validationCodeName(processed.validationCode);
    // The transaction is committed, so its commit status answers at once, with the block number.
    const committed = await this.#timed('qscc', 'CommitStatus', () =>
      this.#ledger.commitStatus(as, txId, { deadline: Date.now() + this.#pingTimeoutMs * 2 }),
    );
    return { txId, status, blockNumber: Number(committed.blockNumber) };
  }

  async transactionProof(as: string, txId: string): Promise<TransactionProof> {
    const processed = await this.#findTransaction(as, txId);
    if (!processed) throw new RegistryError('NOT_FOUND', `no transaction ${txId} on channel ${this.#ledger.channel}`);
    const blockBytes = await this.#timed('qscc', QSCC.getBlockByTxID, () =>
      this.#ledger.qscc(as).evaluate(QSCC.getBlockByTxID, { arguments: [this.#ledger.channel, txId] }),
    );
    const block = decodeBlock(blockBytes);
    const envelopeIndex = block.txIds.indexOf(txId);
    if (envelopeIndex < 0) {
      throw new RegistryError('INTERNAL', `block ${block.blockNumber} does not contain transaction ${txId}`);
    }
    const configBlockNumber = block.lastConfigBlock;
    if (configBlockNumber === undefined) {
      throw new RegistryError('INTERNAL', `block ${block.blockNumber} names no config block in its orderer metadata`);
    }
    const configBytes =
      configBlockNumber === block.blockNumber
        ? blockBytes
        : await this.#timed('qscc', QSCC.getBlockByNumber, () =>
            this.#ledger.qscc(as).evaluate(QSCC.getBlockByNumber, { arguments: [this.#ledger.channel, String(configBlockNumber)] }),
          );
    return {
      txId,
      validationCode: validationCodeName(processed.validationCode),
      validationCodeValue: processed.validationCode,
      blockNumber: block.blockNumber,
      block: Buffer.from(blockBytes).toString('base64'),
      envelopeIndex,
      configBlockNumber,
      consenters: decodeConsenters(configBytes),
      configBlock: Buffer.from(configBytes).toString('base64'),
    };
  }

  async chaincodeEvents(as: string, startBlock?: bigint): Promise<EventStream> {
    const contract = this.#ledger.contract(as);
    const network = this.#ledger.network(as);
    let events: Awaited<ReturnType<typeof network.getChaincodeEvents>>;
    try {
      events = await network.getChaincodeEvents(contract.getChaincodeName(), startBlock === undefined ? undefined : { startBlock });
    } catch (err) {
      throw this.#toRegistryError(classifyFabricError(err), 'ChaincodeEvents', err);
    }
    const toRegistryError = (err: unknown) => this.#toRegistryError(classifyFabricError(err), 'ChaincodeEvents', err);
    async function* iterate(): AsyncGenerator<LedgerEvent> {
      try {
        for await (const event of events) {
          yield { blockNumber: event.blockNumber, txId: event.transactionId, name: event.eventName, payload: event.payload };
        }
      } catch (err) {
        throw toRegistryError(err);
      } finally {
        events.close();
      }
    }
    return { [Symbol.asyncIterator]: iterate, close: () => events.close() };
  }

  async committedResult(as: string, txId: string, resend?: Uint8Array): Promise<CommittedOutcome> {
    // A transaction cut off on its way to the orderers never commits unless it is sent again;
    // sent twice, the second copy is only marked a duplicate.
    if (resend && !(await this.#findTransaction(as, txId))) await this.#resend(as, txId, resend);
    const status = await this.#resolveOutcome(as, txId);
    if (!status) return { kind: 'unknown' };
    if (status.code !== ValidationCode.VALID) return { kind: 'invalid', validationCode: validationCodeName(status.code) };
    const bytes = await this.#timed('qscc', QSCC.getTransactionByID, () =>
      this.#ledger.qscc(as).evaluate(QSCC.getTransactionByID, { arguments: [this.#ledger.channel, txId] }),
    );
    const result = decodeJson<unknown>(decodeChaincodeResult(bytes), QSCC.getTransactionByID);
    return { kind: 'valid', committed: { result, txId, blockNumber: Number(status.blockNumber) } };
  }

  async ping(): Promise<{ height: number }> {
    const bytes = await this.#timed('qscc', QSCC.getChainInfo, () =>
      this.#ledger
        .qscc(this.#relay)
        .newProposal(QSCC.getChainInfo, { arguments: [this.#ledger.channel] })
        .evaluate({ deadline: Date.now() + this.#pingTimeoutMs }),
    );
    return { height: decodeChainHeight(bytes) };
  }

  // Internals

  async #resend(as: string, txId: string, transaction: Uint8Array): Promise<void> {
    try {
      await this.#ledger.resubmit(as, transaction);
      this.#log.info({ txId }, 'sent a cut-off transaction to the orderers again');
    } catch (err) {
      this.#log.warn({ txId, err: errorSummary(err) }, 'sending a cut-off transaction again failed');
    }
  }

  /** qscc GetTransactionByID: undefined when the peer has no such transaction. */
  async #findTransaction(as: string, txId: string): Promise<{ validationCode: number } | undefined> {
    try {
      const bytes = await this.#ledger.qscc(as).evaluate(QSCC.getTransactionByID, { arguments: [this.#ledger.channel, txId] });
      return decodeProcessedTransaction(bytes);
    } catch (err) {
      if (isChaincodeRefusal(err)) return undefined;
      throw this.#toRegistryError(classifyFabricError(err), QSCC.getTransactionByID, err);
    }
  }

  async #timed<T>(kind: string, transaction: string, call: () => Promise<T>): Promise<T> {
    const stop = this.#metrics.ledgerDuration.startTimer({ kind, transaction });
    try {
      const result = await call();
      stop({ outcome: 'ok' });
      return result;
    } catch (err) {
      const mapped = err instanceof RegistryError ? err : this.#toRegistryError(classifyFabricError(err), transaction, err);
      stop({ outcome: mapped.code });
      throw mapped;
    }
  }

  async #evaluate<T>(as: string, tx: string, proposal: ProposalOptions): Promise<T> {
    const bytes = await this.#timed('evaluate', tx, () => this.#ledger.contract(as).evaluate(tx, proposal));
    return decodeJson<T>(bytes, tx);
  }

  /**
   * `batch`: how many devices the transaction registers, which its endorsement takes time for;
   * `submitting`: told each attempt's transaction before it goes to the orderers.
   */
  async #submit<T>(as: string, tx: string, proposal: ProposalOptions, batch = 0, submitting?: Submitting): Promise<Committed<T>> {
    const stop = this.#metrics.ledgerDuration.startTimer({ kind: 'submit', transaction: tx });
    try {
      const committed = await this.#submitUntilCommitted<T>(as, tx, proposal, batch, submitting);
      stop({ outcome: 'ok' });
      return committed;
    } catch (err) {
      const mapped = err instanceof RegistryError ? err : new RegistryError('INTERNAL', 'the write failed unexpectedly');
      if (!(err instanceof RegistryError)) this.#log.error({ err, tx }, 'unexpected failure while submitting');
      stop({ outcome: mapped.code });
      throw mapped;
    }
  }

  async #submitUntilCommitted<T>(
    as: string,
    tx: string,
    options: ProposalOptions,
    batch: number,
    submitting: Submitting | undefined,
  ): Promise<Committed<T>> {
    const contract = this.#ledger.contract(as);
    for (let attempt = 1; ; attempt += 1) {
      const proposal = contract.newProposal(tx, options);
      const txId = proposal.getTransactionId();

      const transaction = await this.#endorse(proposal, tx, batch);
      await submitting?.({ txId, transaction: Buffer.from(transaction.getBytes()).toString('base64') });
      let status: Status | undefined;
      try {
        const commit = await transaction.submit();
        status = await commit.getStatus();
      } catch (err) {
        const fault = classifyFabricError(err);
        if (fault.kind !== 'unknown-outcome') throw this.#toRegistryError(fault, tx, err, txId);
        this.#log.warn(
          { txId, tx, grpcCode: fault.grpcCode, err: errorSummary(err) },
          'write outcome unknown; looking it up by transaction ID',
        );
        status = await this.#resolveOutcome(as, txId);
        this.#metrics.outcomeResolutions.inc({ result: status ? validationCodeName(status.code) : 'UNKNOWN' });
        if (!status) {
          throw new RegistryError(
            'OUTCOME_UNKNOWN',
            `transaction ${txId} was sent to the ordering service but whether it committed is not known yet; ` +
              `ask GET /v1/transactions/${txId}, or retry with the same Idempotency-Key`,
            { txId },
          );
        }
      }

      if (status.code === ValidationCode.VALID) {
        return { result: decodeJson<T>(transaction.getResult(), tx), txId, blockNumber: Number(status.blockNumber) };
      }
      const fault: FabricFault = {
        kind: 'invalid-commit',
        validationCode: status.code,
        retryable: isRetryableValidationCode(status.code),
      };
      if (fault.retryable && attempt <= MVCC_RETRIES) {
        this.#metrics.writeRetries.inc({ transaction: tx, reason: validationCodeName(status.code) });
        this.#log.info({ txId, tx, attempt, code: validationCodeName(status.code) }, 'write committed invalid; proposing it again');
        continue;
      }
      throw this.#toRegistryError(fault, tx, undefined, txId, attempt);
    }
  }

  /** The endorsed transaction, asked again while only other orgs' peers refuse it. */
  async #endorse(proposal: Proposal, tx: string, batch: number): Promise<Transaction> {
    for (let again = 0; ; again += 1) {
      try {
        return await proposal.endorse(endorseOptions(batch));
      } catch (err) {
        const pause = this.#endorseAgainAfterMs[again];
        // Nothing was sent to the orderers: the failure is definite.
        if (pause === undefined || !refusedOnlyByOtherOrgs(err, this.#ledger.mspId)) {
          throw this.#toRegistryError(classifyFabricError(err), tx, err, proposal.getTransactionId());
        }
        this.#metrics.writeRetries.inc({ transaction: tx, reason: 'ENDORSED_BY_OWN_ORG_ONLY' });
        this.#log.info(
          { txId: proposal.getTransactionId(), tx, err: errorSummary(err) },
          'only other orgs refused the endorsement; asking again',
        );
        await sleep(pause);
      }
    }
  }

  /**
   * Looks up the commit status of `txId` for at most the resolution budget: the peer answers at
   * once for a committed transaction and otherwise waits for it; while the peer is unreachable,
   * ask again after a pause. Undefined: still unknown when the budget ran out.
   */
  async #resolveOutcome(as: string, txId: string): Promise<Status | undefined> {
    const giveUpAt = Date.now() + this.#resolutionMs;
    for (;;) {
      const remaining = giveUpAt - Date.now();
      if (remaining <= 0) return undefined;
      try {
        const options: CallOptions = { deadline: Date.now() + remaining };
        return await this.#ledger.commitStatus(as, txId, options);
      } catch (err) {
        this.#log.debug({ txId, err: errorSummary(err) }, 'commit status lookup failed');
        if (Date.now() + this.#retryDelayMs >= giveUpAt) return undefined;
        await sleep(this.#retryDelayMs);
      }
    }
  }

  #toRegistryError(fault: FabricFault, tx: string, err: unknown, txId?: string, attempts?: number): RegistryError {
    switch (fault.kind) {
      case 'chaincode':
        return fault.error;
      case 'invalid-commit': {
        const name = validationCodeName(fault.validationCode);
        if (fault.retryable) {
          return new RegistryError(
            'STATE_CONFLICT',
            `the write kept conflicting with concurrent updates (${name}) after ${attempts ?? 1} attempts; nothing was written`,
            { txId },
          );
        }
        this.#log.error({ txId, tx, code: name }, 'transaction committed invalid');
        return new RegistryError('INTERNAL', `transaction ${txId ?? ''} was committed invalid (${name}); nothing was written`, { txId });
      }
      case 'unknown-outcome':
        // Only reachable outside the submit path (an events stream or a commit status query).
        this.#log.warn({ tx, err: errorSummary(err) }, 'ledger call failed');
        return new RegistryError('LEDGER_UNAVAILABLE', 'the ledger did not answer');
      case 'definite':
        if (fault.code === 'LEDGER_UNAVAILABLE') {
          this.#log.warn({ tx, txId, grpcCode: fault.grpcCode, err: errorSummary(err) }, 'ledger unreachable');
          return new RegistryError(
            'LEDGER_UNAVAILABLE',
            txId ? 'the ledger is unreachable; nothing was written' : 'the ledger is unreachable',
          );
        }
        this.#log.error({ tx, txId, grpcCode: fault.grpcCode, err: errorSummary(err) }, 'ledger call failed');
        if (fault.code === 'FORBIDDEN') return new RegistryError('FORBIDDEN', 'the peer refused this identity');
        return new RegistryError(fault.code, 'the ledger failed to process the request');
    }
  }
}

function decodeJson<T>(bytes: Uint8Array, tx: string): T {
  const text = Buffer.from(bytes).toString('utf8');
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new RegistryError('INTERNAL', `${tx} answered something that is not JSON`);
  }
}

/** What may be logged of a fabric-gateway error: name, gRPC code, messages; nothing from the request. */
function errorSummary(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; details?: unknown };
  return { name: e.name, code: e.code, message: e.message, details: e.details };
}
