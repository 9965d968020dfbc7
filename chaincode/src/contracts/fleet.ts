import { Info, Returns, Transaction } from 'fabric-contract-api';
import { modelOnlyMessage, RegistryError } from '@iotreg/common';
import { RegistryContext } from '../context';
import { RegistryContract } from './base';

/**
 * Fleet queries (packages/common/src/api/fleet.ts) are answered by the gateways' read models:
 * the chaincode keeps no index for them, and a scan of every device per request would not be
 * bounded. These methods check the request like any other, then refuse it with a clear 400.
 */
@Info({ title: 'Fleet', description: 'Fleet queries and counts: answered by the gateways’ read models, refused here' })
export class FleetContract extends RegistryContract {
  constructor() {
    super('Fleet');
  }

  @Transaction(false)
  @Returns('string')
  async QueryDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'queryDevices', request, async () => {
      throw new RegistryError('INVALID_ARGUMENT', modelOnlyMessage('queryDevices'));
    });
  }

  @Transaction(false)
  @Returns('string')
  async CountDevices(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'countDevices', request, async () => {
      throw new RegistryError('INVALID_ARGUMENT', modelOnlyMessage('countDevices'));
    });
  }
}
