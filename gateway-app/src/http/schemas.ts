/**
 * Every request the gateway accepts, as zod schemas: the routes validate with them and the
 * OpenAPI document is generated from them, so the two cannot disagree. Answer schemas are
 * documentation only (the chaincode's answers are passed through): they follow
 * packages/common/src/types.ts and the chaincode's answers, field for field.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ATTRIBUTE_NAME_PATTERN,
  ATTRIBUTE_VALUE_MAX,
  ATTRIBUTES_MAX,
  BATCH_MAX,
  BOOKMARK_PATTERN,
  CONFIG_VERSION_MIN,
  CONTROL_CHARACTER,
  DEVICE_STATUSES,
  ENDPOINT_KINDS,
  ERROR_STATUS,
  FIRMWARE_STATUSES,
  HTTP_URL_PATTERN,
  ID_PATTERN,
  MERKLE_PATH_MAX,
  MEMBERS_MAX,
  MERKLE_TREE_SIZE_MAX,
  MSP_PATTERN,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  parsePublicKey,
  PEM_MAX,
  RegistryError,
  REQUEST_MAX_BYTES,
  REVOCATION_REASONS,
  SEQ_MIN,
  SHA256_PATTERN,
  SIGNATURE_MAX,
  TEXT_MAX,
  URI_MAX,
  isHttpsUri,
  URI_PATTERN,
  VERSION_PATTERN,
} from '@iotreg/common';
import { EVENT_ID } from './sse';

extendZodWithOpenApi(z);

export { z };

// Fields

export const Id = z
  .string()
  .regex(ID_PATTERN, { error: 'must be 1 to 128 characters: letters, digits, ".", "_", ":" or "-", starting with a letter or digit' })
  .openapi({ example: 'sensor-0001' });

export const Sha256Hex = z
  .string()
  .regex(SHA256_PATTERN, { error: 'must be 64 lowercase hex characters (a SHA-256)' })
  .openapi({ example: 'a'.repeat(64) });

export const TxId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, { error: 'must be a Fabric transaction ID (64 lowercase hex characters)' })
  .openapi({ description: 'Fabric transaction ID' });

export const Version = z.string().regex(VERSION_PATTERN, { error: 'must be MAJOR.MINOR.PATCH' }).openapi({ example: '1.4.2' });

export const Msp = z.string().regex(MSP_PATTERN, { error: 'must be an MSP ID' }).openapi({ example: 'Org1MSP' });

export const PublicKeyPem = z
  .string()
  .max(PEM_MAX, { error: `must be at most ${PEM_MAX} characters` })
  .superRefine((pem, ctx) => {
    try {
      parsePublicKey(pem, 'key');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof RegistryError ? err.message : 'key is not a valid public key' });
    }
  })
  .openapi({ description: 'ECDSA P-256 (or Ed25519) public key, PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")' });

/**
 * A base64 signature. Its content is checked by the chaincode, which answers 422 for a
 * signature that does not verify (malformed or forged alike); here only its size is bounded.
 */
export const Signature = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(SIGNATURE_MAX, { error: `must be at most ${SIGNATURE_MAX} characters` })
  .openapi({ description: 'base64 DER ECDSA-SHA256 (or Ed25519) signature over the canonical statement' });

export const Uri = z
  .string()
  .max(URI_MAX, { error: `must be at most ${URI_MAX} characters` })
  .regex(URI_PATTERN, { error: 'must be an absolute URI' })
  .openapi({ example: 'https://updates.example.com/fw/1.4.2.bin' });

/** Where devices fetch a release: https only, since the vendor's signature covers the digest, not the uri. */
export const FirmwareUri = Uri.refine((value) => isHttpsUri(value), { error: 'must be an https:// URL without credentials' }).openapi({
  description: "https only (no credentials in it): the vendor's signature covers the image's sha256, not where it is fetched from",
});

