/**
 * The one REST client of the registry (Node's or the browser's fetch), used by the CLI, the
 * device library, the tests and the benchmark. `call` speaks the catalogue: it builds the route's
 * path, query or body from a typed request and checks the answer against the operation's schema;
 * `send` is the plain HTTP underneath, for what is not an operation (health, events, audit) and
 * for tests that send what no client would.
 */
import { z } from 'zod';
import type { RefusedItem } from '../batch-refusal';
import { type AnswerOf, OPERATIONS, type Operations, type RequestOf } from './catalogue';
import { TransactionProof, TransactionStatus, Endpoint, type Page } from './records';
import { isWrite, pathParameters, REST_ROUTES, type RouteName, type RouteOf } from './rest';

/** What a route takes: its operation's request without the fields the route sets itself. */
export type RouteInput<R extends RouteName> = Omit<RequestOf<RouteOf<R>['operation']>, keyof NonNullable<RouteOf<R>['fixed']>>;

/** What a route answers: the operation's answer, and for a write the transaction that committed it. */
export type RouteAnswer<R extends RouteName> = Operations[RouteOf<R>['operation']]['kind'] extends 'submit'
  ? AnswerOf<RouteOf<R>['operation']> & { txId: string }
  : AnswerOf<RouteOf<R>['operation']>;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The JSON answer, parsed; the text itself when it is not JSON. */
  body: unknown;
}

export interface SendOptions {
  body?: unknown;
  /** Sent as is, for bodies no client would send; `body` is JSON-encoded otherwise. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface CallOptions {
  /** A write's Idempotency-Key: reuse it to repeat the same write; a fresh UUID otherwise. */
  idempotencyKey?: string;
  /** Repeats of a write, with the same key, after 503, 429 or no answer (default 1). */
  retries?: number;
}

export interface ClientOptions {
  /** The gateway's base URL, e.g. https://gw1.example.com:8443 */
  baseUrl: string;
  /** The Authorization header of a request (a bearer token, a device's signed read), or none. */
  authorization?: (method: string, target: string) => string | undefined;
  /** Per request (default 60 s: a write answers once committed). */
  timeoutMs?: number;
  /** Pause before repeating a write (default 1 s). */
  retryDelayMs?: number;
  /** Called before every request (e.g. to wait for the other org's peer). */
  beforeRequest?: (method: string, target: string) => Promise<void>;
  fetch?: typeof fetch;
}

