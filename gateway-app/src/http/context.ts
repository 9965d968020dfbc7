/**
 * Per-request state: request ID, logger, the authenticated caller and the route template.
 * Kept beside the request (not on it), so it is typed and cannot collide with Express fields.
 */
import type { Request } from 'express';
import type { Logger } from 'pino';
import type { Caller, BearerIdentity } from '../auth';

export interface RequestContext {
  requestId: string;
  log: Logger;
  /** The route template ("/v1/devices/{id}") once matched: metrics label. */
  route?: string;
  /** From a valid bearer token, set before rate limiting; undefined when there is none. */
  bearer?: BearerIdentity;
  /** Set when the Authorization header is present but unusable. */
  authProblem?: string;
  caller?: Caller;
}

const contexts = new WeakMap<Request, RequestContext>();

export function setRequestContext(req: Request, context: RequestContext): void {
  contexts.set(req, context);
}

export function requestContext(req: Request): RequestContext {
  const context = contexts.get(req);
  if (!context) throw new Error('request context missing: the request middleware must run first');
  return context;
}
