/**
 * Sealed configuration: the owner's admin seals a device's configuration to the device's
 * registered key; only that device, holding that key, opens it. The same construction as seal()
 * (ECDH P-256 with a fresh ephemeral key, HKDF-SHA256 over the canonical header, AES-256-GCM),
 * with a header that names the device, its key and the configuration version, so an envelope
 * opens only as what it was published as. It carries no signature: the ledger's record of the
 * owner's admin publishing it (and the clear sha256 it holds) is what the device trusts.
 */
import { createCipheriv, createDecipheriv, createHash, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  CONFIG_VERSION_MIN,
  ID_PATTERN,
  parsePublicKey,
  RegistryError,
  SEALED_CONFIG_INLINE_MAX_BYTES,
  type SealedConfigEnvelope,
  sealedConfigHeader,
} from '@iotreg/common';
import { contentKey, ephemeralKey, type LocalDevice, p256, type PeerDevice, SealError } from './seal';

const CONFIG_SALT = Buffer.from('iotreg/sealed-config/v1', 'utf8');
const IV_BYTES = 12;

/** Seals `config` as version `version` of `device`'s configuration, to the key the ledger has for it. */
export function sealConfig(device: PeerDevice, version: number, config: Buffer | string): SealedConfigEnvelope {
  if (!ID_PATTERN.test(device.deviceId))
    throw new RegistryError('INVALID_ARGUMENT', `${JSON.stringify(device.deviceId)} is not a device ID`);
  if (!Number.isSafeInteger(version) || version < CONFIG_VERSION_MIN) {
    throw new RegistryError('INVALID_ARGUMENT', `version must be an integer of at least ${CONFIG_VERSION_MIN}`);
  }
  const key = p256(parsePublicKey(device.publicKeyPem), `device ${device.deviceId}`);
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = sealedConfigHeader({
    v: 1,
    deviceId: device.deviceId,
    keyId: key.keyId,
    version,
    ephemeralPublicKeyPem: ephemeral.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const iv = randomBytes(IV_BYTES);
  const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: key.key });
  const cipher = createCipheriv('aes-256-gcm', contentKey(secret, header, CONFIG_SALT), iv);
  const data = Buffer.isBuffer(config) ? config : Buffer.from(config, 'utf8');
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return {
    v: 1,
    deviceId: header.deviceId,
    keyId: header.keyId,
    version,
    ephemeralPublicKeyPem: header.ephemeralPublicKeyPem,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ciphertext: ciphertext.toString('base64'),
  };
}

/** Opens a configuration sealed to this device's key; throws a SealError if it is not for it, or altered. */
export function openConfig(device: LocalDevice, envelope: SealedConfigEnvelope): Buffer {
  p256(device.identity.publicKey, `this device (${device.deviceId})`);
  if (envelope.deviceId !== device.deviceId || envelope.keyId !== device.identity.keyId) {
    throw new SealError(
      'WRONG_RECIPIENT',
      `the configuration is sealed to ${envelope.deviceId} with key ${envelope.keyId}, not ${device.deviceId} with key ${device.identity.keyId}`,
    );
  }
  const secret = device.identity.sharedSecret(ephemeralKey(envelope.ephemeralPublicKeyPem));
  const decipher = createDecipheriv(
    'aes-256-gcm',
    contentKey(secret, sealedConfigHeader(envelope), CONFIG_SALT),
    Buffer.from(envelope.iv, 'base64'),
  );
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new SealError('DECRYPTION_FAILED', 'the configuration does not authenticate: altered, or not sealed to this key and version');
  }
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Whether an envelope of this configuration fits the ledger, or must be stored off-chain. */
export function fitsInline(config: Buffer | string): boolean {
  return Buffer.byteLength(config) <= SEALED_CONFIG_INLINE_MAX_BYTES;
}
