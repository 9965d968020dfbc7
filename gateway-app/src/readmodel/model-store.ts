/**
 * The read model's tables: applying a block (its valid writes, its place in the hash chain and
 * the new height, in ONE database transaction), and the reads the queries are built from.
 *
 * model_state mirrors the registry namespace's world state key for key, so every answer the
 * model gives is computed from the same records the chaincode reads. model_devices, model_firmware
 * and model_families hold the columns that fleet filters need, kept in step with model_state;
 * model_device_keys and model_history hold every version of a device's keys and last change.
 */
import { BlockIntegrityError, type DecodedBlock, type StateWrite } from './blocks';
import { migrate, writeDevicesAttributes } from './schema';
import { inList, placeholders, type SqlDatabase, type SqlExec } from './sql';
import { fromDbKey, prefixEnd, sortableVersion, splitComposite, toDbKey, VERSIONED } from './state-keys';

export interface Checkpoint {
  /** Blocks applied: the next block to apply is number `height`. */
  height: number;
  /** Hash of block height-1 (hex); "" before block 0. */
  lastHash: string;
}

export interface ApplyResult {
  /** false: the block was already in the model (applied before a restart, or by another replica). */
  applied: boolean;
  writes: number;
}

interface DeviceRow {
  deviceId: string;
  family: string;
  ownerMsp: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  attributes?: Record<string, string>;
  firmware?: { family: string; version: string; sha256: string };
}

export class ModelStore {
  constructor(
    readonly db: SqlDatabase,
    readonly channel: string,
    readonly namespace: string,
  ) {}

  /** Migrates the schema and records (or checks) which channel and chaincode the database mirrors. */
  async open(): Promise<Checkpoint> {
    await migrate(this.db);
    return this.db.write(async (q) => {
      const row = await q.get<{ channel: string; namespace: string }>('SELECT channel, namespace FROM model_checkpoint WHERE id = 1');
      if (!row) {
        await q.run("INSERT INTO model_checkpoint (id, channel, namespace, height, last_hash) VALUES (1, ?, ?, 0, '')", [
          this.channel,
          this.namespace,
        ]);
      } else if (row.channel !== this.channel || row.namespace !== this.namespace) {
        throw new Error(
          `the read model database mirrors ${row.channel}/${row.namespace}, not ${this.channel}/${this.namespace}: rebuild it or configure another`,
        );
      }
      return checkpointIn(q);
    });
  }

  checkpoint(): Promise<Checkpoint> {
    return this.db.read(checkpointIn);
  }

  /**
   * Applies the next block. A block below the height is one the model has: its hash must be the
   * one recorded (else the chain differs). The block at the height must link to the last hash.
   */
  async apply(block: DecodedBlock): Promise<ApplyResult> {
    return (await this.applyBlocks([block]))[0]!;
  }

  /**
   * Applies consecutive blocks in ONE database transaction (a model catching up pays the commit
   * once per batch, not per block), each checked and recorded as apply() does: every block's data
   * commits with the checkpoint that names it, or nothing of the batch does.
   */
  async applyBlocks(blocks: readonly DecodedBlock[]): Promise<ApplyResult[]> {
    return this.db.write(async (q) => {
      const results: ApplyResult[] = [];
      for (const block of blocks) results.push(await applyBlock(q, block));
      return results;
    });
  }

  /** Empties the model (rebuild from block 0); the schema stays. */
  async reset(): Promise<void> {
    await this.db.write(async (q) => {
      for (const table of [
        'model_state',
        'model_devices',
        'model_device_attributes',
        'model_firmware',
        'model_families',
        'model_device_keys',
        'model_history',
        'model_blocks',
      ]) {
        await q.run(`DELETE FROM ${table}`);
      }
      await q.run("UPDATE model_checkpoint SET height = 0, last_hash = '' WHERE id = 1");
    });
  }
}

async function checkpointIn(q: SqlExec): Promise<Checkpoint> {
  const row = await q.get<{ height: number; last_hash: string }>('SELECT height, last_hash FROM model_checkpoint WHERE id = 1');
  return { height: Number(row?.height ?? 0), lastHash: row?.last_hash ?? '' };
}

