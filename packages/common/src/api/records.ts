/**
 * Records as the chaincode stores and answers them: the REST contract's answers. The TypeScript
 * types of the whole codebase are inferred from these schemas, and the gateway checks every
 * chaincode answer against them, so a field the schema lacks cannot reach a client unseen.
 */
import { z } from 'zod';
import { DEVICE_STATUSES, ENDPOINT_KINDS, FIRMWARE_STATUSES, REVOCATION_REASONS } from '../formats';
import { Id, Msp, Sha256Hex, Timestamp, TxId, Version } from './fields';
import { Birth, IdentityPolicy, TransferOffer } from './identity';

export const FIRMWARE_VERDICTS = [...FIRMWARE_STATUSES, 'unknown'] as const;
export const KEY_STATUSES = ['current', 'rotated', 'revoked'] as const;
export const DECISIONS = ['approve', 'reject'] as const;

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      bookmark: z.string().meta({ description: 'pass as bookmark for the next page; "" on the last page' }),
    })
    .meta({ id });
}

export interface Page<T> {
  items: T[];
  bookmark: string;
}

export const DeviceFirmware = z
  .object({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    verdict: z.enum(FIRMWARE_VERDICTS),
    compliant: z.boolean(),
    reportedAt: Timestamp,
  })
  .meta({ id: 'DeviceFirmware' });

