/**
 * Every request the gateway accepts, as zod schemas: the routes validate with them and the
 * OpenAPI document is generated from them, so the two cannot disagree. Answer schemas are
 * documentation only (the chaincode's answers are passed through).
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  ATTRIBUTES_MAX,
  BATCH_MAX,
  DEVICE_STATUSES,
  ENDPOINT_KINDS,
  ERROR_STATUS,
  FIRMWARE_STATUSES,
  ID_PATTERN,
  MSP_PATTERN,
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  parsePublicKey,
  PEM_MAX,
  RegistryError,
  REVOCATION_REASONS,
  SHA256_PATTERN,
  TEXT_MAX,
  URI_MAX,
  VERSION_PATTERN,
} from '@iotreg/common';

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

export const Version = z
  .string()
  .regex(VERSION_PATTERN, { error: 'must be MAJOR.MINOR.PATCH' })
  .openapi({ example: '1.4.2' });

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
  .max(512, { error: 'must be at most 512 characters' })
  .openapi({ description: 'base64 DER ECDSA-SHA256 (or Ed25519) signature over the canonical statement' });

export const Uri = z
  .string()
  .max(URI_MAX, { error: `must be at most ${URI_MAX} characters` })
  .refine((value) => URL.canParse(value), { error: 'must be an absolute URI' })
  .openapi({ example: 'https://updates.example.com/fw/1.4.2.bin' });

const Text = z.string().max(TEXT_MAX, { error: `must be at most ${TEXT_MAX} characters` });

/** A device's own sequence number: a positive safe integer, higher than any it used before. */
export const Seq = z
  .number({ error: 'must be an integer' })
  .int({ error: 'must be an integer' })
  .min(1, { error: 'must be at least 1' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be a safe integer' });

const Attributes = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { error: 'attribute names must be simple identifiers' }), Text)
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
  .openapi({ type: 'integer', description: `page size, 1..${PAGE_SIZE_MAX}`, default: PAGE_SIZE_DEFAULT });

const Bookmark = z
  .string()
  .max(2048, { error: 'must be at most 2048 characters' })
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

export const EventsQuery = z.object({
  since: z
    .string()
    .regex(/^\d{1,19}$/, { error: 'must be a block number' })
    .optional()
    .openapi({ description: 'start block (inclusive); default: only events committed from now on' }),
  lastEventId: z
    .string()
    .regex(/^\d{1,19}-\d{1,9}$/, { error: 'must be an event id "<block>-<index>"' })
    .optional()
    .openapi({ description: 'resume after this event id (same as the Last-Event-ID header, which wins)' }),
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

/** The batch route's own body limit: a full batch of registrations does not fit the contract's 64 KiB. */
export const BATCH_BODY_LIMIT_BYTES = 256 * 1024;

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
      .min(0, { error: 'must not be negative' })
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
      .max(1000, { error: 'must be at most 1000' }),
  })
  .openapi('RegisterFamilyRequest');

export const FamilyPolicyBody = z.strictObject({ minVersion: Version }).openapi('FamilyPolicyRequest');

export const PublishFirmwareBody = z
  .strictObject({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: Uri.optional(),
    signature: Signature.openapi({ description: 'vendor key signature over {"action":"firmware","family","version","sha256"}' }),
  })
  .openapi('PublishFirmwareRequest');

export const VoteBody = z
  .strictObject({ decision: z.enum(['approve', 'reject']), comment: Text.optional() })
  .openapi('FirmwareVoteRequest');

export const RevokeFirmwareBody = z
  .strictObject({ reason: Text.min(1, { error: 'must not be empty' }) })
  .openapi('RevokeFirmwareRequest');

export const VerifyFirmwareBody = z.strictObject({ family: Id, sha256: Sha256Hex }).openapi('VerifyFirmwareRequest');

// Messages

const HexBytes = z
  .string()
  .max(8192, { error: 'must be at most 8192 characters' })
  .regex(/^(?:[0-9a-f]{2})+$/, { error: 'must be lowercase hex' });

