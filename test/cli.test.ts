/**
 * The operator CLI as a user runs it (a spawned `iotreg`), against the live network: keys,
 * registration, an offline proof of that registration, a bulk import with bad rows that
 * reports exactly those and resumes, and an import killed midway that a rerun completes.
 */
import { spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DeviceIdentity, registrationProof } from '@iotreg/device';
import { common } from '@hyperledger/fabric-protos';
import { blockDataHash, blockHash, blockHeaderBytes } from '../cli/src/audit/block-hashing';
import { client, orgsInSync, REPO, RUNTIME, uid } from './support/network';
import { ensureFamilies } from './support/families';
import { newDevice, registration } from './support/devices';
import { commandLine } from './support/cli';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['cli-v1', 'import-v1']));

const CLI = path.join(REPO, 'cli/dist/main.js');
const ORDERER_ORG = path.join(RUNTIME, 'crypto/orderer-org');
const ORDERER_CA = path.join(ORDERER_ORG, 'msp/cacerts/ca.pem');
/** What an auditor pins: the four consenters' signing certificates, and the channel's genesis block. */
const CONSENTER_CERTS = [0, 1, 2, 3].map((i) => path.join(ORDERER_ORG, `orderer${i}/msp/signcerts/cert.pem`));
const GENESIS_BLOCK = path.join(RUNTIME, 'channel/iot.block');
const { dir, iotreg } = commandLine('cli');

/** `device keygen` into `keyPrefix`, then `device register` as Org1's admin with that key: the register run. */
async function keygenAndRegister(id: string, keyPrefix: string) {
  expect((await iotreg('device', 'keygen', '--out', keyPrefix)).code).toBe(0);
  return iotreg('--org', 'Org1MSP', '--json', 'device', 'register', '--id', id, '--family', 'cli-v1', '--key', `${keyPrefix}.key.pem`);
}

