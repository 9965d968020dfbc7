/**
 * The console's only way to the ledger: the gateway's public REST API, same origin, with the
 * signed-in bearer token, through the registry's one REST client (RegistryClient of
 * @iotreg/common): `call` speaks the catalogue (typed requests, answers checked against the
 * contract's schemas), `get`/`post`/`put` are plain requests for the pages that build their own.
 * Refusals are the client's ApiError, with the API's {"error": {"code", "message"}}.
 *
 * In the browser bundle, node:crypto is the shim of src/shims (build.mjs): the client's module
 * graph reaches it only through the request schemas' public-key check, which the client never
 * runs (it checks answers, not requests).
 */
import { ApiError, bearer, RegistryClient, type RouteAnswer, type RouteInput, type RouteName } from '@iotreg/common';

export { ApiError };

export interface Page<T> {
  items: T[];
  bookmark: string;
}

export interface Whoami {
  mspId: string;
  identity: string;
  role: 'admin' | 'vendor' | 'auditor';
}

export type Query = Record<string, string | number | undefined>;

/** "/v1/devices" + { family: 'x', status: undefined } → "/v1/devices?family=x" */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A path segment, encoded. */
export const seg = (value: string) => encodeURIComponent(value);

/** Same origin, nothing cached, never a cookie. */
const browserFetch: typeof fetch = (input, init) => fetch(input, { ...init, cache: 'no-store', credentials: 'omit' });

export class Api {
  readonly client: RegistryClient;

  constructor(readonly token: string) {
    this.client = new RegistryClient({ baseUrl: location.origin, authorization: bearer(token), fetch: browserFetch });
  }

  /** An operation of the catalogue by its route name, typed and checked (a write gets a fresh Idempotency-Key). */
  call<R extends RouteName>(name: R, input: RouteInput<R>): Promise<RouteAnswer<R>> {
    return this.client.call(name, input);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    // Every write carries its own Idempotency-Key, so a retry after a lost answer is safe.
    const headers: Record<string, string> = method === 'GET' ? {} : { 'idempotency-key': crypto.randomUUID() };
    const answer = await this.client.send(method, path, { ...(body === undefined ? {} : { body }), headers });
    if (answer.status >= 200 && answer.status < 300) return answer.body as T;
    const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(answer.status, error?.code ?? `HTTP_${answer.status}`, error?.message ?? `HTTP ${answer.status}`);
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', withQuery(path, query));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('PUT', path, body);
  }
}

/** A failure as one line for a person. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
