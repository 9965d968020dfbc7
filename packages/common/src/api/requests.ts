/**
 * Every transaction's request (the JSON text of its one argument) as a zod schema. The chaincode
 * parses its argument with these, the gateway its path, query and body, so a limit cannot differ
 * between the two. Unknown fields are refused on both sides: a misspelt optional field must not
 * be ignored in silence.
 */
import { z } from 'zod';
import { BATCH_MAX } from '../formats';
import { CONFIG_VERSION_MIN, DEVICE_STATUSES, ENDPOINT_KINDS, MEMBERS_MAX, REVOCATION_REASONS } from '../formats';
import { MERKLE_PATH_MAX, MERKLE_TREE_SIZE_MAX } from '../merkle';
import { DECISIONS } from './records';
import {
  Attributes,
  FirmwareUri,
  HttpUrl,
  Id,
  integerFrom,
  IsoTime,
  Msp,
  PageFields,
  PublicKeyPem,
  Seq,
  Sha256Hex,
  Signature,
  Text,
  Uri,
  Version,
} from './fields';
import { BirthCertificate, NextKeyDigest } from './identity';

export const DeviceRef = z.strictObject({ deviceId: Id });
export const FamilyRef = z.strictObject({ family: Id });
export const ReleaseRef = z.strictObject({ family: Id, version: Version });
export const NoFields = z.strictObject({});

// Devices

export const RegisterDeviceRequest = z
  .strictObject({
    deviceId: Id,
    publicKeyPem: PublicKeyPem,
    family: Id,
    attributes: Attributes.optional(),
    nextKeyDigest: NextKeyDigest.optional().meta({
      description: 'pre-rotation: with it, proof signs {"action":"register","deviceId","family","keyId","nextKeyDigest","ownerMsp"}',
    }),
    birthCertificate: BirthCertificate.optional().meta({
      description: "the maker's signature over the device's key (required when the family's identity policy says so)",
    }),
    proof: Signature.meta({
      description:
        'signature by the device key over {"action":"register","deviceId","family","keyId","ownerMsp"}, ownerMsp being the ' +
        "registering organisation's MSP ID (so no other organisation can use the proof)",
    }),
  })
  .meta({ id: 'RegisterDeviceRequest' });

export const RegisterDevicesRequest = z
  .strictObject({
    devices: z
      .array(RegisterDeviceRequest)
      .min(1, { error: `must hold 1 to ${BATCH_MAX} registrations` })
      .max(BATCH_MAX, { error: `must hold 1 to ${BATCH_MAX} registrations` }),
  })
  .meta({ id: 'RegisterDevicesRequest', description: `1 to ${BATCH_MAX} registrations, committed in one transaction, all or nothing` });

export const ListDevicesRequest = z.strictObject({
  ...PageFields,
  owner: Msp.optional(),
  family: Id.optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  compliance: z.enum(['noncompliant']).optional().meta({ description: 'only devices whose reported firmware is not compliant' }),
});

export const RotateKeyRequest = z
  .strictObject({
    deviceId: Id,
    publicKeyPem: PublicKeyPem,
    proofOld: Signature.meta({ description: 'signature by the current key over {"action":"rotate","deviceId","fromKeyId","toKeyId"}' }),
    proofNew: Signature.meta({ description: 'signature by the new key over the same statement' }),
    nextKeyDigest: NextKeyDigest.optional().meta({
      description: 'pre-rotation: commits to the key after the new one; both proofs then sign the statement with nextKeyDigest added',
    }),
  })
  .meta({ id: 'RotateKeyRequest' });

export const KeyValidityRequest = z.strictObject({
  keyId: Sha256Hex,
  at: IsoTime.optional().meta({ description: 'the time to check (default: the transaction time, now)' }),
});

export const SetDeviceStatusRequest = z
  .strictObject({ deviceId: Id, status: z.enum(['suspended', 'active']), reason: Text.optional() })
  .meta({ id: 'StatusChangeRequest' });

