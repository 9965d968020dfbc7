/**
 * Secrets at rest and in flight on this host: everything the network scripts write (keys, CA
 * bootstrap passwords, enrollment secrets, bearer tokens, gateway configurations) is readable by
 * its owner only, and no secret appears on a running process's command line, which every local
 * user can read in /proc.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { RUNTIME } from './support/network';

function* walk(dir: string): Generator<string> {
  yield dir;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}

test("everything under network/runtime is its owner's alone", () => {
  const open = [...walk(RUNTIME)].filter((file) => (statSync(file).mode & 0o077) !== 0);
  expect(open.map((file) => path.relative(RUNTIME, file))).toEqual([]);
});

test("no secret appears on any process's command line", () => {
  const secretFiles = [...walk(RUNTIME)].filter((file) => /\/(secrets|tokens)\/[^/]+$|bootstrap\.secret$/.test(file));
  expect(secretFiles.length).toBeGreaterThan(10);
  const secrets = secretFiles.map((file) => readFileSync(file, 'utf8').trim());
  const leaks: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    secrets.forEach((secret, i) => {
      if (cmdline.includes(secret)) leaks.push(`${path.relative(RUNTIME, secretFiles[i]!)} in ${cmdline.split('\0')[0]} (pid ${pid})`);
    });
  }
  expect(leaks).toEqual([]);
});
