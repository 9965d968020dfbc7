/** Firmware families as the tests need them: a device can only be registered into a registered family. */
import { ApiError } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { client, Org, orgsInSync, uid } from './network';

const ready = new Set<string>();

/** A write repeated once a second for up to a minute. */
const SETTLE_RETRIES = 60;

/**
 * A family of this run only, owned by `owner` (its policies may change without reaching other
 * tests' families), once every org's peer holds it.
 */
export async function newFamily(prefix = 'fam', owner: Org = 'Org1MSP'): Promise<string> {
  const family = uid(prefix);
  await client(owner, 'vendor').call('registerFamily', familyRequest(family));
  await orgsInSync(30_000); // every org's peer endorses the registrations into it
  return family;
}

/** Any vendor key, one approval. */
function familyRequest(family: string) {
  return { family, vendorKeyPem: DeviceIdentity.generate().publicKeyPem, approvalThreshold: 1 };
}

/**
 * Registers each family (by `owner`'s vendor, any key, threshold 1) unless this run or an earlier
 * one did, then waits until every org's peer holds it: registrations are endorsed by all peers.
 */
export async function ensureFamilies(families: string[], owner: Org = 'Org1MSP'): Promise<void> {
  const vendor = client(owner, 'vendor');
  let created = false;
  for (const family of families) {
    if (ready.has(family)) continue;
    const request = familyRequest(family);
    // Repeated (same Idempotency-Key) while the ledger answers 503: a test file may start while the
    // orderers still settle after the previous file's faults.
    const registered = await vendor.call('registerFamily', request, { retries: SETTLE_RETRIES }).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 409) return false; // an earlier run registered it
        throw err;
      },
    );
    created ||= registered;
    ready.add(family);
  }
  if (created) await orgsInSync(30_000);
}
