/** The command line as a user runs it: `node cli/dist/main.js …`, in a scratch folder of its own. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './network';

const run = promisify(execFile);
const CLI = path.join(REPO, 'cli/dist/main.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Both streams: where a refusal's code is told. */
  output: string;
  /** Standard output as JSON (with --json), or undefined when it is not JSON. */
  json: any;
}

function parsed(stdout: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch {
    return undefined;
  }
}

/** `iotreg` running in a new folder (`dir`, where relative key files land); it answers whatever the exit code. */
export function commandLine(prefix: string): { dir: string; iotreg: (...args: string[]) => Promise<CliRun> } {
  const dir = mkdtempSync(path.join(tmpdir(), `iotreg-${prefix}-`));
  const iotreg = async (...args: string[]): Promise<CliRun> => {
    let result: { code: number; stdout: string; stderr: string };
    try {
      const { stdout, stderr } = await run('node', [CLI, ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
      result = { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      result = { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    return { ...result, output: result.stdout + result.stderr, json: parsed(result.stdout) };
  };
  return { dir, iotreg };
}
