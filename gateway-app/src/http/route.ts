/**
 * A route is declared once (method, path, who may call, schemas, answer, handler). From that
 * one declaration the gateway both serves it (mount) and documents it (openapi.ts).
 *
 * Serving a route, in order: authorize (401/403) → validate path, query and body (400) →
 * for writes with Idempotency-Key, replay or run once → call the handler → answer. The
 * handler only parses nothing, checks nothing: it calls the registry with validated values.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { type Access, parseWith, RegistryError, Statement } from '@iotreg/common';
import type { z } from 'zod';
import { authenticateDevice, Caller, parseAuthorization, SeenSignatures } from '../auth';
import type { Limits } from '../config';
import type { Metrics } from '../metrics';
import type { Registry, SentTransaction, Submitting } from '../registry/registry';
import type { EventStreams } from './sse';
import type { DeviceWriteCheck } from './device-writes';
import { header, requestContext } from './context';
import { sendError, toErrorResponse } from './errors';
import { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, requestHash, StoredResponse } from './idempotency';
import { committedAnswer } from '../routes/answers';

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  caller: Caller | undefined;
  /** The Fabric identity to act as: the caller's, or the relay identity for devices. */
  as: string;
  registry: Registry;
  deps: RouteDeps;
  req: FastifyRequest;
  /** The reply: headers to add, or (raw routes) the answer to send. */
  res: FastifyReply;
  /** A write with an Idempotency-Key: to be told its transaction before it goes to the orderers. */
  submitting?: Submitting;
}

export interface RouteDeps {
  registry: Registry;
  relayIdentity: string;
  idempotency: IdempotencyStore;
  limits: Limits;
  now: () => number;
  streams: EventStreams;
  deviceWrites: DeviceWriteCheck;
  metrics: Metrics;
  /** The gateway's organisation (MSP ID). */
  mspId?: string;
  /** The OpenAPI document of every mounted route. */
  openApi: () => unknown;
}

export interface RouteSpec<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
> {
  method: 'get' | 'post' | 'put';
  /** OpenAPI form: /v1/devices/{id} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  /** A ledger write: Idempotency-Key, the write deadline, OUTCOME_UNKNOWN. */
  write?: boolean;
  /** Whether the answer depends on the ledger (documents 503). */
  ledger?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /** Error answers to document beyond those every route of its kind has (status → what it means). */
  errors?: Record<number, string>;
  /** The largest body this route accepts, when more than the gateway's default. */
  bodyLimit?: number;
  /** Extra request headers to document. */
  headers?: z.ZodObject;
  success: { status: 200 | 201; description: string; schema?: z.ZodType; contentType?: string };
  /** Returns the JSON answer (sent with success.status). */
  handle?: (input: RouteInput<P, Q, B>) => Promise<unknown>;
  /** Writes the answer itself (streams, plain text). */
  raw?: (input: RouteInput<P, Q, B>) => Promise<void>;
}

// The mounted form: the generic parameters are erased once a spec has been checked.
export type AnyRoute = RouteSpec<z.ZodObject | undefined, z.ZodObject | undefined, z.ZodType | undefined>;

