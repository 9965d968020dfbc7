import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, ERROR_STATUS, parsePublicKey, RegistryClient, statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { runCli } from '../program';
import { Answer, captureIo, deviceRecord, errorAnswer, FakeGateway, ReceivedRequest } from '../testing/fake-gateway';
import { readImportRows } from './csv-rows';
import { planImport } from './plan';
import { ReportLine } from './report';
import { runImport } from './run-import';

const gateway = new FakeGateway();
beforeAll(() => gateway.start());
afterAll(() => gateway.stop());

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iotreg-import-'));
  gateway.requests.length = 0;
});

/** Key files in keys/ beside the CSV, named relative to it. */
function keyRows(ids: string[]): { csv: string; identities: Map<string, DeviceIdentity> } {
  const identities = new Map<string, DeviceIdentity>();
  const lines = ['deviceId,family,privateKeyFile'];
  const keys = join(dir, 'keys');
  mkdirSync(keys, { recursive: true });
  for (const id of ids) {
    const identity = DeviceIdentity.generate();
    identities.set(id, identity);
    writeFileSync(join(keys, `${id}.pem`), identity.exportPrivateKeyPem());
    lines.push(`${id},fam,keys/${id}.pem`);
  }
  const csv = join(dir, 'devices.csv');
  writeFileSync(csv, lines.join('\n') + '\n');
  return { csv, identities };
}

function report(file: string): ReportLine[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ReportLine);
}

const batches = () => gateway.requests.filter((r) => r.method === 'POST');
const devicesOf = (request: ReceivedRequest) => (request.body as { devices: { deviceId: string; publicKeyPem: string }[] }).devices;
const sentIds = () => batches().map((r) => devicesOf(r).map((d) => d.deviceId));

type Refusal = { code: keyof typeof ERROR_STATUS; message: string };

/**
 * A ledger behind the fake gateway, all or nothing per batch as the real one: refuses known IDs
 * (409) and whatever `refuse` names, registers the rest, serves reads. `before` may answer a
 * whole request first (a 503, say).
 */
function ledger(
  devices = new Map<string, { keyId: string; ownerMsp: string }>(),
  options: { before?: (r: ReceivedRequest) => Answer | undefined; refuse?: (deviceId: string) => Refusal | undefined } = {},
) {
  let txs = 0;
  gateway.handler = (request) => {
    const early = options.before?.(request);
    if (early) return early;
    if (request.method === 'GET') {
      const id = decodeURIComponent(request.path.split('/')[3] ?? '');
      const device = devices.get(id);
      return device ? { status: 200, body: deviceRecord({ deviceId: id, ...device }) } : errorAnswer(404, 'NOT_FOUND');
    }
    const sent = devicesOf(request);
    const items = sent.flatMap(({ deviceId }, index) => {
      const refusal = devices.has(deviceId)
        ? { code: 'ALREADY_EXISTS' as const, message: `device ${deviceId} exists` }
        : options.refuse?.(deviceId);
      return refusal ? [{ index, ...refusal }] : [];
    });
    if (items.length > 0) {
      const first = items[0] as Refusal;
      return { status: ERROR_STATUS[first.code], body: { error: { code: first.code, message: 'refused', items } } };
    }
    for (const { deviceId, publicKeyPem } of sent)
      devices.set(deviceId, { keyId: parsePublicKey(publicKeyPem).keyId, ownerMsp: 'Org1MSP' });
    txs += 1;
    return { status: 201, body: { count: sent.length, deviceIds: sent.map((d) => d.deviceId), txId: `tx${txs}` } };
  };
  return devices;
}

async function importCsv(csv: string, options: { batchSize?: number; concurrency?: number; mspId?: string } = {}) {
  const io = captureIo();
  const reportFile = `${csv}.report.jsonl`;
  const client = new RegistryClient({ baseUrl: gateway.url, authorization: bearer('t') });
  const summary = await runImport({
    csvFile: csv,
    ownerMsp: options.mspId ?? 'Org1MSP',
    reportFile,
    batchSize: options.batchSize ?? 2,
    concurrency: options.concurrency ?? 4,
    client,
    connectionOrg: options.mspId,
    io,
    retryDelayMs: 1,
  });
  return { summary, io, reportFile };
}

