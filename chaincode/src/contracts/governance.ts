import { Info, Returns, Transaction } from 'fabric-contract-api';
import { MEMBERS_MAX, MSP_PATTERN, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { keys } from '../ledger/keys';
import { RegistryContract } from './base';


export interface Members {
  members: string[];
}

/** The consortium's member orgs, whose admins vote on firmware (the n of k-of-n). */
export async function consortium(ctx: RegistryContext): Promise<string[]> {
  const record = await ctx.store.get<Members>(keys.members());
  if (!record) throw new RegistryError('RULE_VIOLATION', 'the consortium members are not recorded yet');
  return record.members;
}

@Info({ title: 'Governance', description: 'The consortium membership, recorded once at deployment' })
export class GovernanceContract extends RegistryContract {
  constructor() {
    super('Governance');
  }

  /** Recorded once, by an admin, with the endorsement of a majority of orgs (the chaincode's policy). */
  @Transaction()
  @Returns('string')
  async SetMembers(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async (fields) => {
      ctx.requireRole('admin');
      if (await ctx.store.exists(keys.members())) throw new RegistryError('ALREADY_EXISTS', 'the members are already recorded');
      const given = fields.members;
      if (!Array.isArray(given) || given.length === 0 || given.length > MEMBERS_MAX) {
        throw new RegistryError('INVALID_ARGUMENT', `members must be a list of 1 to ${MEMBERS_MAX} MSP IDs`);
      }
      for (const msp of given) {
        if (typeof msp !== 'string' || !MSP_PATTERN.test(msp)) throw new RegistryError('INVALID_ARGUMENT', `${JSON.stringify(msp)} is not an MSP ID`);
      }
      const members: Members = { members: [...new Set(given as string[])].sort() };
      ctx.store.put(keys.members(), members);
      return members;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetMembers(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, request, async () => ({ members: await consortium(ctx) }));
  }
}