async function applyBlock(q: SqlExec, block: DecodedBlock): Promise<ApplyResult> {
  const { height, lastHash } = await checkpointIn(q);
  if (block.number < height) {
    const known = await q.get<{ hash: string }>('SELECT hash FROM model_blocks WHERE number = ?', [block.number]);
    if (known && known.hash !== block.hash) {
      throw new BlockIntegrityError(`block ${block.number} has hash ${block.hash}; the model applied ${known.hash} at that number`);
    }
    return { applied: false, writes: 0 };
  }
  if (block.number > height) throw new BlockIntegrityError(`block ${block.number} arrived; the model expects block ${height}`);
  if (height > 0 && block.previousHash !== lastHash) {
    throw new BlockIntegrityError(
      `block ${block.number} names previous hash ${block.previousHash}; block ${height - 1} in the model hashes to ${lastHash}`,
    );
  }
  const writes = await applyWrites(q, block);
  await q.run('INSERT INTO model_blocks (number, hash, previous_hash, envelopes, applied) VALUES (?, ?, ?, ?, ?)', [
    block.number,
    block.hash,
    block.previousHash,
    block.envelopes,
    block.transactions.length,
  ]);
  // Conditional on the height read above: a second writer of the same database applies nothing twice.
  const moved = await q.run('UPDATE model_checkpoint SET height = ?, last_hash = ? WHERE id = 1 AND height = ?', [
    block.number + 1,
    block.hash,
    height,
  ]);
  if (moved !== 1) throw new Error(`the checkpoint moved while block ${block.number} was applied`);
  return { applied: true, writes };
}

/** Rows per multi-row statement (at most 9 parameters each: far below either database's limit). */
const ROWS_PER_STATEMENT = 200;

