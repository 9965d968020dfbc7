/**
 * `node gateway-app/dist/readmodel/rebuild.js [--check]`, with IOTREG_GATEWAY_CONFIG naming the
 * gateway's configuration: empties the gateway's read model and applies every block again from
 * block 0, from the org's peer, until it has the peer's height at the start; then prints what it
 * did (blocks, writes, transactions per second) as one JSON line. Stop the gateway first: the
 * model has one writer.
 *
 * --check: rebuilds into a scratch SQLite database instead, and compares it with the gateway's
 * model (every table, row for row; the gateway's model must be at rest, at the same height); exit status 1
 * when they differ.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config';
import { connectFabric } from '../fabric/connection';
import { createMetrics } from '../metrics';
import { FabricRegistry } from '../registry/fabric-registry';
import { ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { openModelDatabase, peerBlocks } from './read-model';
import { openSqlite, type SqlDatabase } from './sql';

const TABLES = ['model_state', 'model_devices', 'model_device_attributes', 'model_firmware', 'model_families', 'model_blocks'] as const;

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const config = loadConfig();
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  const ledger = connectFabric(config);
  const registry = new FabricRegistry({
    ledger,
    relayIdentity: config.relayIdentity,
    metrics: createMetrics({ defaultMetrics: false }),
    logger,
    outcomeResolutionMs: 1_000,
  });
  const scratch = check ? mkdtempSync(join(tmpdir(), 'iotreg-rebuild-')) : undefined;
  const db = scratch ? await openSqlite(join(scratch, 'model.sqlite')) : await openModelDatabase(config);
  try {
    const store = new ModelStore(db, config.channel, config.chaincode);
    await store.open();
    await store.reset();
    const target = (await registry.ping()).height;
    let writes = 0;
    const follower = new ModelFollower({
      store,
      source: peerBlocks(ledger, config.relayIdentity),
      logger,
      onApplied: (_status, applied) => void (writes += applied.writes),
    });
    const started = Date.now();
    await follower.start();
    const reached = await follower.waitFor(target, 30 * 60_000);
    const seconds = (Date.now() - started) / 1000;
    await follower.stop();
    if (!reached) throw new Error(`stopped at height ${follower.height} of ${target}: ${follower.status().failure ?? 'timed out'}`);
    const applied = await db.read((q) => q.get<{ n: number }>('SELECT SUM(applied) AS n FROM model_blocks'));
    const transactions = Number(applied?.n ?? 0);
    const figures = { height: follower.height, transactions, writes, seconds, transactionsPerSecond: Math.round(transactions / seconds) };
    if (!check) {
      process.stdout.write(`${JSON.stringify({ rebuilt: true, ...figures })}\n`);
      return;
    }
    const model = await openModelDatabase(config);
    try {
      const { height } = await new ModelStore(model, config.channel, config.chaincode).checkpoint();
      if (height !== follower.height)
        throw new Error(`the gateway's model has height ${height}, the rebuild ${follower.height}: compare at rest`);
      const differences = await compare(db, model);
      process.stdout.write(`${JSON.stringify({ checked: true, ...figures, differences })}\n`);
      if (differences.length > 0) process.exitCode = 1;
    } finally {
      await model.close();
    }
  } finally {
    await db.close();
    ledger.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** Tables whose rows differ between two models of the same height. */
async function compare(a: SqlDatabase, b: SqlDatabase): Promise<string[]> {
  const differences: string[] = [];
  for (const table of TABLES) {
    const sql = `SELECT * FROM ${table} ORDER BY ${table === 'model_blocks' ? 'number' : table === 'model_state' ? 'key' : '1, 2'}`;
    const [left, right] = await Promise.all([a.read((q) => q.all(sql)), b.read((q) => q.all(sql))]);
    if (JSON.stringify(left) !== JSON.stringify(right)) differences.push(table);
  }
  return differences;
}

main().catch((err: unknown) => {
  process.stderr.write(`rebuild failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
