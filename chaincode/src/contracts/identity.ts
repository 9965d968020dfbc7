import { Info, Returns, Transaction } from 'fabric-contract-api';
import {
  approvalsRequired,
  Device,
  EVENTS,
  Family,
  FamilyView,
  parsePublicKey,
  RegistryError,
  requireSignature,
  statements,
} from '@iotreg/common';
import { RegistryContext } from '../context';
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
    return this.answer(ctx, 'setFamilyIdentityPolicy', request, async ({ family: familyId, preRotation }) => {
      ctx.requireRole('admin');
      const before = await ctx.store.mustGet<Family>(keys.family(familyId), `family ${familyId}`);
      if (before.ownerMsp !== ctx.msp) {
        throw new RegistryError('FORBIDDEN', `only ${before.ownerMsp}, the family owner, may set the identity policy of ${familyId}`);
      }
      const family: Family = { ...before, identityPolicy: { ...before.identityPolicy, preRotation } };
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
}
