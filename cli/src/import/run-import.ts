/**
 * `iotreg device import`: registers a CSV's devices with bounded concurrency. Each row is one
 * logical write with its own Idempotency-Key; a row that failed with 503/429 (or no answer) is
 * tried once more with the same key after the first pass, so a struggling gateway gets a pause. A 409 ALREADY_EXISTS is success when
 * the ledger holds the same key for this org: the row was registered before (a rerun).
 */
import { randomUUID } from 'node:crypto';
import type { Device } from '@iotreg/common';
import type { Io } from '../context';
import { CliError } from '../errors';
import { GatewayClient, seg } from '../http/gateway-client';
import { readImportRows } from './csv-rows';
import { planImport, Registration } from './plan';
import { forEachConcurrently } from '../pool';
import { Progress } from './progress';
import { appendReportLine, readReport, ReportLine } from './report';

export interface ImportOptions {
  csvFile: string;
  reportFile: string;
  concurrency: number;
  client: GatewayClient;
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
}

export async function runImport(options: ImportOptions): Promise<ImportSummary> {
  const { client, io, reportFile } = options;
  const rows = readImportRows(options.csvFile);
  const plan = planImport(rows, readReport(reportFile), options.csvFile);
  const counts = { ok: 0, exists: 0, failed: 0 };
  const progress = new Progress(io, rows.length - plan.skipped.length);
  const failures: ReportLine[] = [];
  const finish = (line: ReportLine) => {
    appendReportLine(reportFile, line);
    counts[line.status] += 1;
    if (line.status === 'failed') failures.push(line);
    progress.update(counts);
  };
  plan.invalid.forEach(finish);

  // One logical write per row: its Idempotency-Key is kept for the retry.
  const writes = plan.registrations.map((registration) => ({ registration, idempotencyKey: randomUUID() }));
  const retry: typeof writes = [];
  await forEachConcurrently(writes, options.concurrency, async (write) => {
    const outcome = await register(client, write.registration, write.idempotencyKey);
    if (outcome.retryable) retry.push(write);
    else finish(outcome.line);
  });
  if (retry.length > 0) {
    await new Promise((done) => setTimeout(done, options.retryDelayMs ?? 1_000));
    retry.sort((a, b) => a.registration.row - b.registration.row);
    await forEachConcurrently(retry, options.concurrency, async (write) => {
      finish((await register(client, write.registration, write.idempotencyKey)).line);
    });
  }
  progress.finish(counts);

  for (const failure of failures.sort((a, b) => a.row - b.row)) {
    io.stderr(`row ${failure.row} ${failure.deviceId}: ${failure.code}: ${failure.message}\n`);
  }
  return { rows: rows.length, skipped: plan.skipped.length, ...counts, report: reportFile };
}

/** The row's report line; retryable: it failed in a way worth one more try. */
interface Outcome {
  line: ReportLine;
  retryable: boolean;
}

async function register(client: GatewayClient, registration: Registration, idempotencyKey: string): Promise<Outcome> {
  const { row, deviceId } = registration;
  try {
    const answer = await client.write<{ txId: string }>('POST', '/v1/devices', registration.body, { idempotencyKey, retry: false });
    return { line: { row, deviceId, status: 'ok', txId: answer.txId }, retryable: false };
  } catch (err) {
    const error = err instanceof CliError ? err : new CliError('INTERNAL', String(err));
    if (error.code === 'ALREADY_EXISTS') return { line: await alreadyExists(client, registration, error), retryable: false };
    return { line: { row, deviceId, status: 'failed', code: error.code, message: error.message }, retryable: error.retryable };
  }
}

/** Same key, and this org's when the configuration names the org: registered by an earlier run. */
async function alreadyExists(client: GatewayClient, registration: Registration, conflict: CliError): Promise<ReportLine> {
  const { row, deviceId, keyId } = registration;
  const failed = (message: string): ReportLine => ({ row, deviceId, status: 'failed', code: conflict.code, message });
  let device: Device;
  try {
    device = await client.get<Device>(`/v1/devices/${seg(deviceId)}`);
  } catch (err) {
    const error = err as CliError;
    return failed(`${conflict.message} (and reading it back failed: ${error.code}: ${error.message})`);
  }
  const ourOrg = client.connection.mspId;
  if (device.keyId !== keyId) return failed(`${deviceId} is registered with another key (${device.keyId})`);
  if (ourOrg !== undefined && device.ownerMsp !== ourOrg) return failed(`${deviceId} is registered by ${device.ownerMsp}`);
  return { row, deviceId, status: 'exists', code: conflict.code, message: `already registered by ${device.ownerMsp} with this key` };
}
