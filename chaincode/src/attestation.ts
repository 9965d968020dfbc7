/**
 * Manufacturer attestation (issue 22): a device's birth certificate is its maker's signature over
 * the device's ID, family and key. A family that names makers may require one at registration,
 * so an admin cannot enrol a device none of them made.
 */
import {
  type Birth,
  type BirthCertificate,
  type IdentityPolicy,
  type Maker,
  parsePublicKey,
  type PublicKeyInfo,
  RegistryError,
  requireSignature,
  statements,
} from '@iotreg/common';
import type { RegistryContext } from './context';
import { keys } from './ledger/keys';

export async function findMaker(ctx: RegistryContext, maker: string): Promise<Maker> {
  return ctx.store.mustGet<Maker>(keys.maker(maker), `maker ${maker}`);
}

/** The birth a registration proves, checked against the family's policy; undefined when it carries none and needs none. */
export async function checkBirthCertificate(
  ctx: RegistryContext,
  policy: IdentityPolicy | undefined,
  family: string,
  deviceId: string,
  key: PublicKeyInfo,
  certificate: BirthCertificate | undefined,
): Promise<Birth | undefined> {
  if (certificate === undefined) {
    if (policy?.birthCertificate === 'required') {
      throw new RegistryError('RULE_VIOLATION', `family ${family} requires a birth certificate signed by one of its makers`);
    }
    return undefined;
  }
  const makers = policy?.makers ?? [];
  if (!makers.includes(certificate.maker)) {
    throw new RegistryError(
      'RULE_VIOLATION',
      `maker ${certificate.maker} is not one of family ${family}'s makers (${makers.length > 0 ? makers.join(', ') : 'it names none'})`,
    );
  }
  const maker = await findMaker(ctx, certificate.maker);
  const manufacturingKey = parsePublicKey(maker.manufacturingKeyPem, 'manufacturingKeyPem');
  const statement = statements.manufacture(deviceId, family, key.keyId, maker.maker);
  requireSignature(manufacturingKey, statement, certificate.signature, 'birthCertificate.signature');
  return { maker: maker.maker, makerMsp: maker.orgMsp, manufacturingKeyId: maker.manufacturingKeyId };
}

/** Makers a family names must be registered. */
export async function requireMakers(ctx: RegistryContext, makers: string[]): Promise<void> {
  for (const maker of makers) {
    if (!(await ctx.store.exists(keys.maker(maker)))) throw new RegistryError('NOT_FOUND', `maker ${maker} is not registered`);
  }
}
