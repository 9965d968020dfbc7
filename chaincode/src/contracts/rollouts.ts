import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  compareVersions,
  ConsentPolicy,
  Device,
  DeviceFirmware,
  EVENTS,
  FamilyStatus,
  FamilyStatusRecord,
  StatusRollout,
  Family,
  FirmwareRelease,
  RegistryError,
  RollbackDecision,
  Rollout,
  RolloutDeviceStatus,
  RolloutOrg,
  RolloutRecord,
  RolloutReport,
  rolloutBucket,
  ROLLOUT_TARGET_MAX,
  waveOfBucket,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { admitted, advance, openWaves, recount, waiting } from '../rollouts';
import { RegistryContract } from './base';
import { addApproval, approval, familyDecision, findFamily, findRelease, requireMember } from './firmware';

/** A device's last report in a rollout, as stored. */
interface DeviceReport {
  wave: number;
  outcome: 'installed' | 'failed';
  seq: number;
  reportedAt: string;
}

@Info({ title: 'Rollouts', description: 'Staged firmware rollouts, device install reports, owner consent, authorized rollback' })
export class RolloutsContract extends RegistryContract {
  constructor() {
    super('Rollouts');
  }

  /** The family owner's admin rolls a trusted release out in waves; the target is read once, now. */
  @Transaction()
  @Returns('string')
  async CreateRollout(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(
      ctx,
      'createRollout',
      request,
      async ({ rolloutId, family: familyId, version, target = {}, waves, requireConsent }) => {
        ctx.requireRole('admin');
        const family = await findFamily(ctx, familyId);
        if (family.ownerMsp !== ctx.msp) {
          throw new RegistryError('FORBIDDEN', `only ${family.ownerMsp}, the owner of ${family.family}, rolls out its firmware`);
        }
        if (await ctx.store.exists(keys.rollout(rolloutId))) throw new RegistryError('ALREADY_EXISTS', `rollout ${rolloutId} exists`);
        const release = await findRelease(ctx, family.family, version);
        if (release.status !== 'trusted') {
          throw new RegistryError(
            'RULE_VIOLATION',
            `${family.family} ${version} is ${release.status}: only a trusted release is rolled out`,
          );
        }
        const rollback = await requireForwardOrApproved(ctx, family, version);
        const percents = waves.map((w) => w.percent);
        const orgs = await targetOrgs(ctx, family, rolloutId, percents, target, requireConsent === true);
        const record: RolloutRecord = recount({
          rolloutId,
          family: family.family,
          version,
          sha256: release.sha256,
          uri: release.uri,
          ownerMsp: family.ownerMsp,
          target: {
            ...(target.owners ? { owners: [...new Set(target.owners)].sort() } : {}),
            ...(target.attributes ? { attributes: target.attributes } : {}),
          },
          requireConsent: requireConsent === true,
          rollback,
          status: 'active',
          waves: waves.map((w, i) => ({ ...w, population: 0, installed: 0, failed: 0, ...(i === 0 ? { openedAt: ctx.now } : {}) })),
          orgs,
          createdAt: ctx.now,
          updatedAt: ctx.now,
          txId: ctx.txId,
        });
        ctx.store.put(keys.rolloutOf(family.family, rolloutId), rolloutId);
        return saveRollout(ctx, advance(record, ctx.now), EVENTS.rolloutCreated);
      },
    );
  }

  @Transaction(false)
  @Returns('string')
  async GetRollout(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getRollout', request, async ({ rolloutId }) => view(advance(await findRollout(ctx, rolloutId), ctx.now)));
  }

