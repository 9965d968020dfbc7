import { rolloutBucket, rolloutWave, ROLLOUT_BUCKETS } from '@iotreg/common';
import { answerMisfit } from '../testing/answers';
import { RegistryContract } from './base';
import { ADMIN1, ADMIN2, call, image, LedgerDevice, report, RELAY, rolloutLedger, rollouts, VENDOR1 } from '../testing/rollouts';
import { FirmwareContract } from './firmware';
import { DevicesContract } from './devices';

const firmware = new FirmwareContract();
const devices = new DevicesContract();

// Every answer is checked against its catalogue schema, as in contracts.test.ts.
const misfits: string[] = [];
type Answer = (ctx: unknown, operation: never, request: string, work: unknown) => Promise<string>;
const contractBase = RegistryContract.prototype as unknown as { answer: Answer };
const answer = contractBase.answer;
jest.spyOn(contractBase, 'answer').mockImplementation(async function (this: RegistryContract, ctx, operation, request, work) {
  const text = await answer.call(this, ctx, operation, request, work);
  const misfit = answerMisfit(operation, text);
  if (misfit) misfits.push(misfit);
  return text;
});
afterEach(() => expect(misfits.splice(0)).toEqual([]));

const TWO_WAVES = [
  { percent: 50, soakSeconds: 600, successPercent: 50, maxFailurePercent: 100 },
  { percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 },
];

const create = (ledger: Parameters<typeof call>[0], request: Record<string, unknown>, who = ADMIN1) =>
  call(ledger, who, (c, r) => rollouts.CreateRollout(c, r), { family: 'fam', version: '2.0.0', waves: TWO_WAVES, ...request });
const place = (ledger: Parameters<typeof call>[0], rolloutId: string, deviceId: string) =>
  call(ledger, ADMIN2, (c, r) => rollouts.GetRolloutDevice(c, r), { rolloutId, deviceId });
const send = (
  ledger: Parameters<typeof call>[0],
  device: LedgerDevice,
  rolloutId: string,
  outcome: 'installed' | 'failed',
  detail: string,
) => call(ledger, RELAY, (c, r) => rollouts.ReportRollout(c, r), report(device, rolloutId, outcome, detail));

describe('wave membership', () => {
  test('is the first 4 bytes of SHA-256(rolloutId ‖ 0 ‖ deviceId) mod 10000, against cumulative percentages', () => {
    // Recomputed here with nothing but node:crypto: the rule anyone can run.
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const bucket = createHash('sha256').update('r1\u0000dev-7').digest().readUInt32BE(0) % 10000;
    expect(rolloutBucket('r1', 'dev-7')).toBe(bucket);
    expect(rolloutWave('r1', 'dev-7', [100])).toBe(0);
    expect(rolloutWave('r1', 'dev-7', [bucket / 100 + 0.01])).toBe(0);
    const ids = Array.from({ length: 2000 }, (_, i) => `d${i}`);
    const firstWave = ids.filter((id) => rolloutWave('r1', id, [10, 100]) === 0).length;
    expect(firstWave).toBeGreaterThan(140);
    expect(firstWave).toBeLessThan(260);
    expect(ids.every((id) => rolloutBucket('r1', id) < ROLLOUT_BUCKETS)).toBe(true);
  });
});

