/** iotreg device …: keys, registration, reads, rotation, status, bulk import. */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  BATCH_MAX,
  confidentialDigest,
  confidentialValuesMatch,
  DEVICE_STATUSES,
  type DeviceStatus,
  REVOCATION_REASONS,
  type RevocationReason,
} from '@iotreg/common';
import { committedRegistration, committedRotation, DeviceIdentity, preRotation, registrationProof, rotationProofs } from '@iotreg/device';
import { CommandContext, Io } from '../context';
import { CliError, invalidArgument } from '../errors';
import { runImport } from '../import/run-import';
import { readIdentity, readPublicKey, writeKeyPair } from '../key-files';
import { fetchPage, integer, keyValue, PagingOptions, withPaging } from './options';

const DEVICE_COLUMNS = ['deviceId', 'family', 'ownerMsp', 'status', 'keyId', 'updatedAt'];

const NEXT_KEY_HELP = "pre-rotation: the next key's public key PEM (or its private key; only its digest is sent): commits the device to it";

const OWNER_HELP =
  "MSP ID of the registering org, which the proof signs (default: the connection's org, from --org or the profile's mspId)";

/** The org a registration proof names: --owner, else the org the connection acts for. */
function ownerOf(c: CommandContext, given: string | undefined): string {
  const owner = given ?? c.connection.mspId;
  if (owner === undefined) {
    throw invalidArgument(
      'the registration proof names the registering org: give --owner MSP, or connect with --org or a profile that has an mspId',
    );
  }
  return owner;
}

/** A birth certificate file as `iotreg maker certify` writes it; the registry checks its form and signature. */
function readCertificate(file: string): { maker: string; signature: string } {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { maker: string; signature: string };
  } catch {
    throw invalidArgument(`${file} is not a birth certificate (JSON from iotreg maker certify)`);
  }
}

/** Confidential values as handed to an auditor: {attributes, salt} (a deviceId in the file is ignored: the argument names the device). */
function readValues(file: string): { attributes: Record<string, string>; salt: string } {
  let value: { attributes?: unknown; salt?: unknown };
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as typeof value;
  } catch {
    throw invalidArgument(`${file} is not JSON {attributes, salt}`);
  }
  if (typeof value.salt !== 'string' || typeof value.attributes !== 'object' || value.attributes === null) {
    throw invalidArgument(`${file} must hold {"attributes": {...}, "salt": "<hex>"}`);
  }
  return { attributes: value.attributes as Record<string, string>, salt: value.salt };
}