  /** Pause, resume or cancel: the family owner's admin. A cancelled rollout stays cancelled. */
  @Transaction()
  @Returns('string')
  async SetRolloutState(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setRolloutState', request, async ({ rolloutId, state, reason }) => {
      const stored = await findRollout(ctx, rolloutId);
      ctx.requireOwnerAdmin(stored.ownerMsp, `rollout ${rolloutId}`);
      ctx.requireNotBefore(stored.updatedAt, `rollout ${rolloutId}`);
      const rollout = advance(stored, ctx.now);
      if (rollout.status === 'cancelled') throw new RegistryError('STATE_CONFLICT', `rollout ${rolloutId} is cancelled`);
      if (rollout.status === state) throw new RegistryError('STATE_CONFLICT', `rollout ${rolloutId} is already ${state}`);
      if (state === 'paused' && rollout.status !== 'active') {
        throw new RegistryError('STATE_CONFLICT', `rollout ${rolloutId} is ${rollout.status}, not active`);
      }
      const { statusReason: _old, ...rest } = rollout;
      const changed: RolloutRecord = {
        ...rest,
        status: state,
        ...(reason === undefined ? {} : { statusReason: reason }),
        ...(state === 'paused' ? { pausedAt: ctx.now } : {}),
        ...(state === 'active' ? { resumedAt: ctx.now } : {}),
        updatedAt: ctx.now,
        txId: ctx.txId,
      };
      return saveRollout(ctx, advance(changed, ctx.now), EVENTS.rolloutStateChanged);
    });
  }

  /** Which wave a device is in, and whether it may install now. */
  @Transaction(false)
  @Returns('string')
  async GetRolloutDevice(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getRolloutDevice', request, async ({ rolloutId, deviceId }) => {
      const rollout = advance(await findRollout(ctx, rolloutId), ctx.now);
      const device = await ctx.store.mustGet<Device>(keys.device(deviceId), `device ${deviceId}`);
      const release = await findRelease(ctx, rollout.family, rollout.version);
      const report = await ctx.store.get<DeviceReport>(keys.rolloutDevice(rolloutId, deviceId));
      return placeOf(rollout, device, release, report);
    });
  }

  /**
   * The device signs its install outcome. installed must carry the release's image hash and
   * moves the device's firmware record to the release; a failure that takes its wave above the
   * wave's threshold halts the rollout in this same transaction.
   */
  @Transaction()
  @Returns('string')
  async ReportRollout(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'reportRollout', request, async (signed) => {
      const device = await acceptSigned(ctx, signed);
      const { rolloutId, outcome, sha256, reason, seq } = signed.payload;
      const stored = await findRollout(ctx, rolloutId);
      ctx.requireNotBefore(stored.updatedAt, `rollout ${rolloutId}`);
      const rollout = advance(stored, ctx.now);
      const wave = await reportingWave(ctx, rollout, device, outcome === 'installed' ? sha256 : undefined);
      const next = await counted(ctx, rollout, device.deviceId, wave, outcome, reason ?? '');
      ctx.store.put(keys.rollout(rolloutId), next);
      const deviceReport: DeviceReport = { wave, outcome, seq, reportedAt: ctx.now };
      ctx.store.put(keys.rolloutDevice(rolloutId, device.deviceId), deviceReport);
      const firmware = outcome === 'installed' ? { firmware: installedFirmware(rollout, ctx.now) } : {};
      await saveDevice(ctx, { ...device, ...firmware }, outcome === 'installed' ? 'rollout-installed' : 'rollout-failed');

      const answer: RolloutReport = {
        rolloutId,
        deviceId: device.deviceId,
        seq,
        wave,
        outcome,
        ...(sha256 === undefined ? {} : { sha256 }),
        ...(reason === undefined ? {} : { reason }),
        reportedAt: ctx.now,
        rolloutStatus: next.status,
        ...(next.statusReason === undefined ? {} : { rolloutStatusReason: next.statusReason }),
      };
      ctx.emit(next.status === 'halted' && stored.status !== 'halted' ? EVENTS.rolloutHalted : EVENTS.rolloutReported, answer);
      return answer;
    });
  }

  /** An org's admin grants or withholds consent for its own devices in the rollout. */
  @Transaction()
  @Returns('string')
  async ConsentRollout(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'consentRollout', request, async ({ rolloutId, decision }) => {
      ctx.requireRole('admin');
      const stored = await findRollout(ctx, rolloutId);
      ctx.requireNotBefore(stored.updatedAt, `rollout ${rolloutId}`);
      const org = stored.orgs.find((o) => o.msp === ctx.msp);
      if (!org) throw new RegistryError('RULE_VIOLATION', `${ctx.msp} has no devices in rollout ${rolloutId}`);
      if (org.consent === 'not-required') {
        throw new RegistryError('STATE_CONFLICT', `${ctx.msp}'s devices need no consent in rollout ${rolloutId}`);
      }
      if (stored.status === 'cancelled') throw new RegistryError('STATE_CONFLICT', `rollout ${rolloutId} is cancelled`);
      const consent = decision === 'grant' ? 'granted' : 'withheld';
      if (org.consent === 'granted' && consent === 'withheld') {
        throw new RegistryError(
          'STATE_CONFLICT',
          `${ctx.msp} granted consent already; its devices may be installing (pause the rollout instead)`,
        );
      }
      const rollout = advance(stored, ctx.now);
      const orgs = rollout.orgs.map((o): RolloutOrg => (o.msp === ctx.msp ? { ...o, consent, consentAt: ctx.now } : o));
      const next = advance(recount({ ...rollout, orgs, updatedAt: ctx.now, txId: ctx.txId }), ctx.now);
      return saveRollout(ctx, next, EVENTS.rolloutConsent);
    });
  }

  /** An org's standing rule for its own devices of a family, for rollouts created after it. */
  @Transaction()
  @Returns('string')
  async SetConsentPolicy(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setConsentPolicy', request, async ({ family: familyId, requireConsent }) => {
      ctx.requireRole('admin');
      await requireMember(ctx);
      const family = await findFamily(ctx, familyId);
      const policy: ConsentPolicy = { family: family.family, msp: ctx.msp, requireConsent, setAt: ctx.now };
      ctx.store.put(keys.consentPolicy(family.family, ctx.msp), policy);
      ctx.emit(EVENTS.consentPolicySet, policy);
      return policy;
    });
  }

  /**
   * A rollback to an earlier trusted release is a family decision (decide(), as a release): the
   * first admin proposes, others approve by asking for the same version. Once approved, every
   * release above it is revoked and the minimum version lowered to it, so compliance follows.
   */
  @Transaction()
  @Returns('string')
  async ProposeRollback(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'proposeRollback', request, async ({ family: familyId, version, reason }) => {
      ctx.requireRole('admin');
      const members = await requireMember(ctx);
      const family = await findFamily(ctx, familyId);
      const release = await findRelease(ctx, family.family, version);
      if (release.status !== 'trusted') {
        throw new RegistryError(
          'RULE_VIOLATION',
          `${family.family} ${version} is ${release.status}: only a trusted release is rolled back to`,
        );
      }
      const releases = await ctx.store.all<FirmwareRelease>(keys.firmware(family.family));
      const above = releases.filter((r) => compareVersions(r.version, version) > 0 && r.status !== 'revoked');
      const pending = await ctx.store.get<RollbackDecision>(keys.rollback(family.family, version));
      if (pending?.status === 'approved')
        throw new RegistryError('STATE_CONFLICT', `the rollback of ${family.family} to ${version} is approved already`);
      if (above.length === 0) {
        throw new RegistryError('RULE_VIOLATION', `${family.family} has no release above ${version} in use: there is nothing to roll back`);
      }
      const decision: RollbackDecision = pending
        ? { ...pending, approvals: addApproval(pending.approvals, ctx, `rolling ${family.family} back to ${version}`) }
        : {
            family: family.family,
            version,
            reason,
            status: 'pending',
            proposedBy: ctx.msp,
            proposedAt: ctx.now,
            approvals: [approval(ctx)],
          };
      if (familyDecision(members, family, decision.proposedBy, decision.approvals) !== 'passed') {
        ctx.store.put(keys.rollback(family.family, version), decision);
        ctx.emit(EVENTS.rollbackProposed, decision);
        return decision;
      }
      const why = `rolled back to ${version}: ${decision.reason}`;
      for (const r of above) {
        const { revocationProposal: _dropped, ...rest } = r;
        ctx.store.put(keys.firmware(r.family, r.version), { ...rest, status: 'revoked', revokedAt: ctx.now, revocationReason: why });
      }
      if (family.minVersion !== undefined && compareVersions(family.minVersion, version) > 0) {
        const lowered: Family = { ...family, minVersion: version };
        ctx.store.put(keys.family(family.family), lowered);
      }
      const approved: RollbackDecision = { ...decision, status: 'approved', approvedAt: ctx.now, revoked: above.map((r) => r.version) };
      ctx.store.put(keys.rollback(family.family, version), approved);
      ctx.emit(EVENTS.rollbackApproved, approved);
      return approved;
    });
  }

  /**
   * Any member org restates what the family's devices should run, now: the answer of this
   * transaction is what a device verifies (its block's BFT signatures) and dates (its timestamp).
   */
  @Transaction()
  @Returns('string')
  async RefreshFamilyStatus(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'refreshFamilyStatus', request, async ({ family: familyId }) => {
      await requireMember(ctx);
      const family = await findFamily(ctx, familyId);
      const status = await familyStatus(ctx, family);
      ctx.store.put(keys.familyStatus(family.family), { ...status, txId: ctx.txId });
      ctx.emit(EVENTS.familyStatusRefreshed, status);
      return status;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetFamilyStatus(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getFamilyStatus', request, async ({ family }) =>
      ctx.store.mustGet<FamilyStatusRecord>(keys.familyStatus(family), `a refreshed status of family ${family}`),
    );
  }

  @Transaction(false)
  @Returns('string')
  async GetRollback(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getRollback', request, async ({ family, version }) =>
      ctx.store.mustGet<RollbackDecision>(keys.rollback(family, version), `rollback of ${family} to ${version}`),
    );
  }
}

