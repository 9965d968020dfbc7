/**
 * The load generator of the REST read benchmark (rest-bench.ts), run in its own process so it does
 * not share the gateway's event loop: `node read-load.js '<json LoadOptions>'`. autocannon keeps
 * `concurrency` connections busy for `seconds` and prints one JSON line of rate and latencies.
 */
import autocannon from 'autocannon';

export type ReadKind = 'device' | 'key' | 'fleet';

export interface LoadOptions {
  url: string;
  token: string;
  kind: ReadKind;
  /** Devices in the model: reads pick among them at random. */
  count: number;
  concurrency: number;
  seconds: number;
}

const pad = (n: number) => n.toString().padStart(8, '0');
const hex = (n: number) => n.toString(16).padStart(64, '0');

/** The path of one read of `kind`, on the devices fleet-bench's `fill` writes. */
function target(kind: ReadKind, count: number): string {
  const i = Math.floor(Math.random() * count);
  if (kind === 'device') return `/v1/devices/dev-${pad(i)}`;
  if (kind === 'key') return `/v1/keys/${hex(i + 1000)}`;
  return `/v1/devices?family=fam${i % 10}&status=active&pageSize=100`;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
  const result = await autocannon({
    url: options.url,
    connections: options.concurrency,
    duration: options.seconds,
    headers: { authorization: `Bearer ${options.token}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: target(options.kind, options.count) }) }],
  });
  const failures = result.non2xx + result.errors + result.timeouts;
  process.stdout.write(
    `${JSON.stringify({
      read: options.kind,
      concurrency: options.concurrency,
      perSecond: Math.round(result.requests.average),
      p50ms: result.latency.p50,
      p99ms: result.latency.p99,
      failures,
    })}\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`read-load failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
