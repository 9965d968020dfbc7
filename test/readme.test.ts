/**
 * The README is executable: its quick-start commands run literally, in order, against the live
 * network, and each must exit 0 and answer what the README says it answers.
 *
 * Which commands: every fenced block tagged `sh` whose opening fence follows a line
 * `<!-- readme-test -->` (blank lines between are allowed). Each line of such a block is one
 * command (a line ending in `\` continues on the next); they run in one bash session in the
 * repository's root, so variables set by one (`TOKEN=$(…)`) are there for the next.
 *
 * - Skipped: what the suite itself does or what would stop the network it runs on (see SKIP).
 * - `<name>` in a command is filled with the value of `name` in the latest earlier output that
 *   showed one (e.g. `<txId>` from the `txId` a registration printed).
 * - `<!-- readme-test unique=s1,thermo -->`: each listed word is replaced, as a whole word, by a
 *   value unique to this run, so that commands that create records also run on a used ledger.
 * - A line `#> text` in the block: the output of the command before it must contain `text`.
 *   Besides, CHECKS below knows what the usual commands answer.
 * - Files the README reads but does not make (FIXTURES) are made for it; files the commands
 *   create in the repository's root are removed afterwards.
 *
 * IOTREG_README names another file to test instead of README.md.
 */
import { spawn, ChildProcessWithoutNullStreams } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientsFile, REPO, RUNTIME, uid } from './support/network';

export interface ReadmeCommand {
  command: string;
  /** Text the README says its output contains (`#> text` lines). */
  expect: string[];
}

const MARKER = /^<!--\s*readme-test\b(.*?)-->\s*$/;

interface MarkedBlock {
  /** The block's lines, without its fences. */
  lines: string[];
  /** The marker's `unique=` words, each with its replacement. */
  replacements: Array<readonly [RegExp, string]>;
}

/** Every `sh` block right after a readme-test marker. */
function markedBlocks(markdown: string, unique: (word: string) => string): MarkedBlock[] {
  const lines = markdown.split('\n');
  const blocks: MarkedBlock[] = [];
  lines.forEach((line, at) => {
    const marker = MARKER.exec(line.trim());
    if (!marker) return;
    let open = at + 1;
    while (open < lines.length && lines[open]!.trim() === '') open += 1;
    if (!/^```sh\s*$/.test(lines[open] ?? ''))
      throw new Error(`README line ${at + 1}: the readme-test marker is not followed by a \`\`\`sh block`);
    const close = lines.findIndex((text, i) => i > open && /^```\s*$/.test(text));
    const words = /unique=(\S+)/.exec(marker[1] ?? '')?.[1]?.split(',') ?? [];
    const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    blocks.push({
      lines: lines.slice(open + 1, close < 0 ? lines.length : close),
      replacements: words.map((word) => [new RegExp(`\\b${escape(word)}\\b`, 'g'), unique(word)] as const),
    });
  });
  return blocks;
}

/** The commands of every marked `sh` block, in order, with the marker's substitutions applied. */
export function readmeCommands(markdown: string, unique: (word: string) => string = uid): ReadmeCommand[] {
  const commands: ReadmeCommand[] = [];
  for (const { lines, replacements } of markedBlocks(markdown, unique)) {
    const substitute = (text: string) => replacements.reduce((result, [from, to]) => result.replace(from, to), text);
    let pending = '';
    for (const line of lines) {
      const expectation = /^#>\s?(.*)$/.exec(line.trim());
      if (expectation) {
        const last = commands[commands.length - 1];
        if (!last) throw new Error(`README: "${line}" comes before any command`);
        last.expect.push(substitute(expectation[1]!));
      } else if (line.endsWith('\\')) {
        pending += line.slice(0, -1) + ' ';
      } else if (line.trim() !== '' && !line.trim().startsWith('#')) {
        commands.push({ command: substitute(pending + line), expect: [] });
        pending = '';
      }
    }
  }
  return commands;
}

/** What the suite does itself, or what would take the network away from it. */
const SKIP = [/^\.\/test-network\.sh\s+(up|down|clean|kill|restart|baseline)\b/, /^npm\s+(test|run\s+test)\b/, /^npm\s+ci\b/];

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** Known answers of the README's usual commands; `match` picks them, `check` judges the output. */
const CHECKS: Array<{ match: RegExp; check: (out: Outcome, found: RegExpExecArray) => void }> = [
  {
    match: /curl\b.*\/v1\/discovery\b/,
    check: ({ stdout }) => {
      const answer = JSON.parse(stdout) as Record<string, unknown>;
      expect(Array.isArray(answer.endpoints) || Array.isArray(answer.items)).toBe(true);
    },
  },
  {
    match: /curl\b.*\/openapi\.json\b/,
    check: ({ stdout }) => expect(JSON.parse(stdout)).toMatchObject({ openapi: expect.stringMatching(/^3\./) }),
  },
  {
    match: /\.\/test-network\.sh\s+status\b/,
    check: ({ stdout }) => expect(stdout).toMatch(/gateway/i),
  },
  {
    match: /iotreg\b.*\bdevice\s+keygen\b.*--out\s+(\S+)/,
    check: ({ stdout }, [, prefix]) => {
      expect(stdout).toMatch(/keyId\s+[0-9a-f]{64}/);
      for (const suffix of ['.key.pem', '.pub.pem']) expect(existsSync(path.join(REPO, prefix + suffix))).toBe(true);
    },
  },
  {
    match: /iotreg\b.*\bdevice\s+register\b.*--id\s+(\S+)/,
    check: ({ stdout }, [, deviceId]) => {
      expect(stdout).toMatch(new RegExp(`deviceId\\s+${deviceId}\\b`));
      expect(stdout).toMatch(/txId\s+[0-9a-f]{64}/);
    },
  },
  {
    match: /iotreg\b.*\bdevice\s+import\b.*--report\s+(\S+)/,
    check: (_out, [, report]) => {
      const rows = readFileSync(path.join(REPO, report!), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { status: string });
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((row) => row.status)).toEqual(rows.map(() => 'ok'));
    },
  },
  {
    match: /iotreg\b.*\baudit\s+proof\b.*--out\s+(\S+)/,
    check: (_out, [, file]) => expect(typeof JSON.parse(readFileSync(path.join(REPO, file!), 'utf8'))).toBe('object'),
  },
  {
    match: /iotreg\b.*\baudit\s+verify\b/,
    check: ({ stdout }) => {
      expect(stdout).toMatch(/\bok\b/);
      expect(stdout).not.toMatch(/FAILED/);
    },
  },
];

/** Files the README's commands read but do not make, made here (name → content maker). */
const FIXTURES: Record<string, () => void> = {
  'fleet.csv': () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const keyFile = `${uid('fleet')}.key.pem`;
    writeFileSync(path.join(REPO, keyFile), key);
    writeFileSync(path.join(REPO, 'fleet.csv'), `deviceId,family,privateKeyFile\n${uid('fleet')},thermo,${keyFile}\n`);
  },
};

/** `<name>` placeholders, filled from the latest earlier output that showed `name` and a value. */
function fillPlaceholders(command: string, outputs: string[]): string {
  return command.replace(/<([A-Za-z][\w-]*)>/g, (whole, name: string) => {
    const shown = new RegExp(`"?\\b${name}\\b"?\\s*[:=]?\\s*"?([^\\s",]+)`);
    for (const output of [...outputs].reverse()) {
      const value = shown.exec(output)?.[1];
      if (value) return value;
    }
    throw new Error(`no earlier output shows ${name} for ${whole} in: ${command}`);
  });
}

/**
 * The README speaks of the default network (network/runtime, gateways on 127.0.0.1); on another
 * (IOTREG_RUNTIME, e.g. the hosts topology) its commands run with that network's folder and
 * gateway URLs, matched by port.
 */
function onThisNetwork(command: string): string {
  const runtime = path.relative(REPO, RUNTIME);
  if (runtime === 'network/runtime') return command;
  let result = command.replaceAll('network/runtime/', `${runtime}/`);
  for (const { gateway } of Object.values(clientsFile().orgs)) {
    result = result.replaceAll(`http://127.0.0.1:${new URL(gateway).port}`, gateway);
  }
  return result;
}

