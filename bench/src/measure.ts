/** Timing of one scenario: operations from N workers for a time or a count, latencies, failures by reason. */

export interface Result {
  scenario: string;
  concurrency: number;
  ops: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Why operations failed, with counts: a failure the figures hide is a failure unexplained. */
  failureReasons: Record<string, number>;
}

/** An operation answers nothing when it succeeded, or why it failed. */
export type Operation = (index: number) => Promise<string | undefined>;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Runs `op` from `concurrency` workers for `seconds` or `limit` operations; each op takes its
 * index. A run whose first 100 operations all fail stops at once: the network is not there.
 */
export async function measure(scenario: string, concurrency: number, seconds: number, op: Operation, limit = Infinity): Promise<Result> {
  const latencies: number[] = [];
  const failureReasons: Record<string, number> = {};
  let failures = 0;
  let next = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline && next < limit) {
        if (failures >= 100 && failures === latencies.length)
          throw new Error(`${scenario}: the first 100 operations failed: ${JSON.stringify(failureReasons)}`);
        const t = performance.now();
        const failed = await op(next++).catch((err: unknown) =>
          (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 160),
        );
        latencies.push(performance.now() - t);
        if (failed !== undefined) {
          failures += 1;
          failureReasons[failed] = (failureReasons[failed] ?? 0) + 1;
        }
      }
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const ops = latencies.length - failures;
  return {
    scenario,
    concurrency,
    ops,
    perSecond: ops / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failures,
    failureReasons,
  };
}

export function describe(result: Result, unit = 'ops'): string {
  const reasons = result.failures === 0 ? '' : `  ${JSON.stringify(result.failureReasons)}`;
  return (
    `${result.scenario.padEnd(30)} c=${String(result.concurrency).padEnd(4)} ${result.perSecond.toFixed(1).padStart(8)} ${unit}/s` +
    `  p50 ${result.p50.toFixed(0).padStart(5)} ms  p99 ${result.p99.toFixed(0).padStart(5)} ms  failures ${result.failures}${reasons}`
  );
}
