/** One progress line on stderr, rewritten in place on a terminal and left alone otherwise (logs, pipes). */
import type { Io } from '../context';

const REDRAW_MS = 100;

export class Progress {
  #drawnAt = 0;

  constructor(
    private readonly io: Io,
    private readonly total: number,
  ) {}

  update(counts: { ok: number; exists: number; failed: number }, force = false): void {
    if (!this.io.interactive) return;
    const now = Date.now();
    if (!force && now - this.#drawnAt < REDRAW_MS) return;
    this.#drawnAt = now;
    const done = counts.ok + counts.exists + counts.failed;
    this.io.stderr(`\r\x1b[Kimport ${done}/${this.total}  ok ${counts.ok}  exists ${counts.exists}  failed ${counts.failed}`);
  }

  finish(counts: { ok: number; exists: number; failed: number }): void {
    this.update(counts, true);
    if (this.io.interactive) this.io.stderr('\n');
  }
}