/** One bash session: commands run in turn, sharing variables, in the repository's root. */
class Session {
  readonly #bash: ChildProcessWithoutNullStreams;
  #buffer = '';
  #waiting?: (line: string) => void;
  #count = 0;

  constructor(readonly dir: string) {
    this.#bash = spawn('bash', ['--noprofile', '--norc'], { cwd: REPO, env: process.env });
    this.#bash.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.#buffer += chunk;
      const end = this.#buffer.indexOf('\n');
      if (end >= 0 && this.#waiting) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        this.#waiting(line);
      }
    });
  }

  async run(command: string): Promise<Outcome> {
    this.#count += 1;
    const file = (ext: string) => path.join(this.dir, `${this.#count}.${ext}`);
    const done = new Promise<string>((resolve) => (this.#waiting = resolve));
    this.#bash.stdin.write(`{\n${command}\n} >'${file('out')}' 2>'${file('err')}' </dev/null; echo "$?"\n`);
    const status = Number(await done);
    return { status, stdout: readFileSync(file('out'), 'utf8'), stderr: readFileSync(file('err'), 'utf8') };
  }

  close() {
    this.#bash.stdin.end();
  }
}

const readmePath = process.env.IOTREG_README ?? path.join(REPO, 'README.md');
const commands = readmeCommands(readFileSync(readmePath, 'utf8'));

describe(`the README's commands (${path.relative(REPO, readmePath)})`, () => {
  const before = new Set(readdirSync(REPO));
  const scratch = path.join(RUNTIME, uid('readme-test'));
  const outputs: string[] = [];
  let session: Session;
  let failed: string | undefined;

  beforeAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    for (const [name, make] of Object.entries(FIXTURES)) {
      if (commands.some(({ command }) => command.includes(name)) && !before.has(name)) make();
    }
    session = new Session(scratch);
  });

  afterAll(() => {
    session?.close();
    rmSync(scratch, { recursive: true, force: true });
    // What the commands wrote into the repository's root (keys, reports, proofs): files only.
    for (const name of readdirSync(REPO)) {
      if (!before.has(name) && lstatSync(path.join(REPO, name)).isFile()) rmSync(path.join(REPO, name));
    }
  });

  test('the README marks its quick-start blocks', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  test.each(commands.map((c) => [c.command, c] as const))('%s', async (_name, { command, expect: shown }) => {
    if (SKIP.some((skip) => skip.test(command.trim()))) return;
    if (failed) throw new Error(`not run: an earlier command failed (${failed})`);
    const literal = fillPlaceholders(onThisNetwork(command), outputs);
    const outcome = await session.run(literal);
    outputs.push(outcome.stdout + outcome.stderr);
    try {
      if (outcome.status !== 0) throw new Error(`exit status ${outcome.status}\n${outcome.stdout}\n${outcome.stderr}`);
      for (const text of shown) expect(outcome.stdout + outcome.stderr).toContain(text);
      for (const { match, check } of CHECKS) {
        const found = match.exec(literal);
        if (found) check(outcome, found);
      }
    } catch (err) {
      failed = literal;
      throw new Error(`${literal}\n${err instanceof Error ? err.message : String(err)}\noutput:\n${outcome.stdout}${outcome.stderr}`);
    }
  });
});
