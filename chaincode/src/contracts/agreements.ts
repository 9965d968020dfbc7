import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  Agreement,
  agreementTermsSha256,
  Device,
  EVENTS,
  RegistryError,
  settlementOf,
  type SignedPayload,
  type Statement,
  UsageRecord,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { acceptSigned, saveDevice, type SignedRequest } from '../devices';
import { keys } from '../ledger/keys';
import { requireParticipation } from '../quarantine';
import { pageRequest } from '../request';
import { RegistryContract } from './base';

/**
 * Agreements between devices. Each step is a statement the acting device signed (checked against
 * its current key, seq above its last: no replay) and is kept with its signature, so the trail
 * proves who agreed to what. The chaincode checks every usage record against the terms, and
 * computes the settlement in integers.
 */
@Info({ title: 'Agreements', description: 'Machine-to-machine agreements: device-signed offers, acceptances, usage and settlement' })
export class AgreementsContract extends RegistryContract {
  constructor() {
    super('Agreements');
  }

  /** The provider device offers terms to a consumer device; they bind once the consumer accepts. */
  @Transaction()
  @Returns('string')
  async OfferAgreement(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'offerAgreement', request, async (signed) => {
      const provider = await participant(ctx, signed);
      const { action: _a, deviceId: _d, seq: _s, ...terms } = signed.payload;
      if (terms.consumerId === provider.deviceId)
        throw new RegistryError('RULE_VIOLATION', 'a device cannot make an agreement with itself');
      const consumer = await ctx.store.get<Device>(keys.device(terms.consumerId));
      if (consumer?.status !== 'active') {
        throw new RegistryError('RULE_VIOLATION', `consumer ${terms.consumerId} is not an active registered device`);
      }
      if (terms.minQuantity > terms.maxQuantity) {
        throw new RegistryError('RULE_VIOLATION', `minQuantity ${terms.minQuantity} is above maxQuantity ${terms.maxQuantity}`);
      }
      if (terms.expiresAt <= ctx.now)
        throw new RegistryError('RULE_VIOLATION', `expiresAt ${terms.expiresAt} is not after now (${ctx.now})`);
      if (await ctx.store.exists(keys.agreement(terms.agreementId))) {
        throw new RegistryError('ALREADY_EXISTS', `agreement ${terms.agreementId} exists`);
      }
      const withParties = { ...terms, providerId: provider.deviceId };
      const agreement: Agreement = {
        ...withParties,
        providerMsp: provider.ownerMsp,
        consumerMsp: consumer.ownerMsp,
        termsSha256: agreementTermsSha256(withParties),
        status: 'offered',
        used: 0,
        records: 0,
        amount: 0,
        offer: { ...kept(signed), at: ctx.now, txId: ctx.txId },
      };
      return save(ctx, provider, agreement, EVENTS.agreementOffered);
    });
  }

  /** The consumer accepts by signing the hash of exactly the terms offered. */
  @Transaction()
  @Returns('string')
  async AcceptAgreement(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'acceptAgreement', request, async (signed) => {
      const consumer = await participant(ctx, signed);
      const agreement = await findAgreement(ctx, signed.payload.agreementId);
      if (agreement.consumerId !== consumer.deviceId) {
        throw new RegistryError('FORBIDDEN', `agreement ${agreement.agreementId} is offered to ${agreement.consumerId}`);
      }
      if (agreement.status !== 'offered')
        throw new RegistryError('STATE_CONFLICT', `agreement ${agreement.agreementId} is ${agreement.status}`);
      requireOpen(ctx, agreement);
      if (signed.payload.termsSha256 !== agreement.termsSha256) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `the terms accepted (${signed.payload.termsSha256}) are not the terms offered (${agreement.termsSha256})`,
        );
      }
      const accepted: Agreement = { ...agreement, status: 'active', acceptance: { ...kept(signed), at: ctx.now, txId: ctx.txId } };
      return save(ctx, consumer, accepted, EVENTS.agreementAccepted);
    });
  }

  /** The consumer records what it used: within the terms' limit and before they expire, or refused. */
  @Transaction()
  @Returns('string')
  async RecordUsage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'recordUsage', request, async (signed) => {
      const consumer = await participant(ctx, signed);
      const agreement = await findAgreement(ctx, signed.payload.agreementId);
      if (agreement.consumerId !== consumer.deviceId) {
        throw new RegistryError('FORBIDDEN', `only ${agreement.consumerId}, the consumer, records usage under ${agreement.agreementId}`);
      }
      if (agreement.status !== 'active') {
        throw new RegistryError('STATE_CONFLICT', `agreement ${agreement.agreementId} is ${agreement.status}, not active`);
      }
      requireOpen(ctx, agreement);
      const { quantity } = signed.payload;
      const used = agreement.used + quantity;
      if (used > agreement.maxQuantity) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `over the limit: ${quantity} more would make ${used} ${agreement.unit}, above maxQuantity ${agreement.maxQuantity} (${agreement.used} used)`,
        );
      }
      const index = agreement.records + 1;
      const amount = quantity * agreement.pricePerUnit;
      const record: UsageRecord = {
        agreementId: agreement.agreementId,
        index,
        consumerId: consumer.deviceId,
        quantity,
        used,
        amount,
        keyId: consumer.keyId,
        signed: kept(signed),
        recordedAt: ctx.now,
        txId: ctx.txId,
      };
      ctx.store.put(keys.agreementUsage(agreement.agreementId, index), record);
      ctx.store.put(keys.agreement(agreement.agreementId), { ...agreement, used, records: index, amount: agreement.amount + amount });
      await saveDevice(ctx, consumer);
      ctx.emit(EVENTS.agreementUsageRecorded, record);
      return record;
    });
  }

  /** Either party settles once the agreement expired or its maximum is used up: totals and penalty, in integers. */
  @Transaction()
  @Returns('string')
  async SettleAgreement(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'settleAgreement', request, async (signed) => {
      const party = await participant(ctx, signed);
      const agreement = await findAgreement(ctx, signed.payload.agreementId);
      if (party.deviceId !== agreement.providerId && party.deviceId !== agreement.consumerId) {
        throw new RegistryError('FORBIDDEN', `${party.deviceId} is no party to agreement ${agreement.agreementId}`);
      }
      if (agreement.status !== 'active') {
        throw new RegistryError('STATE_CONFLICT', `agreement ${agreement.agreementId} is ${agreement.status}, not active`);
      }
      if (ctx.now < agreement.expiresAt && agreement.used < agreement.maxQuantity) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `agreement ${agreement.agreementId} settles from ${agreement.expiresAt} on, or once its maxQuantity is used`,
        );
      }
      const settlement = { ...settlementOf(agreement, agreement.used), settledAt: ctx.now, settledBy: party.deviceId, txId: ctx.txId };
      const settled: Agreement = { ...agreement, status: 'settled', settlement, settlementRequest: kept(signed) };
      return save(ctx, party, settled, EVENTS.agreementSettled);
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetAgreement(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getAgreement', request, async ({ agreementId }) => findAgreement(ctx, agreementId));
  }

  @Transaction(false)
  @Returns('string')
  async ListUsage(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'listUsage', request, async (query) => {
      const agreement = await findAgreement(ctx, query.agreementId);
      return ctx.store.page<UsageRecord>(keys.agreementUsage(agreement.agreementId), pageRequest(query), (record) => record);
    });
  }
}

/** The signing device, its signature and seq checked, allowed to take part (not quarantined). */
async function participant(ctx: RegistryContext, signed: SignedRequest): Promise<Device> {
  const device = await acceptSigned(ctx, signed);
  await requireParticipation(ctx, device);
  return device;
}

/** The signed statement as the ledger keeps it. */
const kept = ({ payload, signature }: SignedRequest): SignedPayload<Statement> => ({ payload: { ...payload }, signature });

function requireOpen(ctx: RegistryContext, agreement: Agreement): void {
  if (ctx.now >= agreement.expiresAt) {
    throw new RegistryError('RULE_VIOLATION', `agreement ${agreement.agreementId} expired at ${agreement.expiresAt}`);
  }
}

async function findAgreement(ctx: RegistryContext, agreementId: string): Promise<Agreement> {
  return ctx.store.mustGet<Agreement>(keys.agreement(agreementId), `agreement ${agreementId}`);
}

async function save(ctx: RegistryContext, device: Device, agreement: Agreement, event: string): Promise<Agreement> {
  ctx.store.put(keys.agreement(agreement.agreementId), agreement);
  await saveDevice(ctx, device);
  ctx.emit(event, agreement);
  return agreement;
}
