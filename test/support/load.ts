/**
 * A steady write load through both gateways that records every answer, so a fault test can
 * check afterwards that nothing acknowledged was lost and nothing was written twice.
 */
import type { Answer } from './network';
import { sleep } from './network';

export interface Outcome {
  /** What the test wrote (e.g. a device ID), to look it up afterwards. */
  key: string;
  status: number;
  code?: string;
  txId?: string;
  startedAt: number;
  ms: number;
}

export interface LoadReport {
  outcomes: Outcome[];
  acknowledged: Outcome[];
  /** 503s: the ledger was unreachable or the outcome unknown (with a txId to ask about). */
  unavailable: Outcome[];
  /** Anything else: a bug under faults. */
  unexpected: Outcome[];
  /** Longest time between two consecutive acknowledgements, in ms, and when it began. */
  longestGapMs: number;
  longestGapFrom: number;
  /**
   * Longest time within [from, to] in which no write was acknowledged. Clipped at both ends, so a
   * stall caused by what happens at `to` (an orderer rejoining) is not charged to the window.
   */
  stallWithin(from: number, to: number): number;
}

export type Write = (worker: number, n: number) => Promise<{ key: string; answer: Answer }>;

/**
 * Runs `workers` loops of `write` until `stop()` is called; `done` resolves with the report. Each
 * worker starts a write at most every `everyMs`, so the load stays below what the machine can
 * commit (a saturated machine measures its own queueing, not the fault).
 */
export function startLoad(workers: number, everyMs: number, write: Write): { stop: () => void; done: Promise<LoadReport> } {
  let running = true;
  const outcomes: Outcome[] = [];
  const loop = async (worker: number) => {
    for (let n = 0; running; n++) {
      const startedAt = Date.now();
      try {
        const { key, answer } = await write(worker, n);
        outcomes.push({
          key,
          status: answer.status,
          code: answer.body?.error?.code,
          txId: answer.body?.txId ?? answer.body?.error?.txId,
          startedAt,
          ms: Date.now() - startedAt,
        });
      } catch (err) {
        // A refused connection (a gateway being killed): recorded as status 0.
        outcomes.push({ key: `worker${worker}-${n}`, status: 0, code: String(err), startedAt, ms: Date.now() - startedAt });
      }
      await sleep(startedAt + everyMs - Date.now());
    }
  };
  const startedAt = Date.now();
  let stoppedAt = 0;
  const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w))).then(() => report(outcomes, startedAt, stoppedAt));
  return { stop: () => ((running = false), (stoppedAt = Date.now())), done };
}

function report(outcomes: Outcome[], startedAt: number, stoppedAt: number): LoadReport {
  const acknowledged = outcomes.filter((o) => o.status >= 200 && o.status < 300);
  // The load's start and stop bound the gaps: no acknowledgement at all is one long stall.
  const ends = [startedAt, ...acknowledged.map((o) => o.startedAt + o.ms), stoppedAt].sort((a, b) => a - b);
  let longestGapMs = 0;
  let longestGapFrom = 0;
  for (let i = 1; i < ends.length; i++) {
    if (ends[i]! - ends[i - 1]! > longestGapMs) [longestGapMs, longestGapFrom] = [ends[i]! - ends[i - 1]!, ends[i - 1]!];
  }
  return {
    outcomes,
    acknowledged,
    unavailable: outcomes.filter((o) => o.status === 503),
    unexpected: outcomes.filter((o) => !(o.status >= 200 && o.status < 300) && o.status !== 503),
    longestGapMs,
    longestGapFrom,
    stallWithin: (from, to) => {
      let longest = 0;
      for (let i = 1; i < ends.length; i++) {
        const [a, b] = [ends[i - 1]!, ends[i]!];
        if (b > from && a < to) longest = Math.max(longest, Math.min(b, to) - Math.max(a, from));
      }
      return longest;
    },
  };
}
