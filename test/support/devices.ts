/** Devices as the tests drive them, through the device library: a key and the bodies the contract wants. */
import type { Statement } from '@iotreg/common';
import { DeviceIdentity, registrationProof, rotationProofs } from '@iotreg/device';
import { type Client, orgsInSync, uid } from './network';

export interface TestDevice {
  id: string;
  identity: DeviceIdentity;
  publicKeyPem: string;
  keyId: string;
  sign(statement: Statement): string;
}

export function newDevice(id: string, identity = DeviceIdentity.generate()): TestDevice {
  return { id, identity, publicKeyPem: identity.publicKeyPem, keyId: identity.keyId, sign: (s) => identity.sign(s) };
}

/** Registration body; the proof names `owner`, the org whose admin submits it. */
export function registration(device: TestDevice, family: string, attributes?: Record<string, string>, owner = 'Org1MSP') {
  return {
    deviceId: device.id,
    publicKeyPem: device.publicKeyPem,
    family,
    ...(attributes ? { attributes } : {}),
    proof: registrationProof(device.identity, { deviceId: device.id, ownerMsp: owner, family }),
  };
}

/**
 * Setup: a new device (ID from `prefix`) registered by `by`'s admin into `family`, its proof naming
 * `by`'s org, known to both orgs when this resolves. Throws the gateway's ApiError when refused:
 * tests that look at refusals post themselves.
 */
export async function registeredDevice(
  by: Client,
  family: string,
  prefix = 'dev',
  attributes?: Record<string, string>,
): Promise<TestDevice> {
  const device = newDevice(uid(prefix));
  await by.call('registerDevice', registration(device, family, attributes, by.org));
  // Its DeviceClient may talk to either org's gateway, and follows no writes: both must know it.
  await orgsInSync();
  return device;
}

/** Rotation body: old and new key sign the same statement. */
export function rotation(current: TestDevice, next: TestDevice) {
  return rotationProofs(current.id, current.identity, next.identity);
}

/** A device-signed body with an explicit seq (tests replay and reorder on purpose). */
export function signed(device: TestDevice, action: string, seq: number, fields: Record<string, string | number>) {
  const payload = { action, deviceId: device.id, seq, ...fields };
  return { payload, signature: device.sign(payload) };
}
