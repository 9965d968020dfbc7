/**
 * The set-up the contract tests share: a ledger whose members are Org1 and Org2, with family
 * `fam` of Org1's vendor (k = 1), and a device's registration request with its proof.
 */
import { DeviceIdentity, registrationProof } from '@iotreg/device';
import { FirmwareContract } from '../contracts/firmware';
import { GovernanceContract } from '../contracts/governance';
import { FakeLedger } from './fake-ledger';

export const FAMILY = 'fam';

/** A fresh ledger with both orgs as members and family `fam`, whose releases `vendor` signs. */
export async function ledgerWithFamily(vendor: DeviceIdentity = DeviceIdentity.generate()): Promise<FakeLedger> {
  const ledger = new FakeLedger();
  const members = JSON.stringify({ members: ['Org1MSP', 'Org2MSP'] });
  await ledger.run('Org1MSP', 'admin', (ctx) => new GovernanceContract().SetMembers(ctx, members));
  await ledger.run('Org2MSP', 'admin', (ctx) => new GovernanceContract().SetMembers(ctx, members));
  const family = { family: FAMILY, vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 };
  await ledger.run('Org1MSP', 'vendor', (ctx) => new FirmwareContract().RegisterFamily(ctx, JSON.stringify(family)));
  return ledger;
}

/** What an admin of `ownerMsp` sends to register `deviceId` with `identity`'s key in family `fam`. */
export function registrationOf(deviceId: string, identity: DeviceIdentity = DeviceIdentity.generate(), ownerMsp = 'Org1MSP') {
  return {
    deviceId,
    publicKeyPem: identity.publicKeyPem,
    family: FAMILY,
    proof: registrationProof(identity, { deviceId, ownerMsp, family: FAMILY }),
  };
}
