/**
 * The REST face of the catalogue: each route names its operation, its method and path, who may
 * call it and its success status. Path parameters are request fields of the same name; for GET
 * the rest of the request is the query, otherwise the body. The gateway serves these routes and
 * documents them (OpenAPI) from this table; the REST client (client.ts) calls them from it.
 */
import type { Role } from '../formats';
import { BATCH_MAX } from '../formats';
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
