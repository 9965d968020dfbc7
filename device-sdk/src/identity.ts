import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { canonicalStatement, KeyAlgorithm, parsePublicKey, PublicKeyInfo, RegistryError, Statement, toLowS } from '@iotreg/common';

export type DeviceKeyType = 'p256' | 'ed25519';

/**
 * A device's key pair: what it signs with, and the public key and keyId the ledger knows it by.
 * P-256 is the default because sealed device-to-device messages need ECDH, which Ed25519 keys
 * cannot do. The private key never leaves the object except through exportPrivateKeyPem().
 */
export class DeviceIdentity {
  readonly publicKey: PublicKeyInfo;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    // parsePublicKey is what the chaincode runs, so keyId and algorithm are the ledger's own.
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    this.publicKey = parsePublicKey(spki, 'the private key');
  }

  static generate(type: DeviceKeyType = 'p256'): DeviceIdentity {
    const { privateKey } = type === 'p256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    return new DeviceIdentity(privateKey);
  }

  /** From an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"); a SEC1 "EC PRIVATE KEY" is read too. */
  static fromPrivateKeyPem(pem: string): DeviceIdentity {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new RegistryError('INVALID_ARGUMENT', 'privateKeyPem is not an unencrypted PEM private key');
    }
    return new DeviceIdentity(key);
  }

  get publicKeyPem(): string {
    return this.publicKey.pem;
  }

  get keyId(): string {
    return this.publicKey.keyId;
  }

  get algorithm(): KeyAlgorithm {
    return this.publicKey.algorithm;
  }

  /**
   * base64 signature over the statement's canonical form: DER ECDSA-SHA256 for P-256 (always
   * low-S, the only form the registry accepts), plain Ed25519 otherwise.
   */
  sign(statement: Statement): string {
    const data = canonicalStatement(statement);
    const signature =
      this.algorithm === 'ed25519'
        ? sign(null, data, this.#privateKey)
        : toLowS(sign('sha256', data, { key: this.#privateKey, dsaEncoding: 'der' }));
    return signature.toString('base64');
  }

  /** PKCS#8 PEM, for the device's secure storage. */
  exportPrivateKeyPem(): string {
    return this.#privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** ECDH shared secret with a peer's P-256 public key: lets sealed messages be opened without exposing the private key. */
  sharedSecret(peerPublicKey: KeyObject): Buffer {
    return diffieHellman({ privateKey: this.#privateKey, publicKey: peerPublicKey });
  }
}
