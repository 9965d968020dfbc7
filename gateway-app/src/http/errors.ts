/**
 * The one place where failures become HTTP answers: RegistryError codes map to statuses through
 * ERROR_STATUS; the body is always {"error": {"code", "message"}} (plus "txId" for a write whose
 * outcome is unknown, "items" for a refused batch). Anything unexpected, including an INTERNAL
 * refusal whose text came from the chaincode, is a 500 whose details go to the log, not the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ERROR_STATUS, ErrorCode, RefusedItem, refusedItems, RegistryError } from '@iotreg/common';
import { findRequestContext } from './context';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; txId?: string; items?: RefusedItem[] };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** What a request whose body is not JSON is told. */
export const JSON_BODIES_ONLY = 'request bodies must be JSON (Content-Type: application/json)';

/** Fastify's own refusals of a request body (the app's JSON parser replaces its default one), recognised by their documented codes. */
const BODY_ERRORS: Record<string, { code: ErrorCode; message: (limit?: number) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'PAYLOAD_TOO_LARGE',
    message: (limit) => `request body is larger than ${limit === undefined ? 'this route accepts' : `${Math.round(limit / 1024)} KiB`}`,
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'INVALID_ARGUMENT', message: () => 'request body size does not match Content-Length' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: () => JSON_BODIES_ONLY,
  },
  FST_ERR_BAD_URL: { code: 'INVALID_ARGUMENT', message: () => 'the request path is not valid percent-encoding' },
};

function txIdOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const txId = (details as { txId?: unknown }).txId;
  return typeof txId === 'string' ? txId : undefined;
}

/**
 * Other request errors Fastify raises itself with a 4xx `statusCode` (its FST_ERR_ codes): the
 * client's fault, never a 500.
 */
function clientErrorOf(err: unknown): { code: ErrorCode; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { statusCode: status, code, message } = err as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const safe = typeof code === 'string' && code.startsWith('FST_ERR_') && typeof message === 'string' && message !== '';
  const text = safe ? message : 'malformed request';
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', message: text };
  if (status === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', message: text };
  return { code: 'INVALID_ARGUMENT', message: text };
}

/** All a client learns of an unexpected failure; the detail is logged with the request ID (X-Request-Id). */
export const INTERNAL_MESSAGE = 'internal error; the gateway logged the detail under this X-Request-Id';

interface Classified {
  code: ErrorCode;
  message: string;
  txId?: string;
  items?: RefusedItem[];
}

/** The code and message a failure answers with; `unexpected` is told about failures that are bugs. */
function classify(err: unknown, unexpected?: (err: unknown) => void, bodyLimit?: number): Classified {
  if (err instanceof RegistryError && err.code !== 'INTERNAL') {
    const items = refusedItems(err.message);
    const txId = txIdOf(err.details);
    return { code: err.code, message: err.message, ...(txId === undefined ? {} : { txId }), ...(items === undefined ? {} : { items }) };
  }
  const fastifyCode = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const body = err instanceof RegistryError || typeof fastifyCode !== 'string' ? undefined : BODY_ERRORS[fastifyCode];
  if (body) return { code: body.code, message: body.message(bodyLimit) };
  const known = err instanceof RegistryError ? undefined : clientErrorOf(err);
  if (known) return known;
  // The chaincode's (or our own) text of an unexpected failure: for the log, not the client.
  unexpected?.(err);
  return { code: 'INTERNAL', message: INTERNAL_MESSAGE };
}

/** Maps any failure to the answer a client gets. `unexpected` is told about failures that are bugs. */
export function toErrorResponse(err: unknown, unexpected?: (err: unknown) => void, bodyLimit?: number): ErrorResponse {
  const { code, message, txId, items } = classify(err, unexpected, bodyLimit);
  const headers: Record<string, string> = {};
  if (code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer realm="iotreg"';
  const error: ErrorBody['error'] = { code, message };
  if (txId !== undefined && (code === 'OUTCOME_UNKNOWN' || code === 'STATE_CONFLICT')) error.txId = txId;
  if (items !== undefined) error.items = items;
  return { status: ERROR_STATUS[code], body: { error }, headers };
}

export function sendError(reply: FastifyReply, response: ErrorResponse): void {
  reply.code(response.status).headers(response.headers).send(response.body);
}

/** Fastify's error handler: failures raised outside route handlers (body parsing, auth, validation, rate limits). */
export function errorHandler(logger: Logger): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    const log = findRequestContext(req)?.log ?? logger;
    sendError(
      reply,
      toErrorResponse(err, (e) => log.error({ err: e }, 'unhandled error'), req.routeOptions.bodyLimit),
    );
  };
}

export function notFound(req: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, toErrorResponse(new RegistryError('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));
}
