import { Context, Contract, Transaction } from 'fabric-contract-api';

/**
 * What Fabric allows on this network, measured with the same fabric-shim, endorsement policy and
 * orderers as the registry: a transaction that writes one key and does nothing else.
 */
export class BaselineContract extends Contract {
  constructor() {
    super('Baseline');
  }

  @Transaction()
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }
}

export const contracts = [BaselineContract];
