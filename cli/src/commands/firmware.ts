/** iotreg firmware …: publish signed releases, vote, revoke, and check images. */
import { Command } from 'commander';
import { statements } from '@iotreg/common';
import { CommandContext, Io } from '../context';
import { readIdentity, sha256File } from '../key-files';
import { fetchPage, PagingOptions, withPaging } from './options';

const RELEASE_COLUMNS = ['family', 'version', 'status', 'sha256', 'publishedAt'];

export function firmwareCommands(io: Io): Command {
  const firmware = new Command('firmware').description('firmware releases');
  const ctx = (command: Command) => CommandContext.of(io, command);

  firmware
    .command('publish')
    .description("publish a release: hashes the image and signs it with the family's vendor key")
    .argument('<image>')
    .requiredOption('--family <family>')
    .requiredOption('--version <version>', 'MAJOR.MINOR.PATCH')
    .requiredOption('--vendor-key <file>', "the vendor's private key PEM")
    .option('--uri <uri>', 'where devices download the image')
    .action(async (image: string, options: { family: string; version: string; vendorKey: string; uri?: string }, command: Command) => {
      const c = ctx(command);
      const vendor = readIdentity(options.vendorKey);
      const sha256 = await sha256File(image);
      const body = {
        family: options.family,
        version: options.version,
        sha256,
        ...(options.uri === undefined ? {} : { uri: options.uri }),
        signature: vendor.sign(statements.firmware(options.family, options.version, sha256)),
      };
      c.record(await c.client.call('publishFirmware', body));
    });

  for (const decision of ['approve', 'reject'] as const) {
    firmware
      .command(decision)
      .description(`${decision} a release for your org (one vote per org)`)
      .argument('<family>')
      .argument('<version>')
      .option('--comment <text>')
      .action(async (family: string, version: string, options: { comment?: string }, command: Command) => {
        const c = ctx(command);
        const vote = { family, version, decision, ...(options.comment === undefined ? {} : { comment: options.comment }) };
        c.record(await c.client.call('voteFirmware', vote));
      });
  }

  firmware
    .command('revoke')
    .description('revoke a release')
    .argument('<family>')
    .argument('<version>')
    .requiredOption('--reason <text>')
    .action(async (family: string, version: string, options: { reason: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('revokeFirmware', { family, version, reason: options.reason }));
    });

  firmware
    .command('verify')
    .description("the ledger's verdict on an image: trusted, pending, rejected, revoked or unknown")
    .argument('<image>')
    .requiredOption('--family <family>')
    .action(async (image: string, options: { family: string }, command: Command) => {
      const c = ctx(command);
      const sha256 = await sha256File(image);
      const verdict = await c.client.call('verifyFirmware', { family: options.family, sha256 });
      c.record({ sha256, ...verdict });
    });

  firmware
    .command('latest')
    .description('the newest trusted release of a family')
    .argument('<family>')
    .action(async (family: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getLatestFirmware', { family }));
    });

  withPaging(
    firmware.command('show').description('one release, or the releases of a family').argument('<family>').argument('[version]'),
  ).action(async (family: string, version: string | undefined, options: PagingOptions, command: Command) => {
    const c = ctx(command);
    if (version !== undefined) c.record(await c.client.call('getFirmware', { family, version }));
    else c.page(await fetchPage(c, 'listFirmware', { family }, options), RELEASE_COLUMNS);
  });

  return firmware;
}
