import { createHash, createPublicKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePublicKey, statements, verifyStatement } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { runCli } from './program';
import { captureIo, deviceRecord, errorAnswer, FakeGateway, releaseRecord, txIdOf } from './testing/fake-gateway';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const dir = mkdtempSync(join(tmpdir(), 'iotreg-cli-'));
const gateway = new FakeGateway();

beforeAll(() => gateway.start());
afterAll(() => gateway.stop());
beforeEach(() => {
  gateway.requests.length = 0;
  gateway.handler = ({ path }) => ({ status: 200, body: answerFor(path) });
});

/** A well-formed answer for the routes the tests only send to (answers are checked against the contract). */
function answerFor(path: string): unknown {
  if (path.startsWith('/v1/firmware/')) return releaseRecord();
  if (path.includes('/config/verify')) return { match: true, version: 7 };
  if (path.endsWith('/config')) {
    return {
      deviceId: 'd-1',
      version: 7,
      sha256: 'c'.repeat(64),
      uri: '',
      publishedAt: '2026-01-01T00:00:00.000Z',
      txId: txIdOf('config'),
    };
  }
  if (path.startsWith('/v1/families')) {
    return {
      family: 'fam',
      ownerMsp: 'Org1MSP',
      vendorKeyPem: 'PEM',
      vendorKeyId: 'd'.repeat(64),
      approvalThreshold: 2,
      approvalsRequired: 2,
      createdAt: 't',
    };
  }
  return deviceRecord({ deviceId: 'd-1' });
}

/** Runs iotreg against the fake gateway, as an environment-configured operator would. */
async function iotreg(...args: string[]) {
  const io = captureIo({ IOTREG_GATEWAY: gateway.url, IOTREG_TOKEN: 'tok' });
  const status = await runCli(args, io);
  return { status, out: io.out, err: io.err };
}

function keyFile(name: string, identity = DeviceIdentity.generate()): { file: string; identity: DeviceIdentity } {
  const file = join(dir, `${name}.key.pem`);
  writeFileSync(file, identity.exportPrivateKeyPem());
  return { file, identity };
}

const last = () => gateway.requests[gateway.requests.length - 1];

describe('configuration and output', () => {
  test('global options may follow the subcommand; --json prints the answer as JSON', async () => {
    const device = deviceRecord({ deviceId: 'd-1', status: 'active' });
    gateway.handler = () => ({ status: 200, body: device });
    const io = captureIo({});
    const status = await runCli(['device', 'show', 'd-1', '--json', '--gateway', gateway.url, '--token', 'flag-token'], io);
    expect(status).toBe(0);
    expect(JSON.parse(io.out)).toEqual(device);
    expect(last()).toMatchObject({ method: 'GET', path: '/v1/devices/d-1', headers: { authorization: 'Bearer flag-token' } });
  });

  test('path segments are encoded', async () => {
    await iotreg('device', 'show', 'a/b c');
    expect(last()?.path).toBe('/v1/devices/a%2Fb%20c');
  });

  test("a refusal exits 1 with the contract's code and message; --json gives the error body", async () => {
    gateway.handler = () => errorAnswer(404, 'NOT_FOUND', 'no device d-9');
    expect(await iotreg('device', 'show', 'd-9')).toEqual({ status: 1, out: '', err: 'error: NOT_FOUND: no device d-9\n' });
    const json = await iotreg('--json', 'device', 'show', 'd-9');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.err)).toEqual({ error: { code: 'NOT_FOUND', message: 'no device d-9' } });
  });

  test('no configuration: exits 1 with INVALID_ARGUMENT before sending anything', async () => {
    const io = captureIo({});
    expect(await runCli(['device', 'show', 'd-1'], io)).toBe(1);
    expect(io.err).toBe('error: INVALID_ARGUMENT: no gateway: give --gateway URL, IOTREG_GATEWAY, --profile NAME or --org MSP\n');
  });

  test('an unreachable gateway is GATEWAY_UNREACHABLE', async () => {
    const closed = await new FakeGateway().start();
    await closed.stop();
    const io = captureIo({ IOTREG_GATEWAY: closed.url, IOTREG_TOKEN: 't' });
    expect(await runCli(['device', 'show', 'd-1'], io)).toBe(1);
    expect(io.err).toBe(`error: GATEWAY_UNREACHABLE: GET ${closed.url}/v1/devices/d-1: ECONNREFUSED\n`);
  });

  test.each([
    [['device', 'revoke', 'd-1', '--reason', 'lost'], "option '--reason <reason>' argument 'lost' is invalid"],
    [['device', 'revoke', 'd-1'], "required option '--reason <reason>' not specified"],
    [['device', 'register', '--id', 'd-1', '--family', 'f'], "required option '--key <file>' not specified"],
    [['device', 'list', '--page-size', '0'], 'must be an integer from 1 to 1000'],
    [['device', 'import', 'x.csv', '--concurrency', 'many'], 'must be an integer from 1 to 64'],
    [['device', 'register', '--id', 'd', '--family', 'f', '--key', 'k', '--attr', 'novalue'], 'must be key=value'],
    [['device', 'frobnicate'], "unknown command 'frobnicate'"],
  ])('usage error %j exits 2', async (args, message) => {
    const result = await iotreg(...args);
    expect(result.status).toBe(2);
    expect(result.err).toContain(message);
    expect(gateway.requests).toHaveLength(0);
  });

  test('--help exits 0', async () => {
    const result = await iotreg('device', '--help');
    expect(result.status).toBe(0);
    expect(result.out).toContain('import [options] <csv>');
  });
});

