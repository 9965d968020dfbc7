/**
 * Requests and records of device identity beyond one key (issue 22): pre-rotation commitments and
 * a family's identity policy. The shared tables (requests.ts, records.ts, catalogue.ts, rest.ts)
 * only reference these.
 */
import { z } from 'zod';
import { MAKERS_MAX, NEXT_KEY_DIGEST_FORM, PRE_ROTATION_POLICIES, REQUIREMENTS } from '../identity';
import { Id, Msp, PublicKeyPem, Sha256Hex, Signature, Timestamp } from './fields';

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
    makers: z.array(Id).optional().meta({ description: 'the makers (POST /v1/makers) whose birth certificates the family accepts' }),
    birthCertificate: z.enum(REQUIREMENTS).optional().meta({
      description: '"required": a registration must carry a birth certificate signed by one of makers; "optional" (the default): it may',
    }),
  })
  .meta({ id: 'IdentityPolicy' });

export const FamilyIdentityPolicyRequest = z
  .strictObject({
    family: Id,
    preRotation: z.enum(PRE_ROTATION_POLICIES).optional(),
    makers: z
      .array(Id)
      .max(MAKERS_MAX, { error: `at most ${MAKERS_MAX} makers` })
      .optional()
      .meta({ description: 'replaces the list of makers; each must be registered' }),
    birthCertificate: z.enum(REQUIREMENTS).optional(),
  })
  .meta({
    id: 'FamilyIdentityPolicyRequest',
    description: 'fields left out keep their current value; a request that gives none is refused (422 RULE_VIOLATION)',
  });

/** A device maker's manufacturing key, registered by a vendor of its org. */
export const RegisterMakerRequest = z.strictObject({ maker: Id, manufacturingKeyPem: PublicKeyPem }).meta({ id: 'RegisterMakerRequest' });

export const MakerRef = z.strictObject({ maker: Id });

export const Maker = z
  .object({ maker: Id, orgMsp: Msp, manufacturingKeyPem: z.string(), manufacturingKeyId: Sha256Hex, registeredAt: Timestamp })
  .meta({ id: 'Maker' });

/** The maker's signature over the device's key at manufacture, carried by a registration. */
export const BirthCertificate = z
  .strictObject({
    maker: Id,
    signature: Signature.meta({
      description: 'by the maker\'s manufacturing key over {"action":"manufacture","deviceId","family","keyId","maker"}',
    }),
  })
  .meta({ id: 'BirthCertificate' });

/** What the device record keeps of its birth certificate. */
export const Birth = z.object({ maker: Id, makerMsp: Msp, manufacturingKeyId: Sha256Hex }).meta({ id: 'Birth' });

export const TransferOffer = z.object({ toMsp: Msp, offeredAt: Timestamp }).meta({ id: 'TransferOffer' });

export const OfferTransferRequest = z.strictObject({ deviceId: Id, toMsp: Msp }).meta({ id: 'OfferTransferRequest' });

export const AcceptTransferRequest = z
  .strictObject({
    deviceId: Id,
    fromMsp: Msp.meta({
      description: 'the owner the device is taken from, as the accepting admin saw the offer (else 409 STATE_CONFLICT)',
    }),
  })
  .meta({ id: 'AcceptTransferRequest' });

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
export type Maker = z.output<typeof Maker>;
export type Birth = z.output<typeof Birth>;
export type TransferOffer = z.output<typeof TransferOffer>;
export type RegisterMakerRequest = z.input<typeof RegisterMakerRequest>;
export type BirthCertificate = z.input<typeof BirthCertificate>;
export type FamilyIdentityPolicyRequest = z.input<typeof FamilyIdentityPolicyRequest>;
export type PreRotateKeyRequest = z.input<typeof PreRotateKeyRequest>;