/** A refusal from the gateway, by its contract code (or HTTP_<status> when it sent no error body). */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** With a refused batch: every refused item. */
    readonly items?: RefusedItem[],
    /** With OUTCOME_UNKNOWN: the transaction whose outcome is open. */
    readonly txId?: string,
  ) {
    super(message);
  }

  /** Worth repeating with the same Idempotency-Key: the gateway was unreachable, busy or unsure. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 503;
  }
}

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    txId: z.string().optional(),
    items: z.array(z.object({ index: z.number(), code: z.string(), message: z.string() })).optional(),
  }),
});

export const bearer = (token: string) => () => `Bearer ${token}`;

export class RegistryClient {
  readonly baseUrl: string;
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#options = options;
  }

  /** One HTTP exchange; answers whatever the status. Throws ApiError (status 0) only when no answer came. */
  async send(method: string, target: string, options: SendOptions = {}): Promise<HttpAnswer> {
    await this.#options.beforeRequest?.(method, target);
    const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const url = this.baseUrl + target;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? fetch)(url, {
        method,
        headers: this.#headers(method, target, options.headers, payload !== undefined),
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 60_000),
      });
    } catch (err) {
      throw new ApiError(0, 'GATEWAY_UNREACHABLE', `${method} ${url}: ${failure(err)}`);
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: parseJson(text) ?? text };
  }

  #headers(method: string, target: string, given: Record<string, string> = {}, json: boolean): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...given };
    const authorization = this.#options.authorization?.(method, target);
    if (authorization !== undefined && headers.authorization === undefined) headers.authorization = authorization;
    if (json) headers['content-type'] ??= 'application/json';
    return headers;
  }

  /** An operation through its route: the typed answer, or ApiError. */
  async call<R extends RouteName>(name: R, input: RouteInput<R>, options: CallOptions = {}): Promise<RouteAnswer<R>> {
    const route = REST_ROUTES[name] as RouteOf<RouteName>;
    const request = { ...(input as Record<string, unknown>) };
    const target = fillPath(route.path, request);
    const write = isWrite(route);
    const query = route.method === 'get' ? queryString(request) : '';
    const send = (headers: Record<string, string>) =>
      this.send(route.method.toUpperCase(), target + query, { ...(route.method === 'get' ? {} : { body: request }), headers });
    const answer = write ? await this.#written(send, options) : ok(await send({}));
    const schema = OPERATIONS[route.operation].answer as z.ZodType;
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new ApiError(502, 'BAD_ANSWER', `${name} answered outside its schema: ${parsed.error.message}`);
    if (!write) return parsed.data as RouteAnswer<R>;
    const txId = (answer as { txId?: unknown }).txId;
    return { ...(parsed.data as object), txId } as RouteAnswer<R>;
  }

  /** Every page of a list route, following bookmarks until the last ("" bookmark). */
  async *pages<R extends PagedRoute>(name: R, input: RouteInput<R>): AsyncGenerator<RouteAnswer<R>> {
    let bookmark = (input as { bookmark?: string }).bookmark ?? '';
    do {
      const page = (await this.call(name, { ...input, ...(bookmark === '' ? {} : { bookmark }) })) as RouteAnswer<R> & Page<unknown>;
      yield page;
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }

  /** Every registered endpoint (the answer of GET /v1/discovery). */
  async discovery(): Promise<Endpoint[]> {
    return ok(await this.send('GET', '/v1/discovery'), z.object({ endpoints: z.array(Endpoint) })).endpoints;
  }

  async transactionStatus(txId: string): Promise<TransactionStatus> {
    return ok(await this.send('GET', `/v1/transactions/${encodeURIComponent(txId)}`), TransactionStatus);
  }

  async transactionProof(txId: string): Promise<TransactionProof> {
    return ok(await this.send('GET', `/v1/audit/tx/${encodeURIComponent(txId)}`), TransactionProof);
  }

  async #written(send: (headers: Record<string, string>) => Promise<HttpAnswer>, options: CallOptions): Promise<unknown> {
    const headers = { 'idempotency-key': options.idempotencyKey ?? globalThis.crypto.randomUUID() };
    for (let attempt = 0; ; attempt += 1) {
      try {
        return ok(await send(headers));
      } catch (err) {
        if (!(err instanceof ApiError && err.retryable) || attempt >= (options.retries ?? 1)) throw err;
        await new Promise((resume) => setTimeout(resume, this.#options.retryDelayMs ?? 1_000));
      }
    }
  }
}

/** Routes that answer pages. */
export type PagedRoute = {
  [R in RouteName]: RouteAnswer<R> extends Page<unknown> ? (RouteInput<R> extends { bookmark?: string } ? R : never) : never;
}[RouteName];

/** The answer of a 2xx, read with `schema` when given; ApiError otherwise. */
function ok(answer: HttpAnswer): unknown;
function ok<S extends z.ZodType>(answer: HttpAnswer, schema: S): z.output<S>;
function ok(answer: HttpAnswer, schema?: z.ZodType): unknown {
  if (answer.status >= 200 && answer.status < 300) {
    if (!schema) return answer.body;
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new ApiError(502, 'BAD_ANSWER', `the gateway answered outside the contract: ${parsed.error.message}`);
    return parsed.data;
  }
  const error = ErrorBody.safeParse(answer.body);
  if (!error.success) {
    const text = typeof answer.body === 'string' ? answer.body.slice(0, 200) : '';
    throw new ApiError(answer.status, `HTTP_${answer.status}`, text || `HTTP ${answer.status}`);
  }
  const { code, message, items, txId } = error.data.error;
  throw new ApiError(answer.status, code, message, items as RefusedItem[] | undefined, txId);
}

/**
 * The route's path with each {name} replaced by that request field, taken out of the request;
 * a device-signed body names its device in payload.deviceId, which stays where it is.
 */
function fillPath(path: string, request: Record<string, unknown>): string {
  let target = path;
  for (const name of pathParameters(path)) {
    let value = request[name];
    if (value === undefined) value = (request.payload as Record<string, unknown> | undefined)?.[name];
    else delete request[name];
    if (value === undefined) throw new TypeError(`${path} needs ${name}`);
    target = target.replace(`{${name}}`, encodeURIComponent(String(value)));
  }
  return target;
}

/** Why fetch gave no answer. */
function failure(err: unknown): string {
  if ((err as Error).name === 'TimeoutError') return 'no answer in time';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(err);
}

function queryString(request: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(request)) if (value !== undefined && value !== '') params.set(key, String(value));
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
