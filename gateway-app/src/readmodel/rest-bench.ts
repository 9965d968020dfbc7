/**
 * REST reads from a read model, without a network: `node gateway-app/dist/readmodel/rest-bench.js
 * [devices] [seconds]`. Fills a scratch SQLite model directly with `devices` devices, serves the
 * gateway's app over it (rate limits lifted), and lets a separate process send GET
 * /v1/devices/{id}, GET /v1/keys/{keyId} and a fleet page of 100, 50 at a time, for `seconds`
 * each. Prints one JSON line per read. The peer path is measured by the bench on the live network
 * (npm run bench), not here.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serveFilledModel } from './filled-gateway';

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
  const gateway = await serveFilledModel(count);
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const kind of ['device', 'key', 'fleet']) {
      const { stdout } = await promisify(execFile)(process.execPath, [
        '-e',
        LOAD,
        gateway.url,
        gateway.token,
        String(seconds),
        String(CONCURRENCY),
        String(count),
        kind,
      ]);
      const result = JSON.parse(stdout) as Record<string, unknown>;
      process.stdout.write(`${JSON.stringify({ database: 'sqlite', devices: count, fillSeconds: gateway.fillSeconds, ...result })}\n`);
    }
  } finally {
    await gateway.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rest-bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
