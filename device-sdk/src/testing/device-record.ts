/** Unit tests' device record, in the contract's shape (the client checks answers against it). */
import type { Device } from '@iotreg/common';
import type { DeviceIdentity } from '../identity';

export function deviceRecord(deviceId: string, identity: DeviceIdentity, overrides: Partial<Device> = {}): Device {
  return {
    deviceId,
    family: 'fam',
    ownerMsp: 'Org1MSP',
    status: 'active',
    publicKeyPem: identity.publicKeyPem,
    keyId: identity.keyId,
    attributes: {},
    createdAt: '2023-11-14T22:13:20.000Z',
    updatedAt: '2023-11-14T22:13:20.000Z',
    seq: 0,
    ...overrides,
  };
}
