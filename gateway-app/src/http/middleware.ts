/**
 * Cross-cutting HTTP concerns: request IDs and access logs, metrics, security headers,
 * caller identification for rate limiting, the rate limit itself, and JSON-only bodies.
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { RegistryError } from '@iotreg/common';
import { parseAuthorization, TokenTable } from '../auth';
import type { Metrics } from '../metrics';
import { requestContext, setRequestContext } from './context';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request ID (X-Request-Id, taken from the client when well-formed), logger, access log and metrics. */
export function requestLifecycle(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const offered = req.get('x-request-id');
    const requestId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    const log = logger.child({ requestId });
    const context = { requestId, log };
    setRequestContext(req, context);
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { route, caller } = requestContext(req);
      const labels = { method: req.method, route: route ?? 'unmatched', status: String(res.statusCode) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      // Never the Authorization header, never bodies.
      log.info(
        {
          method: req.method,
          route: labels.route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          caller: caller?.kind === 'token' ? caller.identity : caller?.kind === 'device' ? `device:${caller.deviceId}` : undefined,
        },
        'request',
      );
    });
    next();
  };
}

export function securityHeaders(options: { tls: boolean }): RequestHandler {
  return (_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (options.tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    next();
  };
}

/**
 * Reads a bearer token, if any, into the request context (so the rate limit can count per
 * token). Rejects nothing: each route decides what it requires.
 */
export function identify(tokens: TokenTable): RequestHandler {
  return (req, _res, next) => {
    const context = requestContext(req);
    const credentials = parseAuthorization(req.get('authorization'));
    if (credentials.scheme === 'bearer') {
      context.bearer = tokens.lookup(credentials.token);
      if (!context.bearer) context.authProblem = 'unknown token';
    } else if (credentials.scheme === 'invalid') {
      context.authProblem = credentials.problem;
    }
    next();
  };
}

/** Token buckets: `ratePerSecond` refill, `burst` capacity, one bucket per token (or client address). */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(ratePerSecond: number, burst: number, now: () => number = Date.now) {
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#now = now;
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#rate));
  }

  /** Forgets buckets that have refilled: they behave exactly like new ones. */
  prune(): void {
    const now = this.#now();
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}

/**
 * A bucket per bearer identity for requests with a valid token; requests without one (devices,
 * whose signatures are checked only later, and anyone else) share a much smaller bucket per
 * client address, since sending them takes no credential at all.
 */
export function rateLimit(authenticated: RateLimiter, anonymous: RateLimiter): RequestHandler {
  return (req, res, next) => {
    const { bearer } = requestContext(req);
    const wait = bearer ? authenticated.take(`id:${bearer.identity}`) : anonymous.take(`ip:${req.socket.remoteAddress ?? 'unknown'}`);
    if (wait === 0) {
      next();
      return;
    }
    res.setHeader('Retry-After', String(wait));
    next(new RegistryError('RATE_LIMITED', 'too many requests; slow down'));
  };
}

function hasBody(req: Parameters<RequestHandler>[0]): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/** A request with a body must say it is JSON: anything else is 415. */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (hasBody(req) && !req.is('application/json')) {
    next(new RegistryError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be JSON (Content-Type: application/json)'));
    return;
  }
  next();
};