export const RevokeDeviceRequest = z.strictObject({ deviceId: Id, reason: z.enum(REVOCATION_REASONS) }).meta({ id: 'RevokeDeviceRequest' });

export const ListRevocationsRequest = z.strictObject({
  ...PageFields,
  since: IsoTime.optional().meta({ description: 'only revocations at or after this time' }),
});

export const DeviceHistoryRequest = z.strictObject({ deviceId: Id, ...PageFields });

// Configuration

export const PublishConfigRequest = z
  .strictObject({ deviceId: Id, version: integerFrom(CONFIG_VERSION_MIN), sha256: Sha256Hex, uri: Uri.optional() })
  .meta({ id: 'PublishConfigRequest' });

export const VerifyConfigRequest = z.strictObject({ deviceId: Id, sha256: Sha256Hex }).meta({ id: 'VerifyConfigRequest' });

// Device-signed requests: the statement ("payload") and the device's signature over its canonical form.

export function signed<T extends z.ZodRawShape>(id: string, action: string, fields: T) {
  return z
    .strictObject({
      payload: z.strictObject({ action: z.literal(action), deviceId: Id, seq: Seq, ...fields }),
      signature: Signature,
    })
    .meta({ id, description: `Signed by the device's current key over the canonical form (RFC 8785) of payload; action "${action}"` });
}

export const ConfigReportRequest = signed('ConfigReportRequest', 'config-report', { sha256: Sha256Hex });
export const FirmwareReportRequest = signed('FirmwareReportRequest', 'firmware-report', {
  family: Id,
  version: Version,
  sha256: Sha256Hex,
});
export const AnchorMessageRequest = signed('MessageAnchorRequest', 'anchor', { digest: Sha256Hex });

// Firmware

export const RegisterFamilyRequest = z
  .strictObject({
    family: Id,
    vendorKeyPem: PublicKeyPem,
    approvalThreshold: integerFrom(1, MEMBERS_MAX).meta({
      description:
        'Approvals from member orgs other than the family owner that a family decision needs: at most their number ' +
        '(more is refused, 422 RULE_VIOLATION). The chaincode raises it to a majority of those orgs if it is lower ' +
        '(see Family.approvalsRequired).',
    }),
  })
  .meta({ id: 'RegisterFamilyRequest' });

export const FamilyPolicyRequest = z
  .strictObject({
    family: Id,
    minVersion: Version.meta({
      description:
        "Raising (or setting the first) minimum: the family owner's admin only. Lowering: proposes it, or approves the " +
        'pending proposal of the same version; it applies once approvalsRequired orgs other than the owner and one org ' +
        'besides the proposer agreed.',
    }),
    requireCompliance: z
      .boolean()
      .optional()
      .meta({
        description:
          'true: devices of the family whose firmware is not compliant are quarantined (their anchors, sealed configuration ' +
          "fetches and agreement steps answer 422 QUARANTINED). Turning it on is the owner admin's alone, like raising; " +
          'turning it off is a family decision, like lowering. Absent: unchanged.',
      }),
  })
  .meta({ id: 'FamilyPolicyRequest' });

export const PublishFirmwareRequest = z
  .strictObject({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: FirmwareUri.optional(),
    signature: Signature.meta({ description: 'vendor key signature over {"action":"firmware","family","version","sha256"}' }),
  })
  .meta({ id: 'PublishFirmwareRequest' });

export const ListFirmwareRequest = z.strictObject({ family: Id, ...PageFields });

export const VoteFirmwareRequest = z
  .strictObject({ family: Id, version: Version, decision: z.enum(DECISIONS), comment: Text.optional() })
  .meta({ id: 'FirmwareVoteRequest' });

export const RevokeFirmwareRequest = z.strictObject({ family: Id, version: Version, reason: Text }).meta({ id: 'RevokeFirmwareRequest' });