/** Text of 1 to `max` characters, none of them a control character. */
const textOf = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((value) => !CONTROL_CHARACTER.test(value), { error: 'must not contain control characters' });

const Text = textOf(TEXT_MAX);

/** A device's own sequence number: a positive safe integer, higher than any it used before. */
export const Seq = z
  .number({ error: 'must be an integer' })
  .int({ error: 'must be an integer' })
  .min(SEQ_MIN, { error: `must be at least ${SEQ_MIN}` })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be a safe integer' });

const Attributes = z
  .record(z.string().regex(ATTRIBUTE_NAME_PATTERN, { error: 'attribute names must be simple identifiers' }), textOf(ATTRIBUTE_VALUE_MAX))
  .refine((record) => Object.keys(record).length <= ATTRIBUTES_MAX, { error: `at most ${ATTRIBUTES_MAX} attributes` })
  .openapi({ example: { site: 'plant-3' } });

const IsoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' });

// Path parameters

export const DeviceParams = z.object({ id: Id });
export const KeyParams = z.object({ keyId: Sha256Hex });
export const FamilyParams = z.object({ family: Id });
export const ReleaseParams = z.object({ family: Id, version: Version });
export const TxParams = z.object({ txId: TxId });

// Queries

const PageSize = z.coerce
  .number({ error: 'must be an integer' })
  .int({ error: 'must be an integer' })
  .min(1, { error: 'must be at least 1' })
  .max(PAGE_SIZE_MAX, { error: `must be at most ${PAGE_SIZE_MAX}` })
  .default(PAGE_SIZE_DEFAULT)
  .openapi({
    type: 'integer',
    minimum: 1,
    maximum: PAGE_SIZE_MAX,
    description: `page size, 1..${PAGE_SIZE_MAX}`,
    default: PAGE_SIZE_DEFAULT,
  });

const Bookmark = z
  .string()
  .regex(BOOKMARK_PATTERN, { error: 'must be a bookmark this registry gave' })
  .default('')
  .openapi({ description: 'bookmark of the previous page; empty or absent for the first page' });

export const PageQuery = z.object({ pageSize: PageSize, bookmark: Bookmark });

export const ListDevicesQuery = PageQuery.extend({
  owner: Msp.optional(),
  family: Id.optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  compliance: z.enum(['noncompliant']).optional(),
});

export const RevocationsQuery = PageQuery.extend({
  since: IsoTime.optional().openapi({ description: 'only revocations at or after this time' }),
});

export const KeyValidityQuery = z.object({
  at: IsoTime.optional().openapi({ description: 'the time to check (default: now)' }),
});

/** An SSE event id "<block>-<index>", as the gateway numbers events (sse.ts). */
export const EventId = z.string().regex(EVENT_ID, { error: 'must be an event id "<block>-<index>"' });

export const EventsQuery = z.object({
  since: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'must be a block number' })
    .optional()
    .openapi({
      description:
        'start block (inclusive), decimal; ignored when resuming with Last-Event-ID or lastEventId. Default: only events committed from now on',
    }),
  lastEventId: EventId.optional().openapi({
    description: 'resume after this event id "<block>-<index>" (same as the Last-Event-ID header, which wins)',
  }),
});

// Request bodies: Devices

export const RegisterDeviceBody = z
  .strictObject({
    deviceId: Id,
    publicKeyPem: PublicKeyPem,
    family: Id,
    attributes: Attributes.optional(),
    proof: Signature.openapi({
      description:
        'signature by the device key over {"action":"register","deviceId","family","keyId","ownerMsp"}, ownerMsp being the registering organisation\'s MSP ID (so no other organisation can use the proof)',
    }),
  })
  .openapi('RegisterDeviceRequest');

/**
 * The batch route's own body limit: a full batch of registrations does not fit the contract's
 * 64 KiB. A transaction carries the body about twice (arguments and write set) plus ~1.7 KB per
 * device, so 1 MiB stays well inside the channel's 4 MiB SmartBFT RequestMaxBytes (configtx.yaml).
 */
