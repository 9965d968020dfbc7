/**
 * Test double of the Registry: records every call and answers with programmable handlers.
 * A method without a handler fails the test loudly (INTERNAL), so a route that calls the
 * ledger when it should not is noticed.
 */
import { OperationName, RegistryError } from '@iotreg/common';
import type { CallOptions, EventStream, LedgerEvent, Registry } from '../registry/registry';

/** The registry's ledger queries beside the catalogue's operations. */
const LEDGER_METHODS = ['transactionStatus', 'committedResult', 'transactionProof', 'chaincodeEvents', 'ping'] as const;

/** A catalogue operation, or one of the ledger queries. */
export type RegistryMethod = OperationName | (typeof LEDGER_METHODS)[number];

export interface FakeCall {
  method: RegistryMethod;
  as: string | undefined;
  request: unknown;
}

/** A catalogue operation's handler is also given the call's options (a write's `submitting`). */
type Handler = (as: string, request: unknown, options?: CallOptions) => Promise<unknown> | unknown;

export interface FakeRegistry {
  registry: Registry;
  calls: FakeCall[];
  handlers: Partial<Record<RegistryMethod, Handler>>;
  callsTo(method: RegistryMethod): FakeCall[];
}

export function fakeRegistry(): FakeRegistry {
  const calls: FakeCall[] = [];
  const handlers: Partial<Record<RegistryMethod, Handler>> = {};
  const dispatch = async (method: RegistryMethod, as: string | undefined, request: unknown, options?: CallOptions) => {
    calls.push({ method, as, request });
    const handler = handlers[method];
    if (!handler) throw new RegistryError('INTERNAL', `fake registry: no handler for ${method}`);
    return handler(as ?? '', request, options);
  };
  const ledger = Object.fromEntries(
    LEDGER_METHODS.map((method) => [
      method,
      (...args: unknown[]) => (method === 'ping' ? dispatch(method, undefined, undefined) : dispatch(method, args[0] as string, args[1])),
    ]),
  );
  // The handlers answer what the test says; their shapes are the test's business.
  const registry = {
    ...ledger,
    call: (operation: OperationName, as: string, request: unknown, options?: CallOptions) => dispatch(operation, as, request, options),
  } as Registry;
  return { registry, calls, handlers, callsTo: (method) => calls.filter((c) => c.method === method) };
}

/** An event stream fed by the test: push() events, end() it; close() is recorded. */
export class FakeEventStream implements EventStream {
  closed = false;
  readonly #queue: LedgerEvent[] = [];
  #waiting: ((value: IteratorResult<LedgerEvent>) => void) | undefined;
  #ended = false;

  push(event: LedgerEvent): void {
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      resolve({ value: event, done: false });
    } else {
      this.#queue.push(event);
    }
  }

  end(): void {
    this.#ended = true;
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
  }

  close(): void {
    this.closed = true;
    this.end();
  }

  [Symbol.asyncIterator](): AsyncIterator<LedgerEvent> {
    return {
      next: () => {
        const event = this.#queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export function ledgerEvent(blockNumber: number, name: string, payload: unknown, txId = 'f'.repeat(64)): LedgerEvent {
  return { blockNumber: BigInt(blockNumber), txId, name, payload: Buffer.from(JSON.stringify(payload)) };
}
