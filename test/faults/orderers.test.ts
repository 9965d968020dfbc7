/**
 * BFT under orderer faults, under a steady write load through both gateways (issues 8 and 9):
 * one orderer lost, the leader lost, two orderers lost. Every acknowledged registration must be
 * on the ledger afterwards, readable through both orgs; a 503 is the only failure allowed.
 */
import { client, network, orderers, orderersSettled, Org, ORGS, sleep, uid } from '../support/network';
import { startLoad, LoadReport } from '../support/load';
import { newDevice, registration } from '../support/devices';

const admins = { Org1MSP: client('Org1MSP', 'admin'), Org2MSP: client('Org2MSP', 'admin') };
/**
 * 8 clients, each starting a registration every 0.5 s: at most 16 writes/s, about half of what 2
 * cores commit with everything on one machine. At saturation orderers fall behind and pull blocks,
 * which in this Fabric build strands requests in their pools (see `restartedLast`), and a fault
 * measures that rather than BFT's recovery (see the README).
 */
const WORKERS = 8;
const EVERY_MS = 500;
/**
 * Losing one orderer, the leader included, may stop commits for at most this long (issue 9's
 * target): 2-3 s to notice a dead leader, then one view change. Held when all four orderers
 * followed one leader before the fault; with one lagging, a kill is a second fault and the stall
 * is reported, not held (see the README).
 */
const FAULT_STALL_MS = 5_000;
/**
 * Through the whole run, fault and rejoin included: commits pause 4-8 s on 2 cores while a
 * restarted orderer starts (see the README).
 */
const STALL_BOUND_MS = 30_000;

/** Each worker registers devices through its own org's gateway, alternating orgs. */
function registrations() {
  return startLoad(WORKERS, EVERY_MS, async (worker) => {
    const org: Org = ORGS[worker % 2]!;
    const device = newDevice(uid('bft'));
    const answer = await admins[org].post('/v1/devices', registration(device, 'sensor-bft', undefined, org), {
      headers: { 'idempotency-key': device.id },
    });
    return { key: device.id, answer };
  });
}

async function expectAllOnLedger(report: LoadReport) {
  for (const org of ORGS) {
    const reader = client(org, 'auditor');
    for (const written of report.acknowledged) {
      const res = await reader.get(`/v1/devices/${written.key}`);
      expect([written.key, res.status]).toEqual([written.key, 200]);
    }
  }
}

/** Unknown outcomes must resolve: each 503 with a txId is either committed once or not at all. */
async function expectUnknownsResolved(report: LoadReport) {
  for (const unknown of report.unavailable.filter((o) => o.txId)) {
    const res = await admins.Org1MSP.get(`/v1/transactions/${unknown.txId}`);
    expect(res.status).toBe(200);
    const device = await admins.Org2MSP.get(`/v1/devices/${unknown.key}`);
    expect(device.status).toBe(res.body.status === 'VALID' ? 200 : 404);
  }
}

interface FaultRun extends LoadReport {
  /** Longest stall while the orderer was down. */
  faultStallMs: number;
  /** Whether all four orderers followed one leader, none lagging, when the fault came. */
  settled: boolean;
}

const ORDERERS = ['orderer0', 'orderer1', 'orderer2', 'orderer3'];

/**
 * The orderer the previous test restarted under load. This build's SmartBFT keeps, in the pool of
 * an orderer that rejoined under load, requests it learned of only by pulling blocks; they time
 * out and it complains about a healthy leader, leaving the quorum for a view-change timeout each
 * time (see the README). BFT tolerates one faulty node: that one. So a test that kills a follower
 * kills it, rather than take a second node out of a quorum of three.
 */
let restartedLast: string | undefined;

/**
 * Under a steady write load, once the orderers agree, kills the leader or a follower with -9,
 * restarts it after `downMs`, and reports the stalls. An orderer found down (crashed during an
 * earlier test) is restarted first: each test starts with four.
 */
async function killUnderLoad(role: 'leader' | 'follower', downMs: number): Promise<FaultRun> {
  for (const o of await orderers()) {
    if (o.height === undefined) {
      console.warn(`${o.name} was down before this test; restarting it (see its log for why)`);
      await network('restart', o.name);
    }
  }
  const load = registrations();
  let faultAt = 0;
  let recoverAt = 0;
  let victim = '';
  let settled = false;
  try {
    await sleep(3000);
    settled = await orderersSettled();
    if (!settled) console.warn(`orderers never agreed before the fault: ${JSON.stringify(await orderers())}`);
    const leader = (await network('leader')).trim();
    const followers = ORDERERS.filter((o) => o !== leader);
    victim = role === 'leader' ? leader : followers.find((o) => o === restartedLast) ?? followers[0]!;
    faultAt = Date.now();
    await network('kill', victim);
    await sleep(downMs);
    recoverAt = Date.now();
    await network('restart', victim);
    restartedLast = victim;
    await sleep(4000);
  } finally {
    load.stop();
  }
  const report = await load.done;
  const faultStallMs = report.stallWithin(faultAt, recoverAt);
  console.log(
    `kill -9 ${victim} (${role}): ${report.acknowledged.length} writes acknowledged, ${report.unavailable.length} answered 503; ` +
      `stall after the fault ${faultStallMs} ms${settled ? '' : ' (orderers not settled: not held to the bound)'}, ` +
      `after the restart ${report.stallWithin(recoverAt, Date.now())} ms`,
  );
  return { ...report, faultStallMs, settled };
}

// The leader first, while no orderer has rejoined under load.
test('kill -9 of the BFT leader: a new leader within 5 s, no write reported failed that committed', async () => {
  const report = await killUnderLoad('leader', 15000);
  expect(report.unexpected).toEqual([]);
  expect(report.acknowledged.length).toBeGreaterThan(50);
  if (report.settled) expect(report.faultStallMs).toBeLessThan(FAULT_STALL_MS);
  expect(report.longestGapMs).toBeLessThan(STALL_BOUND_MS);
  await expectAllOnLedger(report);
  await expectUnknownsResolved(report);
});

test('kill -9 of one follower orderer: writes keep committing, nothing acknowledged is lost', async () => {
  const report = await killUnderLoad('follower', 10000);
  expect(report.unexpected).toEqual([]);
  expect(report.acknowledged.length).toBeGreaterThan(50);
  if (report.settled) expect(report.faultStallMs).toBeLessThan(FAULT_STALL_MS);
  expect(report.longestGapMs).toBeLessThan(STALL_BOUND_MS);
  await expectAllOnLedger(report);
  await expectUnknownsResolved(report);
});

test('two orderers down: writes fail fast with 503, then succeed once they return', async () => {
  const [a, b] = ['orderer1', 'orderer3'];
  await network('kill', a!);
  await network('kill', b!);
  try {
    const device = newDevice(uid('quorum'));
    const started = Date.now();
    const res = await admins.Org1MSP.post('/v1/devices', registration(device, 'sensor-bft'));
    expect(res.status).toBe(503);
    expect(['LEDGER_UNAVAILABLE', 'OUTCOME_UNKNOWN']).toContain(res.body.error.code);
    expect(Date.now() - started).toBeLessThan(60000);
  } finally {
    await network('restart', a!);
    await network('restart', b!);
  }
  const device = newDevice(uid('quorum'));
  let status = 0;
  for (let attempt = 0; attempt < 30 && status !== 201; attempt++) {
    status = (await admins.Org2MSP.post('/v1/devices', registration(device, 'sensor-bft', undefined, 'Org2MSP'), { headers: { 'idempotency-key': device.id } })).status;
    if (status !== 201) await sleep(1000);
  }
  expect(status).toBe(201);
});
