/**
 * Firmware rollouts on the live network, through both orgs' gateways and the CLI: waves that open
 * by soak time and success share, a failure burst that halts the rollout in the reporting
 * transaction, an org whose devices stay out until its admin consents, and a rollback that one
 * org cannot authorize alone and k-of-n can.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { rolloutWave, statements } from '@iotreg/common';
import { DeviceClient, DeviceIdentity, FreshnessError, verifyFreshness } from '@iotreg/device';
import { clients, clientsFile, orgsInSync, RUNTIME, sleep, uid } from './support/network';
import { newDevice, registration, TestDevice } from './support/devices';
import { commandLine } from './support/cli';

const as = clients();
const { Org1MSP: org1, Org2MSP: org2 } = as;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const cli = commandLine('rollouts');
/** `iotreg --json …`: every answer of these steps is read as JSON. */
const iotreg = (...args: string[]) => cli.iotreg('--json', ...args);

const family = uid('ro-fam');
const vendor = DeviceIdentity.generate();
const images = { '1.0.0': `${family}-1.0.0`, '2.0.0': `${family}-2.0.0` } as const;
type Version = keyof typeof images;

interface FleetDevice extends TestDevice {
  owner: 'Org1MSP' | 'Org2MSP';
  /** The device library, talking to its own org's gateway. */
  lib: DeviceClient;
}
const fleet: FleetDevice[] = [];
/** A device that installed 2.0.0 in the first rollout (and moves down in the rollback). */
let movedUp: FleetDevice;
/** The rollback's rollout, which the freshness answer must name. */
let rollbackRollout: string;
const gatewayOf = (org: 'Org1MSP' | 'Org2MSP') => clientsFile().orgs[org].gateway;
const ofOrg = (org: string) => fleet.filter((d) => d.owner === org);
const wavesOf = (rolloutId: string, percents: number[], devices: FleetDevice[]) =>
  percents.map((_, w) => devices.filter((d) => rolloutWave(rolloutId, d.id, percents) === w));

/** A rollout ID whose waves (recomputed here, as anyone can) each hold at least one of `devices`. */
function rolloutIdWithEveryWaveFilled(prefix: string, percents: number[], devices: FleetDevice[]): string {
  for (;;) {
    const id = uid(prefix);
    if (wavesOf(id, percents, devices).every((w) => w.length > 0)) return id;
  }
}

beforeAll(async () => {
  const registered = await org1.vendor.post('/v1/families', { family, vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 });
  expect(registered.status).toBe(201);
  for (const version of Object.keys(images) as Version[]) {
    const sha256 = sha(images[version]);
    const published = await org1.vendor.post('/v1/firmware', {
      family,
      version,
      sha256,
      uri: `https://fw.example/${family}/${version}.bin`,
      signature: vendor.sign(statements.firmware(family, version, sha256)),
    });
    expect(published.status).toBe(201);
    expect((await org2.admin.post(`/v1/firmware/${family}/${version}/approvals`, { decision: 'approve' })).body.status).toBe('trusted');
  }
  for (const [org, count] of [
    ['Org1MSP', 10],
    ['Org2MSP', 4],
  ] as const) {
    const devices = Array.from({ length: count }, () => newDevice(uid(`ro-${org === 'Org1MSP' ? 'a' : 'b'}`)));
    const batch = await as[org].admin.post('/v1/devices:batch', { devices: devices.map((d) => registration(d, family, undefined, org)) });
    expect(batch.status).toBe(201);
    for (const d of devices) fleet.push({ ...d, owner: org, lib: new DeviceClient(gatewayOf(org), d.id, d.identity) });
  }
  await orgsInSync(30_000);
});

