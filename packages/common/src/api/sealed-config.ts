/** Sealed configuration (../sealed-config.ts): what an owner's admin publishes and a device fetches. */
import { z } from 'zod';
import { CONFIG_VERSION_MIN, PEM_MAX, SEALED_CONFIG_INLINE_MAX_BYTES, SEALED_CONFIG_MAX_BYTES } from '../formats';
import { Id, integerFrom, Msp, Sha256Hex, Timestamp, TxId, Uri } from './fields';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Base64 of exactly `bytes` bytes. */
const base64Of = (bytes: number) => {
  const length = 4 * Math.ceil(bytes / 3);
  return z
    .string()
    .length(length, { error: `must be base64 of ${bytes} bytes` })
    .regex(BASE64, { error: 'must be base64' });
};
const CIPHERTEXT_MAX_CHARS = 4 * Math.ceil(SEALED_CONFIG_INLINE_MAX_BYTES / 3);

export const SealedConfigEnvelope = z
  .strictObject({
    v: z.literal(1),
    deviceId: Id,
    keyId: Sha256Hex.meta({ description: "the device key it is sealed to: the device's current key when published" }),
    version: integerFrom(CONFIG_VERSION_MIN),
    ephemeralPublicKeyPem: z.string().min(1).max(PEM_MAX).meta({ description: "the sealer's one-time P-256 public key, PEM" }),
    iv: base64Of(12),
    tag: base64Of(16),
    ciphertext: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(CIPHERTEXT_MAX_CHARS, {
        error: `must be at most ${SEALED_CONFIG_INLINE_MAX_BYTES} bytes (base64); store a larger configuration off-chain`,
      })
      .regex(BASE64, { error: 'must be base64' }),
  })
  .meta({
    id: 'SealedConfigEnvelope',
    description:
      "AES-256-GCM under a key from ECDH (ephemeral P-256 key × the device's registered key) and HKDF-SHA256 over " +
      '{v, purpose:"config", deviceId, keyId, version, ephemeralPublicKeyPem}: only the device opens it, and only as this version',
  });

/** An envelope stored off-chain: the same, its ciphertext bounded only by SEALED_CONFIG_MAX_BYTES (what a device downloads). */
export const OffChainSealedConfigEnvelope = SealedConfigEnvelope.extend({
  ciphertext: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(4 * Math.ceil(SEALED_CONFIG_MAX_BYTES / 3), { error: `must be at most ${SEALED_CONFIG_MAX_BYTES} bytes (base64)` })
    .regex(BASE64, { error: 'must be base64' }),
}).meta({ id: 'OffChainSealedConfigEnvelope' });

export const SealedConfigReference = z
  .strictObject({
    keyId: Sha256Hex.meta({ description: 'the device key the off-chain envelope is sealed to' }),
    uri: Uri.meta({ description: 'where the device downloads the envelope (its canonical JSON)' }),
    envelopeSha256: Sha256Hex.meta({ description: "SHA-256 of the envelope's canonical JSON (RFC 8785), as stored at uri" }),
    envelopeBytes: integerFrom(1, SEALED_CONFIG_MAX_BYTES).meta({ description: 'its size in bytes' }),
  })
  .meta({
    id: 'SealedConfigReference',
    description: 'a large sealed configuration stored off-chain: the ledger holds its hash, size and URI',
  });

export const PublishSealedConfigRequest = z
  .strictObject({
    deviceId: Id,
    version: integerFrom(CONFIG_VERSION_MIN).meta({ description: "above the device's current configuration version" }),
    sha256: Sha256Hex.meta({ description: 'SHA-256 of the configuration in clear: what the device checks after opening, and reports' }),
    sealed: z
      .union([SealedConfigEnvelope, SealedConfigReference], {
        error: 'must be a sealed envelope (inline) or a reference to one stored off-chain (keyId, uri, envelopeSha256, envelopeBytes)',
      })
      .meta({ description: 'the envelope itself, or (for a larger one) where it is stored off-chain' }),
  })
  .meta({ id: 'PublishSealedConfigRequest' });

export const SealedConfig = z
  .object({
    deviceId: Id,
    version: z.number().int(),
    sha256: Sha256Hex.meta({ description: 'SHA-256 of the configuration in clear' }),
    keyId: Sha256Hex.meta({ description: 'the device key it is sealed to; after a rotation it must be sealed again' }),
    envelopeSha256: Sha256Hex,
    envelopeBytes: z.number().int(),
    envelope: SealedConfigEnvelope.optional().meta({ description: 'the envelope, when stored on the ledger' }),
    uri: z.string().optional().meta({ description: 'where the envelope is stored, when off-chain' }),
    publishedAt: Timestamp,
    publisherMsp: Msp,
    txId: TxId,
  })
  .meta({ id: 'SealedConfig' });

export type SealedConfigEnvelope = z.output<typeof SealedConfigEnvelope>;
export type SealedConfigReference = z.output<typeof SealedConfigReference>;
export type SealedConfig = z.output<typeof SealedConfig>;
