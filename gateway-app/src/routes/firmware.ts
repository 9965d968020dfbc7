/** Firmware families, releases, approvals, verification and device reports (HTTP only). */
import { defineRoute } from '../http/route';
import {
  FamilyParams,
  FamilyPolicyBody,
  FamilySchema,
  FamilyWriteSchema,
  DeviceParams,
  DeviceWriteSchema,
  FirmwareReleaseSchema,
  FirmwareReleaseWriteSchema,
  FirmwareReportBody,
  FirmwareVerificationSchema,
  PageQuery,
  pageOf,
  PublishFirmwareBody,
  RegisterFamilyBody,
  ReleaseParams,
  RevokeFirmwareBody,
  VerifyFirmwareBody,
  VoteBody,
} from '../http/schemas';
import { committedAnswer } from './answers';

const tag = 'Firmware';

export const firmwareRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/families',
    operationId: 'registerFamily',
    summary: "Register a firmware family (owned by the vendor's org)",
    description:
      'Devices can only be registered into a registered family. approvalThreshold is at most the number of member orgs ' +
      "other than the vendor's; the answer's approvalsRequired is what the chaincode enforces.",
    tag,
    access: { kind: 'token', roles: ['vendor'] },
    write: true,
    body: RegisterFamilyBody,
    success: { status: 201, description: 'the family', schema: FamilyWriteSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.registerFamily(as, body)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/families/{family}',
    operationId: 'getFamily',
    summary: 'Read a firmware family',
    tag,
    access: { kind: 'token' },
    params: FamilyParams,
    success: { status: 200, description: 'the family', schema: FamilySchema },
    handle: ({ registry, as, params }) => registry.getFamily(as, { family: params.family }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/families/{family}/policy',
    operationId: 'setFamilyPolicy',
    summary: 'Set the minimum compliant firmware version',
    description:
      "Only the family owner's admin raises the minimum (or sets the first one); another org gets 403 FORBIDDEN. " +
      'Lowering it is a family decision: an admin proposes it, admins of other orgs approve by asking for the same ' +
      "version, and it applies once the family's approvalsRequired orgs other than the owner, and at least one org " +
      'besides the proposer, agreed. Until then the answer shows it under minVersionProposal.',
    tag,
    access: { kind: 'token', roles: ['admin'] },
    write: true,
    params: FamilyParams,
    body: FamilyPolicyBody,
    success: { status: 200, description: 'the family', schema: FamilyWriteSchema },
    handle: async ({ registry, as, params, body }) =>
      committedAnswer(await registry.setFamilyPolicy(as, { family: params.family, minVersion: body.minVersion })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/firmware',
    operationId: 'publishFirmware',
    summary: 'Publish a firmware release signed by the family vendor key',
    description: 'uri, if given, must be https (the signature covers the sha256, not the uri).',
    tag,
    access: { kind: 'token', roles: ['vendor'] },
    write: true,
    body: PublishFirmwareBody,
    success: { status: 201, description: 'the release (pending, or trusted if the threshold is met)', schema: FirmwareReleaseWriteSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.publishFirmware(as, body)),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/firmware/verify',
    operationId: 'verifyFirmware',
    summary: 'Verdict on a firmware image digest',
    tag,
    access: { kind: 'token' },
    body: VerifyFirmwareBody,
    success: { status: 200, description: 'the verdict', schema: FirmwareVerificationSchema },
    handle: ({ registry, as, body }) => registry.verifyFirmware(as, body),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/firmware/{family}',
    operationId: 'listFirmware',
    summary: 'Releases of a family',
    tag,
    access: { kind: 'token' },
    params: FamilyParams,
    query: PageQuery,
    success: { status: 200, description: 'a page of releases', schema: pageOf(FirmwareReleaseSchema, 'FirmwarePage') },
    handle: ({ registry, as, params, query }) => registry.listFirmware(as, { family: params.family, ...query }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/firmware/{family}/latest',
    operationId: 'getLatestFirmware',
    summary: 'The newest trusted release of a family',
    tag,
    access: { kind: 'token' },
    params: FamilyParams,
    success: { status: 200, description: 'the newest trusted release', schema: FirmwareReleaseSchema },
    handle: ({ registry, as, params }) => registry.getLatestFirmware(as, { family: params.family }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/firmware/{family}/{version}',
    operationId: 'getFirmware',
    summary: 'Read a firmware release',
    tag,
    access: { kind: 'token' },
    params: ReleaseParams,
    success: { status: 200, description: 'the release', schema: FirmwareReleaseSchema },
    handle: ({ registry, as, params }) => registry.getFirmware(as, params),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/firmware/{family}/{version}/approvals',
    operationId: 'voteFirmware',
    summary: 'Approve or reject a release (one vote per org)',
    description:
      "Only admins of member orgs other than the family owner vote (the owner's admin gets 403 FORBIDDEN). The release " +
      "becomes trusted at the family's approvalsRequired approvals: the larger of its approvalThreshold and a majority " +
      'of the members other than the owner; rejected once so many rejected that this cannot be reached.',
    tag,
    access: { kind: 'token', roles: ['admin'] },
    write: true,
    params: ReleaseParams,
    body: VoteBody,
    success: { status: 201, description: 'the release after the vote', schema: FirmwareReleaseWriteSchema },
    handle: async ({ registry, as, params, body }) => committedAnswer(await registry.voteFirmware(as, { ...params, ...body })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/firmware/{family}/{version}/revoke',
    operationId: 'revokeFirmware',
    summary: 'Revoke a release',
    description:
      "The family owner's vendor or admin revokes at once. An admin of another member org proposes the revocation " +
      '(or approves the pending one: 409 DUPLICATE_VOTE for a second approval by the same org); it takes effect once ' +
      "the family's approvalsRequired orgs other than the owner, and one org besides the proposer, agreed. Until then " +
      'the answer shows the release unchanged, with revocationProposal.',
    tag,
    access: { kind: 'token', roles: ['vendor', 'admin'] },
    write: true,
    params: ReleaseParams,
    body: RevokeFirmwareBody,
    success: { status: 200, description: 'the revoked release', schema: FirmwareReleaseWriteSchema },
    handle: async ({ registry, as, params, body }) =>
      committedAnswer(await registry.revokeFirmware(as, { ...params, reason: body.reason })),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/devices/{id}/firmware',
    operationId: 'reportFirmware',
    summary: 'A device reports the firmware it runs (device-signed)',
    tag,
    access: { kind: 'device-signed' },
    write: true,
    params: DeviceParams,
    body: FirmwareReportBody,
    success: { status: 201, description: "report recorded; the device's firmware shows the verdict", schema: DeviceWriteSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.reportFirmware(as, body)),
  }),
];