describe('rollouts', () => {
  test("only the family owner's admin creates one, of a trusted release, with increasing waves", async () => {
    const { ledger } = await rolloutLedger({ Org1MSP: 2, Org2MSP: 0 });
    expect(await create(ledger, { rolloutId: 'r' }, ADMIN2)).toMatchObject({ refused: 'FORBIDDEN' });
    expect(await create(ledger, { rolloutId: 'r' }, VENDOR1)).toMatchObject({ refused: 'FORBIDDEN' });
    expect(await create(ledger, { rolloutId: 'r', version: '9.0.0' })).toMatchObject({ refused: 'NOT_FOUND' });
    expect(await create(ledger, { rolloutId: 'r', waves: [TWO_WAVES[1], TWO_WAVES[0]] })).toMatchObject({ refused: 'INVALID_ARGUMENT' });
    const made = await create(ledger, { rolloutId: 'r' });
    expect(made).toMatchObject({ rolloutId: 'r', status: 'active', sha256: image('2.0.0'), openWaves: 1, rollback: false });
    expect(made.orgs).toEqual([{ msp: 'Org1MSP', devices: expect.any(Array), consent: 'not-required' }]);
    expect(await create(ledger, { rolloutId: 'r' })).toMatchObject({ refused: 'ALREADY_EXISTS' });
  });

  test('a wave opens once its predecessor soaked and reached its success share; the answer says who waits', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 16, Org2MSP: 0 });
    const made = await create(ledger, { rolloutId: 'w' });
    const [first, second] = [0, 1].map((w) => fleet.filter((d) => rolloutWave('w', d.id, [50, 100]) === w));
    expect(made.waves.map((w: { population: number }) => w.population)).toEqual([first!.length, second!.length]);
    expect(first!.length).toBeGreaterThanOrEqual(2);
    expect(second!.length).toBeGreaterThanOrEqual(1);
    expect(await place(ledger, 'w', first![0]!.id)).toMatchObject({ wave: 0, mayInstall: true, inTarget: true });
    expect(await place(ledger, 'w', second![0]!.id)).toMatchObject({ wave: 1, mayInstall: false });
    // Not yet open: a report from wave 1 is refused.
    expect(await send(ledger, second![0]!, 'w', 'installed', image('2.0.0'))).toMatchObject({ refused: 'STATE_CONFLICT' });

    // Soaked, but below 50% installed: still closed.
    ledger.clock += 700;
    const waiting = await call(ledger, ADMIN2, (c, r) => rollouts.GetRollout(c, r), { rolloutId: 'w' });
    expect(waiting.openWaves).toBe(1);
    expect(waiting.waiting.join()).toMatch(/wave 1 waits for wave 0: .*needs 50% of \d+ installed \(now 0\)/);
    const needed = Math.ceil(first!.length / 2);
    for (const device of first!.slice(0, needed)) {
      expect(await send(ledger, device, 'w', 'installed', image('2.0.0'))).toMatchObject({ outcome: 'installed', rolloutStatus: 'active' });
    }
    expect(await place(ledger, 'w', second![0]!.id)).toMatchObject({ wave: 1, mayInstall: true });
    // The device's firmware record follows the install, and is compliant.
    const device = await call(ledger, ADMIN1, (c, r) => devices.GetDevice(c, r), { deviceId: first![0]!.id });
    expect(device.firmware).toMatchObject({ version: '2.0.0', verdict: 'trusted', compliant: true });
  });

  test('the success share before the soak time: the next wave waits for the soak', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 8, Org2MSP: 0 });
    await create(ledger, { rolloutId: 's' });
    const first = fleet.filter((d) => rolloutWave('s', d.id, [50, 100]) === 0);
    const second = fleet.filter((d) => rolloutWave('s', d.id, [50, 100]) === 1);
    for (const device of first) await send(ledger, device, 's', 'installed', image('2.0.0'));
    expect(await place(ledger, 's', second[0]!.id)).toMatchObject({ mayInstall: false });
    ledger.clock += 600;
    expect(await place(ledger, 's', second[0]!.id)).toMatchObject({ mayInstall: true, reason: expect.stringMatching(/wave 1 opened at/) });
  });

  test('installed must carry the release image; seq replays are refused', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 4, Org2MSP: 0 });
    await create(ledger, { rolloutId: 'h', waves: [{ percent: 100, soakSeconds: 0, successPercent: 100, maxFailurePercent: 100 }] });
    const device = fleet[0]!;
    expect(await send(ledger, device, 'h', 'installed', image('1.0.0'))).toMatchObject({ refused: 'RULE_VIOLATION' });
    const ok = report(device, 'h', 'installed', image('2.0.0'));
    expect(await call(ledger, RELAY, (c, r) => rollouts.ReportRollout(c, r), ok)).toMatchObject({ outcome: 'installed' });
    expect(await call(ledger, RELAY, (c, r) => rollouts.ReportRollout(c, r), ok)).toMatchObject({ refused: 'REPLAYED_SEQ' });
    const forged = { ...report(device, 'h', 'failed', 'x'), signature: report(fleet[1]!, 'h', 'failed', 'x').signature };
    expect(await call(ledger, RELAY, (c, r) => rollouts.ReportRollout(c, r), forged)).toMatchObject({ refused: 'UNAUTHENTICATED' });
  });

  test('a failure burst halts the rollout in the transaction of the report that crossed the threshold', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 6, Org2MSP: 0 });
    const waves = [{ percent: 100, soakSeconds: 0, successPercent: 100, maxFailurePercent: 30 }];
    await create(ledger, { rolloutId: 'f', waves });
    const answers = [];
    for (const device of fleet.slice(0, 2)) answers.push(await send(ledger, device, 'f', 'failed', 'boot loop'));
    expect(answers[0]).toMatchObject({ rolloutStatus: 'active' }); // 1 of 6: 16.7%
    expect(answers[1]).toMatchObject({
      rolloutStatus: 'halted',
      rolloutStatusReason: `wave 0: 2 of 6 devices failed (33.3%), above its 30% threshold; last: ${fleet[1]!.id}: boot loop`,
    });
    expect(ledger.events.at(-1)?.name).toBe('rollout.halted');
    expect(await place(ledger, 'f', fleet[2]!.id)).toMatchObject({ mayInstall: false, rolloutStatus: 'halted' });
    expect(await send(ledger, fleet[2]!, 'f', 'installed', image('2.0.0'))).toMatchObject({ refused: 'STATE_CONFLICT' });
    // Only the owner resumes; then devices install again.
    expect(await call(ledger, ADMIN2, (c, r) => rollouts.SetRolloutState(c, r), { rolloutId: 'f', state: 'active' })).toMatchObject({
      refused: 'FORBIDDEN',
    });
    expect(await call(ledger, ADMIN1, (c, r) => rollouts.SetRolloutState(c, r), { rolloutId: 'f', state: 'active' })).toMatchObject({
      status: 'active',
    });
    expect(await place(ledger, 'f', fleet[2]!.id)).toMatchObject({ mayInstall: true });
  });

  test('pause, resume, cancel', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 2, Org2MSP: 0 });
    await create(ledger, { rolloutId: 'p' });
    const state = (s: string) =>
      call(ledger, ADMIN1, (c, r) => rollouts.SetRolloutState(c, r), { rolloutId: 'p', state: s, reason: 'ops' });
    expect(await state('paused')).toMatchObject({
      status: 'paused',
      openWaves: 0,
      waiting: [expect.stringMatching(/paused by Org1MSP: ops/)],
    });
    expect(await place(ledger, 'p', fleet[0]!.id)).toMatchObject({ mayInstall: false, reason: 'the rollout is paused: ops' });
    expect(await state('paused')).toMatchObject({ refused: 'STATE_CONFLICT' });
    expect(await state('active')).toMatchObject({ status: 'active' });
    expect(await state('cancelled')).toMatchObject({ status: 'cancelled' });
    expect(await state('active')).toMatchObject({ refused: 'STATE_CONFLICT' });
  });

  test('an org that requires consent keeps its devices out until its admin grants it; the rollout says who waits', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 3, Org2MSP: 3 });
    const one = [{ percent: 100, soakSeconds: 0, successPercent: 100, maxFailurePercent: 100 }];
    expect(await call(ledger, ADMIN2, (c, r) => rollouts.SetConsentPolicy(c, r), { family: 'fam', requireConsent: true })).toMatchObject({
      msp: 'Org2MSP',
      requireConsent: true,
    });
    const made = await create(ledger, { rolloutId: 'c', waves: one });
    expect(made.orgs).toMatchObject([
      { msp: 'Org1MSP', consent: 'not-required' },
      { msp: 'Org2MSP', consent: 'pending' },
    ]);
    expect(made.waves[0].population).toBe(3);
    expect(made.waiting).toEqual([expect.stringMatching(/^Org2MSP's 3 device\(s\) wait for Org2MSP's admin to consent/)]);
    const theirs = fleet.find((d) => d.owner === 'Org2MSP')!;
    expect(await place(ledger, 'c', theirs.id)).toMatchObject({ mayInstall: false, reason: "waiting for Org2MSP's admin to consent" });
    expect(await place(ledger, 'c', fleet[0]!.id)).toMatchObject({ mayInstall: true });
    expect(await call(ledger, ADMIN1, (c, r) => rollouts.ConsentRollout(c, r), { rolloutId: 'c', decision: 'grant' })).toMatchObject({
      refused: 'STATE_CONFLICT',
    });
    const granted = await call(ledger, ADMIN2, (c, r) => rollouts.ConsentRollout(c, r), { rolloutId: 'c', decision: 'grant' });
    expect(granted).toMatchObject({ waiting: [], waves: [{ population: 6 }] });
    expect(await place(ledger, 'c', theirs.id)).toMatchObject({ mayInstall: true });
  });

  test('requireConsent on the rollout asks every other org', async () => {
    const { ledger } = await rolloutLedger({ Org1MSP: 1, Org2MSP: 1 });
    const made = await create(ledger, { rolloutId: 'rc', requireConsent: true });
    expect(made.orgs.map((o: { consent: string }) => o.consent)).toEqual(['not-required', 'pending']);
  });

  test('target narrowed by owner and attributes', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 4, Org2MSP: 2 }, (i) => ({ site: i % 2 === 0 ? 'even' : 'odd' }));
    const made = await create(ledger, {
      rolloutId: 't',
      target: { owners: ['Org1MSP'], attributes: { site: 'even' } },
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }],
    });
    expect(made.waves[0].population).toBe(2);
    expect(await place(ledger, 't', fleet.find((d) => d.id === 'a1')!.id)).toMatchObject({ inTarget: false, wave: null });
    expect(await place(ledger, 't', 'b0')).toMatchObject({ inTarget: false });
  });
});