export const VerifyFirmwareRequest = z.strictObject({ family: Id, sha256: Sha256Hex }).meta({ id: 'VerifyFirmwareRequest' });

// Messages

export const ListMessagesRequest = z.strictObject({ deviceId: Id, ...PageFields });

export const MerkleProof = z
  .strictObject(
    {
      index: integerFrom(0, MERKLE_TREE_SIZE_MAX - 1),
      treeSize: integerFrom(1, MERKLE_TREE_SIZE_MAX),
      path: z.array(Sha256Hex).max(MERKLE_PATH_MAX, { error: `at most ${MERKLE_PATH_MAX} hashes` }),
    },
    { error: (issue) => (issue.input === undefined ? 'leaf and proof go together: proof is missing' : 'must be an object') },
  )
  .refine((p) => p.index < p.treeSize, { error: 'index must be less than treeSize' })
  .meta({ description: 'RFC 6962 audit path of leaf in the anchored batch, leaf upwards; index < treeSize' });

const MessageRef = { deviceId: Id, seq: Seq };

/** Two exclusive forms (OpenAPI oneOf): the anchored digest, or one entry of an anchored batch with its audit path. */
export const VerifyMessageRequest = z
  .union(
    [
      z.strictObject({ ...MessageRef, digest: Sha256Hex }).meta({ id: 'VerifyMessageByDigest', description: 'the anchored digest itself' }),
      z
        .strictObject({
          ...MessageRef,
          leaf: Sha256Hex.meta({ description: 'the batch entry (a message digest) whose inclusion in the anchored root is claimed' }),
          proof: MerkleProof,
        })
        .meta({ id: 'VerifyMessageByProof', description: 'one entry of an anchored batch, with its audit path (never with digest)' }),
    ],
    { error: 'give either digest, or leaf and proof' },
  )
  .meta({ id: 'VerifyMessageRequest', description: 'exactly one of the two forms: digest, or leaf and proof' });

// Discovery

export const RegisterEndpointRequest = z
  .strictObject({ id: Id, kind: z.enum(ENDPOINT_KINDS), url: HttpUrl, tlsCertSha256: Sha256Hex.optional() })
  .meta({ id: 'RegisterEndpointRequest' });

export const ListEndpointsRequest = z.strictObject({ ...PageFields });

// Governance

export const SetMembersRequest = z
  .strictObject({
    members: z
      .array(Msp)
      .min(1, { error: `must list 1 to ${MEMBERS_MAX} MSP IDs` })
      .max(MEMBERS_MAX, { error: `must list 1 to ${MEMBERS_MAX} MSP IDs` }),
  })
  .meta({ id: 'SetMembersRequest' });

export type DeviceRef = z.input<typeof DeviceRef>;
export type RegisterDeviceRequest = z.input<typeof RegisterDeviceRequest>;
export type RegisterDevicesRequest = z.input<typeof RegisterDevicesRequest>;
export type ListDevicesRequest = z.input<typeof ListDevicesRequest>;
export type RotateKeyRequest = z.input<typeof RotateKeyRequest>;
export type KeyValidityRequest = z.input<typeof KeyValidityRequest>;
export type SetDeviceStatusRequest = z.input<typeof SetDeviceStatusRequest>;
export type RevokeDeviceRequest = z.input<typeof RevokeDeviceRequest>;
export type PublishConfigRequest = z.input<typeof PublishConfigRequest>;
export type RegisterFamilyRequest = z.input<typeof RegisterFamilyRequest>;
export type PublishFirmwareRequest = z.input<typeof PublishFirmwareRequest>;
export type VoteFirmwareRequest = z.input<typeof VoteFirmwareRequest>;
export type VerifyMessageRequest = z.input<typeof VerifyMessageRequest>;
export type MerkleProof = z.input<typeof MerkleProof>;
export type RegisterEndpointRequest = z.input<typeof RegisterEndpointRequest>;
