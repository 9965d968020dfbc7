/** iotreg audit …: history export, transaction proof bundles and their offline verification. */
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { deviceHistory, ExportFormat, formatAudit, historySince } from '../audit/export';
import { ProofTrust, verifyProof } from '../audit/verify-proof';
import { CommandContext, Io } from '../context';
import { CliError, invalidArgument } from '../errors';
import { formatTable } from '../output';

export function auditCommands(io: Io): Command {
  const audit = new Command('audit').description('audit trail and ledger proofs');
  const ctx = (command: Command) => CommandContext.of(io, command);
  const emit = (text: string, out: string | undefined) => (out === undefined ? io.stdout(text) : writeFileSync(out, text));

  audit
    .command('export')
    .description('change history of a device, or of every device changed since a time, oldest first')
    .option('--device <deviceId>')
    .option('--since <time>', 'ISO 8601 time')
    .addOption(new Option('--format <format>').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: { device?: string; since?: string; format: ExportFormat; out?: string }, command: Command) => {
      const c = ctx(command);
      if ((options.device === undefined) === (options.since === undefined)) throw invalidArgument('give --device ID or --since TIME');
      let records;
      if (options.device !== undefined) {
        records = await deviceHistory(c.client, options.device);
      } else {
        const since = new Date(options.since as string);
        if (Number.isNaN(since.getTime())) throw invalidArgument(`--since "${options.since}" is not a time`);
        records = await historySince(c.client, since);
      }
      emit(formatAudit(records, options.format), options.out);
    });

  audit
    .command('proof')
    .description('fetch the proof bundle of a transaction (its block and the consenters), for `audit verify`')
    .argument('<txId>')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (txId: string, options: { out?: string }, command: Command) => {
      const bundle = await ctx(command).client.transactionProof(txId);
      emit(`${JSON.stringify(bundle, null, 2)}\n`, options.out);
    });

  audit
    .command('verify')
    .description('verify a proof bundle offline against a consenter set you trust')
    .argument('<bundle>', 'bundle JSON file (from `audit proof`)')
    .option('--consenters <paths...>', 'pinned consenter signing certificates: PEM files, or folders of *.pem files')
    .option('--config-block <file>', 'a channel config block you trust (serialized common.Block, e.g. from `peer channel fetch config`)')
    .option('--config-block-sha256 <hex>', "pinned hash of the config block's header; without --config-block, checks the bundle's copy")
    .option('--ca <file>', "the orderer org's CA certificate, PEM: every consenter must be issued by it")
    .option('--min-consenters <n>', 'refuse a consenter set smaller than n', parseCount)
    .action((file: string, options: VerifyOptions, command: Command) => {
      const c = ctx(command);
      const result = verifyProof(readJsonFile(file), proofTrust(options));
      if (c.json) {
        io.stdout(`${JSON.stringify(result)}\n`);
      } else {
        io.stdout(
          formatTable(
            result.checks.map((check) => ({ ...check, ok: check.ok ? 'ok' : 'FAILED' })),
            ['name', 'ok', 'detail'],
          ),
        );
        const signers = result.signers.map((signer) => ({ ...signer }));
        if (signers.length > 0) io.stdout(`\n${formatTable(signers, ['consenterId', 'counted', 'subject', 'reason'])}`);
      }
      if (!result.valid) {
        const reasons = result.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
        throw new CliError('PROOF_INVALID', reasons.join('; '));
      }
    });

  return audit;
}

interface VerifyOptions {
  consenters?: string[];
  configBlock?: string;
  configBlockSha256?: string;
  ca?: string;
  minConsenters?: number;
}

/** The auditor's trust anchors from the flags; refuses flags that give no trusted consenter set. */
function proofTrust(options: VerifyOptions): ProofTrust {
  const pinsConfig = options.configBlock !== undefined || options.configBlockSha256 !== undefined;
  if (options.consenters !== undefined && pinsConfig)
    throw invalidArgument('give --consenters or --config-block/--config-block-sha256, not both');
  if (options.consenters === undefined && !pinsConfig && (options.ca === undefined || options.minConsenters === undefined)) {
    throw invalidArgument(
      'give the consenter set you trust: --consenters FILES, --config-block FILE and/or --config-block-sha256 HEX, ' +
        'or at least --ca FILE with --min-consenters N (the bundle alone cannot be trusted for it)',
    );
  }
  if (options.configBlockSha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.configBlockSha256)) {
    throw invalidArgument('--config-block-sha256 must be 64 hex digits');
  }
  return {
    consenters: options.consenters?.flatMap(pemFilesOf).map(readCertificate),
    configBlock: options.configBlock === undefined ? undefined : readBinaryFile(options.configBlock),
    configBlockSha256: options.configBlockSha256,
    ca: options.ca === undefined ? undefined : readCertificate(options.ca),
    minConsenters: options.minConsenters,
  };
}

/** A file as given, or the *.pem files directly inside a folder. */
function pemFilesOf(path: string): string[] {
  let entries;
  try {
    if (!statSync(path).isDirectory()) return [path];
    entries = readdirSync(path);
  } catch {
    throw invalidArgument(`cannot read ${path}`);
  }
  const files = entries
    .filter((name) => name.endsWith('.pem'))
    .sort()
    .map((name) => join(path, name));
  if (files.length === 0) throw invalidArgument(`${path} holds no .pem files`);
  return files;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument(`--min-consenters "${value}" is not a positive integer`);
  return n;
}

function readBinaryFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw invalidArgument(`cannot read ${file}`);
  }
}

function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`cannot read ${file}`);
  }
}

function readCertificate(file: string): string {
  const pem = readTextFile(file);
  try {
    new X509Certificate(pem);
  } catch {
    throw invalidArgument(`${file} is not a PEM certificate`);
  }
  return pem;
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readTextFile(file));
  } catch (err) {
    throw err instanceof CliError ? err : invalidArgument(`${file} is not JSON`);
  }
}
