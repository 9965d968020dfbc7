import { Info, Returns, Transaction } from 'fabric-contract-api';
import { Device, QuarantinedDevice } from '@iotreg/common';
import { RegistryContext } from '../context';
import { findDevice } from '../devices';
import { keys } from '../ledger/keys';
import { quarantineJudge } from '../quarantine';
import { pageRequest } from '../request';
import { RegistryContract } from './base';

@Info({ title: 'Quarantine', description: 'Devices kept out because their family requires compliant firmware and theirs is not' })
export class QuarantineContract extends RegistryContract {
  constructor() {
    super('Quarantine');
  }

  /** Auditors (and admins) list the devices quarantined now, judged against each family's policy on read. */
  @Transaction(false)
  @Returns('string')
  async ListQuarantined(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listQuarantined', request, async (query) => {
      ctx.requireRole('auditor', 'admin');
      const judge = quarantineJudge(ctx);
      if (query.family === undefined) return ctx.store.page<Device, QuarantinedDevice>(keys.device(), pageRequest(query), judge);
      return ctx.store.page<string, QuarantinedDevice>(keys.devicesBy('family', query.family), pageRequest(query), async (deviceId) =>
        judge(await findDevice(ctx, deviceId)),
      );
    });
  }
}
