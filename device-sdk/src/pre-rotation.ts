/**
 * Pre-rotation (KERI-style) for a device: commit to the digest of the next key at registration
 * and at every rotation; rotate later by revealing that key, which alone signs. Keep the next
 * key's private half offline (the maker's or the owner's vault), not on the device.
 */
import { nextKeyDigest, type PreRotateKeyRequest, statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';
import type { RegistrationTarget, RotationBody } from './proofs';

/** The commitment to `next`: its keyId, the SHA-256 of its DER SubjectPublicKeyInfo (nextKeyDigest in @iotreg/common). */
export function commitmentTo(next: DeviceIdentity | string): string {
  return typeof next === 'string' ? nextKeyDigest(next) : next.keyId;
}

/** `proof` and `nextKeyDigest` of POST /v1/devices for a device that commits to its next key. */
export function committedRegistration(
  identity: DeviceIdentity,
  target: RegistrationTarget,
  next: DeviceIdentity | string,
): { proof: string; nextKeyDigest: string } {
  const digest = commitmentTo(next);
  const statement = statements.registerCommitted(target.deviceId, identity.keyId, target.ownerMsp, target.family, digest);
  return { proof: identity.sign(statement), nextKeyDigest: digest };
}

/**
 * Body of POST /v1/devices/{id}/keys for a device without a commitment yet, which makes one:
 * old and new key both sign the rotation and the commitment to the key after the new one.
 */
export function committedRotation(
  deviceId: string,
  current: DeviceIdentity,
  next: DeviceIdentity,
  after: DeviceIdentity | string,
): RotationBody {
  const digest = commitmentTo(after);
  const statement = statements.rotateCommitted(deviceId, current.keyId, next.keyId, digest);
  return { publicKeyPem: next.publicKeyPem, proofOld: current.sign(statement), proofNew: next.sign(statement), nextKeyDigest: digest };
}

export type PreRotationBody = Omit<PreRotateKeyRequest, 'deviceId'>;

/**
 * Body of POST /v1/devices/{id}/pre-rotation: `revealed` is the key the device committed to; it
 * signs alone, naming the key it replaces (`currentKeyId`) and committing to `after`.
 */
export function preRotation(
  deviceId: string,
  currentKeyId: string,
  revealed: DeviceIdentity,
  after: DeviceIdentity | string,
): PreRotationBody {
  const digest = commitmentTo(after);
  const proof = revealed.sign(statements.preRotate(deviceId, currentKeyId, revealed.keyId, digest));
  return { publicKeyPem: revealed.publicKeyPem, nextKeyDigest: digest, proof };
}
