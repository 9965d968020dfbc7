/**
 * The Express application, built from its dependencies so tests can give it a fake registry.
 */
import express from 'express';
import { REST_ROUTES, type RestRoute } from '@iotreg/common';
import type { Logger } from 'pino';
import type { TokenTable } from './auth';
import type { Limits } from './config';
import { errorMiddleware, notFound } from './http/errors';
import type { IdempotencyStore } from './http/idempotency';
import { identify, RateLimiter, rateLimit, requestLifecycle, requireJsonBody, securityHeaders } from './http/middleware';
import { buildOpenApiDocument } from './http/openapi';
import { AnyRoute, expressPath, mount } from './http/route';
import { EventStreams } from './http/sse';
import { DeviceWriteCheck } from './http/device-writes';
import type { Metrics } from './metrics';
import type { Registry } from './registry/registry';
import { catalogueRoutes } from './routes/catalogue';
import { consoleFiles, consoleRoutes, MSP_ID_SETTING } from './routes/console';
import { discoveryRoutes } from './routes/discovery';
import { operationRoutes } from './routes/operations';
import { freshnessRoutes } from './routes/freshness';

export const BODY_LIMIT_BYTES = 64 * 1024;
export const HEARTBEAT_MS = 15_000;
export const API_VERSION = '1.0.0';

/** Every route the gateway serves, in matching order (".../latest" before ".../{version}"). */
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
  app: express.Express;
  streams: EventStreams;
  /** Ends event streams and timers (the HTTP server is closed by its owner). */
  close(): void;
}

export function createApp(deps: AppDeps): GatewayApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set(MSP_ID_SETTING, deps.mspId);

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

  app.use(requestLifecycle(deps.logger, deps.metrics));
  app.use(securityHeaders({ tls: deps.tls }));
  app.use(identify(deps.tokens));
  app.use(rateLimit(limiter, anonymousLimiter));
  app.use('/console', consoleFiles());
  app.use(requireJsonBody);
  const json = (limit: number) => express.json({ limit, strict: true, inflate: false, type: 'application/json' });
  // Routes that take larger bodies than the contract's default (a batch of registrations).
  for (const route of Object.values(REST_ROUTES) as RestRoute[]) {
    if (route.bodyLimit !== undefined) app.use(expressPath(route.path), json(route.bodyLimit));
  }
  app.use(json(BODY_LIMIT_BYTES));

  const router = express.Router();
  mount(router, ROUTES, {
    registry: deps.registry,
    relayIdentity: deps.relayIdentity,
    idempotency: deps.idempotency,
    limits: deps.limits,
    now,
    streams,
    deviceWrites,
    metrics: deps.metrics,
    openApi: () => (openApi ??= buildOpenApiDocument(ROUTES, API_VERSION)),
  });
  app.use(router);
  app.use(notFound);
  app.use(errorMiddleware());

  return {
    app,
    streams,
    close: () => {
      clearInterval(pruner);
      streams.closeAll();
    },
  };
}
