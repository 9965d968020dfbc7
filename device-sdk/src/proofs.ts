import { RotateKeyRequest, statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/** `proof` of POST /v1/devices: the device's key signs its ID and keyId (proof of possession). */
export function registrationProof(identity: DeviceIdentity, deviceId: string): string {
  return identity.sign(statements.register(deviceId, identity.keyId));
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
