/**
 * The REST face of the catalogue: each route names its operation, its method and path, who may
 * call it and its success status. Path parameters are request fields of the same name; for GET
 * the rest of the request is the query, otherwise the body. The gateway serves these routes and
 * documents them (OpenAPI) from this table; the REST client (client.ts) calls them from it.
 */
import type { Role } from '../formats';
import { BATCH_MAX, SEALED_CONFIG_INLINE_MAX_BYTES } from '../formats';
import { OPERATIONS, type OperationName, type RequestOf } from './catalogue';

export type Access =
  /** No credentials (health, metrics, the OpenAPI document). */
  | { kind: 'public' }
  /** A bearer token; with `roles`, only those roles (the chaincode checks again). */
  | { kind: 'token'; roles?: readonly Role[] }
  /** A bearer token, or a device's signed read (Authorization: Device …). */
  | { kind: 'token-or-device' }
  /**
   * No token: the body is signed by the device, checked by the gateway against the device's
   * current key and again by the chaincode. Relayed as the gateway's relay identity.
   */
  | { kind: 'device-signed' };

export type HttpMethod = 'get' | 'post' | 'put';

export interface RestRoute<N extends OperationName = OperationName, F extends Partial<RequestOf<N>> = Partial<RequestOf<N>>> {
  operation: N;
  method: HttpMethod;
  /** OpenAPI form: /v1/devices/{deviceId}; each {name} is a request field. */
  path: string;
  /** Request fields the route sets itself (e.g. the status of /suspend). */
  fixed?: F;
  access: Access;
  status: 200 | 201;
  tag: string;
  summary: string;
  description?: string;
  /** What the success answer is, for the document. */
  answers: string;
  /** A larger body limit than the contract's 64 KiB (bytes). */
  bodyLimit?: number;
  /** Errors this route answers beyond those every route of its kind has (status → what), for the document. */
  errors?: Record<number, string>;
}

const route = <N extends OperationName, const F extends Partial<RequestOf<N>> = Record<never, never>>(
  operation: N,
  spec: Omit<RestRoute<N, F>, 'operation'>,
): RestRoute<N, F> => ({ operation, ...spec });

const admin = { kind: 'token', roles: ['admin'] } as const;
const vendor = { kind: 'token', roles: ['vendor'] } as const;
const anyToken = { kind: 'token' } as const;
const tokenOrDevice = { kind: 'token-or-device' } as const;
const deviceSigned = { kind: 'device-signed' } as const;

/** The largest body the gateway reads for a batch of registrations: one transaction's request. */
export const BATCH_BODY_LIMIT_BYTES = 1024 * 1024;

/** What a step by a quarantined device answers (see ../quarantine.ts). */
export const QUARANTINED_ERROR =
  "QUARANTINED: the device's family requires compliant firmware to take part and the device's is not; the message names the requirement";