export function defineRoute<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** An OpenAPI path as Fastify matches it: {name} becomes :name, a literal ":" (as in ":batch") is doubled. */
export function routePath(path: string): string {
  return path.replace(/:/g, '::').replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function validate(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  return schema ? parseWith(schema, value, where) : undefined;
}

async function authorize(spec: AnyRoute, req: FastifyRequest, deps: RouteDeps, seen: SeenSignatures): Promise<Caller | undefined> {
  const access = spec.access;
  if (access.kind === 'public' || access.kind === 'device-signed') return undefined;
  const context = requestContext(req);
  if (context.bearer) {
    const caller: Caller = { kind: 'token', ...context.bearer };
    if (access.kind === 'token' && access.roles && !access.roles.includes(caller.role)) {
      throw new RegistryError('FORBIDDEN', `this needs the role ${access.roles.join(' or ')}; the token's role is ${caller.role}`);
    }
    return caller;
  }
  const credentials = parseAuthorization(header(req, 'authorization'));
  if (access.kind === 'token-or-device' && credentials.scheme === 'device') {
    return authenticateDevice({
      credentials,
      method: req.method,
      target: req.url,
      nowMs: deps.now(),
      lookupDevice: (deviceId) => deps.registry.call('getDevice', deps.relayIdentity, { deviceId }),
      seen,
    });
  }
  if (credentials.scheme === 'device') {
    throw new RegistryError('UNAUTHENTICATED', 'device credentials are not accepted here; use a bearer token');
  }
  throw new RegistryError(
    'UNAUTHENTICATED',
    context.authProblem ??
      (access.kind === 'token-or-device' ? 'a bearer token or device credentials are required' : 'a bearer token is required'),
  );
}

/**
 * Chaincode answers that show a device-signed request was not (or not shown to be) the device's:
 * not kept for replay. NOT_FOUND: the chaincode found no device, so checked no signature.
 */
const UNATTRIBUTED_CODES = new Set(['BAD_SIGNATURE', 'KEY_NOT_VALID', 'UNAUTHENTICATED', 'NOT_FOUND']);

function isFinal(spec: AnyRoute, response: StoredResponse): boolean {
  if (response.status >= 500 || response.status === 429) return false;
  if (spec.access.kind === 'device-signed' && response.status >= 400) {
    const code = (response.body as { error?: { code?: unknown } } | undefined)?.error?.code;
    if (typeof code === 'string' && UNATTRIBUTED_CODES.has(code)) return false;
  }
  return true;
}

/** Retry-After for a caller whose idempotency records are at the cap: records expire by the hour. */
const IDEMPOTENCY_FULL_RETRY_S = 60;

function startDeadline(spec: AnyRoute, req: FastifyRequest, reply: FastifyReply, limits: Limits): () => void {
  const ms = spec.write ? limits.writeTimeoutMs : limits.readTimeoutMs;
  const timer = setTimeout(() => {
    if (reply.sent) return;
    const error = spec.write
      ? new RegistryError(
          'OUTCOME_UNKNOWN',
          `the write did not finish within ${ms / 1000} s; its outcome is unknown: retry with the same Idempotency-Key`,
        )
      : new RegistryError('LEDGER_UNAVAILABLE', `the ledger did not answer within ${ms / 1000} s`);
    requestContext(req).log.warn({ route: spec.path }, 'request deadline passed');
    sendError(reply, toErrorResponse(error));
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  reply.raw.once('close', clear);
  return clear;
}

export function mount(app: FastifyInstance, routes: readonly AnyRoute[], deps: RouteDeps): void {
  const seen = new SeenSignatures();
  for (const spec of routes) {
    app.route({
      method: spec.method.toUpperCase() as 'GET' | 'POST' | 'PUT',
      url: routePath(spec.path),
      ...(spec.bodyLimit !== undefined ? { bodyLimit: spec.bodyLimit } : {}),
      handler: async (req, reply) => {
        const context = requestContext(req);
        context.route = spec.path;
        const clearDeadline = spec.raw ? () => undefined : startDeadline(spec, req, reply, deps.limits);
        try {
          await serve(spec, req, reply, deps, context.log, seen);
        } finally {
          clearDeadline();
        }
        return reply;
      },
    });
  }
}

async function serve(
  spec: AnyRoute,
  req: FastifyRequest,
  res: FastifyReply,
  deps: RouteDeps,
  log: Logger,
  seen: SeenSignatures,
): Promise<void> {
  const caller = await authorize(spec, req, deps, seen);
  requestContext(req).caller = caller;
  const params = validate(spec.params, req.params, 'path');
  const query = validate(spec.query, req.query ?? {}, 'query');
  const body = validate(spec.body, req.body ?? {}, 'body');
  if (spec.access.kind === 'device-signed') await checkDeviceSigned(params, body, deps);
  const as = caller?.kind === 'token' ? caller.identity : deps.relayIdentity;
  const input = { params, query, body, caller, as, registry: deps.registry, deps, req, res } as RouteInput<never, never, never>;

  if (spec.raw) {
    await spec.raw(input);
    return;
  }
  const handle = spec.handle;
  if (!handle) throw new Error(`route ${spec.operationId} has no handler`);
  const asResponse = (err: unknown): StoredResponse => {
    const response = toErrorResponse(err, (e) => log.error({ err: e }, 'handler failed'));
    return { status: response.status, body: response.body };
  };
  const execute = async (submitting?: Submitting): Promise<StoredResponse> => {
    try {
      const body = await handle(submitting ? { ...input, submitting } : input);
      return { status: spec.success.status, body };
    } catch (err) {
      return asResponse(err);
    }
  };
  /** A write cut off after its transaction went out: answered from the ledger, never written twice. */
  const recover = async ({ txId, transaction }: SentTransaction): Promise<StoredResponse | undefined> => {
    try {
      const outcome = await deps.registry.committedResult(as, txId, transaction ? Buffer.from(transaction, 'base64') : undefined);
      if (outcome.kind === 'valid') return { status: spec.success.status, body: committedAnswer(outcome.committed) };
      if (outcome.kind === 'invalid') {
        // Nothing of the first attempt was written: the request runs anew.
        log.warn({ txId, validationCode: outcome.validationCode }, 'the first attempt of a keyed write committed invalid; writing anew');
        return undefined;
      }
      throw new RegistryError(
        'OUTCOME_UNKNOWN',
        `transaction ${txId} of the first attempt has not committed yet; retry later with the same Idempotency-Key`,
        { txId },
      );
    } catch (err) {
      return asResponse(err);
    }
  };

  const key = spec.write ? header(req, 'idempotency-key') : undefined;
  const { response, replayed } =
    key === undefined
      ? { response: await execute(), replayed: false }
      : await onceForKey({ spec, req, res, deps, caller, params, body, key }, execute, recover);
  const changedDevice = (params as { deviceId?: unknown } | undefined)?.deviceId;
  if (spec.write && spec.access.kind !== 'device-signed' && typeof changedDevice === 'string') {
    deps.deviceWrites.forget(changedDevice); // a rotation or status change: the next device write reads the key again
  }
  if (res.sent) return; // the deadline answered first; a final answer was still stored for a retry
  if (replayed) res.header('Idempotent-Replayed', 'true');
  if (response.status === 401) res.header('WWW-Authenticate', 'Bearer realm="iotreg"');
  res.code(response.status).send(response.body);
}

/** A device-signed write: its payload names the device in the path, and the gateway checks its signature. */
async function checkDeviceSigned(params: unknown, body: unknown, deps: RouteDeps): Promise<void> {
  const payloadDevice = (body as { payload?: { deviceId?: unknown } }).payload?.deviceId;
  const pathDevice = (params as { deviceId?: unknown }).deviceId;
  if (payloadDevice !== pathDevice) {
    throw new RegistryError(
      'INVALID_ARGUMENT',
      `body.payload.deviceId (${String(payloadDevice)}) must equal the device in the path (${String(pathDevice)})`,
    );
  }
  // Before the idempotency store and the peers: a write that is not the device's stores and sends nothing.
  const signed = body as { payload: Statement; signature: string };
  await deps.deviceWrites.check(String(pathDevice), signed.payload, signed.signature);
}

interface KeyedWrite {
  spec: AnyRoute;
  req: FastifyRequest;
  res: FastifyReply;
  deps: RouteDeps;
  caller: Caller | undefined;
  params: unknown;
  body: unknown;
  key: string;
}

/** Runs a write once per Idempotency-Key: a retry gets the first answer, never a second write. */
async function onceForKey(
  { spec, req, res, deps, caller, params, body, key }: KeyedWrite,
  execute: (submitting?: Submitting) => Promise<StoredResponse>,
  recover: (sent: SentTransaction) => Promise<StoredResponse | undefined>,
): Promise<{ response: StoredResponse; replayed: boolean }> {
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new RegistryError('INVALID_ARGUMENT', 'Idempotency-Key must be 1 to 255 characters: letters, digits, ".", "_", ":" or "-"');
  }
  const namespace = caller?.kind === 'token' ? caller.identity : `device:${String((params as { deviceId?: unknown }).deviceId)}`;
  const path = req.url.split('?')[0] ?? req.url;
  const outcome = await deps.idempotency.run(
    { caller: namespace, key, hash: requestHash(req.method, path, body) },
    execute,
    (r) => isFinal(spec, r),
    recover,
  );
  if (outcome.kind === 'conflict') {
    throw new RegistryError('IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used for a different request');
  }
  if (outcome.kind === 'full') {
    res.header('Retry-After', String(IDEMPOTENCY_FULL_RETRY_S));
    throw new RegistryError(
      'RATE_LIMITED',
      `this caller holds ${deps.limits.idempotencyRecordsPerCaller} idempotency records, the most kept; retry when older ones expire, or without Idempotency-Key`,
    );
  }
  return { response: outcome.response, replayed: outcome.kind === 'replayed' };
}
