/**
 * REST reads from a read model, without a network: `node gateway-app/dist/readmodel/rest-bench.js
 * [devices] [seconds] [concurrencies] [reads]` (defaults 100000, 10, 50, device,key,fleet). Fills a
 * scratch SQLite model directly with `devices` devices, serves the gateway's app over it (rate
 * limits lifted), and lets a separate process (read-load.ts, autocannon) send GET
 * /v1/devices/{id}, GET /v1/keys/{keyId} or a fleet page of 100, at each concurrency, for `seconds`
 * each after a short warm-up. Prints one JSON line per read and concurrency. The peer path is
 * measured by the bench on the live network (npm run bench), not here.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadOptions, ReadKind } from './read-load';
import { serveFilledModel } from './filled-gateway';

const WARM_UP_SECONDS = 2;
const LOAD = join(__dirname, 'read-load.js');

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const seconds = Number(process.argv[3] ?? 10);
  const concurrencies = (process.argv[4] ?? '50').split(',').map(Number);
  const kinds = (process.argv[5] ?? 'device,key,fleet').split(',') as ReadKind[];
  const gateway = await serveFilledModel(count);
  try {
    for (const [kind, concurrency] of kinds.flatMap((k) => concurrencies.map((c) => [k, c] as const))) {
      const load = (duration: number): Promise<{ stdout: string }> =>
        promisify(execFile)(process.execPath, [
          LOAD,
          JSON.stringify({
            url: gateway.url,
            token: gateway.token,
            kind,
            count,
            concurrency,
            seconds: duration,
          } satisfies LoadOptions),
        ]);
      await load(WARM_UP_SECONDS); // compiled and cached before it counts
      const { stdout } = await load(seconds);
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
