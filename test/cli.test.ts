/**
 * The operator CLI as a user runs it (a spawned `iotreg`), against the live network: keys,
 * registration, an offline proof of that registration, a bulk import with bad rows that
 * reports exactly those and resumes, and an import killed midway that a rerun completes.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeviceIdentity, registrationProof } from '@iotreg/device';
import { client, orgsInSync, REPO, uid } from './support/network';

const run = promisify(execFile);
const CLI = path.join(REPO, 'cli/dist/main.js');
const ORDERER_CA = path.join(REPO, 'network/runtime/crypto/orderer-org/msp/cacerts/ca.pem');
const dir = mkdtempSync(path.join(tmpdir(), 'iotreg-cli-'));

async function iotreg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [CLI, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Report lines, oldest first. */
function reportOf(file: string): { deviceId: string; status: string; message?: string }[] {
  if (!existsSync(path.join(dir, file))) return [];
  return readFileSync(path.join(dir, file), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('keygen, register, show; the registration is proven offline; a tampered proof is refused', async () => {
  const id = uid('cli');
  mkdirSync(path.join(dir, 'keys'));
  expect((await iotreg('device', 'keygen', '--out', `keys/${id}`)).code).toBe(0);
  const registered = await iotreg('--org', 'Org1MSP', '--json', 'device', 'register', '--id', id, '--family', 'cli-v1', '--key', `keys/${id}.key.pem`);
  expect(registered.code).toBe(0);
  const device = JSON.parse(registered.stdout);
  expect(device).toMatchObject({ deviceId: id, ownerMsp: 'Org1MSP', status: 'active' });

  const shown = await iotreg('--org', 'Org2MSP', '--role', 'auditor', '--json', 'device', 'show', id);
  expect(JSON.parse(shown.stdout).keyId).toBe(device.keyId);

  const proof = path.join(dir, `${id}.proof.json`);
  expect((await iotreg('--org', 'Org1MSP', '--role', 'auditor', 'audit', 'proof', device.txId, '--out', proof)).code).toBe(0);
  const verified = await iotreg('audit', 'verify', proof, '--ca', ORDERER_CA);
  expect([verified.code, verified.stderr]).toEqual([0, expect.any(String)]);

  const bundle = JSON.parse(readFileSync(proof, 'utf8'));
  const block = Buffer.from(bundle.block, 'base64');
  block.writeUInt8(block.readUInt8(block.length - 200) ^ 1, block.length - 200);
  const tampered = path.join(dir, `${id}.tampered.json`);
  writeFileSync(tampered, JSON.stringify({ ...bundle, block: block.toString('base64') }));
  expect((await iotreg('audit', 'verify', tampered, '--ca', ORDERER_CA)).code).not.toBe(0);
  const wrongCa = await iotreg('audit', 'verify', proof, '--ca', path.join(REPO, 'network/runtime/crypto/org1/msp/cacerts/ca.pem'));
  expect(wrongCa.code).not.toBe(0);
});

test('import: bad rows reported exactly, the rest registered; a second run resumes without duplicates', async () => {
  const rows = ['deviceId,family,publicKeyPem,proof'];
  const bad = new Map<string, string>();
  const ids: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const id = uid('imp');
    const identity = DeviceIdentity.generate();
    let pem = identity.publicKeyPem;
    let proof = registrationProof(identity, { deviceId: id, ownerMsp: 'Org1MSP', family: 'import-v1' });
    if (i % 50 === 7) {
      pem = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
      bad.set(id, 'bad PEM');
    }
    if (i % 50 === 19) {
      proof = registrationProof(DeviceIdentity.generate(), { deviceId: id, ownerMsp: 'Org1MSP', family: 'import-v1' });
      bad.set(id, 'bad proof');
    }
    ids.push(id);
    rows.push([id, 'import-v1', `"${pem}"`, proof].join(',')); // a quoted CSV field keeps the PEM's newlines
  }
  // A duplicate of the first row, later in the file: a bad row too.
  rows.push(rows[1]!);
  const duplicate = ids[0]!;
  writeFileSync(path.join(dir, 'fleet.csv'), rows.join('\n') + '\n');

  const first = await iotreg('--org', 'Org1MSP', 'device', 'import', 'fleet.csv', '--report', 'fleet.jsonl');
  expect(first.code).not.toBe(0);
  const report = readFileSync(path.join(dir, 'fleet.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const failed = report.filter((r) => r.status === 'failed').map((r) => r.deviceId).sort();
  expect(failed).toEqual([...bad.keys(), duplicate].sort());
  const ok = report.filter((r) => r.status === 'ok').length;
  expect(ok).toBe(1000 - bad.size);

  const second = await iotreg('--org', 'Org1MSP', 'device', 'import', 'fleet.csv', '--report', 'fleet.jsonl');
  expect(second.code).not.toBe(0);
  const after = readFileSync(path.join(dir, 'fleet.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(after.filter((r) => r.status === 'ok').length).toBe(ok); // nothing registered twice
  const auditor = client('Org2MSP', 'auditor');
  for (const id of ids.filter((i) => !bad.has(i)).slice(0, 20)) expect((await auditor.get(`/v1/devices/${id}`)).status).toBe(200);
  for (const id of bad.keys()) expect((await auditor.get(`/v1/devices/${id}`)).status).toBe(404);
});

test('an import killed midway is completed by a rerun: every row registered once, rows another org holds named', async () => {
  const rows = ['deviceId,family,publicKeyPem,proof'];
  const identities = Array.from({ length: 600 }, () => ({ id: uid('resume'), identity: DeviceIdentity.generate() }));
  for (const { id, identity } of identities) rows.push([id, 'import-v1', `"${identity.publicKeyPem}"`, registrationProof(identity, { deviceId: id, ownerMsp: 'Org1MSP', family: 'import-v1' })].join(','));
  writeFileSync(path.join(dir, 'resume.csv'), rows.join('\n') + '\n');
  // Two rows Org2 registered first, with the very keys of the file: not Org1's to claim.
  const taken = [identities[10]!, identities[420]!];
  for (const { id, identity } of taken) {
    const body = { deviceId: id, family: 'import-v1', publicKeyPem: identity.publicKeyPem, proof: registrationProof(identity, { deviceId: id, ownerMsp: 'Org2MSP', family: 'import-v1' }) };
    expect((await client('Org2MSP', 'admin').post('/v1/devices', body)).status).toBe(201);
  }
  await orgsInSync(); // the CLI writes through Org1

  const args = ['--org', 'Org1MSP', 'device', 'import', 'resume.csv', '--report', 'resume.jsonl', '--batch-size', '50', '--concurrency', '1'];
  const killed = spawn('node', [CLI, ...args], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise((done) => killed.on('exit', done));
  const deadline = Date.now() + 60_000;
  while (reportOf('resume.jsonl').length < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  killed.kill('SIGKILL');
  await exited;
  const beforeKill = reportOf('resume.jsonl').length;
  expect(beforeKill).toBeGreaterThanOrEqual(100);
  expect(beforeKill).toBeLessThan(600);

  const rerun = await iotreg('--json', ...args);
  expect(rerun.code).not.toBe(0); // the two rows Org2 holds
  const summary = JSON.parse(rerun.stdout);
  expect(summary.failed).toBe(2);
  expect(summary.skipped + summary.ok + summary.exists + summary.failed).toBe(600);

  const lines = reportOf('resume.jsonl');
  const latest = new Map(lines.map((l) => [l.deviceId, l]));
  for (const { id } of taken) expect(latest.get(id)).toMatchObject({ status: 'failed', message: `${id} is registered by Org2MSP` });
  const done = identities.filter(({ id }) => ['ok', 'exists'].includes(latest.get(id)?.status ?? ''));
  expect(done).toHaveLength(598);
  const okLines = lines.filter((l) => l.status === 'ok').map((l) => l.deviceId);
  expect(new Set(okLines).size).toBe(okLines.length); // no row registered twice
  const auditor = client('Org2MSP', 'auditor');
  for (const { id } of [identities[0]!, identities[299]!, identities[599]!]) {
    const history = await auditor.get(`/v1/devices/${id}/history`);
    expect(history.body.items.filter((e: { action: string }) => e.action === 'register')).toHaveLength(1);
  }
});