export const BATCH_BODY_LIMIT_BYTES = REQUEST_MAX_BYTES;

export const RegisterDevicesBody = z
  .strictObject({ devices: z.array(RegisterDeviceBody).min(1).max(BATCH_MAX) })
  .openapi('RegisterDevicesRequest', { description: `1 to ${BATCH_MAX} registrations, committed in one transaction, all or nothing` });

export const RotateKeyBody = z
  .strictObject({
    publicKeyPem: PublicKeyPem,
    proofOld: Signature.openapi({ description: 'signature by the current key over {"action":"rotate","deviceId","fromKeyId","toKeyId"}' }),
    proofNew: Signature.openapi({ description: 'signature by the new key over the same statement' }),
  })
  .openapi('RotateKeyRequest');

export const StatusChangeBody = z.strictObject({ reason: Text.optional() }).openapi('StatusChangeRequest');

export const RevokeDeviceBody = z.strictObject({ reason: z.enum(REVOCATION_REASONS) }).openapi('RevokeDeviceRequest');

// Configuration

export const PublishConfigBody = z
  .strictObject({
    version: z
      .number({ error: 'must be an integer' })
      .int({ error: 'must be an integer' })
      .min(CONFIG_VERSION_MIN, { error: `must be at least ${CONFIG_VERSION_MIN}` })
      .max(Number.MAX_SAFE_INTEGER, { error: 'must be a safe integer' }),
    sha256: Sha256Hex,
    uri: Uri.optional(),
  })
  .openapi('PublishConfigRequest');

export const VerifyDigestBody = z.strictObject({ sha256: Sha256Hex }).openapi('VerifyConfigRequest');

// Device-signed bodies: the statement ("payload") and the device's signature over its canonical form.

function signed<T extends z.ZodRawShape>(name: string, action: string, fields: T) {
  return z
    .strictObject({
      payload: z.strictObject({ action: z.literal(action), deviceId: Id, seq: Seq, ...fields }),
      signature: Signature,
    })
    .openapi(name, {
      description: `Signed by the device's current key over the canonical form (RFC 8785) of payload; action "${action}"`,
    });
}

export const ConfigReportBody = signed('ConfigReport', 'config-report', { sha256: Sha256Hex });
export const FirmwareReportBody = signed('FirmwareReport', 'firmware-report', { family: Id, version: Version, sha256: Sha256Hex });
export const AnchorBody = signed('MessageAnchorRequest', 'anchor', { digest: Sha256Hex });

// Firmware

export const RegisterFamilyBody = z
  .strictObject({
    family: Id,
    vendorKeyPem: PublicKeyPem,
    approvalThreshold: z
      .number({ error: 'must be an integer' })
      .int({ error: 'must be an integer' })
      .min(1, { error: 'must be at least 1' })
      .max(MEMBERS_MAX, { error: `must be at most ${MEMBERS_MAX}` })
      .openapi({
        description:
          'Approvals from member orgs other than the family owner that a family decision needs: at most their number ' +
          '(more is refused, 422 RULE_VIOLATION). The chaincode raises it to a majority of those orgs if it is lower ' +
          '(see Family.approvalsRequired).',
      }),
  })
  .openapi('RegisterFamilyRequest');

export const FamilyPolicyBody = z
  .strictObject({
    minVersion: Version.openapi({
      description:
        "Raising (or setting the first) minimum: the family owner's admin only. Lowering: proposes it, or approves the " +
        'pending proposal of the same version; it applies once approvalsRequired orgs other than the owner and one org ' +
        'besides the proposer agreed.',
    }),
  })
  .openapi('FamilyPolicyRequest');

export const PublishFirmwareBody = z
  .strictObject({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: FirmwareUri.optional(),
    signature: Signature.openapi({ description: 'vendor key signature over {"action":"firmware","family","version","sha256"}' }),
  })
  .openapi('PublishFirmwareRequest');

