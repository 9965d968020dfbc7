/** Devices as the tests drive them: a key pair and the bodies the REST contract wants. */
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { canonicalStatement, parsePublicKey, Statement, statements } from '@iotreg/common';

export interface TestDevice {
  id: string;
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
  sign(statement: Statement): string;
}

export function newDevice(id: string): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    id,
    privateKey,
    publicKeyPem,
    keyId: parsePublicKey(publicKeyPem).keyId,
    sign: (statement) => sign('sha256', canonicalStatement(statement), privateKey).toString('base64'),
  };
}

export function registration(device: TestDevice, family: string, attributes?: Record<string, string>) {
  return {
    deviceId: device.id,
    publicKeyPem: device.publicKeyPem,
    family,
    ...(attributes ? { attributes } : {}),
    proof: device.sign(statements.register(device.id, device.keyId)),
  };
}

/** Rotation body: old and new key sign the same statement. */
export function rotation(current: TestDevice, next: TestDevice) {
  const statement = statements.rotate(current.id, current.keyId, next.keyId);
  return { publicKeyPem: next.publicKeyPem, proofOld: current.sign(statement), proofNew: next.sign(statement) };
}

/** A device-signed body: `{payload: {action, deviceId, seq, ...}, signature}`. */
export function signed(device: TestDevice, action: string, seq: number, fields: Record<string, string | number>) {
  const payload = { action, deviceId: device.id, seq, ...fields };
  return { payload, signature: device.sign(payload) };
}
