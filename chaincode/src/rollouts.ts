/**
 * A rollout's state as time passes: which waves are open at a time, who is admitted, who waits
 * for whom. Pure functions of the stored record and a transaction time, so a write materializes
 * exactly what a read at the same time computes.
 */
import type { RolloutOrg, RolloutRecord, RolloutWave } from '@iotreg/common';

/** Devices of an org count, and may install, unless the org's consent is missing. */
export const admitted = (org: RolloutOrg): boolean => org.consent === 'not-required' || org.consent === 'granted';

/** Each wave's population: the admitted orgs' devices in it. */
export function recount(rollout: RolloutRecord): RolloutRecord {
  const waves = rollout.waves.map((wave, i) => ({
    ...wave,
    population: rollout.orgs.filter(admitted).reduce((sum, org) => sum + (org.devices[i] ?? 0), 0),
  }));
  return { ...rollout, waves };
}

const plusSeconds = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
const latest = (...times: Array<string | undefined>) =>
  times
    .filter((t): t is string => t !== undefined)
    .sort()
    .pop();

const successMet = (wave: RolloutWave) => wave.installed * 100 >= wave.successPercent * wave.population;

/**
 * When wave i (i ≥ 1) opens: once wave i-1 has soaked and reached its success share, and not
 * before the last resume. Undefined while a condition is unmet.
 */
export function gateOf(rollout: RolloutRecord, i: number): string | undefined {
  const previous = rollout.waves[i - 1];
  if (!previous?.openedAt || !previous.successMetAt) return undefined;
  return latest(plusSeconds(previous.openedAt, previous.soakSeconds), previous.successMetAt, rollout.resumedAt);
}

/**
 * The rollout as of `now`: success shares reached are dated (now, or the wave's opening when it
 * needs no report), and waves whose gate has passed are opened at their gate. Only an active
 * rollout moves.
 */
export function advance(rollout: RolloutRecord, now: string): RolloutRecord {
  if (rollout.status !== 'active') return rollout;
  const waves = rollout.waves.map((w) => ({ ...w }));
  const moving: RolloutRecord = { ...rollout, waves };
  for (let i = 0; i < waves.length; i += 1) {
    const wave = waves[i]!;
    if (i > 0 && !wave.openedAt) {
      const gate = gateOf(moving, i);
      if (gate === undefined || gate > now) break;
      wave.openedAt = gate;
    }
    if (!wave.openedAt) break;
    if (!wave.successMetAt && successMet(wave)) wave.successMetAt = wave.population === 0 ? wave.openedAt : now;
  }
  return moving;
}

/** Waves open at `now` (none unless active). */
export function openWaves(rollout: RolloutRecord): number {
  if (rollout.status !== 'active') return 0;
  return rollout.waves.filter((w) => w.openedAt !== undefined).length;
}

/** Who waits for whom, in words. */
export function waiting(rollout: RolloutRecord): string[] {
  const lines: string[] = [];
  for (const org of rollout.orgs) {
    const count = org.devices.reduce((a, b) => a + b, 0);
    if (org.consent === 'pending') {
      lines.push(`${org.msp}'s ${count} device(s) wait for ${org.msp}'s admin to consent (POST /v1/rollouts/${rollout.rolloutId}/consent)`);
    } else if (org.consent === 'withheld') {
      lines.push(`${org.msp} withheld consent: its ${count} device(s) stay out`);
    }
  }
  if (rollout.status === 'paused') lines.push(`the rollout is paused by ${rollout.ownerMsp}: ${rollout.statusReason ?? 'no reason given'}`);
  if (rollout.status === 'halted')
    lines.push(`the rollout halted itself: ${rollout.statusReason ?? ''}; ${rollout.ownerMsp} may resume or cancel it`);
  if (rollout.status !== 'active') return lines;
  const next = rollout.waves.findIndex((w) => !w.openedAt);
  if (next > 0) {
    const previous = rollout.waves[next - 1]!;
    const soaked = plusSeconds(previous.openedAt!, previous.soakSeconds);
    const share = previous.successMetAt
      ? 'reached its success share'
      : `needs ${previous.successPercent}% of ${previous.population} installed (now ${previous.installed})`;
    lines.push(`wave ${next} waits for wave ${next - 1}: soaked at ${soaked}; ${share}`);
  }
  return lines;
}
