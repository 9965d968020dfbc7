import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { canonicalStatement, parsePublicKey, PublicKeyInfo, Statement } from '@iotreg/common';

export type DeviceKeyType = 'p256' | 'ed25519';

/**
 * A device's key pair: what it signs with, and the public key and keyId the ledger knows it by.
 * P-256 is the default: it is what ECDH sealing between devices needs.
 */
export class DeviceIdentity {
  readonly publicKey: PublicKeyInfo;

  private constructor(readonly privateKey: KeyObject) {
    this.publicKey = parsePublicKey(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString());
  }

  static generate(type: DeviceKeyType = 'p256'): DeviceIdentity {
    const { privateKey } =
      type === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    return new DeviceIdentity(privateKey);
  }

  /** From a PKCS#8 (or SEC1 for P-256) private key PEM. */
  static fromPrivateKeyPem(pem: string): DeviceIdentity {
    return new DeviceIdentity(createPrivateKey(pem));
  }

  get publicKeyPem(): string {
    return this.publicKey.pem;
  }

  get keyId(): string {
    return this.publicKey.keyId;
  }

  /** base64 signature over the statement's canonical form (DER ECDSA-SHA256, or Ed25519). */
  sign(statement: Statement): string {
    const data = canonicalStatement(statement);
    const signature =
      this.publicKey.algorithm === 'ed25519' ? sign(null, data, this.privateKey) : sign('sha256', data, this.privateKey);
    return signature.toString('base64');
  }

  exportPrivateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
}
