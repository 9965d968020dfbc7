import { createCipheriv, createDecipheriv, diffieHellman, generateKeyPairSync, hkdfSync, KeyObject, randomBytes } from 'node:crypto';
import {
  canonicalStatement,
  Device,
  ID_PATTERN,
  parsePublicKey,
  PublicKeyInfo,
  RegistryError,
  SHA256_PATTERN,
  type Statement,
  verifyStatement,
} from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * A message from one device to another, readable only by the recipient's registered key and
 * attributable to the sender's registered key:
 *   - ECDH P-256 between a fresh ephemeral key and the recipient's key;
 *   - HKDF-SHA256 whose info is the canonical header (both device IDs, both keyIds, the
 *     ephemeral key), so the content key, and with it the GCM tag, fits that header alone;
 *   - AES-256-GCM;
 *   - the sender's device key signs the canonical form of every other field, so the recipient
 *     can check on the ledger that `senderKeyId` was the sender's valid key.
 * Binary fields are base64.
 */
export type SealedEnvelope = {
  v: 1;
  senderDeviceId: string;
  senderKeyId: string;
  recipientDeviceId: string;
  recipientKeyId: string;
  ephemeralPublicKeyPem: string;
  iv: string;
  ciphertext: string;
  tag: string;
  signature: string;
};

type Header = Pick<
  SealedEnvelope,
  'v' | 'senderDeviceId' | 'senderKeyId' | 'recipientDeviceId' | 'recipientKeyId' | 'ephemeralPublicKeyPem'
>;

export type SealErrorCode =
  | 'UNSUITABLE_KEY'
  | 'MALFORMED_ENVELOPE'
  | 'WRONG_RECIPIENT'
  | 'SENDER_KEY_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'DECRYPTION_FAILED'
  | 'RECIPIENT_NOT_ACTIVE'
  | 'SENDER_NOT_VALID'
  | 'HASH_MISMATCH'
  | 'DOWNLOAD_FAILED';

/** Why a message could not be sealed or opened; callers decide by `code`. */
export class SealError extends Error {
  override name = 'SealError';