/** The family's policy, newest trusted release and running rollouts, as of this transaction. */
async function familyStatus(ctx: RegistryContext, family: Family): Promise<FamilyStatus> {
  const releases = await ctx.store.all<FirmwareRelease>(keys.firmware(family.family));
  const latest = releases.filter((r) => r.status === 'trusted').pop();
  const running: StatusRollout[] = [];
  for await (const attributes of ctx.store.keysUnder(keys.rolloutOf(family.family))) {
    const rollout = advance(await findRollout(ctx, attributes[attributes.length - 1]!), ctx.now);
    if (rollout.status !== 'active' && rollout.status !== 'paused') continue;
    // A rollout of a release revoked since (a rollback, a revocation) points nowhere.
    if ((await ctx.store.get<FirmwareRelease>(keys.firmware(rollout.family, rollout.version)))?.status !== 'trusted') continue;
    running.push({
      rolloutId: rollout.rolloutId,
      version: rollout.version,
      sha256: rollout.sha256,
      uri: rollout.uri,
      status: rollout.status,
      rollback: rollout.rollback,
      percents: rollout.waves.map((w) => w.percent),
      openWaves: openWaves(rollout),
      target: rollout.target,
      createdAt: rollout.createdAt,
      waitingOrgs: rollout.orgs.filter((o) => !admitted(o)).map((o) => o.msp),
    });
  }
  running.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  return {
    family: family.family,
    ...(family.minVersion === undefined ? {} : { minVersion: family.minVersion }),
    ...(latest ? { latest: { version: latest.version, sha256: latest.sha256, uri: latest.uri } } : {}),
    rollouts: running,
    refreshedAt: ctx.now,
    refreshedBy: ctx.msp,
  };
}

