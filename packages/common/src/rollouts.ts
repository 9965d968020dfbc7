/**
 * Firmware rollouts: the rules anyone must be able to recompute without the ledger's word.
 *
 * Wave membership is a pure function of the rollout ID and the device ID: a device's bucket is
 * the first 4 bytes of SHA-256(rolloutId ‖ 0x00 ‖ deviceId), big-endian, mod 10000, and wave i
 * takes the buckets below `waves[i].percent × 100` not taken by an earlier wave (percentages are
 * cumulative). A new rollout ID reshuffles devices, so the same devices are not always first.
 */
import { createHash } from 'node:crypto';

/** Buckets per rollout: a wave's share has a resolution of 0.01%. */
export const ROLLOUT_BUCKETS = 10_000;
/** Waves in one rollout. */
export const ROLLOUT_WAVES_MAX = 10;
/** Devices a rollout's target may hold: creating one reads every device of the family once. */
export const ROLLOUT_TARGET_MAX = 5_000;
/** The longest soak a wave may ask for: 30 days. */
export const ROLLOUT_SOAK_MAX_SECONDS = 30 * 24 * 3600;

export const ROLLOUT_STATUSES = ['active', 'paused', 'halted', 'cancelled'] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export const INSTALL_OUTCOMES = ['installed', 'failed'] as const;
export type InstallOutcome = (typeof INSTALL_OUTCOMES)[number];

/** An org's say over its devices in one rollout. */
export const CONSENT_STATES = ['not-required', 'pending', 'granted', 'withheld'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

/** The device's bucket in a rollout, 0..9999. */
export function rolloutBucket(rolloutId: string, deviceId: string): number {
  const digest = createHash('sha256')
    .update(Buffer.concat([Buffer.from(rolloutId, 'utf8'), Buffer.from([0]), Buffer.from(deviceId, 'utf8')]))
    .digest();
  return digest.readUInt32BE(0) % ROLLOUT_BUCKETS;
}

/** The wave (0-based) a bucket falls in, given the waves' cumulative percentages; undefined past the last. */
export function waveOfBucket(bucket: number, percents: readonly number[]): number | undefined {
  const index = percents.findIndex((percent) => bucket < percent * (ROLLOUT_BUCKETS / 100));
  return index < 0 ? undefined : index;
}

/** The wave a device is in, recomputed from the rollout ID and the device ID alone. */
export function rolloutWave(rolloutId: string, deviceId: string, percents: readonly number[]): number | undefined {
  return waveOfBucket(rolloutBucket(rolloutId, deviceId), percents);
}
