import { Info, Returns, Transaction } from 'fabric-contract-api';
import { Approval, Members, MembersProposal, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { keys } from '../ledger/keys';
import { RegistryContract } from './base';

/** The consortium's member orgs, whose admins vote on firmware (the n of k-of-n). */
export async function consortium(ctx: RegistryContext): Promise<string[]> {
  const record = await ctx.store.get<Members>(keys.members());
  if (!record || record.members.length === 0) throw new RegistryError('RULE_VIOLATION', 'the consortium members are not recorded yet');
  return record.members;
}

/**
 * Orgs a change from `current` to `proposed` needs: every current member (none is voted out
 * without its own admin's signature) and every org listed (none is signed up by others). A
 * transaction validates only if its submitter's MSP is one of the channel's, so unanimity also
 * proves that every listed org is really on the channel, which the chaincode cannot read itself.
 */
export function signersNeeded(current: readonly string[], proposed: readonly string[]): string[] {
  return [...new Set([...current, ...proposed])].sort();
}

@Info({ title: 'Governance', description: 'The consortium membership, changed only with the signature of every org it concerns' })
export class GovernanceContract extends RegistryContract {
  constructor() {
    super('Governance');
  }

  /**
   * Proposes a member list, or approves the pending proposal of the same list, as an admin of
   * an org concerned (see signersNeeded). The list applies when every such org's admin has
   * submitted it. A different list replaces the pending proposal; asking again is a no-op.
   */
  @Transaction()
  @Returns('string')
  async SetMembers(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setMembers', request, async ({ members }) => {
      ctx.requireRole('admin');
      // One list, however given: each org once, in name order.
      const proposed = [...new Set(members)].sort();
      const record: Members = (await ctx.store.get<Members>(keys.members())) ?? { members: [] };
      const needed = signersNeeded(record.members, proposed);
      if (!needed.includes(ctx.msp)) throw new RegistryError('FORBIDDEN', `${ctx.msp} is neither a member nor in the proposed list`);
      if (same(record.members, proposed)) return record;
      const pending = record.proposal && same(record.proposal.members, proposed) ? record.proposal : undefined;
      if (pending?.approvals.some((a) => a.msp === ctx.msp)) return record;
      const approval: Approval = { msp: ctx.msp, decision: 'approve', at: ctx.now };
      const proposal: MembersProposal = pending
        ? { ...pending, approvals: [...pending.approvals, approval] }
        : { members: proposed, proposedBy: ctx.msp, proposedAt: ctx.now, approvals: [approval] };
      const signed = new Set(proposal.approvals.map((a) => a.msp));
      const next: Members = needed.every((msp) => signed.has(msp))
        ? { members: proposed, signedBy: proposal.approvals }
        : { ...record, proposal };
      ctx.store.put(keys.members(), next);
      return next;
    });
  }

  /** The members, and a pending change with who signed it so far. */
  @Transaction(false)
  @Returns('string')
  async GetMembers(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getMembers', request, async () => {
      const record = await ctx.store.get<Members>(keys.members());
      if (!record) throw new RegistryError('NOT_FOUND', 'no member list is recorded or proposed yet');
      return record;
    });
  }
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((msp, i) => msp === b[i]);
