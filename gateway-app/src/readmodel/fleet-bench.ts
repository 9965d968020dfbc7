/**
 * Fleet queries on a read model filled directly (not through the ledger) with N devices:
 * `node gateway-app/dist/readmodel/fleet-bench.js [N ...]` (default 1000 100000 1000000), with
 * IOTREG_BENCH_POSTGRES_URL to run on PostgreSQL instead of a scratch SQLite file. Prints one JSON
 * line per size: fill time, and p50/p99 of a filtered page of 100 (status, family, owner,
 * noncompliant; random start points through the keyset) at 1 and at 50 concurrent.
 *
 * The records are the chaincode's (same keys and JSON as a registration writes), so the queries
 * are the gateway's own (MODEL_QUERIES), present() included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_QUERIES, type QueryContext } from './model-queries';
import { ModelStore } from './model-store';
import { openPostgres, openSqlite, type SqlDatabase } from './sql';
import { sortableVersion, stateKeys, toDbKey } from './state-keys';

const PEM =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2adMrdG7aUfZH57aeKFFM01dPnkx\n' +
  'C18ScRb4Z6poMBgJtYlVtd9ly63URv57ZW0Ncs1LiZB7WATb3svu+1c7HQ==\n-----END PUBLIC KEY-----\n';
const FAMILIES = 10;
const STATUSES = ['active', 'active', 'active', 'suspended', 'revoked'] as const;
const hex = (n: number) => n.toString(16).padStart(64, '0');

/** Fills a model directly with `count` devices (dev-00000000 ...) in 10 families, a third reporting firmware. */
export async function fill(db: SqlDatabase, count: number): Promise<number> {
  const started = Date.now();
  await db.write(async (q) => {
    for (let f = 0; f < FAMILIES; f += 1) {
      const family = `fam${f}`;
      await q.run('INSERT INTO model_families (family, min_version_key) VALUES (?, ?)', [family, sortableVersion('1.1.0')]);
      for (const [version, status] of [
        ['1.0.0', 'trusted'],
        ['1.2.0', 'trusted'],
      ] as const) {
        const release = {
          family,
          version,
          sha256: hex(f),
          uri: '',
          status,
          approvals: [],
          publishedAt: '2026-01-01T00:00:00.000Z',
          publisherMsp: 'Org1MSP',
        };
        await q.run('INSERT INTO model_state (key, value, block, tx_id) VALUES (?, ?, 1, ?)', [
          toDbKey(stateKeys.firmware(family, version)),
          JSON.stringify(release),
          hex(0),
        ]);
        await q.run('INSERT INTO model_firmware (family, version_key, sha256, status) VALUES (?, ?, ?, ?)', [
          family,
          sortableVersion(version),
          hex(f),
          status,
        ]);
      }
    }
  });
  const batch = 10_000;
  for (let from = 0; from < count; from += batch) {
    await db.write(async (q) => {
      for (let i = from; i < Math.min(count, from + batch); i += 1) {
        const deviceId = `dev-${i.toString().padStart(8, '0')}`;
        const family = `fam${i % FAMILIES}`;
        const status = STATUSES[i % STATUSES.length]!;
        const ownerMsp = i % 2 ? 'Org2MSP' : 'Org1MSP';
        // A third of the fleet reports firmware: 1.2.0 (compliant) or 1.0.0 (below the minimum 1.1.0).
        const firmware =
          i % 3 === 0
            ? {
                family,
                version: i % 6 ? '1.2.0' : '1.0.0',
                sha256: hex(i % FAMILIES),
                verdict: 'trusted',
                compliant: true,
                reportedAt: '2026-01-02T00:00:00.000Z',
              }
            : undefined;
        const at = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
        const device = {
          deviceId,
          family,
          ownerMsp,
          status,
          publicKeyPem: PEM,
          keyId: hex(i + 1_000),
          attributes: { site: `site-${i % 50}` },
          createdAt: at,
          updatedAt: at,
          seq: firmware ? 1 : 0,
          ...(firmware ? { firmware } : {}),
        };
        const key = { keyId: device.keyId, deviceId, publicKeyPem: PEM, validFrom: at };
        await q.run('INSERT INTO model_state (key, value, block, tx_id) VALUES (?, ?, 2, ?)', [
          toDbKey(stateKeys.publicKey(device.keyId)),
          JSON.stringify(key),
          hex(i),
        ]);
        await q.run('INSERT INTO model_state (key, value, block, tx_id) VALUES (?, ?, 2, ?)', [
          toDbKey(stateKeys.device(deviceId)),
          JSON.stringify(device),
          hex(i),
        ]);
        await q.run(
          'INSERT INTO model_devices (device_id, family, owner_msp, status, fw_family, fw_version, fw_sha256, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [
            deviceId,
            family,
            ownerMsp,
            status,
            firmware?.family ?? null,
            firmware ? sortableVersion(firmware.version) : null,
            firmware?.sha256 ?? null,
            at,
            at,
          ],
        );
      }
    });
  }
  return (Date.now() - started) / 1000;
}

