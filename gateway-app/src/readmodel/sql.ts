/**
 * The read model's database, behind one small interface so SQLite (embedded, the default) and
 * PostgreSQL (shared by several gateway replicas of one org) run the same SQL. Statements are
 * written with `?` placeholders; the PostgreSQL adapter numbers them.
 *
 * Reads run in a read transaction (one snapshot: the data and the height they reflect agree);
 * writes in a write transaction, so a block's data and its checkpoint commit together or not at all.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { Worker } from 'node:worker_threads';

export type Dialect = 'sqlite' | 'postgres';
export type Param = string | number | null;

export interface SqlExec {
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  /** Answers the number of rows changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
}

export interface SqlDatabase {
  readonly dialect: Dialect;
  read<T>(work: (db: SqlExec) => Promise<T>): Promise<T>;
  write<T>(work: (db: SqlExec) => Promise<T>): Promise<T>;
  /** Runs a script of statements (DDL), outside any transaction of the caller's. */
  script(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** Runs `work` after everything queued before it: one statement sequence at a time per connection. */
class Queue {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(work, work);
    this.#tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * SQLite through better-sqlite3, in WAL mode: a writer connection and a reader connection, so a
 * read sees only committed blocks while a block is being applied.
 */
export async function openSqlite(path: string): Promise<SqlDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const open = (readonly: boolean) => {
    const db = new Database(path, { readonly: readonly && path !== ':memory:' });
    db.pragma('busy_timeout = 5000');
    return db;
  };
  const writer = open(false);
  writer.pragma('journal_mode = WAL');
  writer.pragma('synchronous = NORMAL'); // WAL + NORMAL: a committed block survives a process crash
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(path, writer);
  // An in-memory database is private to its connection: tests read through the writer.
  const reader = path === ':memory:' ? writer : open(true);
  // One statement per SQL text and connection, prepared at its first use.
  const exec = (db: BetterSqlite3.Database): SqlExec => {
    const statements = new Map<string, BetterSqlite3.Statement>();
    const prepared = (sql: string) => {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      return statement;
    };
    return {
      all: async <T>(sql: string, params: readonly Param[] = []) => prepared(sql).all(...params) as T[],
      get: async <T>(sql: string, params: readonly Param[] = []) => prepared(sql).get(...params) as T | undefined,
      run: async (sql, params = []) => prepared(sql).run(...params).changes,
    };
  };
  const readQueue = new Queue();
  const writeQueue = path === ':memory:' ? readQueue : new Queue();
  // Prepared once: exec() would compile BEGIN and COMMIT again for every read.
  const transactions = (db: BetterSqlite3.Database, begin: string) => ({
    db,
    q: exec(db),
    begin: db.prepare(begin),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  });
  const reading = transactions(reader, 'BEGIN DEFERRED');
  const writing = transactions(writer, 'BEGIN IMMEDIATE');
  const inTransaction =
    <T>({ db, q, begin, commit, rollback }: ReturnType<typeof transactions>, work: (db: SqlExec) => Promise<T>) =>
    async () => {
      begin.run();
      try {
        const result = await work(q);
        commit.run();
        if (db === writer) checkpointer?.committed();
        return result;
      } catch (err) {
        if (db.inTransaction) rollback.run();
        throw err;
      }
    };
  return {
    dialect: 'sqlite',
    read: (work) => readQueue.run(inTransaction(reading, work)),
    write: (work) => writeQueue.run(inTransaction(writing, work)),
    script: async (sql) => void writeQueue.run(async () => writer.exec(sql)),
    close: async () => {
      await checkpointer?.stop();
      if (reader !== writer) reader.close();
      writer.close();
    },
  };
}

/** The checkpointer copies the log into the database at most this often, and only after commits. */
const CHECKPOINT_EVERY_MS = 1_000;
/** Pages of log (of 4 KiB) at which the writer checkpoints itself all the same. */
const BACKSTOP_PAGES = 4_096;

/**
 * Checkpoints in a worker thread on a connection of its own, instead of in the commit that
 * crosses SQLite's threshold (1,000 pages): copying the log into the database, and the two
 * fsyncs that takes, run beside the writer, not inside the blocks being applied. PASSIVE: it
 * never holds up a writer or a reader. The writer's own checkpoint stays as a backstop at
 * BACKSTOP_PAGES (by then mostly copied already); should the worker end, it is SQLite's default.
 */
function startCheckpointer(path: string, writer: BetterSqlite3.Database) {
  // A backstop: a log the worker cannot keep short (a writer never pausing) is checkpointed, and
  // so restarted, by the commit that makes it this long, as SQLite would at its 1,000 pages.
  writer.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
    const db = new (require(workerData.module))(workerData.path);
    db.pragma('busy_timeout = 5000');
    let last = 0;
    let timer;
    const checkpoint = () => {
      timer = undefined;
      last = Date.now();
      db.pragma('wal_checkpoint(PASSIVE)');
    };
    parentPort.on('message', (message) => {
      if (message === 'stop') return clearTimeout(timer), db.close(), parentPort.close();
      if (timer) return;
      const wait = last + workerData.everyMs - Date.now();
      if (wait <= 0) checkpoint();
      else timer = setTimeout(checkpoint, wait);
    });`,
    { eval: true, workerData: { module: require.resolve('better-sqlite3'), path, everyMs: CHECKPOINT_EVERY_MS } },
  );
  worker.unref();
  let running = true;
  const fallBack = () => {
    if (running) writer.pragma('wal_autocheckpoint = 1000');
    running = false;
  };
  worker.on('error', fallBack);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => (fallBack(), resolve())));
  return {
    /** A write committed (told without waiting for an answer: a model catching up does not yield to the event loop). */
    committed: () => {
      if (running) worker.postMessage('committed');
    },
    stop: async () => {
      if (!running) return;
      running = false;
      worker.postMessage('stop');
      await exited;
    },
  };
}

const placeholderLists = new Map<string, string>();

/** "(?, ?), (?, ?)" for 2 rows of 2 columns; built once per shape (the statement cache knows the text). */
export function placeholders(rows: number, columns: number): string {
  const shape = `${rows}x${columns}`;
  let list = placeholderLists.get(shape);
  if (list === undefined) {
    list = Array.from({ length: rows }, () => `(${Array.from({ length: columns }, () => '?').join(', ')})`).join(', ');
    placeholderLists.set(shape, list);
  }
  return list;
}

/** "?, ?, ?" for an IN list of 3. */
export const inList = (n: number): string => placeholders(1, n).slice(1, -1);

/** `?` placeholders as PostgreSQL's `$1, $2, ...`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${(n += 1)}`);
}