export const Device = z
  .object({
    deviceId: Id,
    family: Id,
    ownerMsp: Msp,
    status: z.enum(DEVICE_STATUSES),
    publicKeyPem: z.string(),
    keyId: Sha256Hex,
    attributes: z.record(z.string(), z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp.meta({
      description:
        "last change by the owner's admin (registration, rotation, status); device-signed writes carry their own times and do not move it",
    }),
    seq: z.number().int().meta({ description: 'highest seq accepted from the device; 0 before its first signed action' }),
    firmware: DeviceFirmware.optional(),
    configDrift: z.boolean().optional(),
    statusReason: z.string().optional().meta({ description: 'reason given with the last suspension or reactivation' }),
    revokedAt: Timestamp.optional(),
    revocationReason: z.enum(REVOCATION_REASONS).optional(),
    nextKeyDigest: Sha256Hex.optional().meta({
      description: 'pre-rotation commitment: the keyId of the only key that can replace the current one (see IdentityPolicy)',
    }),
    birth: Birth.optional().meta({ description: 'the maker whose birth certificate the registration carried' }),
    transferOffer: TransferOffer.optional().meta({ description: 'an ownership transfer the owner offered, not yet accepted' }),
  })
  .meta({ id: 'Device' });

export const DevicesRegistered = z.object({ count: z.number().int(), deviceIds: z.array(Id) }).meta({ id: 'DevicesRegistered' });

export const DeviceKey = z
  .object({
    keyId: Sha256Hex,
    deviceId: Id,
    publicKeyPem: z.string(),
    validFrom: Timestamp,
    validTo: Timestamp.optional(),
    revokedAt: Timestamp.optional(),
  })
  .meta({ id: 'DeviceKey' });

export const KeyValidity = z
  .object({
    keyId: Sha256Hex,
    deviceId: Id,
    at: Timestamp.meta({ description: 'the time checked' }),
    validAt: z.boolean(),
    status: z.enum(KEY_STATUSES),
  })
  .meta({ id: 'KeyValidity' });

export const Revocation = z
  .object({ deviceId: Id, keyId: Sha256Hex, reason: z.enum(REVOCATION_REASONS), revokedAt: Timestamp })
  .meta({ id: 'Revocation' });

export const HistoryEntry = z
  .object({
    txId: TxId,
    timestamp: Timestamp,
    submitterMsp: Msp,
    action: z.string(),
    record: z.unknown().meta({ description: 'the record as this transaction left it' }),
  })
  .meta({ id: 'HistoryEntry' });

export const ConfigRecord = z
  .object({ deviceId: Id, version: z.number().int(), sha256: Sha256Hex, uri: z.string(), publishedAt: Timestamp, txId: TxId })
  .meta({ id: 'ConfigRecord' });

export const ConfigVerification = z.object({ match: z.boolean(), version: z.number().int().nullable() }).meta({ id: 'ConfigVerification' });

export const ConfigReport = z
  .object({
    deviceId: Id,
    seq: z.number().int(),
    sha256: Sha256Hex,
    reportedAt: Timestamp,
    configDrift: z.boolean().meta({ description: 'the reported digest differs from the published configuration' }),
  })
  .meta({ id: 'ConfigReport' });

export const Approval = z
  .object({ msp: Msp, decision: z.enum(DECISIONS), comment: z.string().optional(), at: Timestamp })
  .meta({ id: 'Approval' });

/** A family decision the owner alone may not take: who proposed it, and who agreed since (the proposer included). */
export const Proposal = z.object({ proposedBy: Msp, proposedAt: Timestamp, approvals: z.array(Approval) }).meta({ id: 'Proposal' });

/** A family as stored. */
export const FamilyRecord = z.object({
  family: Id,
  ownerMsp: Msp,
  vendorKeyPem: z.string(),
  vendorKeyId: Sha256Hex,
  approvalThreshold: z.number().int(),
  minVersion: Version.optional(),
  requireCompliance: z.boolean().optional().meta({ description: 'true: non-compliant devices of the family are quarantined' }),
  minVersionProposal: Proposal.extend({ minVersion: Version, requireCompliance: z.boolean().optional() })
    .optional()
    .meta({ description: 'a lower minimum proposed and not yet approved by enough orgs' }),
  latestVersion: Version.optional().meta({ description: 'the newest release published, whatever its status' }),
  createdAt: Timestamp,
  identityPolicy: IdentityPolicy.optional().meta({ description: "what the family demands of its devices' identities (absent: nothing)" }),
});

/** A family as answered: `approvalsRequired` is k now, from the family and the current members. */
export const Family = FamilyRecord.extend({
  approvalsRequired: z
    .number()
    .int()
    .meta({
      description:
        'k now: approvals from member orgs other than the owner that trusting a release, lowering minVersion or revoking ' +
        "a release of this family on another org's request needs; the larger of approvalThreshold and a majority of those orgs",
    }),
}).meta({ id: 'Family' });

export const FirmwareRelease = z
  .object({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: z.string(),
    status: z.enum(FIRMWARE_STATUSES),
    approvals: z.array(Approval),
    publishedAt: Timestamp,
    publisherMsp: Msp,
    revokedAt: Timestamp.optional(),
    revocationReason: z.string().optional(),
    revocationProposal: Proposal.extend({ reason: z.string() })
      .optional()
      .meta({ description: 'a revocation asked for by an org other than the family owner, not yet approved by enough orgs' }),
  })
  .meta({ id: 'FirmwareRelease' });

export const FirmwareVerification = z
  .object({ verdict: z.enum(FIRMWARE_VERDICTS), version: Version.optional() })
  .meta({ id: 'FirmwareVerification' });

export const MessageAnchor = z
  .object({ deviceId: Id, seq: z.number().int(), digest: Sha256Hex, keyId: Sha256Hex, anchoredAt: Timestamp, txId: TxId })
  .meta({ id: 'MessageAnchor' });

export const MessageVerification = z
  .object({ anchored: z.boolean(), keyId: Sha256Hex.optional(), anchoredAt: Timestamp.optional() })
  .meta({ id: 'MessageVerification' });

export const Endpoint = z
  .object({
    id: Id,
    org: Msp,
    kind: z.enum(ENDPOINT_KINDS),
    url: z.string(),
    tlsCertSha256: z.string().meta({ description: 'SHA-256 of its TLS certificate, or "" when not pinned' }),
    registeredAt: Timestamp,
  })
  .meta({ id: 'Endpoint' });

/** A change of the member list waiting for the orgs it needs. */
export const MembersProposal = Proposal.extend({ members: z.array(Msp) });

export const Members = z
  .object({
    members: z.array(Msp).meta({ description: 'empty until the first list is agreed' }),
    signedBy: z.array(Approval).optional().meta({ description: "the admins' approvals that made members the list" }),
    proposal: MembersProposal.optional(),
  })
  .meta({ id: 'Members' });

/** One orderer of the BFT consenter set, as the channel configuration's ConsenterMapping has it. */
export const Consenter = z.object({
  id: z.number().int(),
  mspId: z.string(),
  identity: z.string().meta({ description: "the orderer's signing certificate, PEM" }),
});

/**
 * What an offline verifier needs to check that a transaction is on the ledger. Nothing in it is
 * signed but the block: a verifier takes the consenter set from a source it trusts, not from here.
 */
export const TransactionProof = z
  .object({
    txId: TxId,
    validationCode: z.string(),
    validationCodeValue: z.number().int(),
    blockNumber: z.number().int(),
    block: z.string().meta({ description: 'base64 of the serialized common.Block, as stored by the peer' }),
    envelopeIndex: z.number().int().meta({ description: "index of the transaction's envelope in block.data.data" }),
    configBlockNumber: z.number().int().meta({ description: 'the config block in force for this block (its signed last_config index)' }),
    consenters: z.array(Consenter).meta({
      description:
        "that config block's BFT consenter mapping: block signatures name their signer by consenter id. Unsigned: " +
        'a verifier must check it against consenters it trusts (pinned certificates or a pinned config block), never take n from it',
    }),
    configBlock: z
      .string()
      .optional()
      .meta({
        description:
          'base64 of the config block configBlockNumber, serialized as the peer stores it: a verifier that pinned its header hash ' +
          '(SHA-256 of the DER header) reads the consenter set from it',
      }),
  })
  .meta({ id: 'TransactionProof' });

export const TransactionStatus = z
  .object({
    txId: TxId,
    status: z
      .string()
      .meta({ description: '"VALID", a Fabric validation code name (e.g. "MVCC_READ_CONFLICT"), or "UNKNOWN" (not on the ledger)' }),
    blockNumber: z.number().int().optional(),
  })
  .meta({ id: 'TransactionStatus' });

export type DeviceFirmware = z.output<typeof DeviceFirmware>;
export type Device = z.output<typeof Device>;
export type DevicesRegistered = z.output<typeof DevicesRegistered>;
export type DeviceKey = z.output<typeof DeviceKey>;
export type KeyValidity = z.output<typeof KeyValidity>;
export type KeyStatus = (typeof KEY_STATUSES)[number];
export type FirmwareVerdict = (typeof FIRMWARE_VERDICTS)[number];
export type Revocation = z.output<typeof Revocation>;
export type HistoryEntry = z.output<typeof HistoryEntry>;
export type ConfigRecord = z.output<typeof ConfigRecord>;
export type ConfigVerification = z.output<typeof ConfigVerification>;
export type ConfigReport = z.output<typeof ConfigReport>;
export type Approval = z.output<typeof Approval>;
export type Proposal = z.output<typeof Proposal>;
export type Family = z.output<typeof FamilyRecord>;
export type FamilyView = z.output<typeof Family>;
export type MinVersionProposal = NonNullable<Family['minVersionProposal']>;
export type RevocationProposal = NonNullable<FirmwareRelease['revocationProposal']>;
export type FirmwareRelease = z.output<typeof FirmwareRelease>;
export type FirmwareVerification = z.output<typeof FirmwareVerification>;
export type MessageAnchor = z.output<typeof MessageAnchor>;
export type MessageVerification = z.output<typeof MessageVerification>;
export type Endpoint = z.output<typeof Endpoint>;
export type Members = z.output<typeof Members>;
export type MembersProposal = z.output<typeof MembersProposal>;
export type Consenter = z.output<typeof Consenter>;
export type TransactionProof = z.output<typeof TransactionProof>;
export type TransactionStatus = z.output<typeof TransactionStatus>;
