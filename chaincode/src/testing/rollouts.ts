/**
 * A ledger with what a rollout needs, for the chaincode's unit tests: both orgs members, family
 * `fam` owned by Org1 with trusted releases 1.0.0 and 2.0.0, and devices of both orgs.
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity, registrationProof } from '@iotreg/device';
import type { RegistryContext } from '../context';
import { DevicesContract } from '../contracts/devices';
import { FirmwareContract } from '../contracts/firmware';
import { GovernanceContract } from '../contracts/governance';
import { RolloutsContract } from '../contracts/rollouts';
import { FakeLedger } from './fake-ledger';

export type Who = [string, string?];
export type Tx = (ctx: RegistryContext, request: string) => Promise<string>;

export const ADMIN1: Who = ['Org1MSP', 'admin'];
export const ADMIN2: Who = ['Org2MSP', 'admin'];
export const VENDOR1: Who = ['Org1MSP', 'vendor'];
export const RELAY: Who = ['Org1MSP', 'relay'];

export const sha = (t: string) => createHash('sha256').update(t).digest('hex');
export const image = (version: string) => sha(`fam-${version}`);

export const rollouts = new RolloutsContract();
const devices = new DevicesContract();
const firmware = new FirmwareContract();
const governance = new GovernanceContract();

/** Calls a transaction; resolves with its answer, or with the "CODE" it refused with. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of every operation, picked at by tests
export async function call(ledger: FakeLedger, who: Who, tx: Tx, request: unknown): Promise<any> {
  try {
    return JSON.parse(await ledger.run(who[0], who[1], (ctx) => tx(ctx, JSON.stringify(request))));
  } catch (err) {
    return { refused: (err as Error).message.split(':')[0], message: (err as Error).message };
  }
}

export interface LedgerDevice {
  id: string;
  owner: string;
  identity: DeviceIdentity;
  seq: number;
}

export async function rolloutLedger(counts: { Org1MSP: number; Org2MSP: number }, attributes?: (i: number) => Record<string, string>) {
  const ledger = new FakeLedger();
  const must = async (who: Who, tx: Tx, request: unknown) => {
    const answer = await call(ledger, who, tx, request);
    if (answer?.refused) throw new Error(`setup refused: ${answer.message}`);
    return answer;
  };
  await must(ADMIN1, (c, r) => governance.SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] });
  await must(ADMIN2, (c, r) => governance.SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] });
  const vendor = DeviceIdentity.generate();
  await must(VENDOR1, (c, r) => firmware.RegisterFamily(c, r), { family: 'fam', vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 });
  for (const version of ['1.0.0', '2.0.0']) {
    const sha256 = image(version);
    await must(VENDOR1, (c, r) => firmware.PublishFirmware(c, r), {
      family: 'fam',
      version,
      sha256,
      uri: `https://fw.example/fam/${version}.bin`,
      signature: vendor.sign(statements.firmware('fam', version, sha256)),
    });
    await must(ADMIN2, (c, r) => firmware.VoteFirmware(c, r), { family: 'fam', version, decision: 'approve' });
  }
  const fleet: LedgerDevice[] = [];
  for (const owner of ['Org1MSP', 'Org2MSP'] as const) {
    for (let i = 0; i < counts[owner]; i += 1) {
      const identity = DeviceIdentity.generate();
      const id = `${owner === 'Org1MSP' ? 'a' : 'b'}${i}`;
      await must([owner, 'admin'], (c, r) => devices.RegisterDevice(c, r), {
        deviceId: id,
        publicKeyPem: identity.publicKeyPem,
        family: 'fam',
        ...(attributes ? { attributes: attributes(i) } : {}),
        proof: registrationProof(identity, { deviceId: id, ownerMsp: owner, family: 'fam' }),
      });
      fleet.push({ id, owner, identity, seq: 0 });
    }
  }
  return { ledger, fleet, must };
}

/** A device-signed install report (the next seq of the device). */
export function report(device: LedgerDevice, rolloutId: string, outcome: 'installed' | 'failed', detail: string) {
  device.seq += 1;
  const payload = {
    action: 'rollout-report',
    deviceId: device.id,
    seq: device.seq,
    rolloutId,
    outcome,
    ...(outcome === 'installed' ? { sha256: detail } : { reason: detail }),
  };
  return { payload, signature: device.identity.sign(payload) };
}

/** Runs every rollout operation once, each answering: for the catalogue-wide answer check in contracts.test.ts. */
export async function everyRolloutOperation(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- contracts.test.ts's call
  run: (ledger: FakeLedger, who: Who, tx: Tx, request: unknown) => Promise<any>,
): Promise<unknown[]> {
  const { ledger, fleet } = await rolloutLedger({ Org1MSP: 2, Org2MSP: 2 });
  const waves = [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }];
  const device = fleet.find((d) => d.owner === 'Org1MSP')!;
  return [
    await run(ledger, ADMIN2, (c, r) => rollouts.SetConsentPolicy(c, r), { family: 'fam', requireConsent: true }),
    await run(ledger, ADMIN1, (c, r) => rollouts.CreateRollout(c, r), { rolloutId: 'r1', family: 'fam', version: '2.0.0', waves }),
    await run(ledger, ADMIN2, (c, r) => rollouts.ConsentRollout(c, r), { rolloutId: 'r1', decision: 'grant' }),
    await run(ledger, ADMIN2, (c, r) => rollouts.GetRollout(c, r), { rolloutId: 'r1' }),
    await run(ledger, ADMIN2, (c, r) => rollouts.GetRolloutDevice(c, r), { rolloutId: 'r1', deviceId: device.id }),
    await run(ledger, RELAY, (c, r) => rollouts.ReportRollout(c, r), report(device, 'r1', 'installed', image('2.0.0'))),
    await run(ledger, ADMIN1, (c, r) => rollouts.SetRolloutState(c, r), { rolloutId: 'r1', state: 'paused', reason: 'night' }),
    await run(ledger, ADMIN1, (c, r) => rollouts.ProposeRollback(c, r), { family: 'fam', version: '1.0.0', reason: 'bricks' }),
    await run(ledger, ADMIN2, (c, r) => rollouts.GetRollback(c, r), { family: 'fam', version: '1.0.0' }),
    await run(ledger, ADMIN2, (c, r) => rollouts.RefreshFamilyStatus(c, r), { family: 'fam' }),
    await run(ledger, ADMIN1, (c, r) => rollouts.GetFamilyStatus(c, r), { family: 'fam' }),
  ];
}