describe('devices', () => {
  test('keygen writes a PKCS#8 private key (owner-only) and its public key, and prints the keyId', async () => {
    const prefix = join(dir, 'gen');
    const result = await iotreg('--json', 'device', 'keygen', '--out', prefix);
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.out) as { keyId: string; privateKeyFile: string; publicKeyFile: string };
    const privatePem = readFileSync(`${prefix}.key.pem`, 'utf8');
    expect(privatePem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(statSync(`${prefix}.key.pem`).mode & 0o777).toBe(0o600);
    const publicKey = parsePublicKey(readFileSync(`${prefix}.pub.pem`, 'utf8'));
    expect(printed).toEqual({ keyId: publicKey.keyId, privateKeyFile: `${prefix}.key.pem`, publicKeyFile: `${prefix}.pub.pem` });
    expect(createPublicKey(privatePem).export({ type: 'spki', format: 'pem' })).toBe(publicKey.pem);
    expect(await iotreg('device', 'keygen', '--out', prefix)).toMatchObject({ status: 1 }); // never overwrites a key
    expect(gateway.requests).toHaveLength(0);
  });

  test('register sends the public key and a proof the private key made, with an Idempotency-Key', async () => {
    const { file, identity } = keyFile('reg');
    gateway.handler = ({ body }) => ({ status: 201, body: { ...deviceRecord(body as { deviceId: string }), txId: 'tx1' } });
    const result = await iotreg(
      'device',
      'register',
      '--id',
      'd-1',
      '--family',
      'fam',
      '--key',
      file,
      '--attr',
      'site=lab',
      '--attr',
      'rack=4',
      '--owner',
      'Org1MSP',
    );
    expect(result.status).toBe(0);
    const request = last();
    expect(request).toMatchObject({ method: 'POST', path: '/v1/devices', headers: { authorization: 'Bearer tok' } });
    expect(request?.headers['idempotency-key']).toMatch(UUID);
    const body = request?.body as { deviceId: string; publicKeyPem: string; family: string; attributes: unknown; proof: string };
    expect(body).toMatchObject({
      deviceId: 'd-1',
      family: 'fam',
      attributes: { site: 'lab', rack: '4' },
      publicKeyPem: identity.publicKeyPem,
    });
    expect(JSON.stringify(body)).not.toContain('PRIVATE');
    const key = parsePublicKey(body.publicKeyPem);
    expect(verifyStatement(key, statements.register('d-1', identity.keyId, 'Org1MSP', 'fam'), body.proof)).toBe(true);
    expect(verifyStatement(key, statements.register('d-1', identity.keyId, 'Org2MSP', 'fam'), body.proof)).toBe(false);
    expect(result.out).toMatch(/^txId +tx1$/m);
  });

  test('each write gets its own Idempotency-Key', async () => {
    await iotreg('device', 'suspend', 'd-1');
    await iotreg('device', 'suspend', 'd-1');
    const [a, b] = gateway.requests.map((r) => r.headers['idempotency-key']);
    expect(a).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  test('rotate: the old and the new key both sign the rotation statement', async () => {
    const old = keyFile('old');
    const next = keyFile('new');
    await iotreg('device', 'rotate', '--id', 'd-1', '--old-key', old.file, '--new-key', next.file);
    const body = last()?.body as { publicKeyPem: string; proofOld: string; proofNew: string };
    expect(last()?.path).toBe('/v1/devices/d-1/keys');
    const statement = statements.rotate('d-1', old.identity.keyId, next.identity.keyId);
    expect(body.publicKeyPem).toBe(next.identity.publicKeyPem);
    expect(verifyStatement(old.identity.publicKey, statement, body.proofOld)).toBe(true);
    expect(verifyStatement(next.identity.publicKey, statement, body.proofNew)).toBe(true);
  });

  test('a write answered 503 is sent once more with the same Idempotency-Key; a 4xx is not', async () => {
    let calls = 0;
    gateway.handler = () =>
      ++calls === 1 ? errorAnswer(503, 'OUTCOME_UNKNOWN') : { status: 200, body: { ...deviceRecord({ deviceId: 'd-1' }), txId: 'tx' } };
    expect((await iotreg('device', 'suspend', 'd-1')).status).toBe(0);
    const [first, second] = gateway.requests.map((r) => r.headers['idempotency-key']);
    expect(gateway.requests).toHaveLength(2);
    expect(second).toBe(first);

    gateway.requests.length = 0;
    gateway.handler = () => errorAnswer(409, 'ALREADY_REVOKED', 'revoked');
    expect(await iotreg('device', 'revoke', 'd-1', '--reason', 'other')).toMatchObject({
      status: 1,
      err: 'error: ALREADY_REVOKED: revoked\n',
    });
    expect(gateway.requests).toHaveLength(1);
  });

  test('suspend, reactivate and revoke post their bodies', async () => {
    await iotreg('device', 'suspend', 'd-1', '--reason', 'maintenance');
    await iotreg('device', 'reactivate', 'd-1');
    await iotreg('device', 'revoke', 'd-1', '--reason', 'keyCompromise');
    expect(gateway.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/v1/devices/d-1/suspend', { reason: 'maintenance' }],
      ['POST', '/v1/devices/d-1/reactivate', {}],
      ['POST', '/v1/devices/d-1/revoke', { reason: 'keyCompromise' }],
    ]);
  });

  test('list: filters become the query; a table, and where the next page starts on stderr', async () => {
    gateway.handler = () => ({
      status: 200,
      body: {
        items: [
          deviceRecord({ deviceId: 'd-1', family: 'f', ownerMsp: 'Org1MSP', status: 'active', keyId: '1'.repeat(64), updatedAt: 't' }),
        ],
        bookmark: 'B2',
      },
    });
    const result = await iotreg('device', 'list', '--owner', 'Org1MSP', '--status', 'active', '--noncompliant', '--page-size', '5');
    expect(last()?.path).toBe('/v1/devices?owner=Org1MSP&status=active&compliance=noncompliant&pageSize=5');
    expect(result.out.split('\n')[0]).toMatch(/^DEVICEID +FAMILY +OWNERMSP +STATUS +KEYID +UPDATEDAT$/);
    expect(result.out.split('\n')[1]).toMatch(/^d-1 +f +Org1MSP +active +1{64} +t$/);
    expect(result.err).toBe('more: --bookmark B2\n');
  });

  test('list --all follows bookmarks to the last page', async () => {
    const [a, b] = [deviceRecord({ deviceId: 'a' }), deviceRecord({ deviceId: 'b' })];
    gateway.handler = ({ path }) => {
      const page = new URL(path, 'http://x').searchParams.get('bookmark');
      return {
        status: 200,
        body: page === null ? { items: [a], bookmark: 'p2' } : { items: [b], bookmark: '' },
      };
    };
    const result = await iotreg('--json', 'device', 'list', '--all');
    expect(gateway.requests.map((r) => r.path)).toEqual(['/v1/devices', '/v1/devices?bookmark=p2']);
    expect(JSON.parse(result.out)).toEqual({ items: [a, b], bookmark: '' });
  });

  test('history and keys', async () => {
    gateway.handler = ({ path }) =>
      path.endsWith('/keys')
        ? { status: 200, body: [{ keyId: '1'.repeat(64), deviceId: 'd-1', publicKeyPem: 'PEM', validFrom: 't1', validTo: 't2' }] }
        : {
            status: 200,
            body: {
              items: [{ txId: txIdOf('tx'), timestamp: 't', action: 'register', submitterMsp: 'Org1MSP', record: {} }],
              bookmark: '',
            },
          };
    const history = await iotreg('device', 'history', 'd-1');
    expect(history.out).toMatch(new RegExp(`^t +register +Org1MSP +${txIdOf('tx')}$`, 'm'));
    const keys = await iotreg('device', 'keys', 'd-1');
    expect(keys.out).toMatch(/^1{64} +t1 +t2$/m);
    expect(gateway.requests.map((r) => r.path)).toEqual(['/v1/devices/d-1/history', '/v1/devices/d-1/keys']);
  });
});

describe('families, firmware and configuration', () => {
  const image = join(dir, 'image.bin');
  writeFileSync(image, 'firmware image bytes');
  const imageSha = createHash('sha256').update('firmware image bytes').digest('hex');

  test('family list asks a page of families by name prefix and shows k of the voting orgs', async () => {
    const summary = {
      family: 'fam',
      ownerMsp: 'Org1MSP',
      createdAt: 't',
      approvalThreshold: 1,
      approvalsRequired: 1,
      voters: ['Org2MSP'],
      releases: 2,
      latestTrustedVersion: '1.0.0',
    };
    gateway.handler = () => ({ status: 200, body: { items: [summary], bookmark: 'B2' } });
    const result = await iotreg('family', 'list', '--prefix', 'fa', '--page-size', '5');
    expect(last()).toMatchObject({ method: 'GET', path: '/v1/families?prefix=fa&pageSize=5' });
    const [header, row] = result.out.split('\n');
    expect(header).toMatch(/^FAMILY +OWNERMSP +APPROVALSREQUIRED +VOTERS +RELEASES +LATESTTRUSTEDVERSION$/);
    expect(row).toMatch(/^fam +Org1MSP +1 +Org2MSP +2 +1\.0\.0$/);
    expect(result.err).toContain('--bookmark B2');
  });

  test('family register sends the public half of the vendor key', async () => {
    const vendor = keyFile('vendor-fam');
    await iotreg('family', 'register', '--family', 'fam', '--vendor-key', vendor.file, '--threshold', '2');
    expect(last()).toMatchObject({
      method: 'POST',
      path: '/v1/families',
      body: { family: 'fam', vendorKeyPem: vendor.identity.publicKeyPem, approvalThreshold: 2 },
    });
  });

  test('firmware publish hashes the image and signs the firmware statement with the vendor key', async () => {
    const vendor = keyFile('vendor');
    await iotreg(
      'firmware',
      'publish',
      image,
      '--family',
      'fam',
      '--version',
      '1.2.3',
      '--vendor-key',
      vendor.file,
      '--uri',
      'https://x/fw',
    );
    const body = last()?.body as { sha256: string; signature: string };
    expect(last()).toMatchObject({
      method: 'POST',
      path: '/v1/firmware',
      body: { family: 'fam', version: '1.2.3', sha256: imageSha, uri: 'https://x/fw' },
    });
    expect(verifyStatement(vendor.identity.publicKey, statements.firmware('fam', '1.2.3', imageSha), body.signature)).toBe(true);
  });

  test('approve, reject, revoke, latest and show reach their paths', async () => {
    await iotreg('firmware', 'approve', 'fam', '1.2.3', '--comment', 'lgtm');
    await iotreg('firmware', 'reject', 'fam', '1.2.3');
    await iotreg('firmware', 'revoke', 'fam', '1.2.3', '--reason', 'CVE');
    await iotreg('firmware', 'latest', 'fam');
    await iotreg('firmware', 'show', 'fam', '1.2.3');
    expect(gateway.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/v1/firmware/fam/1.2.3/approvals', { decision: 'approve', comment: 'lgtm' }],
      ['POST', '/v1/firmware/fam/1.2.3/approvals', { decision: 'reject' }],
      ['POST', '/v1/firmware/fam/1.2.3/revoke', { reason: 'CVE' }],
      ['GET', '/v1/firmware/fam/latest', undefined],
      ['GET', '/v1/firmware/fam/1.2.3', undefined],
    ]);
    expect(gateway.requests.slice(0, 3).every((r) => UUID.test(String(r.headers['idempotency-key'])))).toBe(true);
  });

  test('firmware verify asks about the image digest, without an Idempotency-Key', async () => {
    gateway.handler = () => ({ status: 200, body: { verdict: 'trusted', version: '1.2.3' } });
    const result = await iotreg('--json', 'firmware', 'verify', image, '--family', 'fam');
    expect(last()).toMatchObject({ method: 'POST', path: '/v1/firmware/verify', body: { family: 'fam', sha256: imageSha } });
    expect(last()?.headers['idempotency-key']).toBeUndefined();
    expect(JSON.parse(result.out)).toEqual({ sha256: imageSha, verdict: 'trusted', version: '1.2.3' });
  });

  test('config publish and verify send the file digest', async () => {
    await iotreg('config', 'publish', image, '--id', 'd-1', '--version', '7');
    await iotreg('config', 'verify', image, '--id', 'd-1');
    expect(gateway.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['PUT', '/v1/devices/d-1/config', { version: 7, sha256: imageSha }],
      ['POST', '/v1/devices/d-1/config/verify', { sha256: imageSha }],
    ]);
  });

  test('a file that cannot be read is INVALID_ARGUMENT, nothing sent', async () => {
    const result = await iotreg('config', 'publish', join(dir, 'missing'), '--id', 'd-1', '--version', '7');
    expect(result).toMatchObject({ status: 1, err: `error: INVALID_ARGUMENT: cannot read ${join(dir, 'missing')}\n` });
    expect(gateway.requests).toHaveLength(0);
  });
});

