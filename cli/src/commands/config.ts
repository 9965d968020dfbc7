/** iotreg config …: a device's configuration record (version and digest of its config file). */
import { Command } from 'commander';
import { CommandContext, Io } from '../context';
import { sha256File } from '../key-files';
import { integer } from './options';

export function configCommands(io: Io): Command {
  const config = new Command('config').description('device configuration');
  const ctx = (command: Command) => CommandContext.of(io, command);

  config
    .command('publish')
    .description("publish a config file's digest as the device's next configuration version")
    .argument('<file>')
    .requiredOption('--id <deviceId>')
    .requiredOption('--version <n>', 'integer, greater than the current version', integer(0))
    .option('--uri <uri>', 'where the device fetches the file')
    .action(async (file: string, options: { id: string; version: number; uri?: string }, command: Command) => {
      const c = ctx(command);
      const sha256 = await sha256File(file);
      const request = {
        deviceId: options.id,
        version: options.version,
        sha256,
        ...(options.uri === undefined ? {} : { uri: options.uri }),
      };
      c.record(await c.client.call('publishConfig', request));
    });

  config
    .command('verify')
    .description("does a file match the device's latest configuration?")
    .argument('<file>')
    .requiredOption('--id <deviceId>')
    .action(async (file: string, options: { id: string }, command: Command) => {
      const c = ctx(command);
      const sha256 = await sha256File(file);
      c.record({ sha256, ...(await c.client.call('verifyConfig', { deviceId: options.id, sha256 })) });
    });

  config
    .command('show')
    .description("the device's latest configuration record")
    .argument('<deviceId>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getConfig', { deviceId: id }));
    });

  config
    .command('report')
    .description("the device's latest configuration report, and whether it drifts from the published configuration")
    .argument('<deviceId>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getConfigReport', { deviceId: id }));
    });

  return config;
}
