/**
 * SQLite's log is copied into the database by the checkpointer's worker thread after commits,
 * not by the writer inside a commit; the log stays bounded when the writer never pauses.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from './sql';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iotreg-sql-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const size = (file: string) => statSync(file).size;

test('a commit below SQLite threshold is checkpointed beside the writer, within a second or so', async () => {
  const path = join(dir, 'model.sqlite');
  const db = await openSqlite(path);
  try {
    await db.script('CREATE TABLE t (v TEXT NOT NULL)');
    await sleep(1_200); // the checkpointer's pause after the last checkpoint
    const before = size(path);
    // About 2 MB: half the log SQLite's own checkpoint waits for.
    await db.write(async (q) => {
      for (let i = 0; i < 500; i += 1) await q.run('INSERT INTO t (v) VALUES (?)', ['x'.repeat(4_000)]);
    });
    expect(size(`${path}-wal`)).toBeGreaterThan(2_000_000);
    for (let waited = 0; size(path) - before < 2_000_000 && waited < 5_000; waited += 100) await sleep(100);
    expect(size(path) - before).toBeGreaterThan(2_000_000);
    expect(await db.read((q) => q.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))).toEqual({ n: 500 });
  } finally {
    await db.close();
  }
});

test('a writer that never pauses keeps the log bounded', async () => {
  const path = join(dir, 'model.sqlite');
  const db = await openSqlite(path);
  try {
    await db.script('CREATE TABLE t (v TEXT NOT NULL)');
    // 80 MB in 80 commits, back to back (no turn of the event loop between them). Unbounded, the
    // log would hold all of it; the backstop keeps it near 16 MB plus what a checkpoint overlaps.
    for (let c = 0; c < 80; c += 1) {
      await db.write(async (q) => {
        for (let i = 0; i < 250; i += 1) await q.run('INSERT INTO t (v) VALUES (?)', ['x'.repeat(4_000)]);
      });
    }
    expect(size(`${path}-wal`)).toBeLessThan(40_000_000);
  } finally {
    await db.close();
  }
});
