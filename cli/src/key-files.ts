/** Key and image files on the operator's disk: read, write, hash. Keys themselves are @iotreg/device's. */
import { createHash, createPublicKey } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { parsePublicKey, PublicKeyInfo } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { invalidArgument } from './errors';

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw invalidArgument(`cannot read ${what} ${file}`);
  }
}

/** A signing identity from a PKCS#8 (or SEC1) private key PEM file: a device's key or a vendor's. */
export function readIdentity(file: string): DeviceIdentity {
  const pem = readText(file, 'the private key file');
  try {
    return DeviceIdentity.fromPrivateKeyPem(pem);
  } catch {
    throw invalidArgument(`${file} is not a private key PEM`);
  }
}

/** The public key of a PEM file holding either the public key or its private key. */
export function readPublicKey(file: string): PublicKeyInfo {
  const pem = readText(file, 'the key file');
  let spki: string;
  try {
    spki = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw invalidArgument(`${file} is not a key PEM`);
  }
  return parsePublicKey(spki, file);
}

export interface KeyPairFiles {
  keyId: string;
  privateKeyFile: string;
  publicKeyFile: string;
}

/** PREFIX.key.pem (owner-only) and PREFIX.pub.pem; never overwrites a key. */
export function writeKeyPair(prefix: string, identity: DeviceIdentity): KeyPairFiles {
  const privateKeyFile = `${prefix}.key.pem`;
  const publicKeyFile = `${prefix}.pub.pem`;
  try {
    writeFileSync(privateKeyFile, identity.exportPrivateKeyPem(), { mode: 0o600, flag: 'wx' });
    writeFileSync(publicKeyFile, identity.publicKeyPem, { flag: 'wx' });
  } catch (err) {
    throw invalidArgument(`cannot write the key pair ${prefix}.{key,pub}.pem: ${(err as Error).message}`);
  }
  return { keyId: identity.keyId, privateKeyFile, publicKeyFile };
}

/** Lowercase hex SHA-256 of a file, streamed: firmware images can be large. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    throw invalidArgument(`cannot read ${file}`);
  }
  return hash.digest('hex');
}
