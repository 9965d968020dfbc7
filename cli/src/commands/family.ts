/** iotreg family …: firmware families (vendor key, approval threshold, minimum version). */
import { Command, Option } from 'commander';
import { PRE_ROTATION_POLICIES, type PreRotationPolicy, REQUIREMENTS, type Requirement } from '@iotreg/common';
import { CommandContext, Io } from '../context';
import { readPublicKey } from '../key-files';
import { fetchPage, integer, PagingOptions, withPaging } from './options';

const list = (value: string) => value.split(',').filter((item) => item !== '');
const FAMILY_COLUMNS = ['family', 'ownerMsp', 'approvalsRequired', 'voters', 'releases', 'latestTrustedVersion'];

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

  withPaging(
    family
      .command('list')
      .description('families by name: owner, approvals required (k) of the voting member orgs (n), releases')
      .option('--prefix <text>', 'only families whose name starts with this'),
  ).action(async (options: PagingOptions & { prefix?: string }, command: Command) => {
    const c = ctx(command);
    const page = await fetchPage(c, 'listFamilies', { prefix: options.prefix }, options);
    // The table shows the voting orgs as a list; --json keeps the answer as the API gave it.
    const shown = c.json ? page : { ...page, items: page.items.map((f) => ({ ...f, voters: f.voters.join(',') || '-' })) };
    c.page(shown, FAMILY_COLUMNS);
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
    .option('--require-compliance', 'quarantine devices whose firmware is not compliant (their anchors, config fetches, agreements: 422)')
    .option('--no-require-compliance', 'stop quarantining (a family decision, like lowering the minimum)')
    .action(async (name: string, options: { minVersion: string; requireCompliance?: boolean }, command: Command) => {
      const c = ctx(command);
      const request = {
        family: name,
        minVersion: options.minVersion,
        ...(options.requireCompliance === undefined ? {} : { requireCompliance: options.requireCompliance }),
      };
      c.record(await c.client.call('setFamilyPolicy', request));
    });

  family
    .command('quarantined')
    .description('devices quarantined now (their family requires compliance, their firmware is not compliant); auditor or admin')
    .option('--family <family>', 'only this family')
    .action(async (options: { family?: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('listQuarantined', options.family === undefined ? {} : { family: options.family }));
    });

  family
    .command('identity-policy')
    .description("set what a family demands of its devices' identities (family owner's admin)")
    .argument('<family>')
    .addOption(
      new Option('--pre-rotation <policy>', 'required: every registration and rotation commits to the next key').choices(
        PRE_ROTATION_POLICIES,
      ),
    )
    .option('--makers <ids>', 'comma-separated makers (iotreg maker register) whose birth certificates the family accepts', list)
    .addOption(
      new Option('--birth-certificate <policy>', "required: registrations carry a maker's birth certificate").choices(REQUIREMENTS),
    )
    .action(
      async (
        name: string,
        options: { preRotation?: PreRotationPolicy; makers?: string[]; birthCertificate?: Requirement },
        command: Command,
      ) => {
        const c = ctx(command);
        const body = {
          family: name,
          ...(options.preRotation ? { preRotation: options.preRotation } : {}),
          ...(options.makers ? { makers: options.makers } : {}),
          ...(options.birthCertificate ? { birthCertificate: options.birthCertificate } : {}),
        };
        c.record(await c.client.call('setFamilyIdentityPolicy', body));
      },
    );

  return family;
}