function writeValues(file: string, values: unknown): void {
  try {
    writeFileSync(file, JSON.stringify(values) + '\n', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    throw invalidArgument(`cannot write ${file}: ${(err as Error).message}`);
  }
}

export function deviceCommands(io: Io): Command {
  const device = new Command('device').description('devices: keys, registration, status, history');
  const ctx = (command: Command) => CommandContext.of(io, command);

  device
    .command('keygen')
    .description('generate a device key pair: PREFIX.key.pem (PKCS#8) and PREFIX.pub.pem')
    .requiredOption('--out <prefix>', 'path prefix of the two files')
    .addOption(new Option('--type <type>', 'key type').choices(['p256', 'ed25519']).default('p256'))
    .action((options: { out: string; type: 'p256' | 'ed25519' }, command: Command) => {
      ctx(command).record(writeKeyPair(options.out, DeviceIdentity.generate(options.type)));
    });

  device
    .command('register')
    .description('register a device, proving possession of its private key')
    .requiredOption('--id <deviceId>', 'device ID')
    .requiredOption('--family <family>', 'firmware family')
    .requiredOption('--key <file>', "the device's private key PEM (signs the proof; only the public key is sent)")
    .option('--attr <key=value>', 'an attribute (repeatable)', keyValue)
    .option('--owner <msp>', OWNER_HELP)
    .option('--next-key <file>', NEXT_KEY_HELP)
    .option('--birth-certificate <file>', "the maker's birth certificate (JSON, from iotreg maker certify)")
    .action(
      async (
        options: {
          id: string;
          family: string;
          key: string;
          attr?: Record<string, string>;
          owner?: string;
          nextKey?: string;
          birthCertificate?: string;
        },
        command: Command,
      ) => {
        const c = ctx(command);
        const identity = readIdentity(options.key);
        const target = { deviceId: options.id, ownerMsp: ownerOf(c, options.owner), family: options.family };
        const body = {
          deviceId: options.id,
          publicKeyPem: identity.publicKeyPem,
          family: options.family,
          ...(options.attr ? { attributes: options.attr } : {}),
          ...(options.nextKey
            ? committedRegistration(identity, target, readPublicKey(options.nextKey).pem)
            : { proof: registrationProof(identity, target) }),
          ...(options.birthCertificate ? { birthCertificate: readCertificate(options.birthCertificate) } : {}),
        };
        c.record(await c.client.call('registerDevice', body));
      },
    );

  device
    .command('show')
    .description('read a device')
    .argument('<deviceId>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('getDevice', { deviceId: id }));
    });

  withPaging(
    device
      .command('list')
      .description('list devices')
      .option('--owner <msp>', 'owned by this MSP')
      .option('--family <family>')
      .addOption(new Option('--status <status>').choices(DEVICE_STATUSES))
      .option('--noncompliant', 'only devices running firmware below their family policy'),
  ).action(
    async (
      options: PagingOptions & { owner?: string; family?: string; status?: DeviceStatus; noncompliant?: boolean },
      command: Command,
    ) => {
      const c = ctx(command);
      const filters = {
        owner: options.owner,
        family: options.family,
        status: options.status,
        compliance: options.noncompliant ? ('noncompliant' as const) : undefined,
      };
      c.page(await fetchPage(c, 'listDevices', filters, options), DEVICE_COLUMNS);
    },
  );

  withPaging(device.command('history').description('every change of a device, oldest first').argument('<deviceId>')).action(
    async (id: string, options: PagingOptions, command: Command) => {
      const c = ctx(command);
      const page = await fetchPage(c, 'getDeviceHistory', { deviceId: id }, options);
      c.page(page, ['timestamp', 'action', 'submitterMsp', 'txId']);
    },
  );

  device
    .command('keys')
    .description('every key the device has had')
    .argument('<deviceId>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const c = ctx(command);
      const keys = await c.client.call('listDeviceKeys', { deviceId: id });
      c.page({ items: keys, bookmark: '' }, ['keyId', 'validFrom', 'validTo', 'revokedAt']);
    });

  device
    .command('rotate')
    .description("rotate a device's key: the old and the new key both sign the change")
    .requiredOption('--id <deviceId>', 'device ID')
    .requiredOption('--old-key <file>', 'the current private key PEM')
    .requiredOption('--new-key <file>', 'the new private key PEM')
    .option('--next-key <file>', NEXT_KEY_HELP.replace('the next key', 'the key after the new one'))
    .action(async (options: { id: string; oldKey: string; newKey: string; nextKey?: string }, command: Command) => {
      const c = ctx(command);
      const [current, next] = [readIdentity(options.oldKey), readIdentity(options.newKey)];
      const body = options.nextKey
        ? committedRotation(options.id, current, next, readPublicKey(options.nextKey).pem)
        : rotationProofs(options.id, current, next);
      c.record(await c.client.call('rotateDeviceKey', { deviceId: options.id, ...body }));
    });

  device
    .command('pre-rotate')
    .description("rotate to the device's pre-committed next key, which alone signs, and commit to the one after")
    .requiredOption('--id <deviceId>', 'device ID')
    .requiredOption('--key <file>', 'the committed next private key PEM (revealed now)')
    .requiredOption('--next-key <file>', NEXT_KEY_HELP.replace('the next key', 'the key after it'))
    .action(async (options: { id: string; key: string; nextKey: string }, command: Command) => {
      const c = ctx(command);
      const { keyId } = await c.client.call('getDevice', { deviceId: options.id });
      const body = preRotation(options.id, keyId, readIdentity(options.key), readPublicKey(options.nextKey).pem);
      c.record(await c.client.call('preRotateKey', { deviceId: options.id, ...body }));
    });

  const transfer = device.command('transfer').description('ownership transfer between orgs: the owner offers, the new owner accepts');
  transfer
    .command('offer')
    .description("offer a device to another org (the owner's admin)")
    .argument('<deviceId>')
    .requiredOption('--to <msp>', 'MSP ID of the org offered the device')
    .action(async (id: string, options: { to: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('offerTransfer', { deviceId: id, toMsp: options.to }));
    });
  transfer
    .command('accept')
    .description('accept a device offered to your org (its admin)')
    .argument('<deviceId>')
    .requiredOption('--from <msp>', 'MSP ID of the current owner, as the offer shows it')
    .action(async (id: string, options: { from: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('acceptTransfer', { deviceId: id, fromMsp: options.from }));
    });

  const attributes = device
    .command('attributes')
    .description("confidential attributes: in the owner org's private data collection, their salted hash on the public ledger");
  attributes
    .command('put')
    .description("store confidential attributes (the owner's admin; only its org's peers receive them), then record their hash")
    .argument('<deviceId>')
    .requiredOption('--attr <key=value>', 'an attribute (repeat)', keyValue)
    .option('--salt <hex>', '32 random bytes, hex (default: the gateway draws one)')
    .action(async (id: string, options: { attr: Record<string, string>; salt?: string }, command: Command) => {
      const c = ctx(command);
      const stored = await c.client.call('putConfidentialAttributes', {
        deviceId: id,
        attributes: options.attr,
        ...(options.salt === undefined ? {} : { salt: options.salt }),
      });
      const digest = await c.client.call('recordConfidentialDigest', { deviceId: id });
      c.record({ ...digest, storedTxId: stored.txId });
    });
  attributes
    .command('get')
    .description("read the confidential attributes and their salt (the owner org's roles), e.g. to hand to an auditor")
    .argument('<deviceId>')
    .option('--out <file>', 'also write {deviceId, attributes, salt} there, for `attributes verify --values`')
    .action(async (id: string, options: { out?: string }, command: Command) => {
      const c = ctx(command);
      const values = await c.client.call('getConfidentialAttributes', { deviceId: id });
      if (options.out !== undefined) writeValues(options.out, { deviceId: id, attributes: values.attributes, salt: values.salt });
      c.record(values);
    });
  attributes
    .command('verify')
    .description("check values and salt an owner handed over against the hash on the public ledger (any org's auditor)")
    .argument('<deviceId>')
    .requiredOption('--values <file>', 'JSON {attributes, salt} (as `attributes get --out` writes it)')
    .action(async (id: string, options: { values: string }, command: Command) => {
      const c = ctx(command);
      const given = readValues(options.values);
      const digest = await c.client.call('getConfidentialDigest', { deviceId: id });
      const values = { deviceId: id, attributes: given.attributes, salt: given.salt };
      const match = confidentialValuesMatch(values, digest.sha256);
      c.record({
        deviceId: id,
        match,
        recordedSha256: digest.sha256,
        computedSha256: confidentialDigest(values),
        recordedAt: digest.recordedAt,
      });
      if (!match)
        throw new CliError('HASH_MISMATCH', `the values in ${options.values} are not the ones whose hash the ledger records for ${id}`);
    });

  device
    .command('key-digest')
    .description('the pre-rotation commitment (nextKeyDigest) to a key: SHA-256 of its DER SubjectPublicKeyInfo')
    .argument('<file>', 'public key PEM (or its private key)')
    .action((file: string, _options: unknown, command: Command) => {
      ctx(command).record({ nextKeyDigest: readPublicKey(file).keyId });
    });

  for (const [name, route, description] of [
    ['suspend', 'suspendDevice', 'suspend a device'],
    ['reactivate', 'reactivateDevice', 'reactivate a suspended device'],
  ] as const) {
    device
      .command(name)
      .description(description)
      .argument('<deviceId>')
      .option('--reason <text>')
      .action(async (id: string, options: { reason?: string }, command: Command) => {
        const c = ctx(command);
        c.record(await c.client.call(route, { deviceId: id, ...(options.reason === undefined ? {} : { reason: options.reason }) }));
      });
  }

  device
    .command('revoke')
    .description('revoke a device (terminal)')
    .argument('<deviceId>')
    .addOption(new Option('--reason <reason>').choices(REVOCATION_REASONS).makeOptionMandatory())
    .action(async (id: string, options: { reason: RevocationReason }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('revokeDevice', { deviceId: id, reason: options.reason }));
    });

  device
    .command('import')
    .description('register the devices of a CSV file (deviceId,family, and privateKeyFile or publicKeyPem+proof)')
    .argument('<csv>')
    .option('--report <file>', 'JSON Lines report, also what a rerun resumes from (default: CSV.report.jsonl)')
    .addOption(new Option('--batch-size <n>', 'registrations per transaction').argParser(integer(1, BATCH_MAX)).default(BATCH_MAX))
    .addOption(new Option('--concurrency <n>', 'batches in flight').argParser(integer(1, 64)).default(4))
    .option('--owner <msp>', OWNER_HELP)
    .action(async (csv: string, options: { report?: string; batchSize: number; concurrency: number; owner?: string }, command: Command) => {
      const c = ctx(command);
      const summary = await runImport({
        csvFile: csv,
        ownerMsp: ownerOf(c, options.owner),
        reportFile: options.report ?? `${csv}.report.jsonl`,
        batchSize: options.batchSize,
        concurrency: options.concurrency,
        client: c.client,
        connectionOrg: c.connection.mspId,
        io,
      });
      c.record(summary);
      if (summary.failed > 0) {
        const message = `${summary.failed} row(s) failed (listed above and in ${summary.report}); run again to retry them`;
        throw new CliError('IMPORT_INCOMPLETE', message);
      }
    });

  return device;
}
