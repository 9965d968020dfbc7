/** iotreg rollout …: staged rollouts, their state, owner consent, authorized rollback, and a device's install report. */
import { Command, InvalidArgumentError } from 'commander';
import { ROLLOUT_SOAK_MAX_SECONDS } from '@iotreg/common';
import { SeqCounter, SignedActions } from '@iotreg/device';
import { CommandContext, Io } from '../context';
import { invalidArgument } from '../errors';
import { readIdentity, sha256File } from '../key-files';
import { integer, keyValue } from './options';

interface Wave {
  percent: number;
  soakSeconds: number;
  successPercent: number;
  maxFailurePercent: number;
}

/** --wave PERCENT:SOAK_SECONDS:SUCCESS_PERCENT:MAX_FAILURE_PERCENT, repeatable, in order. */
function wave(value: string, previous: Wave[] = []): Wave[] {
  const parts = value.split(':');
  if (parts.length !== 4)
    throw new InvalidArgumentError('must be PERCENT:SOAK_SECONDS:SUCCESS_PERCENT:MAX_FAILURE_PERCENT, e.g. 10:3600:95:5');
  const [percent, soakSeconds, successPercent, maxFailurePercent] = [
    integer(1, 100)(parts[0]!),
    integer(0, ROLLOUT_SOAK_MAX_SECONDS)(parts[1]!),
    integer(0, 100)(parts[2]!),
    integer(0, 100)(parts[3]!),
  ];
  return [...previous, { percent, soakSeconds, successPercent, maxFailurePercent }];
}

const repeat = (value: string, previous: string[] = []) => [...previous, value];