/** Report lines, oldest first. */
function reportOf(file: string): { deviceId: string; status: string; message?: string }[] {
  if (!existsSync(path.join(dir, file))) return [];
  return readFileSync(path.join(dir, file), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test('keygen, register, show; the registration is proven offline; a tampered proof is refused', async () => {
  const id = uid('cli');
  mkdirSync(path.join(dir, 'keys'));
  const registered = await keygenAndRegister(id, `keys/${id}`);
  expect(registered.code).toBe(0);
  const device = JSON.parse(registered.stdout);
  expect(device).toMatchObject({ deviceId: id, ownerMsp: 'Org1MSP', status: 'active' });

  const shown = await iotreg('--org', 'Org2MSP', '--role', 'auditor', '--json', 'device', 'show', id);
  expect(JSON.parse(shown.stdout).keyId).toBe(device.keyId);

  const proof = path.join(dir, `${id}.proof.json`);
  expect((await iotreg('--org', 'Org1MSP', '--role', 'auditor', 'audit', 'proof', device.txId, '--out', proof)).code).toBe(0);
  const pinned = ['--consenters', ...CONSENTER_CERTS, '--ca', ORDERER_CA, '--min-consenters', '4'];
  const verified = await iotreg('audit', 'verify', proof, ...pinned);
  expect([verified.code, verified.stderr]).toEqual([0, expect.any(String)]);
  expect(verified.stdout).toMatch(/^consenters +ok +4 pinned consenter certificate\(s\): n = 4, a quorum is 3$/m);
  const genesis = common.Block.deserializeBinary(readFileSync(GENESIS_BLOCK)).getHeader() as common.BlockHeader;
  const genesisHash = blockHash(genesis).toString('hex');
  // The bundle's own copy of the config block, checked against the pinned hash; and the auditor's file.
  expect((await iotreg('audit', 'verify', proof, '--config-block-sha256', genesisHash, '--min-consenters', '4')).code).toBe(0);
  expect((await iotreg('audit', 'verify', proof, '--config-block', GENESIS_BLOCK)).code).toBe(0);

  const bundle = JSON.parse(readFileSync(proof, 'utf8'));
  const block = Buffer.from(bundle.block, 'base64');
  block.writeUInt8(block.readUInt8(block.length - 200) ^ 1, block.length - 200);
  const tampered = path.join(dir, `${id}.tampered.json`);
  writeFileSync(tampered, JSON.stringify({ ...bundle, block: block.toString('base64') }));
  expect((await iotreg('audit', 'verify', tampered, ...pinned)).code).not.toBe(0);
  const wrongCa = await iotreg(
    'audit',
    'verify',
    proof,
    '--consenters',
    ...CONSENTER_CERTS,
    '--ca',
    path.join(RUNTIME, 'crypto/org1/msp/cacerts/ca.pem'),
  );
  expect(wrongCa.code).not.toBe(0);
});

/**
 * One orderer-org key forges a "quorum": alter the registration, sign the block alone, and list
 * only itself as the consenters (n = 1, quorum 1). The bundle's own list cannot be trusted.
 */
function forgedBundle(bundle: { block: string; consenters: unknown[] }, signer: string, certificate: string): object {
  const block = common.Block.deserializeBinary(Buffer.from(bundle.block, 'base64'));
  const data = block.getData() as common.BlockData;
  const envelope = common.Envelope.deserializeBinary(data.getDataList_asU8()[0] as Uint8Array);
  const altered = Uint8Array.from(envelope.getSignature_asU8());
  altered[altered.length - 1] = (altered[altered.length - 1] as number) ^ 1;
  envelope.setSignature(altered);
  data.setDataList([envelope.serializeBinary(), ...data.getDataList_asU8().slice(1)]);
  const header = block.getHeader() as common.BlockHeader;
  header.setDataHash(blockDataHash(data.getDataList_asU8()));
  const list = [...(block.getMetadata()?.getMetadataList_asU8() ?? [])];
  const metadata = common.Metadata.deserializeBinary(list[common.BlockMetadataIndex.SIGNATURES] as Uint8Array);
  const identifier = new common.IdentifierHeader();
  identifier.setIdentifier(1);
  const signature = new common.MetadataSignature();
  signature.setIdentifierHeader(identifier.serializeBinary());
  const key = createPrivateKey(readFileSync(path.join(ORDERER_ORG, signer, 'msp/keystore/key.pem')));
  signature.setSignature(
    sign('sha256', Buffer.concat([metadata.getValue_asU8(), identifier.serializeBinary(), blockHeaderBytes(header)]), key),
  );
  metadata.setSignaturesList([signature]);
  list[common.BlockMetadataIndex.SIGNATURES] = metadata.serializeBinary();
  block.getMetadata()?.setMetadataList(list);
  const { configBlock: _dropped, ...rest } = bundle as Record<string, unknown>;
  return {
    ...rest,
    block: Buffer.from(block.serializeBinary()).toString('base64'),
    consenters: [{ id: 1, mspId: 'OrdererMSP', identity: certificate }],
  };
}

test('a bundle forged with one orderer-org key, listing only itself, is refused against the trusted consenter set', async () => {
  const id = uid('cli-forged');
  const registered = await keygenAndRegister(id, id);
  const txId = registered.code === 0 ? JSON.parse(registered.stdout).txId : undefined;
  expect(txId).toEqual(expect.any(String));
  const proof = path.join(dir, `${id}.proof.json`);
  expect((await iotreg('--org', 'Org1MSP', '--role', 'auditor', 'audit', 'proof', txId, '--out', proof)).code).toBe(0);
  const bundle = JSON.parse(readFileSync(proof, 'utf8'));

  const byConsenter = path.join(dir, `${id}.forged-by-orderer0.json`);
  writeFileSync(byConsenter, JSON.stringify(forgedBundle(bundle, 'orderer0', readFileSync(CONSENTER_CERTS[0] as string, 'utf8'))));
  // The old invocation, the orderer CA alone, accepted this; now it names no trusted consenter set.
  const caOnly = await iotreg('audit', 'verify', byConsenter, '--ca', ORDERER_CA);
  expect([caOnly.code, caOnly.stderr]).toEqual([1, expect.stringMatching(/^error: INVALID_ARGUMENT: give the consenter set you trust/)]);
  const againstPins = await iotreg('audit', 'verify', byConsenter, '--consenters', ...CONSENTER_CERTS);
  expect([againstPins.code, againstPins.stderr]).toEqual([
    1,
    expect.stringContaining("PROOF_INVALID: consenters: the bundle's consenter mapping lists 1 consenter(s)"),
  ]);
  const againstGenesis = await iotreg('audit', 'verify', byConsenter, '--config-block', GENESIS_BLOCK);
  expect([againstGenesis.code, againstGenesis.stderr]).toEqual([
    1,
    expect.stringContaining('it lists 1 consenter(s), the trusted set has 4'),
  ]);
  const belowMinimum = await iotreg('audit', 'verify', byConsenter, '--ca', ORDERER_CA, '--min-consenters', '4');
  expect([belowMinimum.code, belowMinimum.stderr]).toEqual([1, expect.stringContaining('fewer than the 4 required')]);

  // The orderer org's admin: a certificate the orderer CA issued, without the orderer role.
  const byAdmin = path.join(dir, `${id}.forged-by-admin.json`);
  writeFileSync(
    byAdmin,
    JSON.stringify(forgedBundle(bundle, 'admin', readFileSync(path.join(ORDERER_ORG, 'admin/msp/signcerts/cert.pem'), 'utf8'))),
  );
  const admin = await iotreg('audit', 'verify', byAdmin, '--ca', ORDERER_CA, '--min-consenters', '1');
  expect([admin.code, admin.stderr]).toEqual([1, expect.stringContaining('does not carry the orderer role (OU=orderer)')]);
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
  const report = reportOf('fleet.jsonl');
  const failed = report
    .filter((r) => r.status === 'failed')
    .map((r) => r.deviceId)
    .sort();
  expect(failed).toEqual([...bad.keys(), duplicate].sort());
  const ok = report.filter((r) => r.status === 'ok').length;
  expect(ok).toBe(1000 - bad.size);

  const second = await iotreg('--org', 'Org1MSP', 'device', 'import', 'fleet.csv', '--report', 'fleet.jsonl');
  expect(second.code).not.toBe(0);
  const after = reportOf('fleet.jsonl');
  expect(after.filter((r) => r.status === 'ok').length).toBe(ok); // nothing registered twice
  const auditor = client('Org2MSP', 'auditor');
  for (const id of ids.filter((i) => !bad.has(i)).slice(0, 20)) expect((await auditor.get(`/v1/devices/${id}`)).status).toBe(200);
  for (const id of bad.keys()) expect((await auditor.get(`/v1/devices/${id}`)).status).toBe(404);
});

test('an import killed midway is completed by a rerun: every row registered once, rows another org holds named', async () => {
  const rows = ['deviceId,family,publicKeyPem,proof'];
  const identities = Array.from({ length: 600 }, () => ({ id: uid('resume'), identity: DeviceIdentity.generate() }));
  for (const { id, identity } of identities)
    rows.push(
      [
        id,
        'import-v1',
        `"${identity.publicKeyPem}"`,
        registrationProof(identity, { deviceId: id, ownerMsp: 'Org1MSP', family: 'import-v1' }),
      ].join(','),
    );
  writeFileSync(path.join(dir, 'resume.csv'), rows.join('\n') + '\n');
  // Two rows Org2 registered first, with the very keys of the file: not Org1's to claim.
  const taken = [identities[10]!, identities[420]!];
  for (const { id, identity } of taken) {
    await client('Org2MSP', 'admin').call('registerDevice', registration(newDevice(id, identity), 'import-v1', undefined, 'Org2MSP'));
  }
  await orgsInSync(); // the CLI writes through Org1

  const args = [
    '--org',
    'Org1MSP',
    'device',
    'import',
    'resume.csv',
    '--report',
    'resume.jsonl',
    '--batch-size',
    '50',
    '--concurrency',
    '1',
  ];
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
