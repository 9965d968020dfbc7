/**
 * Where `./test-network.sh up` takes Fabric from (network/lib/install.sh), in an empty cache:
 * release binaries already installed are linked as they are, a source archive must match its
 * pinned checksum, and with neither it says what to provide. Needs no network, only the binaries
 * the suite's own `up` put in the real cache.
 */
import { execFile } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './support/network';

const run = promisify(execFile);
/** The real cache, as network/env.sh names it. */
const cachedRelease = execFileSync('bash', ['-c', 'source network/env.sh && printf %s "$FABRIC_HOME"'], { cwd: REPO, encoding: 'utf8' });
/** This PATH without any folder holding a `peer`, so only what a test names is found. */
const PATH = (process.env.PATH ?? '')
  .split(':')
  .filter((dir) => !existsSync(path.join(dir, 'peer')))
  .join(':');
let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'iotreg-install-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs install_fabric with a cache in the scratch folder; resolves with its exit code and messages. */
async function installFabric(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const script = 'source network/env.sh; source network/lib/common.sh; source network/lib/install.sh; install_fabric';
  try {
    const { stderr } = await run('bash', ['-c', script], {
      cwd: REPO,
      env: { PATH, HOME: process.env.HOME ?? '/root', FABRIC_HOME: path.join(scratch, 'cache'), ...env },
    });
    return { code: 0, output: stderr };
  } catch (err) {
    const failed = err as { code: number; stderr: string };
    return { code: failed.code, output: failed.stderr };
  }
}

test('with neither binaries nor the source archive, it names both ways to provide Fabric', async () => {
  const { code, output } = await installFabric({ FABRIC_SRC_ARCHIVE: path.join(scratch, 'missing.tar.gz') });
  expect(code).not.toBe(0);
  expect(output).toMatch(/Fabric 3\.1\.5 is needed and none was found/);
  expect(output).toContain('FABRIC_BIN_DIR=');
  expect(output).toContain('FABRIC_SRC_ARCHIVE=');
});

test('a source archive with another checksum is refused before anything is built', async () => {
  const archive = path.join(scratch, 'fabric-3.1.5-src.tar.gz');
  writeFileSync(archive, 'not the release');
  const { code, output } = await installFabric({ FABRIC_SRC_ARCHIVE: archive });
  expect(code).not.toBe(0);
  expect(output).toMatch(/has SHA-256 [0-9a-f]{64}, expected eef0a2c3/);
});

test('release binaries at the pinned version are linked as they are, with their configuration', async () => {
  // The layout of the release archive: bin/ and config/ side by side.
  const release = path.join(scratch, 'release');
  mkdirSync(path.join(release, 'bin'), { recursive: true });
  mkdirSync(path.join(release, 'config'));
  for (const tool of ['peer', 'orderer', 'osnadmin', 'configtxgen']) {
    symlinkSync(path.join(cachedRelease, 'bin', tool), path.join(release, 'bin', tool));
  }
  for (const file of ['core.yaml', 'orderer.yaml'])
    symlinkSync(path.join(cachedRelease, 'config', file), path.join(release, 'config', file));
  const { code, output } = await installFabric({ FABRIC_BIN_DIR: path.join(release, 'bin'), FABRIC_SRC_ARCHIVE: '/nonexistent' });
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('using the installed Fabric 3.1.5 binaries') });
  expect(readlinkSync(path.join(scratch, 'cache', 'bin', 'peer'))).toBe(path.join(release, 'bin', 'peer'));
});

test('binaries of another version named by FABRIC_BIN_DIR are refused', async () => {
  const bin = path.join(scratch, 'old');
  mkdirSync(bin);
  for (const tool of ['peer', 'orderer']) {
    writeFileSync(path.join(bin, tool), '#!/bin/sh\necho " Version: 2.5.4"\n', { mode: 0o755 });
  }
  const { code, output } = await installFabric({ FABRIC_BIN_DIR: bin });
  expect(code).not.toBe(0);
  expect(output).toContain('are not Fabric 3.1.5');
});
