import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  approvalsRequired,
  Device,
  EVENTS,
  Family,
  FamilyView,
  IdentityPolicy,
  Maker,
  parsePublicKey,
  RegistryError,
  requireSignature,
  statements,
} from '@iotreg/common';
import { RegistryContext } from '../context';
import { findMaker, requireMakers } from '../attestation';
import { addKey, closeKey, findDevice, present, saveDevice } from '../devices';
import { keys } from '../ledger/keys';
import { requireFreshCommitment } from '../pre-rotation';
import { RegistryContract } from './base';
import { consortium } from './governance';

@Info({ title: 'Identity', description: "Device identity beyond one key: pre-rotation, a family's identity policy" })
export class IdentityContract extends RegistryContract {
  constructor() {
    super('Identity');
  }

  /** The family owner's admin sets what the family demands of its devices' identities. */
  @Transaction()
  @Returns('string')
  async SetFamilyIdentityPolicy(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'setFamilyIdentityPolicy', request, async ({ family: familyId, preRotation, makers, birthCertificate }) => {
      ctx.requireRole('admin');
      const before = await ctx.store.mustGet<Family>(keys.family(familyId), `family ${familyId}`);
      if (before.ownerMsp !== ctx.msp) {
        throw new RegistryError('FORBIDDEN', `only ${before.ownerMsp}, the family owner, may set the identity policy of ${familyId}`);
      }
      const policy = await changedPolicy(ctx, before.identityPolicy, { preRotation, makers, birthCertificate });
      const family: Family = { ...before, identityPolicy: policy };
      ctx.store.put(keys.family(familyId), family);
      const members = await consortium(ctx);
      const shown: FamilyView = { ...family, approvalsRequired: approvalsRequired(members.length, family.approvalThreshold) };
      ctx.emit(EVENTS.familyIdentityPolicySet, shown);
      return shown;
    });
  }

  /**
   * Rotation to the committed next key: the owner's admin reveals it and it alone signs, naming
   * the key it replaces and committing to the next one. The current key is not asked, so a thief
   * who holds it can neither rotate the device nor stand in the way of this rotation.
   */
  @Transaction()
  @Returns('string')
  async PreRotateKey(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'preRotateKey', request, async ({ deviceId, publicKeyPem, nextKeyDigest, proof }) => {
      const before = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} is revoked`);
      if (before.nextKeyDigest === undefined) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `device ${before.deviceId} has no commitment to a next key: rotate it with its current key (POST /v1/devices/${before.deviceId}/keys)`,
        );
      }
      const revealed = parsePublicKey(publicKeyPem);
      if (revealed.keyId !== before.nextKeyDigest) {
        throw new RegistryError(
          'RULE_VIOLATION',
          `key ${revealed.keyId} is not the key device ${before.deviceId} committed to (nextKeyDigest ${before.nextKeyDigest})`,
        );
      }
      requireSignature(revealed, statements.preRotate(before.deviceId, before.keyId, revealed.keyId, nextKeyDigest), proof, 'proof');
      await requireFreshCommitment(ctx, nextKeyDigest, [before.keyId, revealed.keyId]);
      const now = ctx.now;
      await closeKey(ctx, before.keyId, { validTo: now });
      await addKey(ctx, { keyId: revealed.keyId, deviceId: before.deviceId, publicKeyPem: revealed.pem, validFrom: now });
      const device: Device = { ...before, publicKeyPem: revealed.pem, keyId: revealed.keyId, nextKeyDigest, updatedAt: now };
      await saveDevice(ctx, device, 'pre-rotate-key', before);
      ctx.emit(EVENTS.deviceKeyRotated, { ...device, previousKeyId: before.keyId });
      return present(ctx, device);
    });
  }

  /** A vendor registers its org as a device maker, with the key that signs its devices' birth certificates. */
  @Transaction()
  @Returns('string')
  async RegisterMaker(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'registerMaker', request, async ({ maker: makerId, manufacturingKeyPem }) => {
      ctx.requireRole('vendor');
      if (!(await consortium(ctx)).includes(ctx.msp)) throw new RegistryError('FORBIDDEN', `${ctx.msp} is not a consortium member`);
      const key = parsePublicKey(manufacturingKeyPem, 'manufacturingKeyPem');
      if (await ctx.store.exists(keys.maker(makerId))) throw new RegistryError('ALREADY_EXISTS', `maker ${makerId} exists`);
      const maker: Maker = {
        maker: makerId,
        orgMsp: ctx.msp,
        manufacturingKeyPem: key.pem,
        manufacturingKeyId: key.keyId,
        registeredAt: ctx.now,
      };
      ctx.store.put(keys.maker(makerId), maker);
      ctx.emit(EVENTS.makerRegistered, maker);
      return maker;
    });
  }

  @Transaction(false)
  @Returns('string')
  async GetMaker(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'getMaker', request, async ({ maker }) => findMaker(ctx, maker));
  }

  /** The owner's admin offers the device to another member org; a new offer replaces the last. */
  @Transaction()
  @Returns('string')
  async OfferTransfer(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'offerTransfer', request, async ({ deviceId, toMsp }) => {
      const before = await findDevice(ctx, deviceId);
      ctx.requireOwnerAdmin(before.ownerMsp, `device ${before.deviceId}`);
      if (before.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `device ${before.deviceId} is revoked`);
      if (toMsp === before.ownerMsp) throw new RegistryError('RULE_VIOLATION', `device ${before.deviceId} already belongs to ${toMsp}`);
      if (!(await consortium(ctx)).includes(toMsp)) throw new RegistryError('RULE_VIOLATION', `${toMsp} is not a consortium member`);
      const now = ctx.now;
      const device: Device = { ...before, transferOffer: { toMsp, offeredAt: now }, updatedAt: now };
      await saveDevice(ctx, device, 'offer-transfer', before);
      ctx.emit(EVENTS.deviceTransferOffered, device);
      return present(ctx, device);
    });
  }

  /** An admin of the offered org accepts: from this transaction on the device is its org's. */
  @Transaction()
  @Returns('string')
  async AcceptTransfer(ctx: RegistryContext, request: string): Promise<string> {
    return this.answer(ctx, 'acceptTransfer', request, async ({ deviceId, fromMsp }) => {
      ctx.requireRole('admin');
      const before = await findDevice(ctx, deviceId);
      const { transferOffer: offer, ...rest } = before;
      if (offer === undefined) throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} has no transfer offer`);
      if (offer.toMsp !== ctx.msp)
        throw new RegistryError('FORBIDDEN', `device ${before.deviceId} is offered to ${offer.toMsp}, not ${ctx.msp}`);
      if (before.ownerMsp !== fromMsp) {
        throw new RegistryError('STATE_CONFLICT', `device ${before.deviceId} belongs to ${before.ownerMsp}, not ${fromMsp}`);
      }
      if (before.status === 'revoked') throw new RegistryError('ALREADY_REVOKED', `device ${before.deviceId} is revoked`);
      const device: Device = { ...rest, ownerMsp: ctx.msp, updatedAt: ctx.now };
      await saveDevice(ctx, device, 'accept-transfer', before);
      ctx.emit(EVENTS.deviceTransferred, { ...device, previousOwnerMsp: before.ownerMsp });
      return present(ctx, device);
    });
  }
}

/** The identity policy `current` becomes with `change` (fields left out kept), checked. */
async function changedPolicy(
  ctx: RegistryContext,
  current: IdentityPolicy | undefined,
  change: Partial<IdentityPolicy>,
): Promise<IdentityPolicy> {
  if (Object.values(change).every((value) => value === undefined)) {
    throw new RegistryError('RULE_VIOLATION', 'nothing to change: give preRotation, makers or birthCertificate');
  }
  const merged: Partial<IdentityPolicy> = { ...current };
  for (const [name, value] of Object.entries(change)) if (value !== undefined) Object.assign(merged, { [name]: value });
  const policy: IdentityPolicy = { ...merged, preRotation: merged.preRotation ?? 'optional' };
  const makers = policy.makers ?? [];
  if (new Set(makers).size !== makers.length) throw new RegistryError('RULE_VIOLATION', 'makers must not repeat a maker');
  if (change.makers !== undefined) await requireMakers(ctx, makers);
  if (policy.birthCertificate === 'required' && makers.length === 0) {
    throw new RegistryError('RULE_VIOLATION', 'a family that requires birth certificates must name at least one maker');
  }
  return policy;
}
