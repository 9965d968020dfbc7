/**
 * The registry in business terms: what the HTTP routes may ask of the ledger. One
 * implementation talks to Fabric (fabric-registry.ts); tests use a fake. Every method takes
 * `as`, the name of the configured Fabric identity that signs the request, and throws only
 * RegistryError (codes from @iotreg/common), never a fabric-gateway or gRPC error.
 */
import type { AnswerOf, OperationName, Operations, RequestOf, TransactionProof, TransactionStatus } from '@iotreg/common';

export type { Consenter, TransactionProof, TransactionStatus } from '@iotreg/common';

/** The answer of a write: the chaincode's result, committed VALID in transaction `txId`. */
export interface Committed<T> {
  result: T;
  txId: string;
  blockNumber: number;
}

/** What became of a write known only by its transaction ID (after a crash, say). */
export type CommittedOutcome =
  | { kind: 'valid'; committed: Committed<unknown> }
  | { kind: 'invalid'; validationCode: string }
  /** Not committed within the lookup budget: it may still commit. */
  | { kind: 'unknown' };

export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  name: string;
  payload: Uint8Array;
}

/** A live stream of chaincode events; close() ends it (and the iteration). */
export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

/** What an operation answers through the registry: a write's answer comes with its transaction. */
export type Outcome<N extends OperationName> = Operations[N]['kind'] extends 'submit' ? Committed<AnswerOf<N>> : AnswerOf<N>;

/** Where a read is answered from: the gateway's read model of the ledger, or the peer through the chaincode. */
export type ReadSource = 'model' | 'ledger';

/** A write's transaction as it goes to the orderers. */
export interface SentTransaction {
  txId: string;
  /** The endorsed transaction, serialized (base64): a retry after a crash can send it again. */
  transaction: string;
}

/**
 * Told a write's transaction just before it goes to the orderers, and waited for: the idempotency
 * store records it then, so that after a crash a retry can find out what became of it, or finish
 * sending it.
 */
export type Submitting = (sent: SentTransaction) => Promise<void>;

/**
 * What a caller may ask of a read's consistency, and learns of the answer (docs/read-model.md);
 * for a write, what it learns while the write runs.
 */
export interface CallOptions {
  /** Answer only from a state with at least this many blocks (waits, boundedly, for the model). */
  minHeight?: number;
  /** 'ledger': ask the peer (an endorsed answer) even where the model could answer. */
  source?: ReadSource;
  /** Told the ledger height the answer reflects and where it came from (a write: its block's height). */
  observe?: (answer: { height: number; source: ReadSource }) => void;
  /** A write: told its transaction before it goes to the orderers. */
  submitting?: Submitting;
}

/** The read model's state, where the gateway keeps one (readiness, metrics). */
export interface ReadModelStatus {
  state: 'starting' | 'following' | 'failed' | 'stopped';
  height: number;
  ledgerHeight: number;
  /** ledgerHeight - height: blocks the model has still to apply. */
  lag: number;
  failure?: string;
}

export interface Registry {
  /**
   * One catalogue operation as the Fabric identity `as`: the request is sent as the chaincode
   * validates it, the answer checked against the operation's answer schema.
   */
  call<N extends OperationName>(operation: N, as: string, request: RequestOf<N>, options?: CallOptions): Promise<Outcome<N>>;

  transactionStatus(as: string, txId: string): Promise<TransactionStatus>;
  /**
   * Waits (boundedly) for `txId` to commit and answers its chaincode result if it is VALID;
   * `resend`, the endorsed transaction, is first sent again when the ledger does not have it.
   */
  committedResult(as: string, txId: string, resend?: Uint8Array): Promise<CommittedOutcome>;
  transactionProof(as: string, txId: string): Promise<TransactionProof>;
  /** Chaincode events from `startBlock` (inclusive), or from the next block when absent. */
  chaincodeEvents(as: string, startBlock?: bigint): Promise<EventStream>;
  /** A cheap read that proves the ledger answers (chain height), with the read model's state where there is one. */
  ping(): Promise<{ height: number; readModel?: ReadModelStatus }>;
}
