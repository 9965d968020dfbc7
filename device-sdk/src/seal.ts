import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
  randomBytes,
} from 'node:crypto';
import { canonicalStatement, parsePublicKey, PublicKeyInfo, Statement, verifyStatement } from '@iotreg/common';
import type { DeviceIdentity } from './identity';

/**
 * A message from one device to another: ECDH (P-256) between a fresh ephemeral key and the
 * recipient's registered key, HKDF-SHA256 bound to both keyIds and the ephemeral key, AES-256-GCM;
 * the sender signs the whole envelope with its registered key, so the recipient can check on
 * the ledger that the sender's key was valid.
 */
export interface SealedEnvelope {
  v: 1;
  sender: string;
  senderKeyId: string;
  recipient: string;
  recipientKeyId: string;
  /** base64 DER SubjectPublicKeyInfo of the ephemeral P-256 key. */
  ephemeralKey: string;
  salt: string;
  iv: string;
  ciphertext: string;
  tag: string;
  signature: string;
}

export interface SealParty {
  deviceId: string;
  identity: DeviceIdentity;
}

export interface Recipient {
  deviceId: string;
  publicKeyPem: string;
}

export class SealError extends Error {
  override name = 'SealError';
}

function p256(key: PublicKeyInfo, whose: string): KeyObject {
  if (key.algorithm !== 'ecdsa-p256') throw new SealError(`${whose} key is ${key.algorithm}: sealing needs a P-256 key`);
  return key.key;
}

function contentKey(shared: Buffer, salt: Buffer, header: Statement): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, salt, canonicalStatement(header), 32));
}

const headerOf = (e: Omit<SealedEnvelope, 'ciphertext' | 'tag' | 'signature'>): Statement => ({
  v: e.v,
  sender: e.sender,
  senderKeyId: e.senderKeyId,
  recipient: e.recipient,
  recipientKeyId: e.recipientKeyId,
  ephemeralKey: e.ephemeralKey,
  salt: e.salt,
  iv: e.iv,
});

const signedPart = (e: SealedEnvelope): Statement => ({ ...headerOf(e), ciphertext: e.ciphertext, tag: e.tag });

export function seal(from: SealParty, to: Recipient, plaintext: Buffer | string): SealedEnvelope {
  const recipientKey = parsePublicKey(to.publicKeyPem);
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: p256(recipientKey, 'the recipient') });
  const header = {
    v: 1 as const,
    sender: from.deviceId,
    senderKeyId: from.identity.keyId,
    recipient: to.deviceId,
    recipientKeyId: recipientKey.keyId,
    ephemeralKey: ephemeral.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    salt: randomBytes(32).toString('base64'),
    iv: randomBytes(12).toString('base64'),
  };
  const aad = canonicalStatement(headerOf(header));
  const cipher = createCipheriv('aes-256-gcm', contentKey(shared, Buffer.from(header.salt, 'base64'), headerOf(header)), Buffer.from(header.iv, 'base64'));
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(Buffer.isBuffer(plaintext) ? plaintext : Buffer.from(plaintext, 'utf8')), cipher.final()]);
  const unsigned = { ...header, ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64'), signature: '' };
  return { ...unsigned, signature: from.identity.sign(signedPart(unsigned)) };
}

/**
 * Opens an envelope addressed to `to`, after checking it was signed by `senderPublicKeyPem`
 * (which the caller took from the ledger for envelope.senderKeyId). Any mismatch throws.
 */
export function open(to: SealParty, envelope: SealedEnvelope, senderPublicKeyPem: string): Buffer {
  const senderKey = parsePublicKey(senderPublicKeyPem);
  if (envelope.v !== 1) throw new SealError(`unknown envelope version ${String(envelope.v)}`);
  if (senderKey.keyId !== envelope.senderKeyId) throw new SealError('the sender key given is not the one the envelope names');
  if (envelope.recipient !== to.deviceId || envelope.recipientKeyId !== to.identity.keyId) {
    throw new SealError('the envelope is addressed to another device or key');
  }
  if (!verifyStatement(senderKey, signedPart(envelope), envelope.signature)) throw new SealError("the sender's signature does not verify");
  p256(to.identity.publicKey, "the recipient's own");
  let ephemeral: KeyObject;
  try {
    ephemeral = createPublicKey({ key: Buffer.from(envelope.ephemeralKey, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new SealError('the ephemeral key is not a public key');
  }
  const shared = diffieHellman({ privateKey: to.identity.privateKey, publicKey: ephemeral });
  const header = headerOf(envelope);
  const decipher = createDecipheriv('aes-256-gcm', contentKey(shared, Buffer.from(envelope.salt, 'base64'), header), Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(canonicalStatement(header));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw new SealError('the message was altered or is not for this key');
  }
}
