/**
 * The one place where failures become HTTP answers: RegistryError codes map to statuses through
 * ERROR_STATUS; the body is always {"error": {"code", "message"}} (plus "txId" for a write whose
 * outcome is unknown, "items" for a refused batch). Anything unexpected, including an INTERNAL
 * refusal whose text came from the chaincode, is a 500 whose details go to the log, not the client.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ERROR_STATUS, ErrorCode, RefusedItem, refusedItems, RegistryError } from '@iotreg/common';
import { requestContext } from './context';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; txId?: string; items?: RefusedItem[] };
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** body-parser / http-errors failures, recognised by their documented `type`. */
const BODY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  'entity.too.large': { code: 'PAYLOAD_TOO_LARGE', message: 'request body is larger than 64 KiB' },
  'entity.parse.failed': { code: 'INVALID_ARGUMENT', message: 'request body is not valid JSON (an object is expected)' },
  'encoding.unsupported': {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'request body content encoding is not supported; send identity-encoded JSON',
  },
  'charset.unsupported': { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body charset is not supported; send UTF-8' },
  'request.aborted': { code: 'INVALID_ARGUMENT', message: 'request body was not received completely' },
  'request.size.invalid': { code: 'INVALID_ARGUMENT', message: 'request body size does not match Content-Length' },
};

function txIdOf(details: unknown): string | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const txId = (details as { txId?: unknown }).txId;
  return typeof txId === 'string' ? txId : undefined;
}

/**
 * Other request errors Express raises itself with a 4xx `status` (http-errors, or the URIError
 * of a path parameter that is not valid percent-encoding): the client's fault, never a 500.
 */
function clientErrorOf(err: unknown): { code: ErrorCode; message: string } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, expose, message } = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const safe = (expose === true || err instanceof URIError) && typeof message === 'string' && message !== '';
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
function classify(err: unknown, unexpected?: (err: unknown) => void): Classified {
  if (err instanceof RegistryError && err.code !== 'INTERNAL') {
    const items = refusedItems(err.message);
    const txId = txIdOf(err.details);
    return { code: err.code, message: err.message, ...(txId === undefined ? {} : { txId }), ...(items === undefined ? {} : { items }) };
  }
  const type = typeof err === 'object' && err !== null ? (err as { type?: unknown }).type : undefined;
  const known =
    err instanceof RegistryError ? undefined : ((typeof type === 'string' ? BODY_ERRORS[type] : undefined) ?? clientErrorOf(err));
  if (known) return known;
  // The chaincode's (or our own) text of an unexpected failure: for the log, not the client.
  unexpected?.(err);
  return { code: 'INTERNAL', message: INTERNAL_MESSAGE };
}

/** Maps any failure to the answer a client gets. `unexpected` is told about failures that are bugs. */
export function toErrorResponse(err: unknown, unexpected?: (err: unknown) => void): ErrorResponse {
  const { code, message, txId, items } = classify(err, unexpected);
  const headers: Record<string, string> = {};
  if (code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer realm="iotreg"';
  const error: ErrorBody['error'] = { code, message };
  if (txId !== undefined && (code === 'OUTCOME_UNKNOWN' || code === 'STATE_CONFLICT')) error.txId = txId;
  if (items !== undefined) error.items = items;
  return { status: ERROR_STATUS[code], body: { error }, headers };
}

export function sendError(res: Parameters<RequestHandler>[1], response: ErrorResponse): void {
  res.status(response.status).set(response.headers).json(response.body);
}

/** The error middleware: failures raised outside route handlers (body parsing, auth, validation, 404). */
export function errorMiddleware(): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const { log } = requestContext(req);
    sendError(
      res,
      toErrorResponse(err, (e) => log.error({ err: e }, 'unhandled error')),
    );
  };
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new RegistryError('NOT_FOUND', `no route ${req.method} ${req.path}`));
};
