/**
 * Peak resident memory of every network process during the run, sampled once a second from
 * /proc by the PID files ./test-network.sh keeps (network/runtime/pids/NAME.pid).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export class PeakMemory {
  readonly #peakMb = new Map<string, number>();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pidDir: string) {
    this.sample();
    this.#timer = setInterval(() => this.sample(), 1000);
  }

  sample(): void {
    this.#record('benchmark', process.memoryUsage().rss / 2 ** 20);
    for (const file of readdirSync(this.pidDir).filter((f) => f.endsWith('.pid'))) {
      const pid = readFileSync(path.join(this.pidDir, file), 'utf8').trim();
      const mb = rssMb(pid);
      if (mb !== undefined) this.#record(file.slice(0, -'.pid'.length), mb);
    }
  }

  stop(): Record<string, number> {
    clearInterval(this.#timer);
    this.sample();
    return Object.fromEntries([...this.#peakMb].sort(([a], [b]) => a.localeCompare(b)).map(([name, mb]) => [name, Math.round(mb)]));
  }

  #record(name: string, mb: number): void {
    this.#peakMb.set(name, Math.max(mb, this.#peakMb.get(name) ?? 0));
  }
}

/** VmRSS of a live process, in MiB; undefined when it is gone. */
function rssMb(pid: string): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return line ? Number(line.replace(/\D+/g, '')) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
