/**
 * `npm run package` (scripts/package.sh): the chaincode-as-a-service package an operator installs
 * on a peer of an existing network. No network needed; the peer CLI, when built, checks the ID.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_TLS_CERT } from '../../gateway-app/src/testing/tls-fixture';
import { REPO } from './consortium';

const SCRIPT = path.join(REPO, 'scripts/package.sh');
const PEER = path.join(REPO, '.cache/fabric-3.1.5-ca-1.5.22/bin/peer');

function packageWith(...args: string[]) {
  const out = mkdtempSync(path.join(tmpdir(), 'iotreg-package-'));
  const run = spawnSync('bash', [SCRIPT, '--out', out, ...args], { cwd: REPO, encoding: 'utf8' });
  return {
    out,
    status: run.status,
    stderr: run.stderr,
    id: existsSync(`${out}/package-id`) ? readFileSync(`${out}/package-id`, 'utf8').trim() : '',
  };
}

/** The files of a .tar.gz, and the text of one of them. */
const list = (file: string) => execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).trim().split('\n');
const extract = (file: string, member: string, cwd: string) => execFileSync('tar', ['xzf', file, '-C', cwd, member]);

const rootCert = path.join(mkdtempSync(path.join(tmpdir(), 'iotreg-ca-')), 'ca.pem');
beforeAll(() => writeFileSync(rootCert, TEST_TLS_CERT));

test('the package is metadata.json (type ccaas, the label) and code.tar.gz holding only connection.json', () => {
  const made = packageWith('--address', 'cc.org1.example.com:9999', '--label', 'device-registry_1', '--tls-root-cert', rootCert);
  expect(made.status).toBe(0);
  const file = path.join(made.out, 'device-registry_1.tar.gz');
  expect(list(file).sort()).toEqual(['code.tar.gz', 'metadata.json']);
  extract(file, 'code.tar.gz', made.out);
  expect(list(path.join(made.out, 'code.tar.gz'))).toEqual(['connection.json']);
  expect(JSON.parse(readFileSync(path.join(made.out, 'metadata.json'), 'utf8'))).toEqual({ type: 'ccaas', label: 'device-registry_1' });
  expect(JSON.parse(readFileSync(path.join(made.out, 'connection.json'), 'utf8'))).toEqual({
    address: 'cc.org1.example.com:9999',
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: false,
    root_cert: TEST_TLS_CERT,
  });
});

test('the same options make the same bytes, so every org computes the same package ID; the peer agrees', () => {
  const args = ['--address', 'cc:7052', '--tls-root-cert', rootCert];
  const [a, b] = [packageWith(...args), packageWith(...args)];
  expect(a.id).toMatch(/^device-registry_\d+\.\d+\.\d+:[0-9a-f]{64}$/);
  expect(b.id).toBe(a.id);
  expect(packageWith('--address', 'cc:7053', '--tls-root-cert', rootCert).id).not.toBe(a.id);
  if (existsSync(PEER)) {
    const file = path.join(
      a.out,
      readdirSync(a.out).find((f) => f.endsWith('.tar.gz'))!,
    );
    const fromPeer = execFileSync(PEER, ['lifecycle', 'chaincode', 'calculatepackageid', file], {
      encoding: 'utf8',
      env: { ...process.env, FABRIC_CFG_PATH: path.join(REPO, '.cache/fabric-3.1.5-ca-1.5.22/config') },
    });
    expect(fromPeer.trim()).toBe(a.id);
  }
});

test('--no-tls: the peer dials without TLS and no certificate is carried', () => {
  const made = packageWith('--no-tls');
  expect(made.status).toBe(0);
  expect(JSON.parse(readFileSync(path.join(made.out, 'connection.json'), 'utf8'))).toEqual({
    address: 'device-registry:9999',
    dial_timeout: '10s',
    tls_required: false,
  });
});

test.each([
  [['--address', 'no-port'], /--address must be HOST:PORT/],
  [['--address', 'cc:1', '--label', 'bad label'], /--label must match/],
  [[], /--tls-root-cert FILE is required/],
  [['--tls-root-cert', path.join(REPO, 'package.json')], /is not a PEM certificate/],
  [['--no-tls', '--client-cert', rootCert], /go together/],
])('bad options %j: exit 2 with the reason, nothing written', (args, reason) => {
  const made = packageWith(...args);
  expect(made.status).toBe(2);
  expect(made.stderr).toMatch(reason);
  expect(readdirSync(made.out)).toEqual([]);
});
