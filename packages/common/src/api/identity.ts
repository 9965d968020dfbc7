/**
 * Requests and records of device identity beyond one key (issue 22): pre-rotation commitments and
 * a family's identity policy. The shared tables (requests.ts, records.ts, catalogue.ts, rest.ts)
 * only reference these.
 */
import { z } from 'zod';
import { NEXT_KEY_DIGEST_FORM, PRE_ROTATION_POLICIES } from '../identity';
import { Id, PublicKeyPem, Sha256Hex, Signature } from './fields';

/** A commitment to the device's next key. */
export const NextKeyDigest = Sha256Hex.meta({
  description:
    `commitment to the device's next key: ${NEXT_KEY_DIGEST_FORM}. Once committed, only a rotation that reveals that key ` +
    'and is signed by it (POST /v1/devices/{deviceId}/pre-rotation) can rotate the device',
});

/** What a family demands of its devices' identities. */
export const IdentityPolicy = z
  .object({
    preRotation: z.enum(PRE_ROTATION_POLICIES).meta({
      description:
        '"required": every registration and rotation of the family must commit to the next key (nextKeyDigest); ' +
        '"optional" (the default): devices may commit, and those that did can only rotate by revealing the committed key',
    }),
  })
  .meta({ id: 'IdentityPolicy' });

export const FamilyIdentityPolicyRequest = z
  .strictObject({ family: Id, preRotation: z.enum(PRE_ROTATION_POLICIES) })
  .meta({ id: 'FamilyIdentityPolicyRequest' });

export const PreRotateKeyRequest = z
  .strictObject({
    deviceId: Id,
    publicKeyPem: PublicKeyPem.meta({ description: "the committed next key, revealed: its keyId must be the device's nextKeyDigest" }),
    nextKeyDigest: NextKeyDigest,
    proof: Signature.meta({
      description:
        'signature by the revealed key over {"action":"pre-rotate","deviceId","fromKeyId","nextKeyDigest","toKeyId"}; ' +
        'the current key does not sign (it may be stolen)',
    }),
  })
  .meta({ id: 'PreRotateKeyRequest' });

export type IdentityPolicy = z.output<typeof IdentityPolicy>;
export type FamilyIdentityPolicyRequest = z.input<typeof FamilyIdentityPolicyRequest>;
export type PreRotateKeyRequest = z.input<typeof PreRotateKeyRequest>;