describe('authorized rollback', () => {
  test('refused by default; k-of-n approved, it revokes what was above, and the rollout may go down', async () => {
    const { ledger, fleet } = await rolloutLedger({ Org1MSP: 2, Org2MSP: 0 });
    const back = {
      rolloutId: 'back',
      version: '1.0.0',
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }],
    };
    expect(await create(ledger, back)).toMatchObject({
      refused: 'RULE_VIOLATION',
      message: expect.stringMatching(/needs an approved rollback/),
    });
    const proposal = { family: 'fam', version: '1.0.0', reason: '2.0.0 bricks sensors' };
    const proposed = await call(ledger, ADMIN1, (c, r) => rollouts.ProposeRollback(c, r), proposal);
    expect(proposed).toMatchObject({ status: 'pending', proposedBy: 'Org1MSP' });
    // One org alone cannot: its second ask is a duplicate, and nothing changed.
    expect(await call(ledger, ADMIN1, (c, r) => rollouts.ProposeRollback(c, r), proposal)).toMatchObject({ refused: 'DUPLICATE_VOTE' });
    expect(await create(ledger, back)).toMatchObject({ refused: 'RULE_VIOLATION' });
    const approved = await call(ledger, ADMIN2, (c, r) => rollouts.ProposeRollback(c, r), proposal);
    expect(approved).toMatchObject({ status: 'approved', revoked: ['2.0.0'], approvals: [{ msp: 'Org1MSP' }, { msp: 'Org2MSP' }] });
    expect(await call(ledger, ADMIN2, (c, r) => firmware.GetFirmware(c, r), { family: 'fam', version: '2.0.0' })).toMatchObject({
      status: 'revoked',
      revocationReason: 'rolled back to 1.0.0: 2.0.0 bricks sensors',
    });
    expect(await create(ledger, back)).toMatchObject({ rollback: true, status: 'active' });
    expect(await send(ledger, fleet[0]!, 'back', 'installed', image('1.0.0'))).toMatchObject({ outcome: 'installed' });
    expect((await call(ledger, ADMIN1, (c, r) => devices.GetDevice(c, r), { deviceId: fleet[0]!.id })).firmware).toMatchObject({
      version: '1.0.0',
      compliant: true,
    });
  });

  test('the other org alone cannot either; a version without a newer release has nothing to roll back', async () => {
    const { ledger } = await rolloutLedger({ Org1MSP: 1, Org2MSP: 0 });
    const proposal = { family: 'fam', version: '1.0.0', reason: 'x' };
    expect(await call(ledger, ADMIN2, (c, r) => rollouts.ProposeRollback(c, r), proposal)).toMatchObject({ status: 'pending' });
    expect(await call(ledger, ADMIN2, (c, r) => rollouts.ProposeRollback(c, r), proposal)).toMatchObject({ refused: 'DUPLICATE_VOTE' });
    expect(await call(ledger, ADMIN1, (c, r) => rollouts.ProposeRollback(c, r), { ...proposal, version: '2.0.0' })).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    expect(await call(ledger, VENDOR1, (c, r) => rollouts.ProposeRollback(c, r), proposal)).toMatchObject({ refused: 'FORBIDDEN' });
  });
});

