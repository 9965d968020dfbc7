/** Device configuration: publish, read, verify, device reports (HTTP only). */
import { defineRoute } from '../http/route';
import {
  ConfigRecordSchema,
  ConfigReportBody,
  ConfigVerificationSchema,
  DeviceParams,
  PublishConfigBody,
  ConfigReportAckSchema,
  VerifyDigestBody,
} from '../http/schemas';
import { committedAnswer } from './answers';

const tag = 'Configuration';

export const configRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/devices/{id}/config',
    operationId: 'publishConfig',
    summary: 'Publish a configuration (version greater than the current)',
    tag,
    access: { kind: 'token', roles: ['admin'] },
    write: true,
    params: DeviceParams,
    body: PublishConfigBody,
    success: { status: 201, description: 'the published configuration record', schema: ConfigRecordSchema },
    handle: async ({ registry, as, params, body }) => committedAnswer(await registry.publishConfig(as, { deviceId: params.id, ...body })),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/devices/{id}/config',
    operationId: 'getConfig',
    summary: 'The latest configuration record',
    tag,
    access: { kind: 'token' },
    params: DeviceParams,
    success: { status: 200, description: 'the latest configuration record', schema: ConfigRecordSchema },
    handle: ({ registry, as, params }) => registry.getConfig(as, { deviceId: params.id }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/devices/{id}/config/verify',
    operationId: 'verifyConfig',
    summary: 'Does a digest match the latest configuration?',
    tag,
    access: { kind: 'token' },
    params: DeviceParams,
    body: VerifyDigestBody,
    success: { status: 200, description: 'whether it matches', schema: ConfigVerificationSchema },
    handle: ({ registry, as, params, body }) => registry.verifyConfig(as, { deviceId: params.id, sha256: body.sha256 }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/devices/{id}/config/report',
    operationId: 'reportConfig',
    summary: 'A device reports the digest of the configuration it runs (device-signed)',
    tag,
    access: { kind: 'device-signed' },
    write: true,
    params: DeviceParams,
    body: ConfigReportBody,
    success: { status: 201, description: 'report recorded; the device shows configDrift', schema: ConfigReportAckSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.reportConfig(as, body)),
  }),
];