export const REST_ROUTES = {
  // Devices
  registerDevice: route('registerDevice', {
    method: 'post',
    path: '/v1/devices',
    access: admin,
    status: 201,
    tag: 'Devices',
    summary: 'Register a device (proof of possession of its key)',
    description: 'The family must be registered first (POST /v1/families); otherwise 422 UNKNOWN_FAMILY and nothing is written.',
    answers: 'the registered device',
  }),
  registerDevices: route('registerDevices', {
    method: 'post',
    path: '/v1/devices:batch',
    access: admin,
    status: 201,
    tag: 'Devices',
    summary: `Register up to ${BATCH_MAX} devices in one transaction, all or nothing`,
    description:
      'Each device is checked as POST /v1/devices checks it. If any is refused, none is registered and the error ' +
      'lists every refused item in `error.items` (its index in `devices`, code and reason); the status is that of ' +
      `the first refusal. This endpoint accepts bodies up to ${BATCH_BODY_LIMIT_BYTES / 1024} KiB.`,
    answers: 'the registered devices',
    bodyLimit: BATCH_BODY_LIMIT_BYTES,
  }),
  listDevices: route('listDevices', {
    method: 'get',
    path: '/v1/devices',
    access: anyToken,
    status: 200,
    tag: 'Devices',
    summary: 'List devices',
    description:
      'From the read model, pages are always full. With source=ledger the chaincode walks its one list index (by family) or ' +
      'every device and checks the other filters per device, so a page ends after a bounded scan: it may hold fewer items ' +
      'than pageSize, with a bookmark to go on from.',
    answers: 'a page of devices',
  }),
  getDevice: route('getDevice', {
    method: 'get',
    path: '/v1/devices/{deviceId}',
    access: tokenOrDevice,
    status: 200,
    tag: 'Devices',
    summary: 'Read a device (bearer token, or Device credentials: a device looks up a peer before sealing to it)',
    answers: 'the device',
  }),
  rotateDeviceKey: route('rotateKey', {
    method: 'post',
    path: '/v1/devices/{deviceId}/keys',
    access: admin,
    status: 200,
    tag: 'Devices',
    summary: "Rotate a device's key (signed by the old and the new key)",
    answers: 'the device, with its new keyId',
  }),
  listDeviceKeys: route('listDeviceKeys', {
    method: 'get',
    path: '/v1/devices/{deviceId}/keys',
    access: anyToken,
    status: 200,
    tag: 'Devices',
    summary: 'Every key the device has had',
    description:
      "With source=ledger the chaincode reads the keys from the versions of the device's record in Fabric's history " +
      'database; the read model from the blocks. The chaincode keeps no key list.',
    answers: 'the keys, oldest first',
  }),
  getKeyValidity: route('getKeyValidity', {
    method: 'get',
    path: '/v1/keys/{keyId}',
    access: tokenOrDevice,
    status: 200,
    tag: 'Devices',
    summary: "Was this key its device's valid key at a time (default now)?",
    answers: 'validity of the key',
  }),
  suspendDevice: route('setDeviceStatus', {
    method: 'post',
    path: '/v1/devices/{deviceId}/suspend',
    fixed: { status: 'suspended' },
    access: admin,
    status: 200,
    tag: 'Devices',
    summary: 'Suspend a device',
    answers: 'the device',
  }),
  reactivateDevice: route('setDeviceStatus', {
    method: 'post',
    path: '/v1/devices/{deviceId}/reactivate',
    fixed: { status: 'active' },
    access: admin,
    status: 200,
    tag: 'Devices',
    summary: 'Reactivate a suspended device',
    answers: 'the device',
  }),
  revokeDevice: route('revokeDevice', {
    method: 'post',
    path: '/v1/devices/{deviceId}/revoke',
    access: admin,
    status: 200,
    tag: 'Devices',
    summary: 'Revoke a device (terminal)',
    answers: 'the revoked device',
  }),
  listRevocations: route('listRevocations', {
    method: 'get',
    path: '/v1/revocations',
    access: anyToken,
    status: 200,
    tag: 'Devices',
    summary: 'Revoked devices, optionally since a time',
    answers: 'a page of revocations',
  }),
  getDeviceHistory: route('getDeviceHistory', {
    method: 'get',
    path: '/v1/devices/{deviceId}/history',
    access: { kind: 'token', roles: ['auditor', 'admin'] },
    status: 200,
    tag: 'Devices',
    summary: 'Every change of a device, oldest first',
    description:
      "The chaincode records a device's last change under one key; with source=ledger its versions in Fabric's history " +
      'database are the history (an endorsed answer), the read model appends each from the blocks. Bookmarks work with both.',
    answers: 'a page of history entries',
  }),

  // Configuration
  publishConfig: route('publishConfig', {
    method: 'put',
    path: '/v1/devices/{deviceId}/config',
    access: admin,
    status: 201,
    tag: 'Configuration',
    summary: 'Publish a configuration (version greater than the current)',
    answers: 'the published configuration record',
  }),
  getConfig: route('getConfig', {
    method: 'get',
    path: '/v1/devices/{deviceId}/config',
    access: anyToken,
    status: 200,
    tag: 'Configuration',
    summary: 'The latest configuration record',
    answers: 'the latest configuration record',
  }),
  verifyConfig: route('verifyConfig', {
    method: 'post',
    path: '/v1/devices/{deviceId}/config/verify',
    access: anyToken,
    status: 200,
    tag: 'Configuration',
    summary: 'Does a digest match the latest configuration?',
    answers: 'whether it matches',
  }),
  reportConfig: route('reportConfig', {
    method: 'post',
    path: '/v1/devices/{deviceId}/config/report',
    access: deviceSigned,
    status: 201,
    tag: 'Configuration',
    summary: 'A device reports the digest of the configuration it runs (device-signed)',
    answers: 'report recorded; the device shows configDrift',
  }),

  // Firmware
  registerFamily: route('registerFamily', {
    method: 'post',
    path: '/v1/families',
    access: vendor,
    status: 201,
    tag: 'Firmware',
    summary: "Register a firmware family (owned by the vendor's org)",
    description:
      'Devices can only be registered into a registered family. approvalThreshold is at most the number of member orgs ' +
      "other than the vendor's; the answer's approvalsRequired is what the chaincode enforces.",
    answers: 'the family',
  }),
  getFamily: route('getFamily', {
    method: 'get',
    path: '/v1/families/{family}',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'Read a firmware family',
    answers: 'the family',
  }),
  setFamilyPolicy: route('setFamilyPolicy', {
    method: 'put',
    path: '/v1/families/{family}/policy',
    access: admin,
    status: 200,
    tag: 'Firmware',
    summary: 'Set the minimum compliant firmware version',
    description:
      "Only the family owner's admin raises the minimum (or sets the first one); another org gets 403 FORBIDDEN. " +
      'Lowering it is a family decision: an admin proposes it, admins of other orgs approve by asking for the same ' +
      "version, and it applies once the family's approvalsRequired orgs other than the owner, and at least one org " +
      'besides the proposer, agreed. Until then the answer shows it under minVersionProposal.',
    answers: 'the family',
  }),
  publishFirmware: route('publishFirmware', {
    method: 'post',
    path: '/v1/firmware',
    access: vendor,
    status: 201,
    tag: 'Firmware',
    summary: 'Publish a firmware release signed by the family vendor key',
    description: 'uri, if given, must be https (the signature covers the sha256, not the uri).',
    answers: 'the release (pending, or trusted if the threshold is met)',
  }),
  verifyFirmware: route('verifyFirmware', {
    method: 'post',
    path: '/v1/firmware/verify',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'Verdict on a firmware image digest',
    answers: 'the verdict',
  }),
  listFirmware: route('listFirmware', {
    method: 'get',
    path: '/v1/firmware/{family}',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'Releases of a family',
    answers: 'a page of releases',
  }),
  getLatestFirmware: route('getLatestFirmware', {
    method: 'get',
    path: '/v1/firmware/{family}/latest',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'The newest trusted release of a family',
    answers: 'the newest trusted release',
  }),
  getFirmware: route('getFirmware', {
    method: 'get',
    path: '/v1/firmware/{family}/{version}',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'Read a firmware release',
    answers: 'the release',
  }),
  voteFirmware: route('voteFirmware', {
    method: 'post',
    path: '/v1/firmware/{family}/{version}/approvals',
    access: admin,
    status: 201,
    tag: 'Firmware',
    summary: 'Approve or reject a release (one vote per org)',
    description:
      "Only admins of member orgs other than the family owner vote (the owner's admin gets 403 FORBIDDEN). The release " +
      "becomes trusted at the family's approvalsRequired approvals: the larger of its approvalThreshold and a majority " +
      'of the members other than the owner; rejected once so many rejected that this cannot be reached.',
    answers: 'the release after the vote',
  }),
  revokeFirmware: route('revokeFirmware', {
    method: 'post',
    path: '/v1/firmware/{family}/{version}/revoke',
    access: { kind: 'token', roles: ['vendor', 'admin'] },
    status: 200,
    tag: 'Firmware',
    summary: 'Revoke a release',
    description:
      "The family owner's vendor or admin revokes at once. An admin of another member org proposes the revocation " +
      '(or approves the pending one: 409 DUPLICATE_VOTE for a second approval by the same org); it takes effect once ' +
      "the family's approvalsRequired orgs other than the owner, and one org besides the proposer, agreed. Until then " +
      'the answer shows the release unchanged, with revocationProposal.',
    answers: 'the revoked release',
  }),
  reportFirmware: route('reportFirmware', {
    method: 'post',
    path: '/v1/devices/{deviceId}/firmware',
    access: deviceSigned,
    status: 201,
    tag: 'Firmware',
    summary: 'A device reports the firmware it runs (device-signed)',
    answers: "report recorded; the device's firmware shows the verdict",
  }),

  // Messages
  anchorMessage: route('anchorMessage', {
    method: 'post',
    path: '/v1/devices/{deviceId}/messages',
    access: deviceSigned,
    status: 201,
    tag: 'Messages',
    summary: 'A device anchors the digest of a message or the Merkle root of a batch (device-signed)',
    answers: 'the anchor',
    errors: { 422: QUARANTINED_ERROR },
  }),
  listMessages: route('listMessages', {
    method: 'get',
    path: '/v1/devices/{deviceId}/messages',
    access: anyToken,
    status: 200,
    tag: 'Messages',
    summary: "A device's anchors, by seq",
    answers: 'a page of anchors',
  }),
  verifyMessage: route('verifyMessage', {
    method: 'post',
    path: '/v1/messages/verify',
    access: anyToken,
    status: 200,
    tag: 'Messages',
    summary: 'Is a digest (or a leaf with its Merkle audit path) anchored by a device at seq?',
    answers: 'the verification',
  }),

  // Discovery
  registerEndpoint: route('registerEndpoint', {
    method: 'post',
    path: '/v1/discovery/endpoints',
    access: admin,
    status: 201,
    tag: 'Discovery',
    summary: "Register an endpoint of the admin's org",
    answers: 'the endpoint',
  }),
  listEndpoints: route('listEndpoints', {
    method: 'get',
    path: '/v1/discovery/endpoints',
    access: tokenOrDevice,
    status: 200,
    tag: 'Discovery',
    summary: 'Registered endpoints, a page at a time (GET /v1/discovery answers all of them at once)',
    answers: 'a page of endpoints',
  }),

  // Governance
  getMembers: route('getMembers', {
    method: 'get',
    path: '/v1/members',
    access: anyToken,
    status: 200,
    tag: 'Governance',
    summary: "The consortium's member orgs (the n of k-of-n), and a pending change with who signed it so far",
    answers: 'the member list',
  }),

  // Identity (issue 22)
  setFamilyIdentityPolicy: route('setFamilyIdentityPolicy', {
    method: 'put',
    path: '/v1/families/{family}/identity-policy',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "Set what a family demands of its devices' identities (pre-rotation required or optional)",
    description:
      'Only the family owner\'s admin (another org: 403 FORBIDDEN). "required" applies to registrations and rotations ' +
      'from then on: each must carry nextKeyDigest (else 422 RULE_VIOLATION); devices registered before keep their key.',
    answers: 'the family, with its identityPolicy',
  }),
  preRotateKey: route('preRotateKey', {
    method: 'post',
    path: '/v1/devices/{deviceId}/pre-rotation',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "Rotate to the device's pre-committed next key (signed by that key alone) and commit to the one after",
    description:
      "The owner's admin reveals the key whose digest the device committed to (its nextKeyDigest); that key signs. The " +
      'current key is not asked: a thief holding it can neither rotate nor stop this rotation. A key whose digest is not ' +
      'the commitment, or a device without one, gets 422 RULE_VIOLATION; a proof that does not verify, 422 BAD_SIGNATURE.',
    answers: 'the device, with its new keyId and nextKeyDigest',
  }),
  registerMaker: route('registerMaker', {
    method: 'post',
    path: '/v1/makers',
    access: vendor,
    status: 201,
    tag: 'Identity',
    summary: "Register a device maker: the vendor's org and its manufacturing key, which signs devices' birth certificates",
    answers: 'the maker',
  }),
  getMaker: route('getMaker', {
    method: 'get',
    path: '/v1/makers/{maker}',
    access: anyToken,
    status: 200,
    tag: 'Identity',
    summary: 'Read a device maker',
    answers: 'the maker',
  }),
  offerTransfer: route('offerTransfer', {
    method: 'post',
    path: '/v1/devices/{deviceId}/transfer',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "The owner's admin offers the device to another member org (a new offer replaces the last)",
    answers: 'the device, with its transferOffer',
  }),
  acceptTransfer: route('acceptTransfer', {
    method: 'post',
    path: '/v1/devices/{deviceId}/transfer/accept',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "The offered org's admin accepts: the device is its own from this transaction on",
    description: 'Only an admin of the org the offer names (another: 403 FORBIDDEN); without an offer, 409 STATE_CONFLICT.',
    answers: 'the device, with its new ownerMsp',
  }),

  // Quarantine
  listQuarantined: route('listQuarantined', {
    method: 'get',
    path: '/v1/quarantine',
    access: { kind: 'token', roles: ['auditor', 'admin'] },
    status: 200,
    tag: 'Firmware',
    summary: 'Devices quarantined now: their family requires compliance and their firmware is not compliant',
    description:
      "Judged on read against each family's policy (PUT /v1/families/{family}/policy with requireCompliance). A page reads " +
      'a bounded number of devices, so it may hold fewer items than pageSize (even none) and a bookmark to go on.',
    answers: 'a page of quarantined devices, each with the requirement it does not meet',
  }),

  // Sealed configuration
  publishSealedConfig: route('publishSealedConfig', {
    method: 'put',
    path: '/v1/devices/{deviceId}/config/sealed',
    access: admin,
    status: 201,
    tag: 'Configuration',
    summary: "Publish a configuration sealed to the device's registered key (inline, or off-chain by hash and URI)",
    description:
      "The owner's admin seals the configuration to the device's current key (the device library's sealConfig, or " +
      '`iotreg config seal`) and publishes the envelope: the ledger and the other orgs see only ciphertext and hashes. ' +
      `Envelopes over ${SEALED_CONFIG_INLINE_MAX_BYTES} bytes of ciphertext are stored off-chain and published by reference. ` +
      'It becomes the expected configuration (version and clear sha256), as PUT /v1/devices/{deviceId}/config does.',
    answers: 'the sealed configuration record',
  }),
  getSealedConfig: route('getSealedConfig', {
    method: 'get',
    path: '/v1/devices/{deviceId}/config/sealed',
    access: tokenOrDevice,
    status: 200,
    tag: 'Configuration',
    summary: 'The sealed configuration, for the device to open at boot (bearer token, or Device credentials)',
    description:
      'Nothing for a device that is not active (409 STATE_CONFLICT) or quarantined (422 QUARANTINED); 409 RESEAL_REQUIRED ' +
      "when it is sealed to a key the device no longer holds: after a key rotation the owner's admin seals it again.",
    answers: 'the sealed configuration record',
    errors: {
      409: 'STATE_CONFLICT: the device is not active; RESEAL_REQUIRED: sealed to a key the device no longer holds',
      422: QUARANTINED_ERROR,
    },
  }),

  // Agreements between devices: every step signed by the acting device
  offerAgreement: route('offerAgreement', {
    method: 'post',
    path: '/v1/devices/{deviceId}/agreements',
    access: deviceSigned,
    status: 201,
    tag: 'Agreements',
    summary: 'A device (the provider) offers metered terms to another device (device-signed)',
    description:
      'The terms: resource and unit, maxQuantity, pricePerUnit (integer, minor currency unit), currency, expiresAt, and the ' +
      'penalty rule (minQuantity, penaltyPerUnit). The consumer must be an active registered device.',
    answers: 'the agreement, offered, with the termsSha256 the consumer signs to accept',
    errors: { 422: QUARANTINED_ERROR },
  }),
  acceptAgreement: route('acceptAgreement', {
    method: 'post',
    path: '/v1/devices/{deviceId}/agreements/accept',
    access: deviceSigned,
    status: 201,
    tag: 'Agreements',
    summary: "The consumer device accepts an offer by signing its terms' hash (device-signed)",
    answers: 'the agreement, active',
    errors: { 422: QUARANTINED_ERROR },
  }),
  recordUsage: route('recordUsage', {
    method: 'post',
    path: '/v1/devices/{deviceId}/agreements/usage',
    access: deviceSigned,
    status: 201,
    tag: 'Agreements',
    summary: 'The consumer device records a usage under an active agreement (device-signed)',
    description:
      'Refused (422 RULE_VIOLATION) beyond maxQuantity or from expiresAt on; a replayed seq answers 422 REPLAYED_SEQ and an ' +
      'unsigned or forged record 401.',
    answers: 'the usage record, with the cumulative quantity',
    errors: { 422: QUARANTINED_ERROR },
  }),
  settleAgreement: route('settleAgreement', {
    method: 'post',
    path: '/v1/devices/{deviceId}/agreements/settle',
    access: deviceSigned,
    status: 201,
    tag: 'Agreements',
    summary: 'Either party settles an agreement once it expired or its maxQuantity is used (device-signed)',
    description:
      'The chaincode computes, in integers: amount = used × pricePerUnit, penalty = max(0, minQuantity − used) × penaltyPerUnit, total.',
    answers: 'the agreement, settled, with its settlement',
    errors: { 422: QUARANTINED_ERROR },
  }),
  getAgreement: route('getAgreement', {
    method: 'get',
    path: '/v1/agreements/{agreementId}',
    access: tokenOrDevice,
    status: 200,
    tag: 'Agreements',
    summary: 'An agreement with every signed step (bearer token, or Device credentials)',
    answers: 'the agreement',
  }),
  listUsage: route('listUsage', {
    method: 'get',
    path: '/v1/agreements/{agreementId}/usage',
    access: tokenOrDevice,
    status: 200,
    tag: 'Agreements',
    summary: "An agreement's usage records, oldest first, each with the consumer's signed statement",
    answers: 'a page of usage records',
  }),

  // Fleet (read model only)
  queryDevices: route('queryDevices', {
    method: 'get',
    path: '/v1/fleet/devices',
    access: anyToken,
    status: 200,
    tag: 'Fleet',
    summary: 'Devices by family, owner, status, firmware version, compliance, time range and attribute (read model only)',
    description:
      "Answered by the gateway's read model, in device ID order, pages always full. The chaincode keeps no index for these " +
      'filters: with source=ledger the answer is 400 INVALID_ARGUMENT, and while the read model is catching up after a start 503.',
    answers: 'a page of devices',
  }),
  countDevices: route('countDevices', {
    method: 'get',
    path: '/v1/fleet/counts',
    access: anyToken,
    status: 200,
    tag: 'Fleet',
    summary: 'Counts of the matching devices per status, family, compliance and firmware version (read model only)',
    description: 'Takes the filters of GET /v1/fleet/devices. Read model only, as that route.',
    answers: 'the counts',
  }),
  getConfigReport: route('getConfigReport', {
    method: 'get',
    path: '/v1/devices/{deviceId}/config/report',
    access: anyToken,
    status: 200,
    tag: 'Configuration',
    summary: "The device's latest configuration report, and whether it drifts from the published configuration",
    description: '404 when the device never reported its configuration.',
    answers: 'the latest report, with configDrift judged now',
  }),

  // Rollouts
  createRollout: route('createRollout', {
    method: 'post',
    path: '/v1/rollouts',
    access: admin,
    status: 201,
    tag: 'Rollouts',
    summary: "Roll a trusted release out to a family in waves (the family owner's admin)",
    description:
      "The target is the family's devices registered now, narrowed by owner orgs and attribute values. Each device's " +
      'wave is fixed by its bucket, SHA-256(rolloutId ‖ 0x00 ‖ deviceId) mod 10000 (first 4 bytes), against the ' +
      "waves' cumulative percentages. Wave 0 opens at once; wave i+1 once wave i has soaked soakSeconds and reached " +
      'successPercent. A version below a trusted release of the family needs an approved rollback first ' +
      '(POST /v1/families/{family}/rollback).',
    answers: 'the rollout',
  }),
  getRollout: route('getRollout', {
    method: 'get',
    path: '/v1/rollouts/{rolloutId}',
    access: anyToken,
    status: 200,
    tag: 'Rollouts',
    summary: 'A rollout: its waves, their counts, which are open now, and who waits for whom',
    answers: 'the rollout',
  }),
  pauseRollout: route('setRolloutState', {
    method: 'post',
    path: '/v1/rollouts/{rolloutId}/pause',
    fixed: { state: 'paused' },
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: 'Pause a rollout (family owner): no device may install until it is resumed',
    answers: 'the rollout',
  }),
  resumeRollout: route('setRolloutState', {
    method: 'post',
    path: '/v1/rollouts/{rolloutId}/resume',
    fixed: { state: 'active' },
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: 'Resume a paused or halted rollout (family owner)',
    answers: 'the rollout',
  }),
  cancelRollout: route('setRolloutState', {
    method: 'post',
    path: '/v1/rollouts/{rolloutId}/cancel',
    fixed: { state: 'cancelled' },
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: 'Cancel a rollout for good (family owner)',
    answers: 'the rollout',
  }),
  getRolloutDevice: route('getRolloutDevice', {
    method: 'get',
    path: '/v1/rollouts/{rolloutId}/devices/{deviceId}',
    access: tokenOrDevice,
    status: 200,
    tag: 'Rollouts',
    summary: "Which wave is a device in, and may it install now? (bearer token, or the device's signed read)",
    answers: "the device's place in the rollout",
  }),
  reportRollout: route('reportRollout', {
    method: 'post',
    path: '/v1/devices/{deviceId}/rollout-reports',
    access: deviceSigned,
    status: 201,
    tag: 'Rollouts',
    summary: 'A device reports its install: installed with the measured image hash, or failed with a reason (device-signed)',
    description:
      "installed is refused (422 RULE_VIOLATION) when the measured hash is not the release's. A failed report that takes " +
      "its wave's failures above maxFailurePercent halts the rollout in the same transaction: the answer's " +
      'rolloutStatus is halted and rolloutStatusReason says why.',
    answers: "the report, and the rollout's status after it",
  }),
  consentRollout: route('consentRollout', {
    method: 'post',
    path: '/v1/rollouts/{rolloutId}/consent',
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: "An org's admin grants (or withholds) consent for its devices in a rollout",
    answers: 'the rollout',
  }),
  setConsentPolicy: route('setConsentPolicy', {
    method: 'put',
    path: '/v1/families/{family}/consent-policy',
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: "An org's standing policy: its devices of the family enter a rollout only with its admin's consent",
    description: 'Applies to rollouts created after it.',
    answers: "the submitting org's policy",
  }),
  proposeRollback: route('proposeRollback', {
    method: 'post',
    path: '/v1/families/{family}/rollback',
    access: admin,
    status: 200,
    tag: 'Rollouts',
    summary: 'Propose, or approve, a rollback to an earlier trusted release (k-of-n, as a release)',
    description:
      "The first admin proposes; admins of other orgs approve by asking for the same version. It is approved once the family's " +
      'approvalsRequired orgs other than the owner, and one org besides the proposer, agreed: then every release above ' +
      "version is revoked and the family's minimum version is lowered to version if it was above, so compliance follows the " +
      'new target, and the owner may roll version out.',
    answers: 'the rollback decision',
  }),
  getRollback: route('getRollback', {
    method: 'get',
    path: '/v1/families/{family}/rollback/{version}',
    access: tokenOrDevice,
    status: 200,
    tag: 'Rollouts',
    summary: 'A rollback decision and its approvals',
    answers: 'the rollback decision',
  }),
  refreshFamilyStatus: route('refreshFamilyStatus', {
    method: 'post',
    path: '/v1/status-refreshes',
    access: anyToken,
    status: 201,
    tag: 'Rollouts',
    summary: 'Refresh a family\'s status (any role of a member org): a fresh, provable answer to "what should I run?"',
    description:
      "A transaction whose answer, signed by the endorsers and held in a block the orderers signed, states the family's " +
      'minimum version, newest trusted release and running rollouts at its timestamp (body: {"family"}). Devices check it with ' +
      'GET /v1/families/{family}/freshness and refuse it once older than their expiry, so run this more often than that ' +
      '(e.g. from cron) and after every change.',
    answers: 'the status',
  }),
  getFamilyStatus: route('getFamilyStatus', {
    method: 'get',
    path: '/v1/families/{family}/status',
    access: tokenOrDevice,
    status: 200,
    tag: 'Rollouts',
    summary: "A family's last refreshed status, with the transaction that wrote it",
    answers: 'the status',
  }),
  listFamilies: route('listFamilies', {
    method: 'get',
    path: '/v1/families',
    access: anyToken,
    status: 200,
    tag: 'Firmware',
    summary: 'Firmware families in name order, a page at a time: owner, k-of-n policy, releases',
    description:
      "Answered by the gateway's read model (pages always full) or, with source=ledger, by the chaincode, whose pages filtered " +
      'by prefix may end early (fewer items, with a bookmark to go on from). Bookmarks of either source continue the list.',
    answers: 'a page of family summaries',
  }),
  putConfidentialAttributes: route('putConfidentialAttributes', {
    method: 'put',
    path: '/v1/devices/{deviceId}/attributes/confidential',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "The owner's admin stores the device's confidential attributes in its org's implicit private data collection",
    description:
      "The body goes to the owner org's peers alone as transient data: it is in no transaction, block, event or history, and " +
      'no other org sees it. Nothing public changes: then POST …/attributes/confidential/digest records the salted hash on ' +
      'the public ledger (endorsed by the majority from the hash alone). Another org, or a device this org does not own: 403.',
    answers: 'where the values went and their salted hash (no values)',
  }),
  getConfidentialAttributes: route('getConfidentialAttributes', {
    method: 'get',
    path: '/v1/devices/{deviceId}/attributes/confidential',
    access: anyToken,
    status: 200,
    tag: 'Identity',
    summary: "The device's confidential attributes and salt, from the owner org's own peer (the owner org's roles only)",
    description: 'Any other org: 403 FORBIDDEN (its peers do not hold the values). None stored yet: 404.',
    answers: 'the values, their salt and hash',
    errors: { 403: 'FORBIDDEN: the caller is not of the org that owns the device' },
  }),
  recordConfidentialDigest: route('recordConfidentialDigest', {
    method: 'post',
    path: '/v1/devices/{deviceId}/attributes/confidential/digest',
    access: admin,
    status: 200,
    tag: 'Identity',
    summary: "The owner's admin records the stored values' salted hash on the public ledger (majority endorsement)",
    description:
      "Every endorsing peer reads the hash Fabric keeps of the owner's private write (GetPrivateDataHash), which non-members " +
      'hold too, so the other org endorses without seeing the values. Nothing stored yet: 404.',
    answers: 'the public digest record',
  }),
  getConfidentialDigest: route('getConfidentialDigest', {
    method: 'get',
    path: '/v1/devices/{deviceId}/attributes/confidential/digest',
    access: anyToken,
    status: 200,
    tag: 'Identity',
    summary: "The public salted hash of a device's confidential attributes: an auditor given the values checks them against it",
    answers: 'the public digest record',
  }),
} as const;

export type RouteName = keyof typeof REST_ROUTES;
export type RouteOf<R extends RouteName> = (typeof REST_ROUTES)[R];
export type OperationOfRoute<R extends RouteName> = RouteOf<R>['operation'];

/** Operations the consortium runs from its scripts, not over REST. */
export const SCRIPT_OPERATIONS = ['setMembers'] as const satisfies readonly OperationName[];

/** Refuses to compile while an operation has neither a route nor a place in SCRIPT_OPERATIONS. */
type Unrouted = Exclude<OperationName, OperationOfRoute<RouteName> | (typeof SCRIPT_OPERATIONS)[number]>;
export const EVERY_OPERATION_ROUTED: [Unrouted] extends [never] ? true : Unrouted = true;

/** The names of a path's {parameters}, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] as string);
}

/** Whether a route changes the ledger (Idempotency-Key, the write deadline, OUTCOME_UNKNOWN). */
export function isWrite(route: RestRoute): boolean {
  return OPERATIONS[route.operation].kind === 'submit';
}
