/** iotreg family …: firmware families (vendor key, approval threshold, minimum version). */
import { Command } from 'commander';
import { CommandContext, Io } from '../context';
import { readPublicKey } from '../key-files';
import { integer } from './options';

export function familyCommands(io: Io): Command {
  const family = new Command('family').description('firmware families');
  const ctx = (command: Command) => CommandContext.of(io, command);

  family
    .command('register')
    .description("register a family owned by the vendor's org")
    .requiredOption('--family <family>', 'family name')
    .requiredOption('--vendor-key <file>', "the vendor's public key PEM (or its private key: only the public key is sent)")
    .requiredOption(
      '--threshold <n>',
      "approvals from member orgs other than the vendor's that a family decision needs (the chaincode raises it to a majority of them)",
      integer(1),
    )
    .action(async (options: { family: string; vendorKey: string; threshold: number }, command: Command) => {
      const c = ctx(command);
      const body = { family: options.family, vendorKeyPem: readPublicKey(options.vendorKey).pem, approvalThreshold: options.threshold };
      c.record(await c.client.call('registerFamily', body));
    });

  family
    .command('show')
    .description('read a family')
    .argument('<family>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getFamily', { family: name }));
    });

  family
    .command('policy')
    .description('set the minimum compliant firmware version of a family')
    .argument('<family>')
    .requiredOption('--min-version <version>', 'MAJOR.MINOR.PATCH')
    .action(async (name: string, options: { minVersion: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('setFamilyPolicy', { family: name, minVersion: options.minVersion }));
    });

  return family;
}
