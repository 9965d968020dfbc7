import { Info, Returns, Transaction } from 'fabric-contract-api';
import { Endpoint, EVENTS, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { keys } from '../ledger/keys';
import { pageRequest } from '../request';
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
    return this.answer(ctx, 'registerEndpoint', request, async ({ id, kind, url, tlsCertSha256 = '' }) => {
      ctx.requireRole('admin');
      const existing = await ctx.store.get<Endpoint>(keys.endpoint(id));
      if (existing && existing.org !== ctx.msp) throw new RegistryError('ALREADY_EXISTS', `endpoint ${id} belongs to ${existing.org}`);
      const endpoint: Endpoint = { id, org: ctx.msp, kind, url, tlsCertSha256, registeredAt: ctx.now };
      ctx.store.put(keys.endpoint(id), endpoint);
      ctx.emit(EVENTS.endpointRegistered, endpoint);
      return endpoint;
    });
  }

  @Transaction(false)
  @Returns('string')
  async ListEndpoints(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listEndpoints', request, async (query) =>
      ctx.store.page<Endpoint>(keys.endpoint(), pageRequest(query), (e) => e),
    );
  }
}
