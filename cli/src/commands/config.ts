/** iotreg config …: a device's configuration record (version and digest of its config file). */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { RegistryError, SEALED_CONFIG_INLINE_MAX_BYTES, sealedConfigBytes, sealedConfigSha256 } from '@iotreg/common';
import { DeviceClient, fitsInline, sealConfig } from '@iotreg/device';
import { CommandContext, Io } from '../context';
import { readIdentity, sha256File } from '../key-files';
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
    .command('seal')
    .description("seal a config file to the device's registered key and publish it as the device's next configuration version")
    .argument('<file>')
    .requiredOption('--id <deviceId>')
    .requiredOption('--version <n>', 'integer, greater than the current version', integer(0))
    .option(
      '--uri <uri>',
      `store the envelope off-chain (needed above ${SEALED_CONFIG_INLINE_MAX_BYTES} bytes): where the device downloads it`,
    )
    .option('--out <envelope.json>', 'with --uri: where to write the envelope, to upload to that uri')
    .action(async (file: string, options: { id: string; version: number; uri?: string; out?: string }, command: Command) => {
      const c = ctx(command);
      const content = readFileSync(file);
      if (options.uri !== undefined && options.out === undefined) throw new RegistryError('INVALID_ARGUMENT', '--uri needs --out');
      if (options.uri === undefined && !fitsInline(content)) {
        throw new RegistryError(
          'INVALID_ARGUMENT',
          `${file} is over ${SEALED_CONFIG_INLINE_MAX_BYTES} bytes: store it off-chain with --out FILE --uri URI`,
        );
      }
      const device = await c.client.call('getDevice', { deviceId: options.id });
      const envelope = sealConfig(device, options.version, content);
      const base = { deviceId: options.id, version: options.version, sha256: await sha256File(file) };
      if (options.uri === undefined || options.out === undefined) {
        c.record(await c.client.call('publishSealedConfig', { ...base, sealed: envelope }));
        return;
      }
      const bytes = sealedConfigBytes(envelope);
      writeFileSync(options.out, bytes);
      const sealed = { keyId: envelope.keyId, uri: options.uri, envelopeSha256: sealedConfigSha256(envelope), envelopeBytes: bytes.length };
      c.record(await c.client.call('publishSealedConfig', { ...base, sealed }));
    });

  config
    .command('fetch')
    .description('as the device (its private key): fetch, open and check its sealed configuration; optionally report it applied')
    .requiredOption('--id <deviceId>')
    .requiredOption('--key <file>', "the device's private key PEM")
    .option('--out <file>', 'write the configuration here (default: standard output)')
    .option('--report', "report the configuration's sha256 to the ledger as applied (device-signed)")
    .action(async (options: { id: string; key: string; out?: string; report?: boolean }, command: Command) => {
      const c = ctx(command);
      const device = new DeviceClient(c.connection.gateway, options.id, readIdentity(options.key));
      const opened = await device.fetchConfig();
      if (options.out === undefined) c.io.stdout(opened.config.toString('utf8'));
      else writeFileSync(options.out, opened.config);
      if (options.report) {
        await device.syncSeq();
        const report = await device.sendConfigReport(opened.sha256);
        c.io.stderr(`reported version ${opened.version} (sha256 ${opened.sha256}) in ${report.txId}\n`);
      }
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
