import { RotateKeyRequest, statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/** Who registers the device, and as what: the statement binds both. */
export interface RegistrationTarget {
  deviceId: string;
  /** MSP ID of the org whose admin registers (and will own) the device. */
  ownerMsp: string;
  family: string;
}

/**
 * `proof` of POST /v1/devices: the device's key signs its ID, keyId, the owning org and the family
 * (proof of possession). Only that org can register the device with it, and only in that family.
 */
export function registrationProof(identity: DeviceIdentity, target: RegistrationTarget): string {
  return identity.sign(statements.register(target.deviceId, identity.keyId, target.ownerMsp, target.family));
}

export type RotationBody = Omit<RotateKeyRequest, 'deviceId'>;

/**
 * Body of POST /v1/devices/{id}/keys. The current key vouches for its successor and the new key
 * proves possession, both over the same statement, so the chain of keys has no gap.
 */
export function rotationProofs(deviceId: string, current: DeviceIdentity, next: DeviceIdentity): RotationBody {
  const statement = statements.rotate(deviceId, current.keyId, next.keyId);
  return { publicKeyPem: next.publicKeyPem, proofOld: current.sign(statement), proofNew: next.sign(statement) };
}
