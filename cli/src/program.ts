/** The iotreg command tree, and running it: parse, act, map every failure to its code and an exit status. */
import { Command, CommanderError } from 'commander';
import { agreementCommands } from './commands/agreement';
import { auditCommands } from './commands/audit';
import { configCommands } from './commands/config';
import { deviceCommands } from './commands/device';
import { familyCommands } from './commands/family';
import { firmwareCommands } from './commands/firmware';
import { fleetCommands } from './commands/fleet';
import { makerCommands } from './commands/maker';
import { rolloutCommands } from './commands/rollout';
import type { Io } from './context';
import { CliError } from './errors';

/** Exit statuses: 1 the operation failed (the code says why), 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(io: Io): Command {
  const program = new Command('iotreg')
    .description('Operator CLI of the IoT device trust registry')
    .option('--gateway <url>', 'gateway base URL (env IOTREG_GATEWAY)')
    .option('--token <token>', 'bearer token (env IOTREG_TOKEN)')
    .option('--profile <name>', 'connection profile from ~/.iotreg.json (or the file IOTREG_PROFILES names)')
    .option('--org <msp>', "the org's gateway and token from the network's clients.json (IOTREG_CLIENTS)")
    .option('--role <role>', 'with --org: admin, vendor or auditor (default admin)')
    .option('--json', 'machine output: JSON (errors too, on stderr)')
    .showHelpAfterError();
  for (const group of [
    deviceCommands,
    familyCommands,
    firmwareCommands,
    configCommands,
    auditCommands,
    makerCommands,
    agreementCommands,
    fleetCommands,
    rolloutCommands,
  ]) {
    program.addCommand(group(io));
  }
  configure(program, io);
  return program;
}

/** Commander writes through io and throws instead of exiting, in every subcommand. */
function configure(command: Command, io: Io): void {
  command.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const sub of command.commands) configure(sub, io);
}

/** Runs one command line (without "node iotreg") and answers the exit status. */
export async function runCli(args: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exits are successes; commander already printed its message.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const { code, message } = CliError.of(err);
    const json = program.opts<{ json?: boolean }>().json === true;
    io.stderr(json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${code}: ${message}\n`);
    return EXIT.failed;
  }
}