export const VoteBody = z
  .strictObject({ decision: z.enum(['approve', 'reject']), comment: Text.optional() })
  .openapi('FirmwareVoteRequest');

export const RevokeFirmwareBody = z.strictObject({ reason: Text }).openapi('RevokeFirmwareRequest');

export const VerifyFirmwareBody = z.strictObject({ family: Id, sha256: Sha256Hex }).openapi('VerifyFirmwareRequest');

// Messages

const MerkleProof = z
  .strictObject(
    {
      index: z
        .number()
        .int()
        .min(0)
        .max(MERKLE_TREE_SIZE_MAX - 1),
      treeSize: z.number().int().min(1).max(MERKLE_TREE_SIZE_MAX),
      path: z.array(Sha256Hex).max(MERKLE_PATH_MAX, { error: `at most ${MERKLE_PATH_MAX} hashes` }),
    },
    { error: (issue) => (issue.input === undefined ? 'leaf and proof go together: proof is missing' : 'must be an object') },
  )
  .refine((p) => p.index < p.treeSize, { error: 'index must be less than treeSize' })
  .openapi({ description: 'RFC 6962 audit path of leaf in the anchored batch, leaf upwards; index < treeSize' });

const MessageRef = { deviceId: Id, seq: Seq };

/** Two exclusive forms (OpenAPI oneOf); route.ts reports the errors of the form the body is closest to. */
export const VerifyMessageBody = z
  .union(
    [
      z.strictObject({ ...MessageRef, digest: Sha256Hex }).openapi('VerifyMessageByDigest', { description: 'the anchored digest itself' }),
      z
        .strictObject({
          ...MessageRef,
          leaf: Sha256Hex.openapi({ description: 'the batch entry (a message digest) whose inclusion in the anchored root is claimed' }),
          proof: MerkleProof,
        })
        .openapi('VerifyMessageByProof', { description: 'one entry of an anchored batch, with its audit path (never with digest)' }),
    ],
    { error: 'give either digest, or leaf and proof' },
  )
  .openapi(
    'VerifyMessageRequest',
    { description: 'exactly one of the two forms: digest, or leaf and proof' },
    { unionPreferredType: 'oneOf' },
  );

// Discovery

export const RegisterEndpointBody = z
  .strictObject({
    id: Id,
    kind: z.enum(ENDPOINT_KINDS),
    url: Uri.regex(HTTP_URL_PATTERN, { error: 'must be an http(s) URL' }).openapi({ example: 'https://gw1.example.com:8443' }),
    tlsCertSha256: Sha256Hex.optional(),
  })
  .openapi('RegisterEndpointRequest');

// Answers (documentation)

const Timestamp = z.string().openapi({ description: 'ISO 8601 UTC, from the transaction timestamp' });
const WithTxId = { txId: TxId.openapi({ description: 'transaction that made this change (writes)' }) };

export const DeviceFirmwareSchema = z
  .object({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    verdict: z.enum([...FIRMWARE_STATUSES, 'unknown']),
    compliant: z.boolean(),
    reportedAt: Timestamp,
  })
  .openapi('DeviceFirmware');

