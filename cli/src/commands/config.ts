/** iotreg config …: a device's configuration record (version and digest of its config file). */
import { Command } from 'commander';
import type { ConfigRecord } from '@iotreg/common';
import { CommandContext, Io } from '../context';
import { seg } from '../http/gateway-client';
import { sha256File } from '../key-files';
import { integer } from './options';

export function configCommands(io: Io): Command {
  const config = new Command('config').description('device configuration');
  const ctx = (command: Command) => CommandContext.of(io, command);
  const path = (id: string) => `/v1/devices/${seg(id)}/config`;

  config
    .command('publish')
    .description("publish a config file's digest as the device's next configuration version")
    .argument('<file>')
    .requiredOption('--id <deviceId>')
    .requiredOption('--version <n>', 'integer, greater than the current version', integer(0))
    .option('--uri <uri>', 'where the device fetches the file')
    .action(async (file: string, options: { id: string; version: number; uri?: string }, command: Command) => {
      const c = ctx(command);
      const body = { version: options.version, sha256: await sha256File(file), ...(options.uri === undefined ? {} : { uri: options.uri }) };
      c.record(await c.client.write<ConfigRecord>('PUT', path(options.id), body));
    });

  config
    .command('verify')
    .description("does a file match the device's latest configuration?")
    .argument('<file>')
    .requiredOption('--id <deviceId>')
    .action(async (file: string, options: { id: string }, command: Command) => {
      const c = ctx(command);
      const sha256 = await sha256File(file);
      c.record({ sha256, ...(await c.client.ask<{ match: boolean; version: number | null }>(`${path(options.id)}/verify`, { sha256 })) });
    });

  config
    .command('show')
    .description("the device's latest configuration record")
    .argument('<deviceId>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.get<ConfigRecord>(path(id)));
    });

  return config;
}