  constructor(
    readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** This device: its ledger ID and its key. */
export interface LocalDevice {
  deviceId: string;
  identity: DeviceIdentity;
}

/** The other device as the ledger knows it; a Device record fits. */
export type PeerDevice = Pick<Device, 'deviceId' | 'publicKeyPem'>;

const HKDF_SALT = Buffer.from('iotreg/seal/v1', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function seal(sender: LocalDevice, recipient: PeerDevice, plaintext: Buffer | string): SealedEnvelope {
  for (const id of [sender.deviceId, recipient.deviceId]) {
    if (!ID_PATTERN.test(id)) throw new RegistryError('INVALID_ARGUMENT', `${JSON.stringify(id)} is not a device ID`);
  }
  const recipientKey = p256(parsePublicKey(recipient.publicKeyPem), `recipient ${recipient.deviceId}`);
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header: Header = {
    v: 1,
    senderDeviceId: sender.deviceId,
    senderKeyId: sender.identity.keyId,
    recipientDeviceId: recipient.deviceId,
    recipientKeyId: recipientKey.keyId,
    ephemeralPublicKeyPem: ephemeral.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  const iv = randomBytes(IV_BYTES);
  const secret = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipientKey.key });
  const cipher = createCipheriv('aes-256-gcm', contentKey(secret, header), iv);
  const data = Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8');
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const unsigned = {
    ...header,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
  return { ...unsigned, signature: sender.identity.sign(unsigned) };
}

/**
 * Opens an envelope addressed to `recipient`, after checking that it was signed by
 * `senderPublicKeyPem`, which the caller took from the ledger for `envelope.senderKeyId`
 * (DeviceClient.openFrom does that). Throws a SealError on any mismatch.
 */
export function open(recipient: LocalDevice, envelope: unknown, senderPublicKeyPem: string): Buffer {
  assertEnvelope(envelope);
  p256(recipient.identity.publicKey, `this device (${recipient.deviceId})`);
  if (envelope.recipientDeviceId !== recipient.deviceId || envelope.recipientKeyId !== recipient.identity.keyId) {
    throw new SealError(
      'WRONG_RECIPIENT',
      `the envelope is for ${envelope.recipientDeviceId} with key ${envelope.recipientKeyId}, not ${recipient.deviceId} with key ${recipient.identity.keyId}`,
    );
  }
  const senderKey = parsePublicKey(senderPublicKeyPem, 'senderPublicKeyPem');
  if (senderKey.keyId !== envelope.senderKeyId) {
    throw new SealError(
      'SENDER_KEY_MISMATCH',
      `the envelope names sender key ${envelope.senderKeyId}, the key given is ${senderKey.keyId}`,
    );
  }
  const { signature, ...unsigned } = envelope;
  if (!verifyStatement(senderKey, unsigned, signature)) {
    throw new SealError('BAD_SIGNATURE', `the envelope's signature does not verify with sender key ${senderKey.keyId}`);
  }
  const header: Header = {
    v: envelope.v,
    senderDeviceId: envelope.senderDeviceId,
    senderKeyId: envelope.senderKeyId,
    recipientDeviceId: envelope.recipientDeviceId,
    recipientKeyId: envelope.recipientKeyId,
    ephemeralPublicKeyPem: envelope.ephemeralPublicKeyPem,
  };
  const secret = recipient.identity.sharedSecret(ephemeralKey(envelope.ephemeralPublicKeyPem));
  const decipher = createDecipheriv('aes-256-gcm', contentKey(secret, header), Buffer.from(envelope.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new SealError('DECRYPTION_FAILED', 'the ciphertext does not authenticate: altered, or not sealed to this key');
  }
}

const ENVELOPE_FIELDS = [
  'v',
  'senderDeviceId',
  'senderKeyId',
  'recipientDeviceId',
  'recipientKeyId',
  'ephemeralPublicKeyPem',
  'iv',
  'ciphertext',
  'tag',
  'signature',
] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks the envelope's shape before anything is looked up or verified. Unknown fields are
 * refused: the signature would not cover them.
 */
export function assertEnvelope(value: unknown): asserts value is SealedEnvelope {
  const malformed = (problem: string) => new SealError('MALFORMED_ENVELOPE', `malformed envelope: ${problem}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('not a JSON object');
  const fields = value as Record<string, unknown>;
  const extra = Object.keys(fields).filter((k) => !(ENVELOPE_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) throw malformed(`unknown field(s) ${extra.join(', ')}`);
  if (fields.v !== 1) throw malformed(`unsupported version ${JSON.stringify(fields.v)}`);
  const text = (field: (typeof ENVELOPE_FIELDS)[number], pattern?: RegExp, bytes?: number): void => {
    const v = fields[field];
    if (typeof v !== 'string' || (pattern && !pattern.test(v))) throw malformed(`${field} is missing or not well formed`);
    if (bytes !== undefined && Buffer.from(v, 'base64').length !== bytes) throw malformed(`${field} must be ${bytes} bytes`);
  };
  text('senderDeviceId', ID_PATTERN);
  text('recipientDeviceId', ID_PATTERN);
  text('senderKeyId', SHA256_PATTERN);
  text('recipientKeyId', SHA256_PATTERN);
  text('ephemeralPublicKeyPem');
  text('iv', BASE64, IV_BYTES);
  text('tag', BASE64, TAG_BYTES);
  text('ciphertext', BASE64);
  text('signature', BASE64);
}

/** The key, if ECDH can use it (P-256); shared with config-seal.ts. */
export function p256(key: PublicKeyInfo, whose: string): PublicKeyInfo {
  if (key.algorithm !== 'ecdsa-p256') {
    throw new SealError('UNSUITABLE_KEY', `${whose} has an ${key.algorithm} key: sealing needs ECDH, so a P-256 key`);
  }
  return key;
}

/** The envelope's ephemeral key, if it is a P-256 public key. */
export function ephemeralKey(pem: string): KeyObject {
  let key: PublicKeyInfo;
  try {
    key = parsePublicKey(pem, 'ephemeralPublicKeyPem');
  } catch {
    throw new SealError('MALFORMED_ENVELOPE', 'malformed envelope: ephemeralPublicKeyPem is not a public key');
  }
  if (key.algorithm !== 'ecdsa-p256') throw new SealError('MALFORMED_ENVELOPE', 'malformed envelope: the ephemeral key is not P-256');
  return key.key;
}

/** The AES-256 key of an envelope: HKDF-SHA256 of the ECDH secret, bound to the canonical header (`salt` names the kind of envelope). */
export function contentKey(secret: Buffer, header: Statement, salt: Buffer = HKDF_SALT): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, salt, canonicalStatement(header), 32));
}
