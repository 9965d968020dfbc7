/**
 * The chaincode<->peer state calls (getState, putState, deleteState, range and history queries,
 * and Fabric 3.1's batched reads and writes) each write transaction makes: every one is a round
 * trip that fabric-shim makes one at a time, on every endorsing peer. The counts are asserted, on
 * a peer that takes batches and on one that does not, so a change that adds calls to these paths
 * fails here and has to say why (docs/read-model.md, "A lighter chaincode", has the before/after).
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity, rotationProofs } from '@iotreg/device';
import type { RegistryContext } from '../context';
import { FakeLedger, noCalls, type StateCalls } from '../testing/fake-ledger';
import { ledgerWithFamily, registrationOf } from '../testing/fixtures';
import { DevicesContract } from './devices';
import { FirmwareContract } from './firmware';
import { MessagesContract } from './messages';

const devices = new DevicesContract();
const firmware = new FirmwareContract();
const messages = new MessagesContract();

const ADMIN1: [string, string] = ['Org1MSP', 'admin'];
const ADMIN2: [string, string] = ['Org2MSP', 'admin'];
const VENDOR1: [string, string] = ['Org1MSP', 'vendor'];
const AUDITOR2: [string, string] = ['Org2MSP', 'auditor'];
const VENDOR_KEY = DeviceIdentity.generate();
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const BATCH = 10;

type Tx = (ctx: RegistryContext, request: string) => Promise<string>;

/** Runs a transaction that must succeed; answers the state calls it made. */
async function calls(ledger: FakeLedger, who: [string, string], tx: Tx, request: unknown): Promise<StateCalls> {
  await ledger.run(who[0], who[1], (ctx) => tx(ctx, JSON.stringify(request)));
  return { ...ledger.calls };
}

const registration = (deviceId: string, identity?: DeviceIdentity) => registrationOf(deviceId, identity);

/** The state calls of each measured transaction. */
async function measure(batches: boolean): Promise<Record<string, StateCalls>> {
  const ledger = await ledgerWithFamily(VENDOR_KEY);
  ledger.batches = batches;
  const identity = DeviceIdentity.generate();
  const single = await calls(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), registration('d1', identity));
  const batch = await calls(ledger, ADMIN1, (c, r) => devices.RegisterDevices(c, r), {
    devices: Array.from({ length: BATCH }, (_, i) => registration(`b${i}`)),
  });
  const next = DeviceIdentity.generate();
  const rotation = await calls(ledger, ADMIN1, (c, r) => devices.RotateKey(c, r), {
    deviceId: 'd1',
    ...rotationProofs('d1', identity, next),
  });
  const payload = { action: 'anchor', deviceId: 'd1', seq: 1, digest: sha('m1') };
  const anchor = await calls(ledger, AUDITOR2, (c, r) => messages.AnchorMessage(c, r), { payload, signature: next.sign(payload) });
  await calls(ledger, VENDOR1, (c, r) => firmware.PublishFirmware(c, r), {
    family: 'fam',
    version: '1.0.0',
    sha256: sha('1.0.0'),
    signature: VENDOR_KEY.sign(statements.firmware('fam', '1.0.0', sha('1.0.0'))),
  });
  const approval = await calls(ledger, ADMIN2, (c, r) => firmware.VoteFirmware(c, r), {
    family: 'fam',
    version: '1.0.0',
    decision: 'approve',
  });
  return { single, [`batch of ${BATCH}`]: batch, rotation, anchor, approval };
}

const total = (c: StateCalls) => Object.values(c).reduce((sum, n) => sum + n, 0);
const counts = (get: number, put: number, range = 0, history = 0): StateCalls => ({ ...noCalls(), get, put, range, history });
const batched = (calls: Partial<StateCalls>): StateCalls => ({ ...noCalls(), ...calls });

/**
 * What each transaction may cost, one call a key. Before the chaincode left lists and history to
 * the read model (and read each key once a transaction): single 4 get + 8 put, batch 40 + 80,
 * rotation 6 + 6, anchor 2 + 5, approval 3 + 1. A registration now: the device and its key to
 * check they are new, the family (once a batch); writes of the device, its key, the family index
 * and its last change.
 */
const ONE_BY_ONE: Record<string, StateCalls> = {
  single: counts(3, 4),
  [`batch of ${BATCH}`]: counts(2 * BATCH + 1, 4 * BATCH),
  rotation: counts(5, 4),
  anchor: counts(2, 2),
  approval: counts(3, 1),
};

/**
 * On a Fabric 3.1 peer: a registration's reads in one round trip (a batch's all together) and
 * every transaction's writes in one. The reads that depend on an earlier answer (a rotation's
 * device, then its key) stay single.
 */
const BATCHED: Record<string, StateCalls> = {
  single: batched({ readBatch: 1, writeBatch: 1 }),
  [`batch of ${BATCH}`]: batched({ readBatch: 1, writeBatch: 1 }),
  rotation: batched({ get: 5, writeBatch: 1 }),
  anchor: batched({ get: 2, writeBatch: 1 }),
  approval: batched({ get: 3, put: 1 }),
};

test.each([
  ['takes batches (Fabric 3.1)', true, BATCHED],
  ['takes one key a call', false, ONE_BY_ONE],
] as const)('state calls per write transaction on a peer that %s', async (_, batches, expected) => {
  const measured = await measure(batches);
  process.stdout.write(
    Object.entries(measured)
      .map(([name, c]) => `${name}: ${total(c)} (${JSON.stringify(c)})`)
      .join('\n') + '\n',
  );
  expect(measured).toEqual(expected);
});
