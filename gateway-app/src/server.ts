/**
 * Wiring and lifecycle: configuration → Fabric connection → registry adapter → HTTP(S) server.
 * start()/stop() serve tests too (port 0, injected registry). On SIGTERM/SIGINT: stop
 * accepting connections, end event streams, let in-flight requests finish (bounded), then
 * close the gateways and the gRPC client.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import pino, { Logger } from 'pino';
import { createApp } from './app';
import { TokenTable } from './auth';
import { GatewayConfig, loadConfig, logLevel } from './config';
import { connectFabric, LedgerPort } from './fabric/connection';
import { IdempotencyStore } from './http/idempotency';
import { createMetrics, Metrics } from './metrics';
import { FabricRegistry } from './registry/fabric-registry';
import { openReadModel, type OpenedReadModel, peerBlocks } from './readmodel/read-model';
import type { Registry } from './registry/registry';

/** How long an idle client connection stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface StartOptions {
  config: GatewayConfig;
  logger?: Logger;
  /** A registry to use instead of connecting to Fabric (tests). */
  registry?: Registry;
  metrics?: Metrics;
  heartbeatMs?: number;
  /** How long stop() lets in-flight requests finish before cutting connections. */
  shutdownGraceMs?: number;
}

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function createLogger(level: string, mspId?: string): Logger {
  return pino({
    level,
    base: { service: 'iotreg-gateway', ...(mspId ? { mspId } : {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: the code never logs these, and if it ever did they would be censored.
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'token',
        '*.token',
        '*.signature',
        '*.proof',
        '*.proofOld',
        '*.proofNew',
      ],
      censor: '[redacted]',
    },
  });
}

export async function start(options: StartOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(logLevel(), config.mspId);
  const metrics = options.metrics ?? createMetrics();

  const idempotency = await IdempotencyStore.open(config.stateDir, config.limits.idempotencyTtlHours * 3_600_000, {
    onError: (err) => logger.error({ err }, 'idempotency store failure'),
    maxRecordsPerCaller: config.limits.idempotencyRecordsPerCaller,
  });
  idempotency.startSweeping();

  let ledger: LedgerPort | undefined;
  let readModel: OpenedReadModel | undefined;
  let registry = options.registry;
  if (!registry) {
    ledger = connectFabric(config);
    registry = new FabricRegistry({
      ledger,
      relayIdentity: config.relayIdentity,
      metrics,
      logger: logger.child({ component: 'registry' }),
      outcomeResolutionMs: config.limits.outcomeResolutionMs,
    });
    if (config.readModel.enabled) {
      try {
        readModel = await openReadModel({
          config,
          ledger: registry,
          source: peerBlocks(ledger, config.relayIdentity),
          metrics,
          logger,
        });
      } catch (err) {
        ledger.close();
        idempotency.close();
        throw err;
      }
      registry = readModel.registry;
    }
  }

  const gateway = await createApp({
    registry,
    tokens: new TokenTable(config.identities),
    relayIdentity: config.relayIdentity,
    idempotency,
    logger,
    metrics,
    limits: config.limits,
    tls: config.tls !== undefined,
    mspId: config.mspId,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  });

  const server = config.tls
    ? https.createServer({ cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) }, gateway.app)
    : http.createServer(gateway.app);
  // Slow clients may not hold a connection open indefinitely while sending a request.
  server.headersTimeout = 15_000;
  server.requestTimeout = 60_000;
  // An idle connection must outlive the clients' own idle timeout (undici's is 4 s), or a client
  // busy for a moment can send its next request just as the gateway closes the connection, and
  // lose it without an answer ("fetch failed").
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    gateway.close();
    idempotency.close();
    await readModel?.close();
    ledger?.close();
    throw err;
  }

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
  const grace = options.shutdownGraceMs ?? 10_000;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      gateway.close();
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), grace);
      timer.unref();
      await closed;
      clearTimeout(timer);
      idempotency.close();
      await readModel?.close();
      ledger?.close();
    })());

  return { url, port, stop };
}

export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(logLevel(), config.mspId);
  const gateway = await start({ config, logger });
  logger.info({ url: gateway.url, channel: config.channel, chaincode: config.chaincode }, 'gateway listening');
  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    gateway.stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