export function rolloutCommands(io: Io): Command {
  const rollout = new Command('rollout').description('staged firmware rollouts, owner consent, authorized rollback');
  const ctx = (command: Command) => CommandContext.of(io, command);

  rollout
    .command('create')
    .description("roll a trusted release out in waves (the family owner's admin)")
    .argument('<rolloutId>')
    .requiredOption('--family <family>')
    .requiredOption('--version <version>', 'a trusted release, MAJOR.MINOR.PATCH')
    .requiredOption('--wave <spec>', 'PERCENT:SOAK_SECONDS:SUCCESS_PERCENT:MAX_FAILURE_PERCENT (repeatable, cumulative percent)', wave)
    .option('--owner <msp>', 'only devices of this org (repeatable)', repeat)
    .option('--attr <key=value>', 'only devices with this attribute value (repeatable)', keyValue)
    .option('--require-consent', 'every other org with devices in the target must consent first')
    .action(
      async (
        rolloutId: string,
        o: { family: string; version: string; wave: Wave[]; owner?: string[]; attr?: Record<string, string>; requireConsent?: boolean },
        command: Command,
      ) => {
        const c = ctx(command);
        const target = { ...(o.owner ? { owners: o.owner } : {}), ...(o.attr ? { attributes: o.attr } : {}) };
        const body = {
          rolloutId,
          family: o.family,
          version: o.version,
          waves: o.wave,
          ...(Object.keys(target).length > 0 ? { target } : {}),
          ...(o.requireConsent ? { requireConsent: true } : {}),
        };
        c.record(await c.client.call('createRollout', body));
      },
    );

  rollout
    .command('show')
    .description('a rollout: waves, counts, open waves, who waits for whom')
    .argument('<rolloutId>')
    .action(async (rolloutId: string, _o: unknown, command: Command) => {
      ctx(command).record(await ctx(command).client.call('getRollout', { rolloutId }));
    });

  for (const [name, route, what] of [
    ['pause', 'pauseRollout', 'pause a rollout'],
    ['resume', 'resumeRollout', 'resume a paused or halted rollout'],
    ['cancel', 'cancelRollout', 'cancel a rollout for good'],
  ] as const) {
    rollout
      .command(name)
      .description(`${what} (the family owner's admin)`)
      .argument('<rolloutId>')
      .option('--reason <text>')
      .action(async (rolloutId: string, o: { reason?: string }, command: Command) => {
        const c = ctx(command);
        c.record(await c.client.call(route, { rolloutId, ...(o.reason === undefined ? {} : { reason: o.reason }) }));
      });
  }

  rollout
    .command('device')
    .description('which wave a device is in, and whether it may install now')
    .argument('<rolloutId>')
    .argument('<deviceId>')
    .action(async (rolloutId: string, deviceId: string, _o: unknown, command: Command) => {
      ctx(command).record(await ctx(command).client.call('getRolloutDevice', { rolloutId, deviceId }));
    });

  rollout
    .command('consent')
    .description("grant (or with --withhold, withhold) your org's consent for its devices in a rollout")
    .argument('<rolloutId>')
    .option('--withhold')
    .option('--comment <text>')
    .action(async (rolloutId: string, o: { withhold?: boolean; comment?: string }, command: Command) => {
      const c = ctx(command);
      const body = {
        rolloutId,
        decision: o.withhold ? 'withhold' : 'grant',
        ...(o.comment === undefined ? {} : { comment: o.comment }),
      } as const;
      c.record(await c.client.call('consentRollout', body));
    });

  rollout
    .command('consent-policy')
    .description("your org's standing policy: its devices of the family enter rollouts only with its admin's consent")
    .argument('<family>')
    .option('--off', 'no consent needed (the default policy)')
    .action(async (family: string, o: { off?: boolean }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('setConsentPolicy', { family, requireConsent: !o.off }));
    });

  rollout
    .command('rollback')
    .description('propose, or approve, a rollback of a family to an earlier trusted release (k-of-n)')
    .argument('<family>')
    .argument('<version>')
    .requiredOption('--reason <text>')
    .action(async (family: string, version: string, o: { reason: string }, command: Command) => {
      const c = ctx(command);
      c.record(await c.client.call('proposeRollback', { family, version, reason: o.reason }));
    });

  rollout
    .command('rollback-show')
    .description('a rollback decision and its approvals')
    .argument('<family>')
    .argument('<version>')
    .action(async (family: string, version: string, _o: unknown, command: Command) => {
      ctx(command).record(await ctx(command).client.call('getRollback', { family, version }));
    });

  rollout
    .command('refresh')
    .description("restate a family's status in a transaction (any member org): the fresh, provable answer devices check")
    .argument('<family>')
    .action(async (family: string, _o: unknown, command: Command) => {
      ctx(command).record(await ctx(command).client.call('refreshFamilyStatus', { family }));
    });

  rollout
    .command('status')
    .description("a family's last refreshed status, with the transaction that wrote it")
    .argument('<family>')
    .action(async (family: string, _o: unknown, command: Command) => {
      ctx(command).record(await ctx(command).client.call('getFamilyStatus', { family }));
    });

  rollout
    .command('report')
    .description("a device's install report, signed with its key (needs no token): --installed IMAGE, or --failed REASON")
    .argument('<rolloutId>')
    .requiredOption('--device <deviceId>')
    .requiredOption('--key <file>', "the device's private key PEM")
    .requiredOption('--seq <n>', 'above every seq the device used before', integer(1))
    .option('--installed <image>', 'the image file installed (its SHA-256 is reported)')
    .option('--failed <reason>')
    .action(
      async (rolloutId: string, o: { device: string; key: string; seq: number; installed?: string; failed?: string }, command: Command) => {
        const c = ctx(command);
        if ((o.installed === undefined) === (o.failed === undefined))
          throw invalidArgument('give exactly one of --installed IMAGE and --failed REASON');
        const actions = new SignedActions(o.device, readIdentity(o.key), new SeqCounter(o.seq - 1));
        const body =
          o.installed !== undefined
            ? actions.rolloutInstalled(rolloutId, await sha256File(o.installed))
            : actions.rolloutFailed(rolloutId, o.failed!);
        c.record(await c.client.call('reportRollout', body));
      },
    );

  return rollout;
}
