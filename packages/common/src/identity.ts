/**
 * Device identity beyond one key (issue 22): pre-rotation, as KERI does it. A device commits at
 * registration and at every rotation to the digest of its next public key; the next rotation
 * must reveal that key and be signed by it, so a stolen current key cannot rotate.
 */
import { parsePublicKey } from './keys';

/** How a family treats commitments to the next key. */
export const PRE_ROTATION_POLICIES = ['optional', 'required'] as const;
export type PreRotationPolicy = (typeof PRE_ROTATION_POLICIES)[number];

/**
 * The commitment to a next key: lowercase hex SHA-256 of its DER SubjectPublicKeyInfo, which is
 * the keyId the key will have once revealed. Only the digest is published; the key stays offline.
 */
export function nextKeyDigest(publicKeyPem: string): string {
  return parsePublicKey(publicKeyPem).keyId;
}

/** Whether a family demands something of a registration (a birth certificate). */
export const REQUIREMENTS = ['optional', 'required'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

/** Makers one family may name. */
export const MAKERS_MAX = 32;

export const NEXT_KEY_DIGEST_FORM = "lowercase hex SHA-256 of the next public key's DER SubjectPublicKeyInfo (the keyId it will have)";
