/** iotreg audit …: history export, transaction proof bundles and their offline verification. */
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { deviceHistory, ExportFormat, formatAudit, historySince } from '../audit/export';
import { verifyProof } from '../audit/verify-proof';
import { CommandContext, Io } from '../context';
import { CliError, invalidArgument } from '../errors';
import { seg } from '../http/gateway-client';
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
      const bundle = await ctx(command).client.get<unknown>(`/v1/audit/tx/${seg(txId)}`);
      emit(`${JSON.stringify(bundle, null, 2)}\n`, options.out);
    });

  audit
    .command('verify')
    .description("verify a proof bundle offline against the orderer org's CA certificate")
    .argument('<bundle>', 'bundle JSON file (from `audit proof`)')
    .requiredOption('--ca <file>', "the orderer org's CA certificate, PEM")
    .action((file: string, options: { ca: string }, command: Command) => {
      const c = ctx(command);
      const result = verifyProof(readJsonFile(file), readCertificate(options.ca));
      if (c.json) {
        io.stdout(`${JSON.stringify(result)}\n`);
      } else {
        io.stdout(formatTable(result.checks.map((check) => ({ ...check, ok: check.ok ? 'ok' : 'FAILED' })), ['name', 'ok', 'detail']));
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

function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`cannot read ${file}`);
  }
}

function readCertificate(file: string): X509Certificate {
  const pem = readTextFile(file);
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalidArgument(`${file} is not a PEM certificate`);
  }
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(readTextFile(file));
  } catch (err) {
    throw err instanceof CliError ? err : invalidArgument(`${file} is not JSON`);
  }
}
