/**
 * The read model's schema, as numbered migrations applied in order, each in its own transaction
 * and recorded in model_migrations. A migration is never edited once released: add the next one.
 *
 * Keys are the chaincode's world-state keys with the NUL delimiter as U+0001 (PostgreSQL text
 * cannot hold NUL); both sort the same way, byte by byte (COLLATE "C" in PostgreSQL), as the
 * peer's state database does, so a page of the model ends where the chaincode's would.
 */
import { type Dialect, inList, placeholders, type SqlDatabase, type SqlExec } from './sql';
import { fromDbKey, prefixEnd, splitComposite, stateKeys, toDbKey } from './state-keys';

interface Migration {
  version: number;
  description: string;
  sql: (dialect: Dialect) => string;
  /** Fills what the statements added from the rows already there, in the same transaction. */
  backfill?: (q: SqlExec) => Promise<void>;
}

const keyType = (dialect: Dialect) => (dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'checkpoint and hash chain, the namespace state, device, firmware and family columns for queries',
    sql: (d) => `
      CREATE TABLE model_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        channel TEXT NOT NULL,
        namespace TEXT NOT NULL,
        height BIGINT NOT NULL,
        last_hash TEXT NOT NULL
      );
      CREATE TABLE model_blocks (
        number BIGINT PRIMARY KEY,
        hash TEXT NOT NULL,
        previous_hash TEXT NOT NULL,
        envelopes INTEGER NOT NULL,
        applied INTEGER NOT NULL
      );
      CREATE TABLE model_state (
        key ${keyType(d)} PRIMARY KEY,
        value TEXT NOT NULL,
        block BIGINT NOT NULL,
        tx_id TEXT NOT NULL
      );
      CREATE TABLE model_devices (
        device_id ${keyType(d)} PRIMARY KEY,
        family ${keyType(d)} NOT NULL,
        owner_msp ${keyType(d)} NOT NULL,
        status TEXT NOT NULL,
        fw_family TEXT,
        fw_version TEXT,
        fw_sha256 TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX model_devices_status ON model_devices (status, device_id);
      CREATE INDEX model_devices_family ON model_devices (family, device_id);
      CREATE INDEX model_devices_owner ON model_devices (owner_msp, device_id);
      CREATE TABLE model_firmware (
        family TEXT NOT NULL,
        version_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        PRIMARY KEY (family, version_key)
      );
      CREATE TABLE model_families (
        family TEXT PRIMARY KEY,
        min_version_key TEXT
      );`,
  },
  {
    version: 2,
    description: 'fleet queries: device attributes, indexes on firmware version and creation and change times',
    sql: (d) => `
      CREATE TABLE model_device_attributes (
        device_id ${keyType(d)} NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (device_id, name)
      );
      CREATE INDEX model_device_attributes_value ON model_device_attributes (name, value, device_id);
      CREATE INDEX model_devices_firmware ON model_devices (fw_version, device_id);
      CREATE INDEX model_devices_created ON model_devices (created_at, device_id);
      CREATE INDEX model_devices_updated ON model_devices (updated_at, device_id);`,
    backfill: async (q) => {
      const prefix = stateKeys.device();
      const rows = await q.all<{ key: string; value: string }>('SELECT key, value FROM model_state WHERE key >= ? AND key < ?', [
        toDbKey(prefix),
        toDbKey(prefixEnd(prefix)),
      ]);
      for (const row of rows) {
        const deviceId = splitComposite(fromDbKey(row.key)).attributes[0]!;
        await writeDeviceAttributes(q, deviceId, (JSON.parse(row.value) as { attributes?: Record<string, string> }).attributes);
      }
    },
  },
  {
    version: 3,
    description: "a device's keys and history, from the blocks (the chaincode no longer writes key lists or history records)",
    sql: (d) => `
      CREATE TABLE model_device_keys (
        device_id ${keyType(d)} NOT NULL,
        position INTEGER NOT NULL,
        key_id TEXT NOT NULL UNIQUE,
        PRIMARY KEY (device_id, position)
      );
      CREATE TABLE model_history (
        device_id ${keyType(d)} NOT NULL,
        revision INTEGER NOT NULL,
        block BIGINT NOT NULL,
        tx_id TEXT NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (device_id, revision)
      );`,
    // From the key lists and history records the chaincode wrote before (both numbered from 1, in order).
    backfill: async (q) => {
      for (const row of await rowsUnder(q, stateKeys.deviceKeyLists())) {
        const [deviceId, position] = splitComposite(fromDbKey(row.key)).attributes;
        await q.run('INSERT INTO model_device_keys (device_id, position, key_id) VALUES (?, ?, ?)', [
          deviceId!,
          Number(position),
          JSON.parse(row.value) as string,
        ]);
      }
      for (const row of await rowsUnder(q, stateKeys.histories())) {
        const [deviceId, revision] = splitComposite(fromDbKey(row.key)).attributes;
        await q.run('INSERT INTO model_history (device_id, revision, block, tx_id, entry) VALUES (?, ?, ?, ?, ?)', [
          deviceId!,
          Number(revision),
          row.block,
          row.tx_id,
          row.value,
        ]);
      }
    },
  },
  {
    version: 4,
    description: 'device lists filtered by status within a family or an owner: one index range, not a scan of the family or owner',
    // Without them a page of a family's (or owner's) devices in a status scans every device of the
    // family until it finds a page, the whole family when none is in that status.
    sql: () => `
      CREATE INDEX model_devices_family_status ON model_devices (family, status, device_id);
      CREATE INDEX model_devices_owner_status ON model_devices (owner_msp, status, device_id);`,
  },
];