async function findRollout(ctx: RegistryContext, rolloutId: string): Promise<RolloutRecord> {
  return ctx.store.mustGet<RolloutRecord>(keys.rollout(rolloutId), `rollout ${rolloutId}`);
}

function view(rollout: RolloutRecord): Rollout {
  return { ...rollout, openWaves: openWaves(rollout), waiting: waiting(rollout) };
}

function saveRollout(ctx: RegistryContext, rollout: RolloutRecord, event: string): Rollout {
  ctx.store.put(keys.rollout(rollout.rolloutId), rollout);
  const shown = view(rollout);
  ctx.emit(event, shown);
  return shown;
}

/**
 * Devices move up by default: a version below a trusted release of the family, or below its
 * minimum, is rolled out only after an approved rollback to it (which revoked what was above
 * and lowered the minimum). Answers whether this is such a rollback.
 */
async function requireForwardOrApproved(ctx: RegistryContext, family: Family, version: string): Promise<boolean> {
  const decision = await ctx.store.get<RollbackDecision>(keys.rollback(family.family, version));
  const approved = decision?.status === 'approved';
  if (family.minVersion !== undefined && compareVersions(version, family.minVersion) < 0) {
    throw new RegistryError('RULE_VIOLATION', `${version} is below ${family.family}'s minimum ${family.minVersion}`);
  }
  const releases = await ctx.store.all<FirmwareRelease>(keys.firmware(family.family));
  const newer = releases.find((r) => r.status === 'trusted' && compareVersions(r.version, version) > 0);
  if (newer) {
    throw new RegistryError(
      'RULE_VIOLATION',
      `${version} is below ${newer.version}, a trusted release of ${family.family}: rolling back needs an approved rollback ` +
        `(POST /v1/families/${family.family}/rollback)`,
    );
  }
  return approved;
}

