import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What a caller of a write learns while it runs, without threading it through every registry
 * method: the transaction ID, just before the transaction goes to the orderers. The idempotency
 * store records it then, so that after a crash a retry can find out what became of it.
 */
export interface WriteObserver {
  submitting(txId: string): Promise<void>;
}

export const writeObserver = new AsyncLocalStorage<WriteObserver>();
