/** Discovery at once: every registered endpoint, all pages of the catalogue's listEndpoints. */
import { PAGE_SIZE_MAX } from '@iotreg/common';
import type { Endpoint } from '@iotreg/common';
import { defineRoute } from '../http/route';
import { DiscoverySchema } from '../http/schemas';
import type { Registry } from '../registry/registry';

/** Enough pages for any consortium's endpoints; a longer list is cut rather than read without end. */
const ENDPOINT_PAGES_MAX = 100;

async function everyEndpoint(registry: Registry, as: string): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  let bookmark = '';
  for (let page = 0; page < ENDPOINT_PAGES_MAX; page += 1) {
    const answer = await registry.call('listEndpoints', as, { pageSize: PAGE_SIZE_MAX, bookmark });
    endpoints.push(...answer.items);
    if (answer.bookmark === '') break;
    bookmark = answer.bookmark;
  }
  return endpoints;
}

export const discoveryRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/discovery',
    operationId: 'discover',
    summary: 'Every registered endpoint (bearer token, or Device credentials)',
    description:
      'Devices authenticate with `Authorization: Device id="<deviceId>", ts="<unix seconds>", sig="<base64>"`, ' +
      'sig signing {"action":"read","deviceId","method":"GET","target":"/v1/discovery","ts"} (target: path and query as sent; see the "device" security scheme).',
    tag: 'Discovery',
    access: { kind: 'token-or-device' },
    ledger: true,
    success: { status: 200, description: 'the endpoints', schema: DiscoverySchema },
    handle: async ({ registry, as }) => ({ endpoints: await everyEndpoint(registry, as) }),
  }),
];
