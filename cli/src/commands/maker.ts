/** iotreg maker …: device makers, their manufacturing keys and the birth certificates they sign. */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { birthCertificate } from '@iotreg/device';
import { CommandContext, Io } from '../context';
import { invalidArgument } from '../errors';
import { readIdentity, readPublicKey } from '../key-files';

export function makerCommands(io: Io): Command {
  const maker = new Command('maker').description('device makers: manufacturing keys, birth certificates');
  const ctx = (command: Command) => CommandContext.of(io, command);

  maker
    .command('register')
    .description("register the vendor's org as a device maker (vendor role)")
    .requiredOption('--maker <id>', 'maker ID, as families name it')
    .requiredOption('--key <file>', 'the manufacturing public key PEM (or its private key: only the public key is sent)')
    .action(async (options: { maker: string; key: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('registerMaker', { maker: options.maker, manufacturingKeyPem: readPublicKey(options.key).pem }));
    });

  maker
    .command('show')
    .description('read a maker')
    .argument('<maker>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getMaker', { maker: id }));
    });

  maker
    .command('certify')
    .description("sign a device's birth certificate with the manufacturing key (offline; at manufacture)")
    .requiredOption('--maker <id>', 'maker ID')
    .requiredOption('--key <file>', 'the manufacturing private key PEM')
    .requiredOption('--id <deviceId>', 'device ID')
    .requiredOption('--family <family>', 'the family the device is made for')
    .requiredOption('--device-key <file>', "the device's public key PEM (or its private key)")
    .requiredOption('--out <file>', 'where to write the certificate (JSON), for device register --birth-certificate')
    .action((options: { maker: string; key: string; id: string; family: string; deviceKey: string; out: string }, command: Command) => {
      const device = { deviceId: options.id, family: options.family, keyId: readPublicKey(options.deviceKey).keyId };
      const certificate = birthCertificate(readIdentity(options.key), options.maker, device);
      try {
        writeFileSync(options.out, JSON.stringify(certificate) + '\n', { flag: 'wx' });
      } catch (err) {
        throw invalidArgument(`cannot write ${options.out}: ${(err as Error).message}`);
      }
      ctx(command).record({ ...certificate, file: options.out });
    });

  return maker;
}
