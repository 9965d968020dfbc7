/** Firmware families as the tests need them: a device can only be registered into a registered family. */
import { DeviceIdentity } from '@iotreg/device';
import { client, Org, orgsInSync } from './network';

const ready = new Set<string>();

/**
 * Registers each family (by `owner`'s vendor, any key, threshold 1) unless this run or an earlier
 * one did, then waits until every org's peer holds it: registrations are endorsed by all peers.
 */
export async function ensureFamilies(families: string[], owner: Org = 'Org1MSP'): Promise<void> {
  const vendor = client(owner, 'vendor');
  let created = false;
  for (const family of families) {
    if (ready.has(family)) continue;
    const res = await vendor.post('/v1/families', { family, vendorKeyPem: DeviceIdentity.generate().publicKeyPem, approvalThreshold: 1 });
    if (res.status !== 201 && res.status !== 409)
      throw new Error(`registering family ${family}: ${res.status} ${JSON.stringify(res.body)}`);
    created ||= res.status === 201;
    ready.add(family);
  }
  if (created) await orgsInSync(30_000);
}