/** PostgreSQL through node-postgres: a pool; reads in REPEATABLE READ snapshots. */
export async function openPostgres(connectionString: string): Promise<SqlDatabase> {
  const { Pool: PgPool, types } = await import('pg');
  types.setTypeParser(20, (value: string) => Number(value)); // BIGINT block numbers are safe integers
  const pool: Pool = new PgPool({ connectionString, max: 8 });
  const exec = (client: PoolClient): SqlExec => ({
    all: async <T>(sql: string, params: readonly Param[] = []) =>
      (await client.query({ text: numberPlaceholders(sql), values: [...params] })).rows as T[],
    get: async <T>(sql: string, params: readonly Param[] = []) =>
      (await client.query({ text: numberPlaceholders(sql), values: [...params] })).rows[0] as T | undefined,
    run: async (sql, params = []) => (await client.query({ text: numberPlaceholders(sql), values: [...params] })).rowCount ?? 0,
  });
  const inTransaction = async <T>(begin: string, work: (db: SqlExec) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query(begin);
      const result = await work(exec(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    dialect: 'postgres',
    read: (work) => inTransaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work),
    write: (work) => inTransaction('BEGIN ISOLATION LEVEL READ COMMITTED', work),
    script: async (sql) => void (await pool.query(sql)),
    close: () => pool.end(),
  };
}