describe('audit', () => {
  const fixtures = join(__dirname, 'audit', '__fixtures__');
  const bundle = join(fixtures, 'proof-bundle.json');
  const ca = join(fixtures, 'orderer-ca.pem');
  /** The bundle's four consenter certificates, pinned as an auditor keeps them: a folder of PEM files. */
  const pinned = join(dir, 'consenters');
  const real = JSON.parse(readFileSync(bundle, 'utf8')) as { consenters: { identity: string }[] };
  mkdirSync(pinned);
  real.consenters.forEach((c, i) => writeFileSync(join(pinned, `orderer${i}.pem`), c.identity));

  test('proof fetches the bundle into a file; verify accepts it against the pinned consenters', async () => {
    gateway.handler = () => ({ status: 200, body: JSON.parse(readFileSync(bundle, 'utf8')) });
    const out = join(dir, 'fetched.json');
    expect((await iotreg('audit', 'proof', 'ab'.repeat(32), '--out', out)).status).toBe(0);
    expect(last()?.path).toBe(`/v1/audit/tx/${'ab'.repeat(32)}`);
    const verified = await iotreg('audit', 'verify', out, '--consenters', pinned, '--ca', ca, '--min-consenters', '4');
    expect(verified.status).toBe(0);
    expect(verified.out).toMatch(/^consenters +ok +4 pinned consenter certificate\(s\): n = 4, a quorum is 3$/m);
    expect(verified.out).toMatch(/^signatures +ok +3 distinct valid consenter signature\(s\) of 4 trusted consenters; a quorum is 3$/m);
    const files = real.consenters.map((_c, i) => join(pinned, `orderer${i}.pem`));
    expect((await iotreg('audit', 'verify', out, '--consenters', ...files)).status).toBe(0);
  });

  test('a bundle listing fewer consenters than pinned exits 1 with PROOF_INVALID and the reason', async () => {
    const shortened = join(dir, 'shortened.json');
    writeFileSync(shortened, JSON.stringify({ ...real, consenters: real.consenters.slice(0, 1) }));
    const result = await iotreg('--json', 'audit', 'verify', shortened, '--consenters', pinned);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ valid: false });
    expect(JSON.parse(result.err)).toEqual({
      error: {
        code: 'PROOF_INVALID',
        message:
          "consenters: the bundle's consenter mapping lists 1 consenter(s), 1 of them pinned, and the pinned set has 4: it must name exactly the pinned consenters; " +
          'signatures: not checked: no trusted consenter set',
      },
    });
  });

  test('fewer trusted consenters than --min-consenters: PROOF_INVALID', async () => {
    const result = await iotreg('--json', 'audit', 'verify', bundle, '--consenters', pinned, '--min-consenters', '7');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.err).error.message).toMatch(
      /^consenters: 4 pinned consenter certificate\(s\) has 4 consenter\(s\), fewer than the 7 required/,
    );
  });

  test.each([
    [
      ['--ca', ca],
      'give the consenter set you trust: --consenters FILES, --config-block FILE and/or --config-block-sha256 HEX, or at least --ca FILE with --min-consenters N (the bundle alone cannot be trusted for it)',
    ],
    [
      ['--consenters', pinned, '--config-block-sha256', 'ab'.repeat(32)],
      'give --consenters or --config-block/--config-block-sha256, not both',
    ],
    [['--config-block-sha256', 'xyz'], '--config-block-sha256 must be 64 hex digits'],
    [['--consenters', pinned, '--min-consenters', '0'], '--min-consenters "0" is not a positive integer'],
    [['--consenters', bundle], `${bundle} is not a PEM certificate`],
    [['--consenters', fixtures + '/nothing-here'], `cannot read ${fixtures}/nothing-here`],
  ])('verify %j is INVALID_ARGUMENT', async (flags, message) => {
    expect(await iotreg('audit', 'verify', bundle, ...flags)).toMatchObject({ status: 1, err: `error: INVALID_ARGUMENT: ${message}\n` });
  });

  test('a CA file that is not a certificate is INVALID_ARGUMENT', async () => {
    expect(await iotreg('audit', 'verify', bundle, '--consenters', pinned, '--ca', bundle)).toMatchObject({
      status: 1,
      err: `error: INVALID_ARGUMENT: ${bundle} is not a PEM certificate\n`,
    });
  });

  test('verify needs no gateway configuration', async () => {
    const io = captureIo({});
    expect(await runCli(['audit', 'verify', bundle, '--consenters', pinned], io)).toBe(0);
  });

  describe('export', () => {
    const entry = (deviceId: string, timestamp: string, action: string) => ({
      txId: txIdOf(`${deviceId}-${action}`),
      timestamp,
      submitterMsp: 'Org1MSP',
      action,
      record: { deviceId, note: 'a,"b"' },
    });
    const histories: Record<string, unknown[]> = {
      old: [entry('old', '2026-01-01T00:00:00.000Z', 'register')],
      new: [entry('new', '2026-01-01T00:00:00.000Z', 'register'), entry('new', '2026-03-01T00:00:00.000Z', 'suspend')],
      mid: [entry('mid', '2026-02-01T00:00:00.000Z', 'register')],
    };
    const updatedAt: Record<string, string> = {
      old: '2026-01-01T00:00:00.000Z',
      new: '2026-03-01T00:00:00.000Z',
      mid: '2026-02-01T00:00:00.000Z',
    };

    beforeEach(() => {
      gateway.handler = ({ path }) => {
        const match = /^\/v1\/devices\/([^/?]+)\/history/.exec(path);
        if (match) return { status: 200, body: { items: histories[match[1] as string], bookmark: '' } };
        return {
          status: 200,
          body: {
            items: Object.keys(histories).map((deviceId) => deviceRecord({ deviceId, updatedAt: updatedAt[deviceId] })),
            bookmark: '',
          },
        };
      };
    });

    test('--device: the history as JSON Lines, each line naming the device', async () => {
      const result = await iotreg('audit', 'export', '--device', 'new');
      expect(
        result.out
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual(histories.new?.map((e) => ({ deviceId: 'new', ...(e as object) })));
    });

    test('--since: only devices changed since then are read, entries merged oldest first, as CSV', async () => {
      const result = await iotreg('audit', 'export', '--since', '2026-01-15T00:00:00Z', '--format', 'csv');
      const [list, ...reads] = gateway.requests.map((r) => r.path);
      expect(list).toBe('/v1/devices?pageSize=1000');
      expect(reads.sort()).toEqual(['/v1/devices/mid/history?pageSize=1000', '/v1/devices/new/history?pageSize=1000']);
      expect(result.out).toBe(
        'timestamp,deviceId,action,submitterMsp,txId,record\n' +
          `2026-02-01T00:00:00.000Z,mid,register,Org1MSP,${txIdOf('mid-register')},"{""deviceId"":""mid"",""note"":""a,\\""b\\""""}"\n` +
          `2026-03-01T00:00:00.000Z,new,suspend,Org1MSP,${txIdOf('new-suspend')},"{""deviceId"":""new"",""note"":""a,\\""b\\""""}"\n`,
      );
    });

    test('needs exactly one of --device and --since', async () => {
      expect(await iotreg('audit', 'export')).toMatchObject({
        status: 1,
        err: 'error: INVALID_ARGUMENT: give --device ID or --since TIME\n',
      });
      expect((await iotreg('audit', 'export', '--since', 'yesterday')).err).toBe(
        'error: INVALID_ARGUMENT: --since "yesterday" is not a time\n',
      );
    });
  });
});
