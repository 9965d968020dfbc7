/**
 * Pre-rotation (KERI): the checks registration, plain rotation and pre-committed rotation share.
 * A device with a commitment (nextKeyDigest) can only move to the committed key; a family whose
 * identity policy requires pre-rotation demands a commitment at every registration and rotation.
 */
import { type Family, type IdentityPolicy, RegistryError } from '@iotreg/common';
import type { RegistryContext } from './context';
import { keys } from './ledger/keys';

export async function identityPolicyOf(ctx: RegistryContext, familyId: string): Promise<IdentityPolicy | undefined> {
  return (await ctx.store.get<Family>(keys.family(familyId)))?.identityPolicy;
}

/** Under a family that requires pre-rotation, `what` (a registration, a rotation) must commit to the next key. */
export function requireCommitmentIfDemanded(
  policy: IdentityPolicy | undefined,
  familyId: string,
  digest: string | undefined,
  what: string,
) {
  if (policy?.preRotation === 'required' && digest === undefined) {
    throw new RegistryError(
      'RULE_VIOLATION',
      `family ${familyId} requires pre-rotation: ${what} must commit to the next key (nextKeyDigest)`,
    );
  }
}

/**
 * A commitment must name a key not yet used: not one of `inUse` (the key it follows), not any
 * key already registered (a key belongs to one device, ever, so revealing it could never succeed).
 */
export async function requireFreshCommitment(ctx: RegistryContext, digest: string | undefined, inUse: string[]): Promise<void> {
  if (digest === undefined) return;
  if (inUse.includes(digest)) throw new RegistryError('RULE_VIOLATION', 'nextKeyDigest must commit to a key other than the current one');
  if (await ctx.store.exists(keys.publicKey(digest))) {
    throw new RegistryError('RULE_VIOLATION', `nextKeyDigest ${digest} is a key already registered; commit to a new key`);
  }
}

/** Plain rotation (the current key signs) is closed to a device that committed to its next key. */
export function refusePlainRotationOfCommitted(deviceId: string, committed: string | undefined): void {
  if (committed === undefined) return;
  throw new RegistryError(
    'RULE_VIOLATION',
    `device ${deviceId} committed to its next key (nextKeyDigest ${committed}): only that key can rotate it, ` +
      `revealed and signing (POST /v1/devices/${deviceId}/pre-rotation); the current key cannot`,
  );
}