/** `rows` in statements of ROWS_PER_STATEMENT rows at most, one after another. */
async function inChunks<T>(rows: readonly T[], statement: (chunk: readonly T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await statement(rows.slice(i, i + ROWS_PER_STATEMENT));
}

/**
 * A block's writes as the state they leave: the last write of each key wins (a later transaction
 * of the block overwrites an earlier one), applied in a few multi-row statements. Answers how
 * many writes the block held.
 */
async function applyWrites(q: SqlExec, block: DecodedBlock): Promise<number> {
  const last = new Map<string, { write: StateWrite; txId: string }>();
  let count = 0;
  for (const tx of block.transactions) {
    for (const write of tx.writes) {
      last.delete(write.key); // keeps the map in the order of each key's last write
      last.set(write.key, { write, txId: tx.txId });
      count += 1;
    }
  }
  const finals = [...last.values()];
  const puts = finals.filter((f) => f.write.value !== undefined);
  const deletes = finals.filter((f) => f.write.value === undefined).map((f) => toDbKey(f.write.key));
  await inChunks(deletes, (chunk) => q.run(`DELETE FROM model_state WHERE key IN (${inList(chunk.length)})`, chunk));
  await inChunks(puts, (chunk) =>
    q.run(
      `INSERT INTO model_state (key, value, block, tx_id) VALUES ${placeholders(chunk.length, 4)} ` +
        'ON CONFLICT (key) DO UPDATE SET value = excluded.value, block = excluded.block, tx_id = excluded.tx_id',
      chunk.flatMap(({ write, txId }) => [toDbKey(write.key), write.value!, block.number, txId]),
    ),
  );
  const devices: Array<[deviceId: string, value: string | undefined]> = [];
  for (const { write } of finals) {
    const { objectType, attributes } = splitComposite(write.key);
    if (objectType === 'device' && attributes.length === 1) devices.push([attributes[0]!, write.value]);
    else if (objectType === 'firmware' && attributes.length === 2) await applyRelease(q, attributes[0]!, attributes[1]!, write.value);
    else if (objectType === 'family' && attributes.length === 1) await applyFamily(q, attributes[0]!, write.value);
  }
  await applyDevices(q, devices);
  await applyVersions(q, block);
  return count;
}

interface KeyVersion {
  keyId: string;
  deviceId: string;
}

interface HistoryVersion {
  deviceId: string;
  /** Given by a per-change history record; undefined for a last-change record (the device's next revision). */
  revision: number | undefined;
  txId: string;
  entry: string;
}

/**
 * A device's keys and history from every write in block order (not only each key's last): the
 * first write of a key record makes it the device's next key; each write of a device's last
 * change is the next entry of its history. The chaincode keeps no list of either.
 */
async function applyVersions(q: SqlExec, block: DecodedBlock): Promise<void> {
  const keyVersions: KeyVersion[] = [];
  const historyVersions: HistoryVersion[] = [];
  for (const tx of block.transactions) {
    for (const { key, value } of tx.writes) {
      if (value === undefined) continue;
      const { objectType, attributes } = splitComposite(key);
      if (attributes.length === 1 && objectType === VERSIONED.publicKey) {
        keyVersions.push({ keyId: attributes[0]!, deviceId: (JSON.parse(value) as { deviceId: string }).deviceId });
      } else if (attributes.length === 1 && objectType === VERSIONED.deviceChange) {
        historyVersions.push({ deviceId: attributes[0]!, revision: undefined, txId: tx.txId, entry: value });
      } else if (attributes.length === 2 && objectType === VERSIONED.history) {
        historyVersions.push({ deviceId: attributes[0]!, revision: Number(attributes[1]), txId: tx.txId, entry: value });
      }
    }
  }
  await addKeys(q, keyVersions);
  await addHistory(q, block.number, historyVersions);
}

/** Keys not in the model yet, each at its device's next position, in the order of their first writes. */
async function addKeys(q: SqlExec, versions: readonly KeyVersion[]): Promise<void> {
  const firsts = new Map<string, KeyVersion>();
  for (const version of versions) if (!firsts.has(version.keyId)) firsts.set(version.keyId, version);
  if (firsts.size === 0) return;
  const known = new Set<string>();
  await inChunks([...firsts.keys()], async (chunk) => {
    const rows = await q.all<{ key_id: string }>(`SELECT key_id FROM model_device_keys WHERE key_id IN (${inList(chunk.length)})`, chunk);
    for (const row of rows) known.add(row.key_id);
  });
  const added = [...firsts.values()].filter((v) => !known.has(v.keyId));
  const position = await lastNumbers(
    q,
    'position',
    'model_device_keys',
    added.map((v) => v.deviceId),
  );
  const rows = added.map(({ deviceId, keyId }): [string, number, string] => {
    const next = (position.get(deviceId) ?? 0) + 1;
    position.set(deviceId, next);
    return [deviceId, next, keyId];
  });
  await inChunks(rows, (chunk) =>
    q.run(`INSERT INTO model_device_keys (device_id, position, key_id) VALUES ${placeholders(chunk.length, 3)}`, chunk.flat()),
  );
}

/** History entries: a last-change record's at its device's next revision, a history record's at its own. */
async function addHistory(q: SqlExec, block: number, versions: readonly HistoryVersion[]): Promise<void> {
  if (versions.length === 0) return;
  const revision = await lastNumbers(
    q,
    'revision',
    'model_history',
    versions.map((v) => v.deviceId),
  );
  const rows = versions.map(({ deviceId, revision: given, txId, entry }): [string, number, number, string, string] => {
    const at = given ?? (revision.get(deviceId) ?? 0) + 1;
    revision.set(deviceId, Math.max(revision.get(deviceId) ?? 0, at));
    return [deviceId, at, block, txId, entry];
  });
  await inChunks(rows, (chunk) =>
    q.run(`INSERT INTO model_history (device_id, revision, block, tx_id, entry) VALUES ${placeholders(chunk.length, 5)}`, chunk.flat()),
  );
}

/** The highest position or revision each of `deviceIds` has in `table` (those with none are absent). */
async function lastNumbers(
  q: SqlExec,
  column: 'position' | 'revision',
  table: 'model_device_keys' | 'model_history',
  deviceIds: readonly string[],
): Promise<Map<string, number>> {
  const last = new Map<string, number>();
  await inChunks([...new Set(deviceIds)], async (chunk) => {
    const rows = await q.all<{ device_id: string; n: number }>(
      `SELECT device_id, MAX(${column}) AS n FROM ${table} WHERE device_id IN (${inList(chunk.length)}) GROUP BY device_id`,
      chunk,
    );
    for (const row of rows) last.set(row.device_id, Number(row.n));
  });
  return last;
}

/** The fleet-filter columns of devices written (value) or deleted (undefined), each device once. */
async function applyDevices(q: SqlExec, devices: ReadonlyArray<[deviceId: string, value: string | undefined]>): Promise<void> {
  const deleted = devices.filter(([, value]) => value === undefined).map(([deviceId]) => deviceId);
  const written = devices
    .filter(([, value]) => value !== undefined)
    .map(([deviceId, value]) => ({ deviceId, d: JSON.parse(value!) as DeviceRow }));
  await inChunks(deleted, (chunk) => q.run(`DELETE FROM model_devices WHERE device_id IN (${inList(chunk.length)})`, chunk));
  await writeDevicesAttributes(
    q,
    devices.map(([deviceId]) => deviceId),
    written.flatMap(({ deviceId, d }) => Object.entries(d.attributes ?? {}).map(([name, value]) => [deviceId, name, value] as const)),
  );
  await inChunks(written, (chunk) =>
    q.run(
      'INSERT INTO model_devices (device_id, family, owner_msp, status, fw_family, fw_version, fw_sha256, created_at, updated_at) ' +
        `VALUES ${placeholders(chunk.length, 9)} ON CONFLICT (device_id) DO UPDATE SET family = excluded.family, ` +
        'owner_msp = excluded.owner_msp, status = excluded.status, fw_family = excluded.fw_family, fw_version = excluded.fw_version, ' +
        'fw_sha256 = excluded.fw_sha256, created_at = excluded.created_at, updated_at = excluded.updated_at',
      chunk.flatMap(({ deviceId, d }) => [
        deviceId,
        d.family,
        d.ownerMsp,
        d.status,
        d.firmware?.family ?? null,
        d.firmware ? sortableVersion(d.firmware.version) : null,
        d.firmware?.sha256 ?? null,
        d.createdAt,
        d.updatedAt,
      ]),
    ),
  );
}

async function applyRelease(q: SqlExec, family: string, versionKey: string, value: string | undefined): Promise<void> {
  if (value === undefined) {
    await q.run('DELETE FROM model_firmware WHERE family = ? AND version_key = ?', [family, versionKey]);
    return;
  }
  const release = JSON.parse(value) as { sha256: string; status: string };
  await q.run(
    'INSERT INTO model_firmware (family, version_key, sha256, status) VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT (family, version_key) DO UPDATE SET sha256 = excluded.sha256, status = excluded.status',
    [family, versionKey, release.sha256, release.status],
  );
}

async function applyFamily(q: SqlExec, family: string, value: string | undefined): Promise<void> {
  if (value === undefined) {
    await q.run('DELETE FROM model_families WHERE family = ?', [family]);
    return;
  }
  const record = JSON.parse(value) as { minVersion?: string };
  await q.run(
    'INSERT INTO model_families (family, min_version_key) VALUES (?, ?) ON CONFLICT (family) DO UPDATE SET min_version_key = excluded.min_version_key',
    [family, record.minVersion === undefined ? null : sortableVersion(record.minVersion)],
  );
}

// Reads (inside a read transaction)

export async function getRecord<T>(q: SqlExec, key: string): Promise<T | undefined> {
  const row = await q.get<{ value: string }>('SELECT value FROM model_state WHERE key = ?', [toDbKey(key)]);
  return row === undefined ? undefined : (JSON.parse(row.value) as T);
}

/** The records of `keys` that exist, by key; one query per 500 keys. */
export async function getRecords(q: SqlExec, keys: readonly string[]): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500).map(toDbKey);
    const rows = await q.all<{ key: string; value: string }>(
      `SELECT key, value FROM model_state WHERE key IN (${inList(chunk.length)})`,
      chunk,
    );
    for (const row of rows) found.set(fromDbKey(row.key), JSON.parse(row.value));
  }
  return found;
}

/** Records under `prefix` from key `from` on, in key order; `limit` of them at most. */
export async function recordsUnder<T>(
  q: SqlExec,
  prefix: string,
  from: string = prefix,
  limit = -1,
): Promise<Array<{ key: string; record: T }>> {
  const rows = await q.all<{ key: string; value: string }>(
    `SELECT key, value FROM model_state WHERE key >= ? AND key < ? ORDER BY key${limit >= 0 ? ' LIMIT ?' : ''}`,
    limit >= 0 ? [toDbKey(from), toDbKey(prefixEnd(prefix)), limit] : [toDbKey(from), toDbKey(prefixEnd(prefix))],
  );
  return rows.map((row) => ({ key: fromDbKey(row.key), record: JSON.parse(row.value) as T }));
}
