/**
 * Opening the read model of a gateway: its database (SQLite by default, PostgreSQL when
 * configured), the follower of the org peer's block stream, its metrics, and the registry that
 * serves reads from it.
 */
import { join } from 'node:path';
import type { Role } from '@iotreg/common';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { GatewayConfig } from '../config';
import type { LedgerPort } from '../fabric/connection';
import type { Metrics } from '../metrics';
import type { Registry } from '../registry/registry';
import { type BlockSource, ModelFollower } from './follower';
import { ModelStore } from './model-store';
import { ReadModelRegistry } from './read-model-registry';
import { openPostgres, openSqlite, type SqlDatabase } from './sql';

export type ReadModelConfig = GatewayConfig['readModel'];

export interface OpenedReadModel {
  registry: ReadModelRegistry;
  follower: ModelFollower;
  store: ModelStore;
  close(): Promise<void>;
}

/** The model's database as configured: PostgreSQL when a URL is given, else SQLite in the state directory. */
export function openModelDatabase(config: Pick<GatewayConfig, 'readModel' | 'stateDir'>): Promise<SqlDatabase> {
  const { postgresUrl, sqlitePath } = config.readModel;
  return postgresUrl ? openPostgres(postgresUrl) : openSqlite(sqlitePath ?? join(config.stateDir, 'read-model.sqlite'));
}

/** Block events of the channel from the org's peer, as `identity`. */
export function peerBlocks(ledger: LedgerPort, identity: string): BlockSource {
  return async (startBlock) => ledger.network(identity).getBlockEvents({ startBlock });
}

export async function openReadModel(options: {
  config: GatewayConfig;
  ledger: Registry;
  source: BlockSource;
  metrics: Metrics;
  logger: Logger;
}): Promise<OpenedReadModel> {
  const { config, ledger, metrics, logger } = options;
  const db = await openModelDatabase(config);
  const store = new ModelStore(db, config.channel, config.chaincode);
  try {
    await store.open();
  } catch (err) {
    await db.close();
    throw err;
  }
  const applied = new Counter({
    name: 'iotreg_gateway_read_model_blocks_applied_total',
    help: 'Blocks the read model applied',
    registers: [metrics.registry],
  });
  const applySeconds = new Histogram({
    name: 'iotreg_gateway_read_model_apply_seconds',
    help: 'Time to apply one block to the read model (decode, write, commit)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [metrics.registry],
  });
  const follower = new ModelFollower({
    store,
    source: options.source,
    logger: logger.child({ component: 'read-model' }),
    chainHeight: async () => (await ledger.ping()).height,
    onApplied: (_status, { ms }) => {
      applied.inc();
      applySeconds.observe(ms / 1000);
    },
  });
  const roles = new Map<string, Role>(config.identities.map((i) => [i.name, i.role]));
  const registry = new ReadModelRegistry({
    ledger,
    store,
    follower,
    roleOf: (identity) => roles.get(identity),
    logger: logger.child({ component: 'read-model' }),
    minHeightWaitMs: config.readModel.minHeightWaitMs,
    checkAnswers: config.readModel.checkAnswers,
  });
  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      collect() {
        this.set(value());
      },
    });
  gauge('iotreg_gateway_read_model_height', 'Blocks in the read model', () => follower.status().height);
  gauge('iotreg_gateway_read_model_ledger_height', "The org peer's chain height as last seen", () => follower.status().ledgerHeight);
  gauge('iotreg_gateway_read_model_lag_blocks', 'Ledger height minus read model height', () => registry.readModelStatus().lag);
  gauge('iotreg_gateway_read_model_failed', '1 when the read model stopped on a block that does not fit its chain', () =>
    follower.status().state === 'failed' ? 1 : 0,
  );
  await follower.start();
  return {
    registry,
    follower,
    store,
    close: async () => {
      await follower.stop();
      await db.close();
    },
  };
}