describe('waves', () => {
  const percents = [50, 100];
  let rolloutId: string;
  let first: FleetDevice[];
  let second: FleetDevice[];

  test('the family owner creates a rollout (CLI); another org may not; membership is what anyone recomputes', async () => {
    const org1Devices = ofOrg('Org1MSP');
    rolloutId = rolloutIdWithEveryWaveFilled('ro-w', percents, org1Devices);
    [first, second] = wavesOf(rolloutId, percents, org1Devices) as [FleetDevice[], FleetDevice[]];
    const body = { rolloutId, family, version: '2.0.0', target: { owners: ['Org1MSP'] }, waves: [] };
    const foreign = await org2.admin.post('/v1/rollouts', {
      ...body,
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }],
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await org1.admin.post('/v1/rollouts', body)).status).toBe(400);

    const created = await iotreg(
      '--org', 'Org1MSP', 'rollout', 'create', rolloutId, '--family', family, '--version', '2.0.0',
      '--owner', 'Org1MSP', '--wave', '50:5:50:100', '--wave', '100:0:0:100',
    ); // prettier-ignore
    expect(created.stderr).toBe('');
    expect(created.json).toMatchObject({ rolloutId, status: 'active', openWaves: 1, sha256: sha(images['2.0.0']) });
    expect(created.json.waves.map((w: { population: number }) => w.population)).toEqual([first.length, second.length]);
    await orgsInSync();
    for (const [wave, devices] of [first, second].entries()) {
      for (const d of devices) {
        const place = await org2.auditor.get(`/v1/rollouts/${rolloutId}/devices/${d.id}`);
        expect(place.body).toMatchObject({ wave, inTarget: true, mayInstall: wave === 0 });
      }
    }
    // Org2's devices are outside the target (owners: Org1MSP).
    expect((await org2.auditor.get(`/v1/rollouts/${rolloutId}/devices/${ofOrg('Org2MSP')[0]!.id}`)).body).toMatchObject({
      inTarget: false,
      mayInstall: false,
    });
  });

  test('soaked but below its success share, wave 1 stays closed; reaching the share opens it', async () => {
    await sleep(6_000);
    const waiting = await org2.auditor.get(`/v1/rollouts/${rolloutId}`);
    expect(waiting.body.openWaves).toBe(1);
    expect(waiting.body.waiting.join('\n')).toMatch(/wave 1 waits for wave 0: .*needs 50% of \d+ installed \(now 0\)/);
    const late = second[0]!;
    expect((await late.lib.rolloutPlace(rolloutId)).mayInstall).toBe(false);
    const early = await late.lib.reportInstalled(rolloutId, sha(images['2.0.0'])).catch((e: unknown) => e);
    expect(early).toMatchObject({ status: 409, code: 'STATE_CONFLICT' });

    const needed = Math.ceil(first.length / 2);
    for (const d of first.slice(0, needed)) {
      const place = await d.lib.rolloutPlace(rolloutId); // the device's own signed read
      expect(place).toMatchObject({ mayInstall: true, sha256: sha(images['2.0.0']), version: '2.0.0' });
      expect(await d.lib.reportInstalled(rolloutId, sha(images['2.0.0']))).toMatchObject({ outcome: 'installed', rolloutStatus: 'active' });
    }
    await orgsInSync();
    const open = await org2.auditor.get(`/v1/rollouts/${rolloutId}`);
    expect(open.body).toMatchObject({
      openWaves: 2,
      waves: [{ installed: needed, successMetAt: expect.any(String) }, { openedAt: expect.any(String) }],
    });
    expect((await late.lib.rolloutPlace(rolloutId)).mayInstall).toBe(true);

    // The ledger checks the measured image against the release; the device's record follows the install.
    const wrong = await late.lib.reportInstalled(rolloutId, sha(images['1.0.0'])).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 422, code: 'RULE_VIOLATION' });
    expect(await late.lib.reportInstalled(rolloutId, sha(images['2.0.0']))).toMatchObject({ wave: 1, outcome: 'installed' });
    const device = await org1.auditor.get(`/v1/devices/${late.id}`);
    expect(device.body.firmware).toMatchObject({ version: '2.0.0', verdict: 'trusted', compliant: true });
    movedUp = late;
  });

  test('pause, resume and cancel (CLI): only the owner, and a paused rollout lets nobody install', async () => {
    expect((await iotreg('--org', 'Org2MSP', 'rollout', 'pause', rolloutId)).code).not.toBe(0);
    const paused = await iotreg('--org', 'Org1MSP', 'rollout', 'pause', rolloutId, '--reason', 'maintenance window');
    expect(paused.json).toMatchObject({ status: 'paused', openWaves: 0 });
    await orgsInSync();
    expect(await second[0]!.lib.rolloutPlace(rolloutId)).toMatchObject({
      mayInstall: false,
      reason: 'the rollout is paused: maintenance window',
    });
    expect((await iotreg('--org', 'Org1MSP', 'rollout', 'resume', rolloutId)).json).toMatchObject({ status: 'active', openWaves: 2 });
    expect((await iotreg('--org', 'Org1MSP', 'rollout', 'cancel', rolloutId)).json).toMatchObject({ status: 'cancelled' });
    expect((await org1.admin.post(`/v1/rollouts/${rolloutId}/resume`, {})).status).toBe(409);
  });
});