const matches = (device: Device, target: { owners?: string[] | undefined; attributes?: Record<string, string> | undefined }) =>
  (!target.owners || target.owners.includes(device.ownerMsp)) &&
  Object.entries(target.attributes ?? {}).every(([name, value]) => device.attributes[name] === value);

/** The target's devices per owner org and wave, read once (in key order), and each org's consent state. */
async function targetOrgs(
  ctx: RegistryContext,
  family: Family,
  rolloutId: string,
  percents: number[],
  target: { owners?: string[] | undefined; attributes?: Record<string, string> | undefined },
  requireConsent: boolean,
): Promise<RolloutOrg[]> {
  const counts = new Map<string, number[]>();
  let read = 0;
  for await (const attributes of ctx.store.keysUnder(keys.devicesBy('family', family.family))) {
    read += 1;
    if (read > ROLLOUT_TARGET_MAX) {
      throw new RegistryError(
        'RULE_VIOLATION',
        `${family.family} has more than ${ROLLOUT_TARGET_MAX} devices: a rollout reads at most that many`,
      );
    }
    const device = await ctx.store.get<Device>(keys.device(attributes[attributes.length - 1]!));
    if (!device || device.status === 'revoked' || !matches(device, target)) continue;
    const wave = waveOfBucket(rolloutBucket(rolloutId, device.deviceId), percents);
    if (wave === undefined) continue;
    const perWave = counts.get(device.ownerMsp) ?? percents.map(() => 0);
    perWave[wave]! += 1;
    counts.set(device.ownerMsp, perWave);
  }
  const orgs: RolloutOrg[] = [];
  for (const msp of [...counts.keys()].sort()) {
    const policy = await ctx.store.get<ConsentPolicy>(keys.consentPolicy(family.family, msp));
    const asks = msp !== family.ownerMsp && (requireConsent || policy?.requireConsent === true);
    orgs.push({ msp, devices: counts.get(msp)!, consent: asks ? 'pending' : 'not-required' });
  }
  return orgs;
}

/** Where a device stands in a rollout (already advanced to now), and why. */
function placeOf(rollout: RolloutRecord, device: Device, release: FirmwareRelease, report: DeviceReport | undefined): RolloutDeviceStatus {
  const bucket = rolloutBucket(rollout.rolloutId, device.deviceId);
  const base = {
    rolloutId: rollout.rolloutId,
    deviceId: device.deviceId,
    family: rollout.family,
    version: rollout.version,
    sha256: rollout.sha256,
    uri: rollout.uri,
    bucket,
    rolloutStatus: rollout.status,
    ...(report ? { outcome: report.outcome } : {}),
  };
  const out = (reason: string): RolloutDeviceStatus => ({ ...base, wave: null, inTarget: false, mayInstall: false, reason });
  if (device.family !== rollout.family) return out(`device ${device.deviceId} is of family ${device.family}, not ${rollout.family}`);
  if (device.createdAt > rollout.createdAt) return out(`device ${device.deviceId} was registered after the rollout was created`);
  if (!matches(device, rollout.target)) return out(`device ${device.deviceId} is outside the rollout's target (owners, attributes)`);
  const wave = waveOfBucket(
    bucket,
    rollout.waves.map((w) => w.percent),
  );
  if (wave === undefined) return out(`bucket ${bucket} is past the last wave's ${rollout.waves.at(-1)!.percent}%`);
  const place = (mayInstall: boolean, reason: string): RolloutDeviceStatus => ({ ...base, wave, inTarget: true, mayInstall, reason });
  const org = rollout.orgs.find((o) => o.msp === device.ownerMsp);
  if (!org || device.status !== 'active') return place(false, `device ${device.deviceId} is ${device.status}`);
  if (rollout.status !== 'active')
    return place(false, `the rollout is ${rollout.status}${rollout.statusReason ? `: ${rollout.statusReason}` : ''}`);
  if (release.status !== 'trusted') return place(false, `${release.family} ${release.version} is ${release.status}`);
  if (org.consent === 'pending') return place(false, `waiting for ${org.msp}'s admin to consent`);
  if (org.consent === 'withheld') return place(false, `${org.msp} withheld consent`);
  const opened = rollout.waves[wave]!.openedAt;
  if (!opened) return place(false, `wave ${wave} is not open yet: ${waiting(rollout).at(-1) ?? ''}`);
  return place(true, `wave ${wave} opened at ${opened}`);
}

