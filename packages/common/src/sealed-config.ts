/**
 * Sealed configuration: a device's configuration encrypted to its registered key (ECDH P-256,
 * HKDF-SHA256, AES-256-GCM: the device library's sealConfig), so the ledger and every org see only
 * the envelope. What both sides must compute alike lives here: the envelope's bytes and digest.
 */
import { createHash } from 'node:crypto';
import type { SealedConfigEnvelope } from './api/sealed-config';
import { canonicalStatement } from './statements';

/**
 * The envelope as stored off-chain and hashed: its canonical JSON (RFC 8785), so the ledger's
 * envelopeSha256 names one byte string whoever serialises it.
 */
export function sealedConfigBytes(envelope: SealedConfigEnvelope): Buffer {
  return canonicalStatement({ ...envelope });
}

export function sealedConfigSha256(envelope: SealedConfigEnvelope): string {
  return createHash('sha256').update(sealedConfigBytes(envelope)).digest('hex');
}

/** The HKDF context of a sealed configuration: who and which key it is for, which version, and the ephemeral key. */
export function sealedConfigHeader(envelope: Pick<SealedConfigEnvelope, 'v' | 'deviceId' | 'keyId' | 'version' | 'ephemeralPublicKeyPem'>) {
  const { v, deviceId, keyId, version, ephemeralPublicKeyPem } = envelope;
  return { v, purpose: 'config', deviceId, keyId, version, ephemeralPublicKeyPem };
}