describe('a failure burst', () => {
  test('halts the rollout in the transaction of the report that crossed the threshold, and says why', async () => {
    const rolloutId = uid('ro-h');
    const org1Devices = ofOrg('Org1MSP');
    const created = await org1.admin.post('/v1/rollouts', {
      rolloutId,
      family,
      version: '2.0.0',
      target: { owners: ['Org1MSP'] },
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 100, maxFailurePercent: 15 }],
    });
    expect(created.status).toBe(201);
    expect(created.body.waves[0].population).toBe(org1Devices.length); // 10: the second failure is 20% > 15%
    const [a, b, c] = org1Devices as [FleetDevice, FleetDevice, FleetDevice];
    expect(await a.lib.reportInstallFailed(rolloutId, 'watchdog reset')).toMatchObject({ rolloutStatus: 'active' });
    const crossing = await b.lib.reportInstallFailed(rolloutId, 'boot loop');
    expect(crossing).toMatchObject({
      rolloutStatus: 'halted',
      rolloutStatusReason: `wave 0: 2 of 10 devices failed (20%), above its 15% threshold; last: ${b.id}: boot loop`,
    });
    await orgsInSync();
    // Seen through the other org: halted by that very transaction.
    const halted = await org2.auditor.get(`/v1/rollouts/${rolloutId}`);
    expect(halted.body).toMatchObject({ status: 'halted', txId: crossing.txId, statusReason: crossing.rolloutStatusReason });
    const status = await org2.auditor.get(`/v1/transactions/${crossing.txId}`);
    expect(status.body).toMatchObject({ status: 'VALID' });
    expect(await c.lib.rolloutPlace(rolloutId)).toMatchObject({ mayInstall: false, rolloutStatus: 'halted' });
    const after = await c.lib.reportInstalled(rolloutId, sha(images['2.0.0'])).catch((e: unknown) => e);
    expect(after).toMatchObject({ status: 409 });
  });
});

describe('owner consent', () => {
  test('an org that requires consent keeps its devices out until its admin grants it; the rollout says who waits', async () => {
    const policy = await org2.admin.put(`/v1/families/${family}/consent-policy`, { requireConsent: true });
    expect(policy.body).toMatchObject({ family, msp: 'Org2MSP', requireConsent: true });
    const rolloutId = uid('ro-c');
    const created = await org1.admin.post('/v1/rollouts', {
      rolloutId,
      family,
      version: '2.0.0',
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }],
    });
    expect(created.status).toBe(201);
    expect(created.body.orgs).toEqual([
      { msp: 'Org1MSP', devices: [ofOrg('Org1MSP').length], consent: 'not-required' },
      { msp: 'Org2MSP', devices: [ofOrg('Org2MSP').length], consent: 'pending' },
    ]);
    expect(created.body.waiting).toEqual([
      `Org2MSP's 4 device(s) wait for Org2MSP's admin to consent (POST /v1/rollouts/${rolloutId}/consent)`,
    ]);
    expect(created.body.waves[0].population).toBe(ofOrg('Org1MSP').length);
    await orgsInSync();
    const theirs = ofOrg('Org2MSP')[0]!;
    expect(await theirs.lib.rolloutPlace(rolloutId)).toMatchObject({ mayInstall: false, reason: "waiting for Org2MSP's admin to consent" });
    const refused = await theirs.lib.reportInstalled(rolloutId, sha(images['2.0.0'])).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 409 });
    // The family owner cannot consent for Org2.
    expect((await org1.admin.post(`/v1/rollouts/${rolloutId}/consent`, { decision: 'grant' })).status).toBe(409);

    const granted = await iotreg('--org', 'Org2MSP', 'rollout', 'consent', rolloutId);
    expect(granted.json).toMatchObject({ waiting: [], waves: [{ population: fleet.length }] });
    await orgsInSync();
    expect(await theirs.lib.rolloutPlace(rolloutId)).toMatchObject({ mayInstall: true });
    expect(await theirs.lib.reportInstalled(rolloutId, sha(images['2.0.0']))).toMatchObject({ outcome: 'installed' });
  });
});

