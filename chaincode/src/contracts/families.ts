import { Info, Returns, Transaction } from 'fabric-contract-api';
import { type Family, familySummary, type FamilySummary, type FirmwareRelease } from '@iotreg/common';
import { RegistryContext } from '../context';
import { keys } from '../ledger/keys';
import { pageRequest } from '../request';
import { RegistryContract } from './base';
import { consortium } from './governance';

@Info({ title: 'Families', description: 'The list of firmware families, for finding one without knowing its name' })
export class FamiliesContract extends RegistryContract {
  constructor() {
    super('Families');
  }

  /**
   * Families in name order, each with its k-of-n policy and its releases counted (a family's
   * releases are few: each is a vendor's signed publication). A prefix filters the scan, so a page
   * may end early like the other filtered lists.
   */
  @Transaction(false)
  @Returns('string')
  async ListFamilies(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listFamilies', request, async (query) => {
      const { prefix } = query;
      let members: string[] | undefined;
      return ctx.store.page<Family, FamilySummary>(keys.families(), pageRequest(query), async (family) => {
        if (prefix !== undefined && !family.family.startsWith(prefix)) return undefined;
        // Asked only once there is a family to show: an empty list needs no recorded consortium.
        members ??= await consortium(ctx);
        return familySummary(family, members, await ctx.store.all<FirmwareRelease>(keys.firmware(family.family)));
      });
    });
  }
}