const FILTERS = [
  { status: 'suspended' },
  { family: 'fam3' },
  { owner: 'Org2MSP' },
  { compliance: 'noncompliant' },
  { family: 'fam7', status: 'active' },
] as const;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** `total` fleet queries, `concurrency` at a time: each a page of 100 from a random device ID on. */
async function measure(db: SqlDatabase, count: number, total: number, concurrency: number, filters: readonly object[] = FILTERS) {
  const listDevices = MODEL_QUERIES.listDevices!;
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      const n = next++;
      const filter = filters[n % filters.length] as (typeof FILTERS)[number];
      const startId = `dev-${Math.floor(Math.random() * count)
        .toString()
        .padStart(8, '0')}`;
      const family = (filter as { family?: string }).family;
      const prefix = family !== undefined ? stateKeys.devicesBy('family', family) : stateKeys.device();
      const bookmark = Buffer.from(`${prefix}${startId}\u0000`).toString('base64url');
      const t0 = process.hrtime.bigint();
      const page = (await db.read((q) =>
        listDevices({ q, role: 'auditor', now: new Date().toISOString() } as QueryContext, { ...filter, pageSize: 100, bookmark } as never),
      )) as { items: unknown[] };
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (page.items.length === 0 && count > 10_000) throw new Error(`empty page for ${JSON.stringify(filter)} from ${startId}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    queries: total,
    perSecond: Math.round(total / seconds),
    p50ms: +percentile(latencies, 50).toFixed(2),
    p99ms: +percentile(latencies, 99).toFixed(2),
  };
}

async function main(): Promise<void> {
  const sizes = process.argv.slice(2).map(Number);
  const postgresUrl = process.env.IOTREG_BENCH_POSTGRES_URL;
  for (const count of sizes.length ? sizes : [1_000, 100_000, 1_000_000]) {
    const dir = mkdtempSync(join(tmpdir(), 'iotreg-fleet-'));
    const db = postgresUrl ? await openPostgres(postgresUrl) : await openSqlite(join(dir, 'model.sqlite'));
    try {
      if (postgresUrl) await db.script('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public');
      await new ModelStore(db, 'bench', 'registry').open();
      const fillSeconds = await fill(db, count);
      if (postgresUrl) await db.script('ANALYZE');
      await measure(db, count, 200, 1); // warm-up
      const one = await measure(db, count, 1_000, 1);
      if (process.env.IOTREG_BENCH_PER_FILTER) {
        for (const filter of FILTERS)
          process.stdout.write(`${JSON.stringify({ filter, ...(await measure(db, count, 200, 1, [filter])) })}\n`);
      }
      const fifty = await measure(db, count, 2_000, 50);
      process.stdout.write(
        `${JSON.stringify({ database: db.dialect, devices: count, fillSeconds, pageSize: 100, sequential: one, concurrent: fifty })}\n`,
      );
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`fleet-bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
