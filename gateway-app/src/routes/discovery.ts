/** Discovery of the members' gateways and peers (HTTP only). */
import { defineRoute } from '../http/route';
import { DiscoverySchema, EndpointWriteSchema, RegisterEndpointBody } from '../http/schemas';
import { committedAnswer } from './answers';

const tag = 'Discovery';

export const discoveryRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/discovery/endpoints',
    operationId: 'registerEndpoint',
    summary: "Register an endpoint of the admin's org",
    tag,
    access: { kind: 'token', roles: ['admin'] },
    write: true,
    body: RegisterEndpointBody,
    success: { status: 201, description: 'the endpoint', schema: EndpointWriteSchema },
    handle: async ({ registry, as, body }) => committedAnswer(await registry.registerEndpoint(as, body)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/discovery',
    operationId: 'discover',
    summary: 'Every registered endpoint (bearer token, or Device credentials)',
    description:
      'Devices authenticate with `Authorization: Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"`, ' +
      'sig signing {"action":"read","deviceId","method":"GET","target":"/v1/discovery","ts"} (target: path and query as sent; see the "device" security scheme).',
    tag,
    access: { kind: 'token-or-device' },
    success: { status: 200, description: 'the endpoints', schema: DiscoverySchema },
    handle: async ({ registry, as }) => ({ endpoints: await registry.listEndpoints(as) }),
  }),
];
