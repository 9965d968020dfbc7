/**
 * Cross-cutting HTTP concerns, as Fastify onRequest hooks in the order the app adds them: request
 * IDs and access logs, metrics, security headers, caller identification for rate limiting, the
 * rate limit itself, and JSON-only bodies.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Logger } from 'pino';
import { RegistryError } from '@iotreg/common';
import { parseAuthorization, TokenTable } from '../auth';
import type { Metrics } from '../metrics';
import { header, requestContext, setRequestContext } from './context';
import { JSON_BODIES_ONLY } from './errors';

type Hook = (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request ID (X-Request-Id, taken from the client when well-formed), logger, access log and metrics. */
export function requestLifecycle(logger: Logger, metrics: Metrics): Hook {
  return (req, reply, done) => {
    const offered = header(req, 'x-request-id');
    const requestId = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
    let log: Logger | undefined;
    const context = {
      requestId,
      get log() {
        return (log ??= logger.child({ requestId }));
      },
    };
    setRequestContext(req, context);
    reply.header('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    // On the response itself, not a Fastify hook: event streams take the raw response over.
    reply.raw.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const { route, caller } = requestContext(req);
      const status = reply.raw.statusCode;
      const labels = { method: req.method, route: route ?? 'unmatched', status: String(status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      if (!logger.isLevelEnabled('info')) return;
      // Never the Authorization header, never bodies.
      logger.info(
        {
          requestId,
          method: req.method,
          route: labels.route,
          status,
          ms: Math.round(seconds * 1000),
          caller: caller?.kind === 'token' ? caller.identity : caller?.kind === 'device' ? `device:${caller.deviceId}` : undefined,
        },
        'request',
      );
    });
    done();
  };
}

/** The headers every answer carries; the console's files get their own Content-Security-Policy. */
export function securityHeaderValues(tls: boolean): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(tls ? { 'Strict-Transport-Security': 'max-age=31536000' } : {}),
  };
}

export function securityHeaders(options: { tls: boolean }): Hook {
  const headers = securityHeaderValues(options.tls);
  return (_req, reply, done) => {
    reply.headers(headers);
    done();
  };
}

/**
 * Reads a bearer token, if any, into the request context (so the rate limit can count per
 * token). Rejects nothing: each route decides what it requires.
 */
export function identify(tokens: TokenTable): Hook {
  return (req, _reply, done) => {
    const context = requestContext(req);
    const credentials = parseAuthorization(header(req, 'authorization'));
    if (credentials.scheme === 'bearer') {
      context.bearer = tokens.lookup(credentials.token);
      if (!context.bearer) context.authProblem = 'unknown token';
    } else if (credentials.scheme === 'invalid') {
      context.authProblem = credentials.problem;
    }
    done();
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
export function rateLimit(authenticated: RateLimiter, anonymous: RateLimiter): Hook {
  return (req, reply, done) => {
    const { bearer } = requestContext(req);
    const wait = bearer ? authenticated.take(`id:${bearer.identity}`) : anonymous.take(`ip:${req.socket.remoteAddress ?? 'unknown'}`);
    if (wait === 0) {
      done();
      return;
    }
    reply.header('Retry-After', String(wait));
    done(new RegistryError('RATE_LIMITED', 'too many requests; slow down'));
  };
}

function hasBody(req: FastifyRequest): boolean {
  const length = header(req, 'content-length');
  return header(req, 'transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/** The one media type a body may have; its parameters may name only the UTF-8 charset. */
function jsonBodyProblem(contentType: string | undefined): RegistryError | undefined {
  const [type = '', ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') {
    return new RegistryError('UNSUPPORTED_MEDIA_TYPE', JSON_BODIES_ONLY);
  }
  const charset = parameters
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    return new RegistryError('UNSUPPORTED_MEDIA_TYPE', 'request body charset is not supported; send UTF-8');
  }
  return undefined;
}

/** A request with a body must say it is JSON, uncompressed: anything else is 415. */
export const requireJsonBody: Hook = (req, _reply, done) => {
  if (!hasBody(req)) {
    done();
    return;
  }
  const encoding = header(req, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    done(new RegistryError('UNSUPPORTED_MEDIA_TYPE', 'request body content encoding is not supported; send identity-encoded JSON'));
    return;
  }
  done(jsonBodyProblem(header(req, 'content-type')));
};
