/**
 * Server-Sent Events of the chaincode's events.
 *
 * Event ids are "<blockNumber>-<index>", index counting the chaincode events within their block
 * from 0 in ledger order. Fabric delivers a block's events together and in order, so the same
 * event always gets the same id: resuming from id B-I starts the ledger stream at block B and
 * skips that block's events up to index I, which gives no gap and no duplicate.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics';
import type { EventStream, LedgerEvent } from '../registry/registry';
import { RegistryError } from '@iotreg/common';
import { toErrorResponse } from './errors';

export interface EventPosition {
  block: bigint;
  index: number;
}

/** An event id: "<block>-<index>" (also the documented form of Last-Event-ID and ?lastEventId). */
export const EVENT_ID = /^(\d{1,19})-(\d{1,9})$/;

export function parseEventId(id: string): EventPosition | undefined {
  const match = EVENT_ID.exec(id);
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  return { block: BigInt(match[1]), index: Number(match[2]) };
}

export function formatEventId(position: EventPosition): string {
  return `${position.block}-${position.index}`;
}

/** Numbers the events within each block. */
export async function* numberEvents(events: AsyncIterable<LedgerEvent>): AsyncGenerator<{ event: LedgerEvent; position: EventPosition }> {
  let block: bigint | undefined;
  let index = 0;
  for await (const event of events) {
    if (event.blockNumber === block) {
      index += 1;
    } else {
      block = event.blockNumber;
      index = 0;
    }
    yield { event, position: { block, index } };
  }
}

/** True for an event at or before the resume position (already delivered). */
export function alreadySent(position: EventPosition, resume: EventPosition | undefined): boolean {
  if (!resume) return false;
  return position.block < resume.block || (position.block === resume.block && position.index <= resume.index);
}

function decodePayload(payload: Uint8Array): unknown {
  const text = Buffer.from(payload).toString('utf8');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return Buffer.from(payload).toString('base64');
  }
}

export function formatEvent(event: LedgerEvent, position: EventPosition): string {
  const name = event.name.replace(/[\r\n]/g, '');
  const data = JSON.stringify({ txId: event.txId, blockNumber: Number(event.blockNumber), payload: decodePayload(event.payload) });
  return `id: ${formatEventId(position)}\nevent: ${name}\ndata: ${data}\n\n`;
}

/** Retry-After of a stream refused for the caps: streams end when their clients go. */
export const STREAMS_FULL_RETRY_S = 30;

/**
 * The open streams, so shutdown can close them all, and their caps: each one holds a ledger
 * event stream (a gRPC stream to the peer) and a connection, so one identity may hold
 * `perIdentity` of them and the gateway `total`.
 */
export class EventStreams {
  readonly #open = new Set<() => void>();
  readonly #heartbeatMs: number;
  readonly #metrics: Metrics;
  readonly #perIdentity: number;
  readonly #total: number;
  readonly #byIdentity = new Map<string, number>();
  #admitted = 0;

  constructor(options: { heartbeatMs: number; metrics: Metrics; perIdentity?: number; total?: number }) {
    this.#heartbeatMs = options.heartbeatMs;
    this.#metrics = options.metrics;
    this.#perIdentity = options.perIdentity ?? Infinity;
    this.#total = options.total ?? Infinity;
  }

  /**
   * Takes a place for a stream of `identity`, or throws RATE_LIMITED (429, Retry-After) when that
   * identity or the gateway holds as many as allowed. Returns the release, to call exactly once.
   */
  admit(identity: string): () => void {
    const held = this.#byIdentity.get(identity) ?? 0;
    if (held >= this.#perIdentity) {
      throw new RegistryError('RATE_LIMITED', `this identity already has ${held} event streams open, the most allowed; close one first`);
    }
    if (this.#admitted >= this.#total) {
      throw new RegistryError('RATE_LIMITED', `the gateway serves ${this.#admitted} event streams, the most it allows; retry later`);
    }
    this.#byIdentity.set(identity, held + 1);
    this.#admitted += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#admitted -= 1;
      const left = (this.#byIdentity.get(identity) ?? 1) - 1;
      if (left > 0) this.#byIdentity.set(identity, left);
      else this.#byIdentity.delete(identity);
    };
  }

  get size(): number {
    return this.#open.size;
  }

  /** Ends every stream (shutdown). */
  closeAll(): void {
    for (const close of [...this.#open]) close();
  }

  /** Sends `events` to the client until it goes away, the ledger stream fails, or closeAll(). */
  async serve(
    events: EventStream,
    req: FastifyRequest,
    reply: FastifyReply,
    resume: EventPosition | undefined,
    log: Logger,
    release: () => void = () => undefined,
  ): Promise<void> {
    // The stream writes the response itself, with the headers the gateway's hooks set.
    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');

    let closed = false;
    let wake: (() => void) | undefined;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      events.close();
      release();
      this.#open.delete(close);
      this.#metrics.eventStreams.dec();
      wake?.();
      if (!res.writableEnded) res.end();
    };
    const heartbeat = setInterval(() => {
      if (!closed) res.write(': heartbeat\n\n');
    }, this.#heartbeatMs);
    heartbeat.unref();
    this.#open.add(close);
    this.#metrics.eventStreams.inc();
    res.on('close', close);
    req.raw.socket.setTimeout(0);

    try {
      for await (const { event, position } of numberEvents(events)) {
        if (closed) break;
        if (alreadySent(position, resume)) continue;
        if (!res.write(formatEvent(event, position))) {
          // Back-pressure: wait until the client has taken the data, or has gone.
          await new Promise<void>((resolve) => {
            wake = resolve;
            res.once('drain', resolve);
          });
          wake = undefined;
        }
      }
    } catch (err) {
      if (!closed) {
        log.warn({ err }, 'event stream from the ledger failed');
        const { body } = toErrorResponse(err);
        res.write(`event: gateway.error\ndata: ${JSON.stringify(body)}\n\n`);
      }
    } finally {
      close();
    }
  }
}