describe('planning', () => {
  test('rows done in the report are skipped; invalid rows fail before anything is sent', () => {
    const csv = join(dir, 'plan.csv');
    const given = DeviceIdentity.generate();
    const proof = given.sign(statements.register('given', given.keyId, 'Org1MSP', 'fam'));
    const forged = given.sign(statements.register('someone-else', given.keyId, 'Org1MSP', 'fam'));
    writeFileSync(join(dir, 'k.pem'), DeviceIdentity.generate().exportPrivateKeyPem());
    writeFileSync(
      csv,
      [
        'deviceId,family,privateKeyFile,publicKeyPem,proof',
        'done,fam,k.pem,,',
        'exists,fam,k.pem,,',
        'failed-before,fam,k.pem,,',
        `given,fam,,"${given.publicKeyPem}",${proof}`,
        `forged,fam,,"${given.publicKeyPem}",${forged}`,
        'bad id!,fam,k.pem,,',
        'no-key,fam,,,',
        `both,fam,k.pem,"${given.publicKeyPem}",${proof}`,
        'missing-file,fam,nope.pem,,',
        'given,fam,k.pem,,',
      ].join('\n'),
    );
    const previous = new Map<string, ReportLine>([
      ['done', { row: 1, deviceId: 'done', status: 'ok', txId: 'tx' }],
      ['exists', { row: 2, deviceId: 'exists', status: 'exists' }],
      ['failed-before', { row: 3, deviceId: 'failed-before', status: 'failed', code: 'LEDGER_UNAVAILABLE' }],
    ]);
    const plan = planImport(readImportRows(csv), previous, csv, 'Org1MSP');
    expect(plan.skipped.map((r) => r.deviceId)).toEqual(['done', 'exists']);
    expect(plan.registrations.map((r) => [r.row, r.deviceId])).toEqual([
      [3, 'failed-before'],
      [4, 'given'],
    ]);
    expect(plan.registrations[1]).toMatchObject({
      keyId: given.keyId,
      body: { deviceId: 'given', family: 'fam', publicKeyPem: given.publicKeyPem, proof },
    });
    expect(plan.invalid.map((l) => [l.row, l.deviceId, l.code, l.message])).toEqual([
      [
        5,
        'forged',
        'BAD_SIGNATURE',
        expect.stringMatching(
          new RegExp(`^the proof does not verify with key ${given.keyId}: it must sign .*"ownerMsp".*, here ownerMsp Org1MSP$`),
        ),
      ],
      [6, 'bad id!', 'INVALID_ARGUMENT', 'deviceId "bad id!" is not a valid ID'],
      [7, 'no-key', 'INVALID_ARGUMENT', 'give privateKeyFile, or publicKeyPem and proof'],
      [8, 'both', 'INVALID_ARGUMENT', 'give privateKeyFile, or publicKeyPem and proof, not both'],
      [9, 'missing-file', 'INVALID_ARGUMENT', `cannot read the private key file ${join(dir, 'nope.pem')}`],
      [10, 'given', 'INVALID_ARGUMENT', 'device given appears more than once in the file'],
    ]);
  });

  test('a CSV with unknown columns is refused whole', () => {
    const csv = join(dir, 'cols.csv');
    writeFileSync(csv, 'deviceId,family,colour\nd,f,red\n');
    expect(() => readImportRows(csv)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('running', () => {
  test('registers the rows in batches with their keys and proofs, and reports each with the txId of its batch', async () => {
    const { csv, identities } = keyRows(['d-1', 'd-2', 'd-3']);
    ledger();
    const { summary, reportFile } = await importCsv(csv, { concurrency: 1 });
    expect(summary).toEqual({ rows: 3, skipped: 0, ok: 3, exists: 0, failed: 0, report: reportFile, seconds: expect.any(Number) });
    expect(batches().map((r) => r.path)).toEqual(['/v1/devices:batch', '/v1/devices:batch']);
    expect(sentIds()).toEqual([['d-1', 'd-2'], ['d-3']]);
    for (const sent of batches().flatMap(devicesOf)) expect(sent.publicKeyPem).toBe(identities.get(sent.deviceId)?.publicKeyPem);
    expect(report(reportFile).map((l) => [l.row, l.deviceId, l.status, l.txId])).toEqual([
      [1, 'd-1', 'ok', 'tx1'],
      [2, 'd-2', 'ok', 'tx1'],
      [3, 'd-3', 'ok', 'tx2'],
    ]);
  });

  test('at most `concurrency` batches are in flight', async () => {
    const { csv } = keyRows(Array.from({ length: 12 }, (_, i) => `c-${i}`));
    let inFlight = 0;
    let most = 0;
    gateway.handler = async (request) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 50)); // long enough that a cold first request still overlaps
      inFlight -= 1;
      const deviceIds = devicesOf(request).map((d) => d.deviceId);
      return { status: 201, body: { count: deviceIds.length, deviceIds, txId: 'tx' } };
    };
    await importCsv(csv, { concurrency: 3 });
    expect(batches()).toHaveLength(6);
    expect(most).toBe(3);
  });

  test('refused rows are reported with their own reasons; the rest of their batch goes again, under a new key', async () => {
    const { csv } = keyRows(['ok-1', 'bad', 'ok-2', 'worse']);
    ledger(undefined, {
      refuse: (id) => (id === 'bad' || id === 'worse' ? { code: 'BAD_SIGNATURE', message: `${id} does not verify` } : undefined),
    });
    const { summary, io, reportFile } = await importCsv(csv, { batchSize: 4 });
    expect(summary).toMatchObject({ ok: 2, failed: 2 });
    expect(sentIds()).toEqual([
      ['ok-1', 'bad', 'ok-2', 'worse'],
      ['ok-1', 'ok-2'],
    ]);
    expect(new Set(batches().map((r) => r.headers['idempotency-key'])).size).toBe(2);
    expect(report(reportFile).map((l) => [l.deviceId, l.status, l.code])).toEqual([
      ['bad', 'failed', 'BAD_SIGNATURE'],
      ['worse', 'failed', 'BAD_SIGNATURE'],
      ['ok-1', 'ok', undefined],
      ['ok-2', 'ok', undefined],
    ]);
    expect(io.err).toBe('row 2 bad: BAD_SIGNATURE: bad does not verify\nrow 4 worse: BAD_SIGNATURE: worse does not verify\n');
  });

  test('a batch answered 503 or 429 is tried once more with the same Idempotency-Key, then listed as failed', async () => {
    const { csv } = keyRows(['flaky-1', 'flaky-2', 'busy', 'broken']);
    const seen = new Map<string, number>();
    ledger(undefined, {
      before: (request) => {
        const first = devicesOf(request)[0]?.deviceId ?? '';
        const attempt = (seen.get(first) ?? 0) + 1;
        seen.set(first, attempt);
        if (first === 'flaky-1' && attempt === 1) return errorAnswer(503, 'OUTCOME_UNKNOWN');
        if (first === 'busy') return errorAnswer(429, 'RATE_LIMITED', 'slow down');
        return undefined;
      },
    });
    const { summary, io, reportFile } = await importCsv(csv);
    expect(summary).toMatchObject({ ok: 2, failed: 2 });
    expect(Object.fromEntries(seen)).toEqual({ 'flaky-1': 2, busy: 2 });
    for (const first of ['flaky-1', 'busy']) {
      const keys = batches()
        .filter((r) => devicesOf(r)[0]?.deviceId === first)
        .map((r) => r.headers['idempotency-key']);
      expect(new Set(keys).size).toBe(1);
    }
    expect(report(reportFile).map((l) => [l.deviceId, l.status, l.code])).toEqual(
      expect.arrayContaining([
        ['flaky-1', 'ok', undefined],
        ['flaky-2', 'ok', undefined],
        ['busy', 'failed', 'RATE_LIMITED'],
        ['broken', 'failed', 'RATE_LIMITED'],
      ]),
    );
    expect(report(reportFile)).toHaveLength(4);
    expect(io.err).toBe('row 3 busy: RATE_LIMITED: slow down\nrow 4 broken: RATE_LIMITED: slow down\n');
  });

  test('409 with the same key is "exists"; with another key, or another org, it failed', async () => {
    const { csv, identities } = keyRows(['mine', 'other-key', 'other-org', 'new']);
    const keyId = (id: string) => identities.get(id)?.keyId as string;
    ledger(
      new Map([
        ['mine', { keyId: keyId('mine'), ownerMsp: 'Org1MSP' }],
        ['other-key', { keyId: 'f'.repeat(64), ownerMsp: 'Org1MSP' }],
        ['other-org', { keyId: keyId('other-org'), ownerMsp: 'Org2MSP' }],
      ]),
    );
    const { summary, reportFile } = await importCsv(csv, { mspId: 'Org1MSP', batchSize: 4 });
    expect(summary).toMatchObject({ ok: 1, exists: 1, failed: 2 });
    expect(report(reportFile).sort((a, b) => a.row - b.row)).toEqual([
      { row: 1, deviceId: 'mine', status: 'exists', code: 'ALREADY_EXISTS', message: 'already registered by Org1MSP with this key' },
      {
        row: 2,
        deviceId: 'other-key',
        status: 'failed',
        code: 'ALREADY_EXISTS',
        message: `other-key is registered with another key (${'f'.repeat(64)})`,
      },
      { row: 3, deviceId: 'other-org', status: 'failed', code: 'ALREADY_EXISTS', message: 'other-org is registered by Org2MSP' },
      { row: 4, deviceId: 'new', status: 'ok', txId: 'tx1' },
    ]);
  });

  test('a rerun skips rows the report shows done and retries the failed ones', async () => {
    const { csv } = keyRows(['r-1', 'r-2', 'r-3']);
    let down = true;
    ledger(undefined, { refuse: (id) => (down && id === 'r-2' ? { code: 'INVALID_ARGUMENT', message: 'not today' } : undefined) });
    const first = await importCsv(csv);
    expect(first.summary).toMatchObject({ ok: 2, failed: 1 });
    const firstLines = report(first.reportFile).map((l) => [l.deviceId, l.status]);
    expect(firstLines).toContainEqual(['r-2', 'failed']);

    down = false;
    gateway.requests.length = 0;
    const second = await importCsv(csv);
    expect(second.summary).toMatchObject({ rows: 3, skipped: 2, ok: 1, failed: 0 });
    expect(sentIds()).toEqual([['r-2']]);
    expect(report(second.reportFile).map((l) => [l.deviceId, l.status])).toEqual([...firstLines, ['r-2', 'ok']]);

    gateway.requests.length = 0;
    expect((await importCsv(csv)).summary).toMatchObject({ skipped: 3, ok: 0 });
    expect(gateway.requests).toHaveLength(0);
  });

  test('a rerun whose report was lost finds its rows registered with the same key', async () => {
    const { csv } = keyRows(['l-1', 'l-2', 'l-3']);
    ledger();
    const first = await importCsv(csv);
    writeFileSync(first.reportFile, '');
    expect((await importCsv(csv)).summary).toMatchObject({ ok: 0, exists: 3, failed: 0 });
  });

  test('through the CLI: a summary, and exit 1 with IMPORT_INCOMPLETE when rows failed', async () => {
    const { csv } = keyRows(['x-1', 'x-2']);
    ledger(undefined, { refuse: (id) => (id === 'x-2' ? { code: 'FORBIDDEN', message: 'not yours' } : undefined) });
    const io = captureIo({ IOTREG_GATEWAY: gateway.url, IOTREG_TOKEN: 't' });
    const reportFile = join(dir, 'out.jsonl');
    expect(await runCli(['--json', 'device', 'import', csv, '--report', reportFile, '--batch-size', '10', '--owner', 'Org1MSP'], io)).toBe(
      1,
    );
    expect(JSON.parse(io.out)).toEqual({
      rows: 2,
      skipped: 0,
      ok: 1,
      exists: 0,
      failed: 1,
      report: reportFile,
      seconds: expect.any(Number),
    });
    expect(io.err).toContain('row 2 x-2: FORBIDDEN: not yours\n');
    expect(JSON.parse(io.err.trimEnd().split('\n').pop() as string)).toEqual({
      error: { code: 'IMPORT_INCOMPLETE', message: `1 row(s) failed (listed above and in ${reportFile}); run again to retry them` },
    });
  });
});