export const VerifyMessageBody = z
  .strictObject({
    deviceId: Id,
    seq: Seq,
    digest: Sha256Hex.optional(),
    leaf: HexBytes.optional().openapi({ description: 'hex of one batch entry (with proof, instead of digest)' }),
    proof: z
      .strictObject({
        index: z.number().int().min(0),
        treeSize: z.number().int().min(1),
        path: z.array(Sha256Hex).max(64, { error: 'at most 64 hashes' }),
      })
      .refine((p) => p.index < p.treeSize, { error: 'index must be less than treeSize' })
      .optional()
      .openapi({ description: 'RFC 6962 audit path of leaf in the anchored batch, leaf upwards' }),
  })
  .superRefine((body, ctx) => {
    const withDigest = body.digest !== undefined;
    const withProof = body.leaf !== undefined || body.proof !== undefined;
    if (withDigest === withProof) {
      ctx.addIssue({ code: 'custom', message: 'give either digest, or leaf and proof' });
    } else if (withProof && (body.leaf === undefined || body.proof === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'leaf and proof go together' });
    }
  })
  .openapi('VerifyMessageRequest');

// Discovery

export const RegisterEndpointBody = z
  .strictObject({
    id: Id,
    kind: z.enum(ENDPOINT_KINDS),
    url: Uri,
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
  })
  .openapi('Device');

export const DeviceWriteSchema = DeviceSchema.extend(WithTxId).openapi('DeviceChange');

export const DevicesWriteSchema = z
  .object({ count: z.number().int(), deviceIds: z.array(Id), txId: TxId })
  .openapi('DevicesRegistered');

export const DeviceKeySchema = z
  .object({
    keyId: Sha256Hex,
    publicKeyPem: z.string(),
    validFrom: Timestamp,
    validTo: Timestamp.optional(),
    revokedAt: Timestamp.optional(),
  })
  .openapi('DeviceKey');

export const KeyValiditySchema = z
  .object({ keyId: Sha256Hex, deviceId: Id, validAt: z.boolean(), status: z.enum(['current', 'rotated', 'revoked']) })
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

export const ReportAckSchema = z.looseObject({ txId: TxId }).openapi('DeviceReportAccepted');

export const FamilySchema = z
  .object({
    family: Id,
    ownerMsp: Msp,
    vendorKeyId: Sha256Hex,
    approvalThreshold: z.number().int(),
    minVersion: Version.optional(),
  })
  .openapi('Family');

export const ApprovalSchema = z
  .object({ msp: Msp, decision: z.enum(['approve', 'reject']), comment: z.string().optional(), at: Timestamp })
  .openapi('Approval');

export const FirmwareReleaseSchema = z
  .object({
    family: Id,
    version: Version,
    sha256: Sha256Hex,
    uri: z.string(),
    status: z.enum(FIRMWARE_STATUSES),
    approvals: z.array(ApprovalSchema),
    publishedAt: Timestamp,
  })
  .openapi('FirmwareRelease');

export const FirmwareVerificationSchema = z
  .object({ verdict: z.enum([...FIRMWARE_STATUSES, 'unknown']), version: Version.optional() })
  .openapi('FirmwareVerification');

export const MessageAnchorSchema = z
  .object({ deviceId: Id, seq: z.number().int(), digest: Sha256Hex, keyId: Sha256Hex.optional(), anchoredAt: Timestamp.optional(), txId: TxId })
  .openapi('MessageAnchor');

export const MessageVerificationSchema = z
  .object({ anchored: z.boolean(), keyId: Sha256Hex.optional(), anchoredAt: Timestamp.optional() })
  .openapi('MessageVerification');

export const EndpointSchema = z
  .object({ id: Id, org: Msp, kind: z.enum(ENDPOINT_KINDS), url: z.string(), tlsCertSha256: z.string() })
  .openapi('Endpoint');

export const DiscoverySchema = z.object({ endpoints: z.array(EndpointSchema) }).openapi('Discovery');

export const TransactionStatusSchema = z
  .object({
    txId: TxId,
    status: z.string().openapi({ description: '"VALID", a Fabric validation code name (e.g. "MVCC_READ_CONFLICT"), or "UNKNOWN" (not on the ledger)' }),
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
      .openapi({ description: "that config block's BFT consenter mapping: block signatures name their signer by consenter id" }),
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
