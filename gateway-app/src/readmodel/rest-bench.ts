/**
 * REST reads from a read model, without a network: `node gateway-app/dist/readmodel/rest-bench.js
 * [devices] [seconds]`. Fills a scratch SQLite model directly with `devices` devices, serves the
 * gateway's app over it (rate limits lifted), and lets a separate process send GET
 * /v1/devices/{id}, GET /v1/keys/{keyId} and a fleet page of 100, 50 at a time, for `seconds`
 * each. Prints one JSON line per read. The peer path is measured by the bench on the live network
 * (npm run bench), not here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

const TOKEN = 'bench-auditor-token';
const CONCURRENCY = 50;

/** The load generator, run in its own process so it does not share the gateway's event loop. */
const LOAD = `
const [url, token, seconds, concurrency, count, kind] = process.argv.slice(1);
const pad = (n) => n.toString().padStart(8, '0');
const hex = (n) => n.toString(16).padStart(64, '0');
const target = () => {
  const i = Math.floor(Math.random() * Number(count));
  if (kind === 'device') return '/v1/devices/dev-' + pad(i);
  if (kind === 'key') return '/v1/keys/' + hex(i + 1000);
  return '/v1/devices?family=fam' + (i % 10) + '&status=active&pageSize=100';
};
const latencies = []; let failures = 0; const end = Date.now() + Number(seconds) * 1000;
const worker = async () => {
  while (Date.now() < end) {
    const t0 = performance.now();
    const res = await fetch(url + target(), { headers: { authorization: 'Bearer ' + token } });
    await res.arrayBuffer();
    if (res.status !== 200) failures += 1;
    latencies.push(performance.now() - t0);
  }
};
Promise.all(Array.from({ length: Number(concurrency) }, worker)).then(() => {
  latencies.sort((a, b) => a - b);
  const p = (q) => +latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(JSON.stringify({ read: kind, concurrency: Number(concurrency), perSecond: Math.round(latencies.length / Number(seconds)), p50ms: p(0.5), p99ms: p(0.99), failures }));
});`;

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const seconds = Number(process.argv[3] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'iotreg-rest-bench-'));
  const db = await openSqlite(join(dir, 'model.sqlite'));
  const idempotency = await IdempotencyStore.open(dir, 3_600_000, {});
  try {
    const store = new ModelStore(db, 'bench', 'registry');
    await store.open();
    const fillSeconds = await fill(db, count);
    await db.write((q) => q.run('UPDATE model_checkpoint SET height = 3 WHERE id = 1'));
    // A stream that never delivers: the model stays as filled, "following".
    const follower = new ModelFollower({
      store,
      logger: pino({ level: 'silent' }),
      source: async () => ({ close: () => undefined, [Symbol.asyncIterator]: async function* () {} as never }),
    });
    const never = { ping: async () => ({ height: 3 }) } as unknown as Registry;
    const registry = new ReadModelRegistry({
      ledger: never,
      store,
      follower,
      roleOf: () => 'auditor',
      logger: pino({ level: 'silent' }),
      minHeightWaitMs: 1_000,
    });
    const limits = ConfigSchema.shape.limits.parse({ rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 });
    const identities = [{ name: 'auditor', role: 'auditor' as const, tokenSha256: createHash('sha256').update(TOKEN).digest('hex') }];
    const gateway = createApp({
      registry,
      tokens: new TokenTable(identities),
      relayIdentity: 'auditor',
      idempotency,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ defaultMetrics: false }),
      limits,
      tls: false,
    });
    const server = http.createServer(gateway.app);
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await follower.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const kind of ['device', 'key', 'fleet']) {
      const { stdout } = await promisify(execFile)(process.execPath, [
        '-e',
        LOAD,
        url,
        TOKEN,
        String(seconds),
        String(CONCURRENCY),
        String(count),
        kind,
      ]);
      const result = JSON.parse(stdout) as Record<string, unknown>;
      process.stdout.write(`${JSON.stringify({ database: 'sqlite', devices: count, fillSeconds, ...result })}\n`);
    }
    await follower.stop();
    gateway.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    idempotency.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rest-bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
