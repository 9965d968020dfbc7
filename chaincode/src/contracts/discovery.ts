import { Info, Returns, Transaction } from 'fabric-contract-api';
import { Endpoint, ENDPOINT_KINDS, EVENTS, HTTP_URL_PATTERN, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { keys } from '../ledger/keys';
import { id, oneOf, only, page, sha256, uri } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Discovery', description: "The consortium's trusted endpoints, registered by each org's admin" })
export class DiscoveryContract extends RegistryContract {
  constructor() {
    super('Discovery');
  }

  /** An org's admin registers (or updates) one of its org's endpoints; IDs are consortium-wide. */
  @Transaction()
  @Returns('string')
  async RegisterEndpoint(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      only(fields, 'id', 'kind', 'url', 'tlsCertSha256');
      ctx.requireRole('admin');
      const endpointId = id(fields, 'id');
      const kind = oneOf(fields, 'kind', ENDPOINT_KINDS);
      const url = uri(fields, 'url', HTTP_URL_PATTERN);
      const tlsCertSha256 = fields.tlsCertSha256 === undefined ? '' : sha256(fields, 'tlsCertSha256');
      const existing = await ctx.store.get<Endpoint>(keys.endpoint(endpointId));
      if (existing && existing.org !== ctx.msp)
        throw new RegistryError('ALREADY_EXISTS', `endpoint ${endpointId} belongs to ${existing.org}`);
      const endpoint: Endpoint = { id: endpointId, org: ctx.msp, kind, url, tlsCertSha256, registeredAt: ctx.now };
      ctx.store.put(keys.endpoint(endpointId), endpoint);
      ctx.emit(EVENTS.endpointRegistered, endpoint);
      return endpoint;
    });
  }

  @Transaction(false)
  @Returns('string')
  async ListEndpoints(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => ctx.store.page<Endpoint>(keys.endpoint(), page(fields), (e) => e));
  }
}
