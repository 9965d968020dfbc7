import { statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/** The registration body's proof of possession: the device's key signs its ID and keyId. */
export function registrationProof(identity: DeviceIdentity, deviceId: string): string {
  return identity.sign(statements.register(deviceId, identity.keyId));
}

/** Rotation continuity: the current key and the new key sign the same statement. */
export function rotationProofs(deviceId: string, current: DeviceIdentity, next: DeviceIdentity) {
  const statement = statements.rotate(deviceId, current.keyId, next.keyId);
  return { publicKeyPem: next.publicKeyPem, proofOld: current.sign(statement), proofNew: next.sign(statement) };
}