describe('family status', () => {
  test('any member refreshes it; it states the running rollouts with their open waves at its time, and the minimum', async () => {
    const { ledger } = await rolloutLedger({ Org1MSP: 4, Org2MSP: 0 });
    await create(ledger, { rolloutId: 'live' });
    await create(ledger, { rolloutId: 'gone' });
    await call(ledger, ADMIN1, (c, r) => rollouts.SetRolloutState(c, r), { rolloutId: 'gone', state: 'cancelled' });
    expect(await call(ledger, ADMIN1, (c, r) => rollouts.GetFamilyStatus(c, r), { family: 'fam' })).toMatchObject({ refused: 'NOT_FOUND' });
    expect(await call(ledger, ['Org3MSP', 'admin'], (c, r) => rollouts.RefreshFamilyStatus(c, r), { family: 'fam' })).toMatchObject({
      refused: 'FORBIDDEN',
    });
    const status = await call(ledger, ['Org2MSP', 'auditor'], (c, r) => rollouts.RefreshFamilyStatus(c, r), { family: 'fam' });
    expect(status).toMatchObject({
      family: 'fam',
      latest: { version: '2.0.0', sha256: image('2.0.0') },
      rollouts: [{ rolloutId: 'live', status: 'active', percents: [50, 100], openWaves: 1, waitingOrgs: [] }],
      refreshedBy: 'Org2MSP',
    });
    expect(status.rollouts).toHaveLength(1);
    const stored = await call(ledger, ADMIN1, (c, r) => rollouts.GetFamilyStatus(c, r), { family: 'fam' });
    expect(stored).toEqual({ ...status, txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
