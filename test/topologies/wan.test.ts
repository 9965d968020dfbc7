/**
 * The wan topology (scripts/test-wan.sh, `npm run test:wan`): four orderers in four "regions"
 * 40–150 ms apart through Toxiproxy. Measures writes with the WAN profile off and on in the same
 * run, then cuts the BFT leader off under load and heals it: every acknowledged write must be
 * readable through both orgs, every 503 must resolve, and the stall is reported.
 */
import { newDevice, registration } from '../support/devices';
import { familyOfOrg1, inSync, network, orgClient, sleep, uid } from './consortium';

jest.setTimeout(600_000);

interface Write {
  deviceId: string;
  start: number;
  end: number;
  status: number;
}

const CONCURRENCY = 10;
let family: string;

/** Registrations through Org1's gateway by `CONCURRENCY` writers for `ms`. */
async function load(ms: number, during?: () => Promise<void>): Promise<Write[]> {
  const admin = orgClient('Org1MSP', 'admin');
  const writes: Write[] = [];
  const until = Date.now() + ms;
  const writer = async () => {
    while (Date.now() < until) {
      const device = newDevice(uid('wan'));
      const start = Date.now();
      const res = await admin.post('/v1/devices', registration(device, family, undefined, 'Org1MSP')).catch(() => ({ status: 0 }));
      writes.push({ deviceId: device.id, start, end: Date.now(), status: res.status });
      if (res.status !== 201) await sleep(200);
    }
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, writer), during?.()]);
  return writes;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function summary(label: string, writes: Write[], ms: number) {
  const ok = writes.filter((w) => w.status === 201);
  const latencies = ok.map((w) => w.end - w.start).sort((a, b) => a - b);
  const acks = ok.map((w) => w.end).sort((a, b) => a - b);
  const first = Math.min(...writes.map((w) => w.start));
  let stall = 0;
  for (let i = 1; i < acks.length; i++) stall = Math.max(stall, acks[i]! - acks[i - 1]!);
  const result = {
    label,
    writes: writes.length,
    acknowledged: ok.length,
    unavailable: writes.filter((w) => w.status === 503).length,
    other: writes.filter((w) => w.status !== 201 && w.status !== 503).length,
    txPerSecond: Number((ok.length / (ms / 1000)).toFixed(1)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    longestStallMs: Math.max(stall, (acks[0] ?? first) - first),
  };
  console.log(JSON.stringify(result));
  return result;
}

/** Every acknowledged write is readable through both orgs; every other one resolves the same way through both. */
async function expectResolved(writes: Write[]) {
  await inSync(['Org1MSP', 'Org2MSP'], 60_000);
  for (const msp of ['Org1MSP', 'Org2MSP']) {
    const auditor = orgClient(msp, 'auditor');
    for (const w of writes) {
      const read = await auditor.get(`/v1/devices/${w.deviceId}`);
      if (w.status === 201) expect([w.deviceId, msp, read.status]).toEqual([w.deviceId, msp, 200]);
      else expect([w.deviceId, msp, [200, 404]]).toEqual([w.deviceId, msp, expect.arrayContaining([read.status])]);
    }
  }
}

beforeAll(async () => {
  family = await familyOfOrg1('wan');
});

afterAll(() => {
  network('wan', 'off');
});

test('writes with the WAN profile off and on, in the same run: latency rises by at least one cross-region round', async () => {
  network('wan', 'off');
  const local = summary('loopback (proxies, no toxics)', await load(15_000), 15_000);
  network('wan', 'on');
  const far = summary('WAN profile (40-150 ms one-way)', await load(15_000), 15_000);
  expect(local.acknowledged).toBeGreaterThan(0);
  expect(far.acknowledged).toBeGreaterThan(0);
  // A BFT commit takes at least two message rounds among a quorum, each crossing regions.
  expect(far.p50Ms).toBeGreaterThan(local.p50Ms + 80);
});

test('the BFT leader cut off under the WAN profile, then healed: no acknowledged write lost, every 503 resolved', async () => {
  network('wan', 'on');
  const leader = network('leader').trim();
  expect(leader).toMatch(/^orderer\d$/);
  const writes = await load(45_000, async () => {
    await sleep(10_000);
    network('cut', leader);
    await sleep(20_000);
    network('heal', leader);
  });
  const result = summary(`leader ${leader} cut for 20 s (WAN profile)`, writes, 45_000);
  expect(result.acknowledged).toBeGreaterThan(0);
  // Writes resumed after the cut: some were acknowledged in the last 15 s.
  expect(writes.some((w) => w.status === 201 && w.end > Date.now() - 15_000)).toBe(true);
  await expectResolved(writes);
});

test('a follower cut off and healed under the WAN profile: writes go on, nothing lost', async () => {
  network('wan', 'on');
  const leader = network('leader').trim();
  const follower = ['orderer0', 'orderer1', 'orderer2', 'orderer3'].find((o) => o !== leader)!;
  const writes = await load(30_000, async () => {
    await sleep(5_000);
    network('cut', follower);
    await sleep(15_000);
    network('heal', follower);
  });
  const result = summary(`follower ${follower} cut for 15 s (WAN profile)`, writes, 30_000);
  expect(result.acknowledged).toBeGreaterThan(0);
  await expectResolved(writes);
});

test.each([
  ['both ways', []],
  ['one way (its submits arrive, no block comes back)', ['one-way']],
])("Org1's peer cut from every orderer %s under the WAN profile, then healed: Org1's writes resume, nothing lost", async (how, mode) => {
  network('wan', 'on');
  const writes = await load(40_000, async () => {
    await sleep(5_000);
    network('cut', 'peer0.org1', ...mode);
    await sleep(15_000);
    network('heal', 'peer0.org1');
  });
  const result = summary(`peer0.org1 cut from the orderers ${how} for 15 s (WAN profile)`, writes, 40_000);
  expect(writes.some((w) => w.status === 201 && w.start > Date.now() - 15_000)).toBe(true);
  expect(result.acknowledged).toBeGreaterThan(0);
  await expectResolved(writes);
});
