/**
 * REST reads from a read model, without a network: `node gateway-app/dist/readmodel/rest-bench.js
 * [devices] [seconds]`. Fills a scratch SQLite model directly with `devices` devices, serves the
 * gateway's app over it (rate limits lifted), and lets a separate process (read-load.ts, autocannon)
 * send GET /v1/devices/{id}, GET /v1/keys/{keyId} and a fleet page of 100, 50 at a time, for
 * `seconds` each. Prints one JSON line per read. The peer path is measured by the bench on the live network
 * (npm run bench), not here.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadOptions, ReadKind } from './read-load';
import { serveFilledModel } from './filled-gateway';

const CONCURRENCY = 50;
const WARM_UP_SECONDS = 2;
const LOAD = join(__dirname, 'read-load.js');

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 100_000);
  const seconds = Number(process.argv[3] ?? 10);
  const gateway = await serveFilledModel(count);
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const kind of ['device', 'key', 'fleet'] as ReadKind[]) {
      const load = (duration: number): Promise<{ stdout: string }> =>
        promisify(execFile)(process.execPath, [
          LOAD,
          JSON.stringify({
            url: gateway.url,
            token: gateway.token,
            kind,
            count,
            concurrency: CONCURRENCY,
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