describe('authorized rollback', () => {
  test('refused by default; one org cannot authorize it; k-of-n does, and compliance follows the new target', async () => {
    const back = {
      family,
      version: '1.0.0',
      target: { owners: ['Org1MSP'] },
      waves: [{ percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 100 }],
    };
    const refused = await org1.admin.post('/v1/rollouts', { ...back, rolloutId: uid('ro-b') });
    expect([refused.status, refused.body.error.message]).toEqual([422, expect.stringMatching(/needs an approved rollback/)]);

    const proposed = await iotreg('--org', 'Org1MSP', 'rollout', 'rollback', family, '1.0.0', '--reason', '2.0.0 bricks sensors');
    expect(proposed.json).toMatchObject({ status: 'pending', proposedBy: 'Org1MSP' });
    const again = await org1.admin.post(`/v1/families/${family}/rollback`, { version: '1.0.0', reason: 'again' });
    expect([again.status, again.body.error.code]).toEqual([409, 'DUPLICATE_VOTE']);
    expect((await org1.admin.post('/v1/rollouts', { ...back, rolloutId: uid('ro-b') })).status).toBe(422);

    const approved = await org2.admin.post(`/v1/families/${family}/rollback`, { version: '1.0.0', reason: 'agreed' });
    expect(approved.body).toMatchObject({ status: 'approved', revoked: ['2.0.0'], approvals: [{ msp: 'Org1MSP' }, { msp: 'Org2MSP' }] });
    await orgsInSync();
    expect((await org1.auditor.get(`/v1/families/${family}/rollback/1.0.0`)).body).toMatchObject({ status: 'approved' });
    expect((await org1.auditor.get(`/v1/firmware/${family}/2.0.0`)).body).toMatchObject({ status: 'revoked' });
    // Compliance follows the new target: 2.0.0 is no longer compliant.
    expect((await org2.auditor.get(`/v1/devices/${movedUp.id}`)).body.firmware).toMatchObject({ version: '2.0.0', compliant: false });

    const rolloutId = uid('ro-b');
    rollbackRollout = rolloutId;
    const created = await org1.admin.post('/v1/rollouts', { ...back, rolloutId });
    expect(created.body).toMatchObject({ status: 'active', rollback: true, version: '1.0.0' });
    expect(await movedUp.lib.rolloutPlace(rolloutId)).toMatchObject({ mayInstall: true, version: '1.0.0' });
    const reported = await movedUp.lib.reportInstalled(rolloutId, sha(images['1.0.0']));
    expect(reported).toMatchObject({ outcome: 'installed' });
    await orgsInSync();
    const device = await org2.auditor.get(`/v1/devices/${movedUp.id}`);
    expect(device.body.firmware).toMatchObject({ version: '1.0.0', verdict: 'trusted', compliant: true });
  });
});

