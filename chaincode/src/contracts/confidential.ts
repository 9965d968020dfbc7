import { createHash } from 'node:crypto';
import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  ConfidentialAttributes,
  ConfidentialAttributesStored,
  ConfidentialDigest,
  confidentialBytes,
  confidentialDigest,
  EVENTS,
  implicitCollection,
  RegistryError,
  TRANSIENT_REQUEST,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { appendHistory, findDevice } from '../devices';
import { keys } from '../ledger/keys';
import { RegistryContract } from './base';

/**
 * Confidential device attributes in Fabric private data (docs/identity.md). The values reach only
 * the owner org's peers (transient data, endorsed by that org alone, which the implicit
 * collection's endorsement policy accepts) and are stored there; a second, ordinary transaction
 * endorsed by the majority puts their salted hash on the public ledger. Every peer holds the hash
 * of every private write, so the other org endorses that transaction without seeing the values.
 */
@Info({ title: 'Confidential', description: "Confidential device attributes in the owner org's implicit private data collection" })
export class ConfidentialContract extends RegistryContract {
  constructor() {
    super('Confidential');
  }

  /** The owner's admin stores the values. The request is transient: it is in no transaction, block or event. */
  @Transaction()
  @Returns('string')
  async PutConfidentialAttributes(ctx: RegistryContext): Promise<string> {
    return this.answer(ctx, 'putConfidentialAttributes', transientRequest(ctx), async ({ deviceId, attributes, salt }) => {
      const device = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(device.ownerMsp, `device ${device.deviceId}`);
      if (device.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `device ${device.deviceId} is revoked`);
      // The chaincode draws nothing at random (every endorser must agree): the salt comes with the request.
      if (salt === undefined)
        throw new RegistryError('INVALID_ARGUMENT', 'salt is required (the gateway draws one when the caller gives none)');
      const collection = implicitCollection(ctx.msp);
      const values = { deviceId: device.deviceId, attributes, salt };
      // The value is exactly the hashed bytes: Fabric's hash of it is then the hash an auditor recomputes.
      await ctx.store.putPrivate(collection, keys.confidentialAttributes(device.deviceId), confidentialBytes(values));
      const stored: ConfidentialAttributesStored = {
        deviceId: device.deviceId,
        ownerMsp: device.ownerMsp,
        collection,
        sha256: confidentialDigest(values),
        storedAt: ctx.now,
      };
      return stored;
    });
  }

  /** The values, to the owner org's roles, from one of its own peers (no other peer holds them). */
  @Transaction(false)
  @Returns('string')
  async GetConfidentialAttributes(ctx: RegistryContext): Promise<string> {
    return this.answer(ctx, 'getConfidentialAttributes', transientRequest(ctx), async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      requireOwnerOrg(ctx, device.ownerMsp, device.deviceId);
      const collection = implicitCollection(device.ownerMsp);
      const stored = await ctx.store.getPrivate(collection, keys.confidentialAttributes(device.deviceId));
      if (!stored) {
        throw new RegistryError('NOT_FOUND', `this peer holds no confidential attributes of device ${device.deviceId}`);
      }
      const values = JSON.parse(stored.toString('utf8')) as { attributes: Record<string, string>; salt: string };
      const answer: ConfidentialAttributes = {
        deviceId: device.deviceId,
        ownerMsp: device.ownerMsp,
        collection,
        sha256: createHash('sha256').update(stored).digest('hex'),
        attributes: values.attributes,
        salt: values.salt,
      };
      return answer;
    });
  }

  /**
   * Any endorser, member of the owner's collection or not, reads the hash Fabric keeps of the
   * owner's private write and records it: the majority endorses the hash without the values.
   */
  @Transaction()
  @Returns('string')
  async RecordConfidentialDigest(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'recordConfidentialDigest', request, async ({ deviceId }) => {
      const device = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(device.ownerMsp, `device ${device.deviceId}`);
      const collection = implicitCollection(device.ownerMsp);
      const hashOfStored = await ctx.store.privateHash(collection, keys.confidentialAttributes(device.deviceId));
      if (hashOfStored === undefined) {
        throw new RegistryError('NOT_FOUND', `device ${device.deviceId} has no confidential attributes: PUT them first`);
      }
      const record: ConfidentialDigest = {
        deviceId: device.deviceId,
        ownerMsp: device.ownerMsp,
        collection,
        sha256: hashOfStored,
        recordedAt: ctx.now,
        txId: ctx.txId,
      };
      ctx.store.put(keys.confidentialDigest(device.deviceId), record);
      await appendHistory(ctx, device.deviceId, 'record-confidential-digest', record);
      ctx.emit(EVENTS.confidentialDigestRecorded, record);
      return record;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetConfidentialDigest(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getConfidentialDigest', request, async ({ deviceId }) =>
      ctx.store.mustGet<ConfidentialDigest>(keys.confidentialDigest(deviceId), `confidential digest of device ${deviceId}`),
    );
  }
}

/** An own-org-only request is transient; one in the arguments would be in the block for every org to read. */
function transientRequest(ctx: RegistryContext): string {
  const text = ctx.store.transient(TRANSIENT_REQUEST);
  if (text === undefined) {
    // Thrown before answer() wraps refusals, so in their wire form ("CODE: text") here.
    const refusal = new RegistryError('INVALID_ARGUMENT', `this request must be sent as transient data (field "${TRANSIENT_REQUEST}")`);
    throw new Error(refusal.toWire());
  }
  return text;
}

function requireOwnerOrg(ctx: RegistryContext, ownerMsp: string, deviceId: string): void {
  if (ctx.msp !== ownerMsp) {
    throw new RegistryError(
      'FORBIDDEN',
      `the confidential attributes of device ${deviceId} are ${ownerMsp}'s; ${ctx.msp} may not read them`,
    );
  }
}
