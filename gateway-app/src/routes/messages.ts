/** Authenticated messages: device anchors and their verification (HTTP only). */
import { defineRoute } from '../http/route';
import {
  AnchorBody,
  DeviceParams,
  MessageAnchorSchema,
  MessageVerificationSchema,
  PageQuery,
  pageOf,
  VerifyMessageBody,
} from '../http/schemas';
import { committedAnswer } from './answers';

const tag = 'Messages';

export const messageRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/devices/{id}/messages',
    operationId: 'anchorMessage',
    summary: 'A device anchors the digest of a message or the Merkle root of a batch (device-signed)',
    tag,
    access: { kind: 'device-signed' },
    write: true,
    params: DeviceParams,
    body: AnchorBody,
    success: { status: 201, description: 'the anchor', schema: MessageAnchorSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.anchorMessage(as, body)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/devices/{id}/messages',
    operationId: 'listMessages',
    summary: "A device's anchors, by seq",
    tag,
    access: { kind: 'token' },
    params: DeviceParams,
    query: PageQuery,
    success: { status: 200, description: 'a page of anchors', schema: pageOf(MessageAnchorSchema, 'MessageAnchorPage') },
    handle: ({ registry, as, params, query }) => registry.listMessages(as, { deviceId: params.id, ...query }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/messages/verify',
    operationId: 'verifyMessage',
    summary: 'Is a digest (or a leaf with its Merkle audit path) anchored by a device at seq?',
    tag,
    access: { kind: 'token' },
    body: VerifyMessageBody,
    success: { status: 200, description: 'the verification', schema: MessageVerificationSchema },
    handle: ({ registry, as, body }) => registry.verifyMessage(as, body),
  }),
];
