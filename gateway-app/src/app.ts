/**
 * The HTTP application (Fastify), built from its dependencies so tests can give it a fake registry.
 * Its owner serves it: `http.createServer(gateway.app)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import querystring from 'node:querystring';
import Fastify from 'fastify';
import { RegistryError } from '@iotreg/common';
import type { Logger } from 'pino';
import type { TokenTable } from './auth';
import type { Limits } from './config';
import { errorHandler, notFound, sendError, toErrorResponse } from './http/errors';
import type { IdempotencyStore } from './http/idempotency';
import {
  identify,
  RateLimiter,
  rateLimit,
  requestLifecycle,
  requireJsonBody,
  securityHeaders,
  securityHeaderValues,
} from './http/middleware';
import { buildOpenApiDocument } from './http/openapi';
import { AnyRoute, mount } from './http/route';
import { EventStreams } from './http/sse';
import { DeviceWriteCheck } from './http/device-writes';
import type { Metrics } from './metrics';
import type { Registry } from './registry/registry';
import { catalogueRoutes } from './routes/catalogue';
import { consoleFiles, consoleRoutes } from './routes/console';
import { discoveryRoutes } from './routes/discovery';
import { operationRoutes } from './routes/operations';
import { freshnessRoutes } from './routes/freshness';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const HEARTBEAT_MS = 15_000;
export const API_VERSION = '1.0.0';

/** Every route the gateway serves (Fastify prefers a literal segment, so ".../latest" wins over ".../{version}"). */
export const ROUTES: readonly AnyRoute[] = [
  ...catalogueRoutes,
  ...discoveryRoutes,
  ...operationRoutes,
  ...freshnessRoutes,
  ...consoleRoutes,
];

export interface AppDeps {
  registry: Registry;
  tokens: TokenTable;
  /** Fabric identity that relays device-signed writes and looks devices up for device-authenticated reads. */
  relayIdentity: string;
  idempotency: IdempotencyStore;
  logger: Logger;
  metrics: Metrics;
  limits: Limits;
  /** Served over TLS (adds Strict-Transport-Security). */
  tls: boolean;
  /** The gateway's organisation, answered by GET /v1/whoami. */
  mspId?: string;
  heartbeatMs?: number;
  now?: () => number;
}

export interface GatewayApp {
  /** The request listener to serve. */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  streams: EventStreams;
  /** Ends event streams and timers (the HTTP server is closed by its owner). */
  close(): void;
}

/** A JSON body: an object or array (as strict JSON APIs take), parsed as UTF-8. */
function parseJsonBody(_req: unknown, text: string, done: (err: Error | null, body?: unknown) => void): void {
  if (text === '') {
    done(null, undefined);
    return;
  }
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      done(null, body);
      return;
    }
  } catch {
    // answered below
  }
  done(new RegistryError('INVALID_ARGUMENT', 'request body is not valid JSON (an object is expected)'));
}

export async function createApp(deps: AppDeps): Promise<GatewayApp> {
  let listener: GatewayApp['app'] | undefined;
  const app = Fastify({
    // The gateway's owner serves the listener on its own HTTP or HTTPS server.
    serverFactory: (handler) => {
      listener = handler;
      return http.createServer();
    },
    logger: false,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: {
      // Repeated parameters become arrays, which the schemas refuse (as they should).
      querystringParser: (query) => querystring.parse(query),
      // Identifiers are validated by the routes' schemas, which say what is wrong with a long one.
      maxParamLength: 4096,
    },
    // A path that is not valid percent-encoding: refused before any hook runs.
    frameworkErrors: (err, _req, reply) => {
      reply.headers(securityHeaderValues(deps.tls));
      sendError(reply, toErrorResponse(err));
    },
  });
  const limiter = new RateLimiter(deps.limits.rateLimitPerSecond, deps.limits.rateLimitBurst);
  const anonymousLimiter = new RateLimiter(deps.limits.unauthenticatedRatePerSecond, deps.limits.unauthenticatedBurst);
  const pruner = setInterval(() => {
    limiter.prune();
    anonymousLimiter.prune();
  }, 60_000);
  pruner.unref();
  const now = deps.now ?? Date.now;
  const streams = new EventStreams({
    heartbeatMs: deps.heartbeatMs ?? HEARTBEAT_MS,
    metrics: deps.metrics,
    perIdentity: deps.limits.eventStreamsPerIdentity,
    total: deps.limits.eventStreamsTotal,
  });
  const deviceWrites = new DeviceWriteCheck({
    lookup: (deviceId) => deps.registry.call('getDevice', deps.relayIdentity, { deviceId }),
    ttlMs: deps.limits.deviceKeyCacheMs,
    now,
  });
  let openApi: Record<string, unknown> | undefined;

  app.addHook('onRequest', requestLifecycle(deps.logger, deps.metrics));
  app.addHook('onRequest', securityHeaders({ tls: deps.tls }));
  app.addHook('onRequest', identify(deps.tokens));
  app.addHook('onRequest', rateLimit(limiter, anonymousLimiter));
  app.addHook('onRequest', requireJsonBody);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.setErrorHandler(errorHandler(deps.logger));
  app.setNotFoundHandler(notFound);

  await app.register(consoleFiles());
  mount(app, ROUTES, {
    registry: deps.registry,
    relayIdentity: deps.relayIdentity,
    idempotency: deps.idempotency,
    limits: deps.limits,
    now,
    streams,
    deviceWrites,
    metrics: deps.metrics,
    ...(deps.mspId !== undefined ? { mspId: deps.mspId } : {}),
    openApi: () => (openApi ??= buildOpenApiDocument(ROUTES, API_VERSION)),
  });
  await app.ready();
  if (!listener) throw new Error('Fastify did not hand over its request listener');

  return {
    app: listener,
    streams,
    close: () => {
      clearInterval(pruner);
      streams.closeAll();
      void app.close();
    },
  };
}
