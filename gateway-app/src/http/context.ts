/**
 * Per-request state: request ID, logger, the authenticated caller and the route template.
 * Kept beside the request (not on it), so it is typed and cannot collide with Fastify's fields.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Caller, BearerIdentity } from '../auth';

export interface RequestContext {
  requestId: string;
  /** The gateway's logger with this request's ID (made on first use: most requests log once, at the end). */
  readonly log: Logger;
  /** The route template ("/v1/devices/{id}") once matched: metrics label. */
  route?: string;
  /** From a valid bearer token, set before rate limiting; undefined when there is none. */
  bearer?: BearerIdentity;
  /** Set when the Authorization header is present but unusable. */
  authProblem?: string;
  caller?: Caller;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function setRequestContext(req: FastifyRequest, context: RequestContext): void {
  contexts.set(req, context);
}

/** The context of a request the gateway's hooks saw; undefined for one the router refused first (a malformed URL). */
export function findRequestContext(req: FastifyRequest): RequestContext | undefined {
  return contexts.get(req);
}

export function requestContext(req: FastifyRequest): RequestContext {
  const context = contexts.get(req);
  if (!context) throw new Error('request context missing: the request hook must run first');
  return context;
}

/** A request header as one string (a repeated header's first value). */
export function header(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