/**
 * The wave of a device that may report now: in the target, its wave opened, its org admitted,
 * the rollout active or paused (an install under way when it paused still ends); an installed
 * image must be the release's.
 */
async function reportingWave(ctx: RegistryContext, rollout: RolloutRecord, device: Device, installed: string | undefined): Promise<number> {
  const release = await findRelease(ctx, rollout.family, rollout.version);
  const place = placeOf(rollout, device, release, undefined);
  if (place.wave === null) throw new RegistryError('RULE_VIOLATION', place.reason);
  const opened = rollout.waves[place.wave]!.openedAt !== undefined;
  const org = rollout.orgs.find((o) => o.msp === device.ownerMsp);
  const running = rollout.status === 'active' || rollout.status === 'paused';
  if (!running || !opened || !org || !admitted(org)) {
    throw new RegistryError('STATE_CONFLICT', `device ${device.deviceId} may not report: ${place.reason}`);
  }
  if (installed !== undefined && installed !== rollout.sha256) {
    throw new RegistryError(
      'RULE_VIOLATION',
      `the measured image ${installed} is not ${rollout.family} ${rollout.version} (${rollout.sha256})`,
    );
  }
  return place.wave;
}

/** The rollout with the device's report counted (its earlier report in the rollout uncounted), halted if it crossed its wave's threshold. */
async function counted(
  ctx: RegistryContext,
  rollout: RolloutRecord,
  deviceId: string,
  index: number,
  outcome: 'installed' | 'failed',
  reason: string,
): Promise<RolloutRecord> {
  const previous = await ctx.store.get<DeviceReport>(keys.rolloutDevice(rollout.rolloutId, deviceId));
  const wave = { ...rollout.waves[index]! };
  if (previous) wave[previous.outcome] -= 1;
  wave[outcome] += 1;
  const waves = rollout.waves.map((w, i) => (i === index ? wave : w));
  const next: RolloutRecord = { ...rollout, waves, updatedAt: ctx.now, txId: ctx.txId };
  const halt = outcome === 'failed' ? haltReason(index, wave, deviceId, reason) : undefined;
  const halts = halt !== undefined && (next.status === 'active' || next.status === 'paused');
  return advance(halts ? { ...next, status: 'halted', statusReason: halt } : next, ctx.now);
}

/** The device's firmware record after an install (verdict and compliance are judged on read). */
const installedFirmware = (rollout: RolloutRecord, now: string): DeviceFirmware => ({
  family: rollout.family,
  version: rollout.version,
  sha256: rollout.sha256,
  verdict: 'unknown',
  compliant: false,
  reportedAt: now,
});

/** Why a wave's failures halt the rollout, or undefined while they are within its threshold. */
function haltReason(
  index: number,
  wave: { failed: number; population: number; maxFailurePercent: number },
  deviceId: string,
  reason: string,
) {
  if (wave.population === 0 || wave.failed * 100 <= wave.maxFailurePercent * wave.population) return undefined;
  const share = Math.round((wave.failed * 1000) / wave.population) / 10;
  return (
    `wave ${index}: ${wave.failed} of ${wave.population} devices failed (${share}%), above its ${wave.maxFailurePercent}% threshold; ` +
    `last: ${deviceId}: ${reason}`
  );
}
