import { AsyncLocalStorage } from 'node:async_hooks';

/** A transaction as it goes to the orderers. */
export interface SentTransaction {
  txId: string;
  /** The endorsed transaction, serialized (base64): a retry after a crash can send it again. */
  transaction: string;
}

/**
 * What a caller of a write learns while it runs, without threading it through every registry
 * method: the transaction, just before it goes to the orderers. The idempotency store records it
 * then, so that after a crash a retry can find out what became of it, or finish sending it.
 */
export interface WriteObserver {
  submitting(sent: SentTransaction): Promise<void>;
}

export const writeObserver = new AsyncLocalStorage<WriteObserver>();
