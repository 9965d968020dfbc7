/**
 * `iotreg device import`: registers a CSV's devices through POST /v1/devices:batch, a batch per
 * transaction, with bounded concurrency. A batch is all or nothing, so a refusal settles the rows
 * it names (a 409 ALREADY_EXISTS is success when the ledger holds the same key for this org: an
 * earlier run registered it) and the rest go again as a new batch. A batch that failed with
 * 503/429 (or no answer) is tried once more with the same Idempotency-Key after the first pass,
 * so a struggling gateway gets a pause and a committed batch is never written twice.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, type Device, type RefusedItem, type RegistryClient } from '@iotreg/common';
import type { Io } from '../context';
import { CliError } from '../errors';
import { forEachConcurrently } from '../pool';
import { readImportRows } from './csv-rows';
import { planImport, Registration } from './plan';
import { Progress } from './progress';
import { appendReportLine, readReport, ReportLine } from './report';

export interface ImportOptions {
  csvFile: string;
  /** The registering org: each proof signs it (rows with a given proof must have been signed for it). */
  ownerMsp: string;
  reportFile: string;
  /** Registrations per transaction. */
  batchSize: number;
  /** Batches in flight. */
  concurrency: number;
  client: RegistryClient;
  /** The org the connection acts for, when the configuration names it: an existing device must be this org's. */
  connectionOrg?: string | undefined;
  io: Io;
  /** Pause before the retry pass, so a busy gateway can recover. */
  retryDelayMs?: number;
}

export interface ImportSummary {
  rows: number;
  skipped: number;
  ok: number;
  exists: number;
  failed: number;
  report: string;
  seconds: number;
}

/** Rows sent together, under one Idempotency-Key for as long as the rows stay the same. */
interface Batch {
  rows: Registration[];
  idempotencyKey: string;
}

type Finish = (line: ReportLine) => void;

/** The gateway, and the org the connection acts for (when the configuration names it). */
interface Importer {
  registry: RegistryClient;
  org: string | undefined;
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { io, reportFile } = options;
  const client = { registry: options.client, org: options.connectionOrg };
  const rows = readImportRows(options.csvFile);
  const plan = planImport(rows, readReport(reportFile), options.csvFile, options.ownerMsp);
  const counts = { ok: 0, exists: 0, failed: 0 };
  const progress = new Progress(io, rows.length - plan.skipped.length);
  const failures: ReportLine[] = [];
  const finish: Finish = (line) => {
    appendReportLine(reportFile, line);
    counts[line.status] += 1;
    if (line.status === 'failed') failures.push(line);
    progress.update(counts);
  };
  plan.invalid.forEach(finish);

  const retry: Batch[] = [];
  await forEachConcurrently(batchesOf(plan.registrations, options.batchSize), options.concurrency, async (batch) => {
    const unsettled = await settle(client, batch, finish);
    if (unsettled) retry.push(unsettled.batch);
  });
  if (retry.length > 0) {
    await new Promise((done) => setTimeout(done, options.retryDelayMs ?? 1_000));
    await forEachConcurrently(retry, options.concurrency, async (batch) => {
      const unsettled = await settle(client, batch, finish);
      unsettled?.batch.rows.forEach((registration) => finish(failedLine(registration, unsettled.error)));
    });
  }
  progress.finish(counts);

  for (const failure of failures.sort((a, b) => a.row - b.row)) {
    io.stderr(`row ${failure.row} ${failure.deviceId}: ${failure.code}: ${failure.message}\n`);
  }
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  return { rows: rows.length, skipped: plan.skipped.length, ...counts, report: reportFile, seconds };
}

function batchesOf(registrations: Registration[], size: number): Batch[] {
  const batches: Batch[] = [];
  for (let i = 0; i < registrations.length; i += size) {
    batches.push({ rows: registrations.slice(i, i + size), idempotencyKey: randomUUID() });
  }
  return batches;
}

/**
 * Sends the batch until every row has a report line, or until it fails in a way worth another
 * try later: then answers the rows still unsettled, with their key and the error.
 */
async function settle(client: Importer, batch: Batch, finish: Finish): Promise<{ batch: Batch; error: ApiError | CliError } | undefined> {
  let { rows, idempotencyKey } = batch;
  while (rows.length > 0) {
    try {
      const request = { devices: rows.map((registration) => registration.body) };
      const answer = await client.registry.call('registerDevices', request, { idempotencyKey, retries: 0 });
      for (const { row, deviceId } of rows) finish({ row, deviceId, status: 'ok', txId: answer.txId });
      return undefined;
    } catch (err) {
      const error = err instanceof ApiError ? err : CliError.of(err);
      const refused = refusedRows(rows, error);
      if (refused) {
        for (const [registration, item] of refused) finish(await refusedLine(client, registration, item));
        rows = rows.filter((registration) => !refused.has(registration));
        idempotencyKey = randomUUID(); // another body: another logical write
        continue;
      }
      if (error instanceof ApiError && error.retryable) return { batch: { rows, idempotencyKey }, error };
      rows.forEach((registration) => finish(failedLine(registration, error)));
      return undefined;
    }
  }
  return undefined;
}

/** The rows a batch refusal names, when it names rows of this batch. */
function refusedRows(rows: Registration[], error: ApiError | CliError): Map<Registration, RefusedItem> | undefined {
  if (!error.items || error.items.some((item) => rows[item.index] === undefined)) return undefined;
  return new Map(error.items.map((item) => [rows[item.index] as Registration, item]));
}

function failedLine({ row, deviceId }: Registration, error: { code: string; message: string }): ReportLine {
  return { row, deviceId, status: 'failed', code: error.code, message: error.message };
}

/** A refused row failed, unless it is already registered with the same key, for this org when the configuration names the org. */
async function refusedLine(client: Importer, registration: Registration, refusal: RefusedItem): Promise<ReportLine> {
  if (refusal.code !== 'ALREADY_EXISTS') return failedLine(registration, refusal);
  const { row, deviceId, keyId } = registration;
  const failed = (message: string) => failedLine(registration, { code: refusal.code, message });
  let device: Device;
  try {
    device = await client.registry.call('getDevice', { deviceId });
  } catch (err) {
    const error = CliError.of(err);
    return failed(`${refusal.message} (and reading it back failed: ${error.code}: ${error.message})`);
  }
  const ourOrg = client.org;
  if (device.keyId !== keyId) return failed(`${deviceId} is registered with another key (${device.keyId})`);
  if (ourOrg !== undefined && device.ownerMsp !== ourOrg) return failed(`${deviceId} is registered by ${device.ownerMsp}`);
  return { row, deviceId, status: 'exists', code: refusal.code, message: `already registered by ${device.ownerMsp} with this key` };
}
