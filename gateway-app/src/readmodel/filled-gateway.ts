/**
 * The gateway's app over a read model filled directly (fleet-bench's `fill`, not through the
 * ledger) with `count` devices, on a loopback port, with one auditor token: what the REST
 * benchmark (rest-bench.ts) and the console's test at scale (test/console-scale.test.ts) read.
 * The model "follows" a stream that never delivers, so it stays as filled.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../app';
import { TokenTable } from '../auth';
import { ConfigSchema } from '../config';
import { IdempotencyStore } from '../http/idempotency';
import { createMetrics } from '../metrics';
import type { Registry } from '../registry/registry';
import { fill } from './fleet-bench';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { ReadModelRegistry } from './read-model-registry';
import { openSqlite } from './sql';

export interface FilledGateway {
  url: string;
  /** An auditor's bearer token. */
  token: string;
  mspId: string;
  fillSeconds: number;
  close(): Promise<void>;
}

const TOKEN = 'filled-model-auditor-token';
const HEIGHT = 3;

export async function serveFilledModel(count: number, mspId = 'Org1MSP'): Promise<FilledGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'iotreg-filled-'));
  const db = await openSqlite(join(dir, 'model.sqlite'));
  const idempotency = await IdempotencyStore.open(dir, 3_600_000, {});
  const store = new ModelStore(db, 'filled', 'registry');
  await store.open();
  const fillSeconds = await fill(db, count);
  await db.write((q) => q.run('UPDATE model_checkpoint SET height = ? WHERE id = 1', [HEIGHT]));
  const follower = new ModelFollower({
    store,
    logger: pino({ level: 'silent' }),
    source: async () => ({ close: () => undefined, [Symbol.asyncIterator]: async function* () {} as never }),
  });
  const ledger = { ping: async () => ({ height: HEIGHT }) } as unknown as Registry;
  const registry = new ReadModelRegistry({
    ledger,
    store,
    follower,
    roleOf: () => 'auditor',
    logger: pino({ level: 'silent' }),
    minHeightWaitMs: 1_000,
  });
  const limits = ConfigSchema.shape.limits.parse({ rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 });
  const identities = [{ name: 'auditor', role: 'auditor' as const, tokenSha256: createHash('sha256').update(TOKEN).digest('hex') }];
  const gateway = await createApp({
    registry,
    tokens: new TokenTable(identities),
    relayIdentity: 'auditor',
    idempotency,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    limits,
    tls: false,
    mspId,
  });
  const server = http.createServer(gateway.app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await follower.start();
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: TOKEN,
    mspId,
    fillSeconds,
    close: async () => {
      await follower.stop();
      gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      idempotency.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
