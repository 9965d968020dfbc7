/**
 * Firmware rollouts in the catalogue: requests and answers (see ../rollouts.ts for the wave rule,
 * chaincode/src/contracts/rollouts.ts for who may do what).
 */
import { z } from 'zod';
import { CONSENT_STATES, INSTALL_OUTCOMES, ROLLOUT_SOAK_MAX_SECONDS, ROLLOUT_STATUSES, ROLLOUT_WAVES_MAX } from '../rollouts';
import { Proposal } from './records';
import { Attributes, Id, integerFrom, Msp, Seq, Sha256Hex, Signature, Text, Timestamp, Version } from './fields';

const Percent = integerFrom(0, 100);

export const RolloutWaveSpec = z
  .strictObject({
    percent: integerFrom(1, 100).meta({
      description: 'cumulative share of the target this wave reaches (e.g. 1, 10, 50, 100); strictly increasing across waves',
    }),
    soakSeconds: integerFrom(0, ROLLOUT_SOAK_MAX_SECONDS).meta({
      description: 'the least time this wave stays open before the next one may open',
    }),
    successPercent: Percent.meta({
      description: "share of this wave's admitted devices that must report installed before the next wave opens",
    }),
    maxFailurePercent: Percent.meta({
      description: "the rollout halts itself once more than this share of the wave's admitted devices reported failed",
    }),
  })
  .meta({ id: 'RolloutWaveSpec' });

export const RolloutTarget = z
  .strictObject({
    owners: z.array(Msp).min(1).max(64).optional().meta({ description: 'only devices owned by these orgs' }),
    attributes: Attributes.optional().meta({ description: 'only devices with every one of these attribute values' }),
  })
  .meta({ id: 'RolloutTarget', description: "the family's devices, optionally narrowed; registered when the rollout is created" });

export const CreateRolloutRequest = z
  .strictObject({
    rolloutId: Id,
    family: Id,
    version: Version.meta({ description: 'a trusted release of the family' }),
    target: RolloutTarget.optional(),
    waves: z
      .array(RolloutWaveSpec)
      .min(1, { error: `must hold 1 to ${ROLLOUT_WAVES_MAX} waves` })
      .max(ROLLOUT_WAVES_MAX, { error: `must hold 1 to ${ROLLOUT_WAVES_MAX} waves` })
      .refine((waves) => waves.every((w, i) => i === 0 || w.percent > waves[i - 1]!.percent), {
        error: 'wave percentages must strictly increase',
      }),
    requireConsent: z.boolean().optional().meta({
      description:
        'every org other than the family owner whose devices are in the target must consent first (default: only orgs whose standing policy asks)',
    }),
  })
  .meta({ id: 'CreateRolloutRequest' });

export const RolloutRef = z.strictObject({ rolloutId: Id });

export const SetRolloutStateRequest = z
  .strictObject({ rolloutId: Id, state: z.enum(['paused', 'active', 'cancelled']), reason: Text.optional() })
  .meta({ id: 'RolloutStateRequest' });

export const RolloutConsentRequest = z
  .strictObject({ rolloutId: Id, decision: z.enum(['grant', 'withhold']), comment: Text.optional() })
  .meta({ id: 'RolloutConsentRequest' });

export const ConsentPolicyRequest = z
  .strictObject({
    family: Id,
    requireConsent: z
      .boolean()
      .meta({ description: "true: the submitting org's devices of this family enter no rollout before its admin consents" }),
  })
  .meta({ id: 'ConsentPolicyRequest' });

export const RolloutDeviceRef = z.strictObject({ rolloutId: Id, deviceId: Id });

/** Signed by the device: `installed` carries the measured image hash, `failed` a reason. */
export const RolloutReportRequest = z
  .strictObject({
    payload: z
      .strictObject({
        action: z.literal('rollout-report'),
        deviceId: Id,
        seq: Seq,
        rolloutId: Id,
        outcome: z.enum(INSTALL_OUTCOMES),
        sha256: Sha256Hex.optional().meta({ description: 'installed: SHA-256 of the image the device measured' }),
        reason: Text.optional().meta({ description: 'failed: why' }),
      })
      .refine(
        (p) =>
          p.outcome === 'installed' ? p.sha256 !== undefined && p.reason === undefined : p.reason !== undefined && p.sha256 === undefined,
        {
          error: 'installed carries sha256 (and no reason); failed carries reason (and no sha256)',
        },
      ),
    signature: Signature,
  })
  .meta({
    id: 'RolloutReportRequest',
    description: 'Signed by the device\'s current key over the canonical form (RFC 8785) of payload; action "rollout-report"',
  });

export const RollbackRequest = z
  .strictObject({
    family: Id,
    version: Version.meta({ description: 'the earlier trusted release to go back to' }),
    reason: Text,
  })
  .meta({ id: 'RollbackRequest' });

export const FamilyStatusRef = z.strictObject({ family: Id });

// Answers

export const RolloutWave = RolloutWaveSpec.extend({
  population: z.number().int().meta({ description: 'admitted devices in this wave (devices of orgs whose consent is missing are out)' }),
  installed: z.number().int(),
  failed: z.number().int(),
  openedAt: Timestamp.optional(),
  successMetAt: Timestamp.optional().meta({ description: 'when successPercent was reached' }),
}).meta({ id: 'RolloutWave' });

export const RolloutOrg = z
  .object({
    msp: Msp,
    devices: z.array(z.number().int()).meta({ description: "this org's devices in each wave" }),
    consent: z.enum(CONSENT_STATES),
    consentAt: Timestamp.optional(),
  })
  .meta({ id: 'RolloutOrg' });