describe('freshness', () => {
  /** What devices are provisioned with: the four consenters' signing certificates. */
  const consenters = [0, 1, 2, 3].map((i) =>
    readFileSync(path.join(RUNTIME, `crypto/orderer-org/orderer${i}/msp/signcerts/cert.pem`), 'utf8'),
  );
  const policy = (maxAgeMs: number) => ({ trust: { consenters }, maxAgeMs });
  const refusal = (f: () => unknown) => {
    try {
      f();
      return 'accepted';
    } catch (err) {
      return err instanceof FreshnessError ? err.code : String(err);
    }
  };

  test('a fresh answer is accepted by the device library through either gateway; a stale, forged or foreign one is refused', async () => {
    const org1Device = movedUp;
    const org2Device = ofOrg('Org2MSP')[1]!;
    const none = await org1Device.lib.whatShouldIRun(family, { ownerMsp: 'Org1MSP' }, policy(60_000)).catch((e: unknown) => e);
    expect(none).toMatchObject({ status: 404 });

    // A consortium member (here Org2's auditor, through the CLI) refreshes the family's status: a transaction.
    const refreshed = await iotreg('--org', 'Org2MSP', '--role', 'auditor', 'rollout', 'refresh', family);
    expect(refreshed.json).toMatchObject({ family, refreshedBy: 'Org2MSP', rollouts: [{ rolloutId: rollbackRollout, version: '1.0.0' }] });
    await orgsInSync();

    const fresh = await org1Device.lib.whatShouldIRun(family, { ownerMsp: 'Org1MSP' }, policy(60_000));
    expect(fresh).toMatchObject({ txId: refreshed.json.txId, target: { version: '1.0.0', rolloutId: rollbackRollout, rollback: true } });
    // Org2's device, through Org2's gateway: the same proven status; no running rollout reaches it.
    const other = await org2Device.lib.whatShouldIRun(family, { ownerMsp: 'Org2MSP' }, policy(60_000));
    expect(other).toMatchObject({ txId: refreshed.json.txId, target: undefined });

    const old = (await org1.auditor.get(`/v1/families/${family}/freshness`)).body;
    expect(refusal(() => verifyFreshness(old, family, policy(60_000)))).toBe('accepted');
    // The gateway's own copy of the status counts for nothing: the device reads the proven transaction.
    const lying = { ...old, status: { ...old.status, rollouts: [] } };
    expect(verifyFreshness(lying, family, policy(60_000)).status.rollouts).toHaveLength(1);
    // A tampered block, consenters the device does not trust, another family, another transaction: refused.
    const block = Buffer.from(old.proof.block, 'base64');
    block[block.length - 300] = block[block.length - 300]! ^ 1;
    expect(refusal(() => verifyFreshness({ proof: { ...old.proof, block: block.toString('base64') } }, family, policy(60_000)))).toBe(
      'BAD_PROOF',
    );
    expect(refusal(() => verifyFreshness(old, family, { trust: { consenters: consenters.slice(0, 2) }, maxAgeMs: 60_000 }))).toBe(
      'BAD_PROOF',
    );
    expect(refusal(() => verifyFreshness(old, uid('other'), policy(60_000)))).toBe('WRONG_FAMILY');
    const rollbackTx = (await org1.admin.get(`/v1/families/${family}/rollback/1.0.0`)).body;
    expect(rollbackTx.status).toBe('approved');
    const rolloutTx = (await org1.auditor.get(`/v1/rollouts/${rollbackRollout}`)).body.txId;
    const otherProof = (await org1.auditor.get(`/v1/audit/tx/${rolloutTx}`)).body;
    expect(refusal(() => verifyFreshness({ proof: otherProof }, family, policy(60_000)))).toBe('NOT_A_REFRESH');

    // Replayed after the device's expiry, the old answer is refused; a new refresh answers again.
    await sleep(5_500);
    expect(refusal(() => verifyFreshness(old, family, policy(5_000)))).toBe('STALE');
    const stale = await org2Device.lib.whatShouldIRun(family, { ownerMsp: 'Org2MSP' }, policy(5_000)).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(FreshnessError);
    expect((stale as FreshnessError).code).toBe('STALE');
    const again = await org1.admin.post('/v1/status-refreshes', { family });
    expect(again.status).toBe(201);
    await orgsInSync();
    const renewed = await org2Device.lib.whatShouldIRun(family, { ownerMsp: 'Org2MSP' }, policy(5_000));
    expect(renewed.txId).toBe(again.body.txId);
    expect(renewed.ageMs).toBeLessThan(5_000);
  });
});
