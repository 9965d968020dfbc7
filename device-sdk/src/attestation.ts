/**
 * What a device maker runs at manufacture: the birth certificate, its manufacturing key's
 * signature over the device's ID, family and key. The registering org passes it with the
 * registration (POST /v1/devices, birthCertificate); a family may require one.
 */
import { type BirthCertificate, statements } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

export interface ManufacturedDevice {
  deviceId: string;
  family: string;
  /** The device key's keyId (DeviceIdentity.keyId; parsePublicKey(pem).keyId). */
  keyId: string;
}

/** Signed with the maker's manufacturing key (a DeviceIdentity made from its private key). */
export function birthCertificate(manufacturingKey: DeviceIdentity, maker: string, device: ManufacturedDevice): BirthCertificate {
  const statement = statements.manufacture(device.deviceId, device.family, device.keyId, maker);
  return { maker, signature: manufacturingKey.sign(statement) };
}