export const DeviceSchema = z
  .object({
    deviceId: Id,
    family: Id,
    ownerMsp: Msp,
    status: z.enum(DEVICE_STATUSES),
    publicKeyPem: z.string(),
    keyId: Sha256Hex,
    attributes: z.record(z.string(), z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    seq: z.number().int(),
    firmware: DeviceFirmwareSchema.optional(),
    configDrift: z.boolean().optional(),
    statusReason: z.string().optional().openapi({ description: 'reason given with the last suspension or reactivation' }),
    revokedAt: Timestamp.optional(),
    revocationReason: z.enum(REVOCATION_REASONS).optional(),
  })
  .openapi('Device');

export const DeviceWriteSchema = DeviceSchema.extend(WithTxId).openapi('DeviceChange');

export const DevicesWriteSchema = z.object({ count: z.number().int(), deviceIds: z.array(Id), txId: TxId }).openapi('DevicesRegistered');

export const DeviceKeySchema = z
  .object({
    keyId: Sha256Hex,
    deviceId: Id,
    publicKeyPem: z.string(),
    validFrom: Timestamp,
    validTo: Timestamp.optional(),
    revokedAt: Timestamp.optional(),
  })
  .openapi('DeviceKey');

export const KeyValiditySchema = z
  .object({
    keyId: Sha256Hex,
    deviceId: Id,
    at: Timestamp.openapi({ description: 'the time checked' }),
    validAt: z.boolean(),
    status: z.enum(['current', 'rotated', 'revoked']),
  })
  .openapi('KeyValidity');

export const RevocationSchema = z
  .object({ deviceId: Id, keyId: Sha256Hex, reason: z.enum(REVOCATION_REASONS), revokedAt: Timestamp })
  .openapi('Revocation');

export const HistoryEntrySchema = z
  .object({ txId: TxId, timestamp: Timestamp, submitterMsp: Msp, action: z.string(), record: z.unknown() })
  .openapi('HistoryEntry');

export const ConfigRecordSchema = z
  .object({ deviceId: Id, version: z.number().int(), sha256: Sha256Hex, uri: z.string(), publishedAt: Timestamp, txId: TxId })
  .openapi('ConfigRecord');

export const ConfigVerificationSchema = z
  .object({ match: z.boolean(), version: z.number().int().nullable() })
  .openapi('ConfigVerification');

export const ConfigReportAckSchema = z
  .object({
    deviceId: Id,
    seq: z.number().int(),
    sha256: Sha256Hex,
    reportedAt: Timestamp,
    configDrift: z.boolean().openapi({ description: 'the reported digest differs from the published configuration' }),
    txId: TxId,
  })
  .openapi('ConfigReportAccepted');

export const ApprovalSchema = z
  .object({ msp: Msp, decision: z.enum(['approve', 'reject']), comment: z.string().optional(), at: Timestamp })
  .openapi('Approval');

/** A family decision waiting for approvals; `approvals` includes the proposer's. */
export const ProposalSchema = z.object({ proposedBy: Msp, proposedAt: Timestamp, approvals: z.array(ApprovalSchema) }).openapi('Proposal');

export const FamilySchema = z
  .object({
    family: Id,
    ownerMsp: Msp,
    vendorKeyPem: z.string(),
    vendorKeyId: Sha256Hex,
    approvalThreshold: z.number().int(),
    approvalsRequired: z
      .number()
      .int()
      .openapi({
        description:
          'k now: approvals from member orgs other than the owner that trusting a release, lowering minVersion or revoking ' +
          "a release of this family on another org's request needs; the larger of approvalThreshold and a majority of those orgs",
      }),
    minVersion: Version.optional(),
    minVersionProposal: ProposalSchema.extend({ minVersion: Version })
      .optional()
      .openapi({ description: 'a lower minimum proposed and not yet approved by enough orgs' }),
    latestVersion: Version.optional().openapi({ description: 'the newest trusted release' }),
    createdAt: Timestamp,
  })
  .openapi('Family');

export const FamilyWriteSchema = FamilySchema.extend(WithTxId).openapi('FamilyChange');

export const FirmwareReleaseSchema = z
  .object({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: z.string(),
    status: z.enum(FIRMWARE_STATUSES),
    approvals: z.array(ApprovalSchema),
    publishedAt: Timestamp,
    publisherMsp: Msp,
    revokedAt: Timestamp.optional(),
    revocationReason: z.string().optional(),
    revocationProposal: ProposalSchema.extend({ reason: z.string() })
      .optional()
      .openapi({ description: 'a revocation asked for by an org other than the family owner, not yet approved by enough orgs' }),
  })
  .openapi('FirmwareRelease');

export const FirmwareReleaseWriteSchema = FirmwareReleaseSchema.extend(WithTxId).openapi('FirmwareReleaseChange');

export const FirmwareVerificationSchema = z
  .object({ verdict: z.enum([...FIRMWARE_STATUSES, 'unknown']), version: Version.optional() })
  .openapi('FirmwareVerification');

export const MessageAnchorSchema = z
  .object({ deviceId: Id, seq: z.number().int(), digest: Sha256Hex, keyId: Sha256Hex, anchoredAt: Timestamp, txId: TxId })
  .openapi('MessageAnchor');

export const MessageVerificationSchema = z
  .object({ anchored: z.boolean(), keyId: Sha256Hex.optional(), anchoredAt: Timestamp.optional() })
  .openapi('MessageVerification');

export const EndpointSchema = z
  .object({
    id: Id,
    org: Msp,
    kind: z.enum(ENDPOINT_KINDS),
    url: z.string(),
    tlsCertSha256: z.string().openapi({ description: 'SHA-256 of its TLS certificate, or "" when not pinned' }),
    registeredAt: Timestamp,
  })
  .openapi('Endpoint');

export const EndpointWriteSchema = EndpointSchema.extend(WithTxId).openapi('EndpointChange');

export const DiscoverySchema = z.object({ endpoints: z.array(EndpointSchema) }).openapi('Discovery');

export const TransactionStatusSchema = z
  .object({
    txId: TxId,
    status: z
      .string()
      .openapi({ description: '"VALID", a Fabric validation code name (e.g. "MVCC_READ_CONFLICT"), or "UNKNOWN" (not on the ledger)' }),
    blockNumber: z.number().int().optional(),
  })
  .openapi('TransactionStatus');

export const TransactionProofSchema = z
  .object({
    txId: TxId,
    validationCode: z.string(),
    validationCodeValue: z.number().int(),
    blockNumber: z.number().int(),
    block: z.string().openapi({ description: 'base64 of the serialized common.Block, as stored by the peer' }),
    envelopeIndex: z.number().int().openapi({ description: "index of the transaction's envelope in block.data.data" }),
    configBlockNumber: z.number().int().openapi({ description: 'the config block in force for this block (its signed last_config index)' }),
    consenters: z
      .array(
        z.object({
          id: z.number().int(),
          mspId: z.string(),
          identity: z.string().openapi({ description: "the orderer's signing certificate, PEM" }),
        }),
      )
      .openapi({
        description:
          "that config block's BFT consenter mapping: block signatures name their signer by consenter id. Unsigned: " +
          'a verifier must check it against consenters it trusts (pinned certificates or a pinned config block), never take n from it',
      }),
    configBlock: z
      .string()
      .optional()
      .openapi({
        description:
          'base64 of the config block configBlockNumber, serialized as the peer stores it: a verifier that pinned its header hash ' +
          '(SHA-256 of the DER header) reads the consenter set from it',
      }),
  })
  .openapi('TransactionProof');

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      bookmark: z.string().openapi({ description: 'pass as ?bookmark= for the next page; "" on the last page' }),
    })
    .openapi(name);
}

const ERROR_CODES = Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]];

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string().openapi({ description: 'what is wrong, for a person' }),
      txId: TxId.optional().openapi({
        description: 'with OUTCOME_UNKNOWN (503): the transaction whose outcome is not known yet; ask GET /v1/transactions/{txId}',
      }),
      items: z
        .array(z.object({ index: z.number().int(), code: z.enum(ERROR_CODES), message: z.string() }))
        .optional()
        .openapi({ description: 'with a refused POST /v1/devices:batch: every refused item, by its index in `devices`' }),
    }),
  })
  .openapi('Error');

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
export const ReadySchema = z.object({ status: z.literal('ready'), height: z.number().int() }).openapi('Ready');
