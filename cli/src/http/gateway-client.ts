/**
 * The one HTTP client of the CLI (Node's global fetch): bearer token, JSON in and out, the
 * contract's error body turned into CliError, and an Idempotency-Key on every write so a
 * retried write is answered once.
 */
import { randomUUID } from 'node:crypto';
import type { Page, RefusedItem } from '@iotreg/common';
import { CliError } from '../errors';

export interface Connection {
  gateway: string;
  token: string;
  /** The MSP ID the token acts for, when the configuration says so (--org, or a profile's mspId). */
  mspId?: string;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface WriteOptions {
  /** Reuse the same key to retry the same logical write; a fresh UUID otherwise. */
  idempotencyKey?: string;
  /** Try once more with the same key after a 503, 429 or no answer (default); off for callers that retry themselves. */
  retry?: boolean;
}

const WRITE_RETRY_DELAY_MS = 1_000;

export class GatewayClient {
  constructor(readonly connection: Connection) {}

  get<T>(path: string, query?: Query): Promise<T> {
    return this.#send<T>('GET', path + queryString(query));
  }

  /**
   * POST or PUT that changes the ledger. The gateway answers a repeated key with the first
   * answer, so a retry after an unknown outcome (OUTCOME_UNKNOWN, a lost connection) never
   * writes twice.
   */
  async write<T>(method: 'POST' | 'PUT', path: string, body: unknown, options: WriteOptions = {}): Promise<T> {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    try {
      return await this.#send<T>(method, path, body, idempotencyKey);
    } catch (err) {
      if (options.retry === false || !(err instanceof CliError && err.retryable)) throw err;
      await new Promise((resume) => setTimeout(resume, WRITE_RETRY_DELAY_MS));
      return this.#send<T>(method, path, body, idempotencyKey);
    }
  }

  /** Every page of a list, following bookmarks until the last page ("" bookmark). */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<Page<T>> {
    let bookmark = typeof query.bookmark === 'string' ? query.bookmark : '';
    do {
      const page = await this.get<Page<T>>(path, { ...query, bookmark: bookmark === '' ? undefined : bookmark });
      yield page;
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }

  /** A read that sends a body (the contract's verify endpoints): no Idempotency-Key. */
  ask<T>(path: string, body: unknown): Promise<T> {
    return this.#send<T>('POST', path, body);
  }

  async #send<T>(method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.connection.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    const url = this.connection.gateway.replace(/\/+$/, '') + path;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError('GATEWAY_UNREACHABLE', `${method} ${url}: ${cause?.code ?? cause?.message ?? String(err)}`);
    }
    const text = await response.text();
    const answer = parseJson(text);
    if (response.ok) return answer as T;
    const error = (answer as { error?: { code?: unknown; message?: unknown; items?: unknown } } | undefined)?.error;
    throw new CliError(
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : text.slice(0, 200) || response.statusText,
      response.status,
      Array.isArray(error?.items) ? (error.items as RefusedItem[]) : undefined,
    );
  }
}

/** Path segment encoding, so IDs with ":" or "." stay one segment. */
export const seg = encodeURIComponent;

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