async function rowsUnder(q: SqlExec, prefix: string) {
  return q.all<{ key: string; value: string; block: number; tx_id: string }>(
    'SELECT key, value, block, tx_id FROM model_state WHERE key >= ? AND key < ? ORDER BY key',
    [toDbKey(prefix), toDbKey(prefixEnd(prefix))],
  );
}

/** A device's attributes as rows of model_device_attributes, replacing those it had. */
export async function writeDeviceAttributes(q: SqlExec, deviceId: string, attributes: Record<string, string> | undefined): Promise<void> {
  await writeDevicesAttributes(
    q,
    [deviceId],
    Object.entries(attributes ?? {}).map(([name, value]) => [deviceId, name, value] as const),
  );
}

/** Replaces the attributes of `deviceIds` with `rows` (device, name, value), in a few multi-row statements. */
export async function writeDevicesAttributes(
  q: SqlExec,
  deviceIds: readonly string[],
  rows: ReadonlyArray<readonly [deviceId: string, name: string, value: string]>,
): Promise<void> {
  const perStatement = 200;
  for (let i = 0; i < deviceIds.length; i += perStatement) {
    const chunk = deviceIds.slice(i, i + perStatement);
    await q.run(`DELETE FROM model_device_attributes WHERE device_id IN (${inList(chunk.length)})`, chunk);
  }
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    await q.run(`INSERT INTO model_device_attributes (device_id, name, value) VALUES ${placeholders(chunk.length, 3)}`, chunk.flat());
  }
}

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the database to SCHEMA_VERSION; refuses one newer than this code knows. */
export async function migrate(db: SqlDatabase): Promise<number> {
  await db.script('CREATE TABLE IF NOT EXISTS model_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL)');
  const row = await db.read((q) => q.get<{ version: number | null }>('SELECT MAX(version) AS version FROM model_migrations'));
  const current = Number(row?.version ?? 0);
  if (current > SCHEMA_VERSION) {
    throw new Error(`the read model database has schema version ${current}; this gateway knows up to ${SCHEMA_VERSION}`);
  }
  for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
    await db.write(async (q) => {
      for (const statement of splitStatements(migration.sql(db.dialect))) await q.run(statement);
      await migration.backfill?.(q);
      await q.run('INSERT INTO model_migrations (version, description) VALUES (?, ?)', [migration.version, migration.description]);
    });
  }
  return SCHEMA_VERSION;
}

function splitStatements(script: string): string[] {
  return script
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