export const RolloutRecord = z.object({
  rolloutId: Id,
  family: Id,
  version: Version,
  sha256: Sha256Hex,
  uri: z.string(),
  ownerMsp: Msp,
  target: z.object({ owners: z.array(Msp).optional(), attributes: z.record(z.string(), z.string()).optional() }),
  requireConsent: z.boolean(),
  rollback: z.boolean().meta({ description: 'a rollback to an earlier release, authorized by an approved rollback decision' }),
  status: z.enum(ROLLOUT_STATUSES),
  statusReason: z.string().optional(),
  waves: z.array(RolloutWave),
  orgs: z.array(RolloutOrg),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  pausedAt: Timestamp.optional(),
  resumedAt: Timestamp.optional(),
  txId: z.string().meta({ description: 'the transaction that last changed the rollout' }),
});

export const Rollout = RolloutRecord.extend({
  openWaves: z.number().int().meta({ description: 'waves open now (0 when the rollout is not active)' }),
  waiting: z.array(z.string()).meta({ description: "who waits for whom: missing consents, the next wave's conditions" }),
}).meta({ id: 'Rollout' });

export const RolloutDeviceStatus = z
  .object({
    rolloutId: Id,
    deviceId: Id,
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: z.string(),
    bucket: z.number().int().meta({ description: 'first 4 bytes of SHA-256(rolloutId ‖ 0x00 ‖ deviceId) mod 10000' }),
    wave: z.number().int().nullable().meta({ description: '0-based wave, null when the device is not in the target' }),
    inTarget: z.boolean(),
    mayInstall: z.boolean(),
    reason: z.string().meta({ description: 'why the device may or may not install now' }),
    outcome: z.enum(INSTALL_OUTCOMES).optional().meta({ description: "the device's last report" }),
    rolloutStatus: z.enum(ROLLOUT_STATUSES),
  })
  .meta({ id: 'RolloutDeviceStatus' });

export const RolloutReport = z
  .object({
    rolloutId: Id,
    deviceId: Id,
    seq: z.number().int(),
    wave: z.number().int(),
    outcome: z.enum(INSTALL_OUTCOMES),
    sha256: Sha256Hex.optional(),
    reason: z.string().optional(),
    reportedAt: Timestamp,
    rolloutStatus: z.enum(ROLLOUT_STATUSES).meta({ description: 'the rollout after this report: halted if it crossed a threshold' }),
    rolloutStatusReason: z.string().optional(),
  })
  .meta({ id: 'RolloutReport' });

export const ConsentPolicy = z
  .object({ family: Id, msp: Msp, requireConsent: z.boolean(), setAt: Timestamp })
  .meta({ id: 'ConsentPolicy' });

export const RollbackDecision = Proposal.extend({
  family: Id,
  version: Version,
  reason: z.string(),
  status: z.enum(['pending', 'approved']),
  approvedAt: Timestamp.optional(),
  revoked: z.array(Version).optional().meta({ description: 'the releases above version that the approved rollback revoked' }),
}).meta({ id: 'RollbackDecision' });

/** One rollout as the family status states it: all a device needs to recompute its wave and whether it is open. */
export const StatusRollout = z
  .object({
    rolloutId: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: z.string(),
    status: z.enum(ROLLOUT_STATUSES),
    rollback: z.boolean(),
    percents: z.array(z.number().int()).meta({ description: "the waves' cumulative percentages" }),
    openWaves: z.number().int().meta({ description: 'waves open at refreshedAt' }),
    target: z.object({ owners: z.array(Msp).optional(), attributes: z.record(z.string(), z.string()).optional() }),
    createdAt: Timestamp.meta({ description: 'devices registered after this are not in the rollout' }),
    waitingOrgs: z.array(Msp).meta({ description: 'orgs whose devices stay out until their admin consents' }),
  })
  .meta({ id: 'StatusRollout' });

/**
 * What a family's devices should run, as of one transaction (RefreshFamilyStatus): its answer,
 * which the endorsers signed and a block holds, is what a device checks, not the gateway's word.
 */
export const FamilyStatus = z
  .object({
    family: Id,
    minVersion: Version.optional(),
    latest: z
      .object({ version: Version, sha256: Sha256Hex, uri: z.string() })
      .optional()
      .meta({ description: 'the newest trusted release' }),
    rollouts: z.array(StatusRollout).meta({ description: 'rollouts that are active or paused, oldest first' }),
    refreshedAt: Timestamp.meta({ description: "the refreshing transaction's timestamp" }),
    refreshedBy: Msp,
  })
  .meta({ id: 'FamilyStatus' });

/** The stored status, with the transaction that wrote it (a device fetches that transaction's proof). */
export const FamilyStatusRecord = FamilyStatus.extend({
  txId: z.string().meta({ description: 'the RefreshFamilyStatus transaction that wrote this status' }),
}).meta({ id: 'FamilyStatusRecord' });

export type StatusRollout = z.output<typeof StatusRollout>;
export type FamilyStatus = z.output<typeof FamilyStatus>;
export type FamilyStatusRecord = z.output<typeof FamilyStatusRecord>;
export type RolloutWaveSpec = z.output<typeof RolloutWaveSpec>;
export type RolloutWave = z.output<typeof RolloutWave>;
export type RolloutOrg = z.output<typeof RolloutOrg>;
export type RolloutRecord = z.output<typeof RolloutRecord>;
export type Rollout = z.output<typeof Rollout>;
export type RolloutDeviceStatus = z.output<typeof RolloutDeviceStatus>;
export type RolloutReport = z.output<typeof RolloutReport>;
export type ConsentPolicy = z.output<typeof ConsentPolicy>;
export type RollbackDecision = z.output<typeof RollbackDecision>;
export type CreateRolloutRequest = z.input<typeof CreateRolloutRequest>;
