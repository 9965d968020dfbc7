import { createHash } from 'node:crypto';
import {
  agreementTermsSha256,
  auditPath,
  merkleRoot,
  MODEL_ONLY_OPERATIONS,
  OPERATION_NAMES,
  OPERATIONS,
  type OperationName,
  parseWith,
  refusedItems,
  RegistryError,
  sealedConfigSha256,
  REQUEST_MAX_BYTES,
  statements,
  TRANSIENT_REQUEST,
} from '@iotreg/common';
import {
  committedRegistration,
  DeviceIdentity,
  openConfig,
  preRotation,
  registrationProof,
  rotationProofs,
  sealConfig,
} from '@iotreg/device';
import type { RegistryContext } from '../context';
import { answerMisfit } from '../testing/answers';
import { FakeLedger } from '../testing/fake-ledger';
import { RegistryContract } from './base';
import { ConfigContract } from './config';
import { DevicesContract } from './devices';
import { DiscoveryContract } from './discovery';
import { FirmwareContract } from './firmware';
import { FleetContract } from './fleet';
import { GovernanceContract } from './governance';
import { IdentityContract } from './identity';
import { MessagesContract } from './messages';
import { QuarantineContract } from './quarantine';
import { SealedConfigContract } from './sealed-config';
import { AgreementsContract } from './agreements';
import { FamiliesContract } from './families';
import { everyRolloutOperation } from '../testing/rollouts';
import { ConfidentialContract } from './confidential';

const devices = new DevicesContract();
const firmware = new FirmwareContract();
const messages = new MessagesContract();
const config = new ConfigContract();
const discovery = new DiscoveryContract();
const quarantine = new QuarantineContract();
const sealedConfig = new SealedConfigContract();
const agreements = new AgreementsContract();
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

type Tx = (ctx: RegistryContext, request: string) => Promise<string>;

/**
 * Every answer a contract gives in these tests is checked against its operation's answer schema
 * in the catalogue (what the gateway checks it with), field for field; each test ends with none
 * that misfit, and the last test checks that every operation answered at least once.
 */
const misfits: string[] = [];
const answered = new Set<OperationName>();
type Answer = (ctx: RegistryContext, operation: OperationName, request: string, work: unknown) => Promise<string>;
const contractBase = RegistryContract.prototype as unknown as { answer: Answer };
const answer = contractBase.answer;
jest.spyOn(contractBase, 'answer').mockImplementation(async function (this: RegistryContract, ctx, operation, request, work) {
  const text = await answer.call(this, ctx, operation, request, work);
  answered.add(operation);
  const misfit = answerMisfit(operation, text);
  if (misfit) misfits.push(misfit);
  return text;
});
afterEach(() => expect(misfits.splice(0)).toEqual([]));

/** Calls a transaction; resolves with its answer, or with the "CODE" it refused with. */
async function call(ledger: FakeLedger, who: [string, string?], tx: Tx, request: unknown): Promise<any> {
  try {
    return JSON.parse(await ledger.run(who[0], who[1], (ctx) => tx(ctx, JSON.stringify(request))));
  } catch (err) {
    return { refused: (err as Error).message.split(':')[0] };
  }
}

const ADMIN1: [string, string] = ['Org1MSP', 'admin'];
const ADMIN2: [string, string] = ['Org2MSP', 'admin'];
const VENDOR1: [string, string] = ['Org1MSP', 'vendor'];
const AUDITOR2: [string, string] = ['Org2MSP', 'auditor'];

const governance = new GovernanceContract();
const setMembers = (ledger: FakeLedger, who: [string, string], members: string[]) =>
  call(ledger, who, (c, r) => governance.SetMembers(c, r), { members });

const FAMILY_KEY = DeviceIdentity.generate();

/** Both orgs signed the member list (3 transactions with the family 'fam', which devices join). */
async function ledgerWithMembers({ family = true } = {}) {
  const ledger = new FakeLedger();
  await setMembers(ledger, ADMIN1, ['Org2MSP', 'Org1MSP']);
  await setMembers(ledger, ADMIN2, ['Org1MSP', 'Org2MSP']);
  if (family)
    await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
      family: 'fam',
      vendorKeyPem: FAMILY_KEY.publicKeyPem,
      approvalThreshold: 1,
    });
  return ledger;
}

/** The registration of `deviceId` with `key`, its proof signed by `signer` for `ownerMsp` and `family`. */
function registrationOf(deviceId: string, key: DeviceIdentity, { ownerMsp = 'Org1MSP', family = 'fam', signer = key } = {}) {
  return { deviceId, publicKeyPem: key.publicKeyPem, family, proof: registrationProof(signer, { deviceId, ownerMsp, family }) };
}

async function register(ledger: FakeLedger, deviceId: string, identity = DeviceIdentity.generate(), who = ADMIN1) {
  const answer = await call(ledger, who, (c, r) => devices.RegisterDevice(c, r), registrationOf(deviceId, identity, { ownerMsp: who[0] }));
  return { answer, identity };
}

describe('registration', () => {
  test('needs the admin role and a proof by the key; IDs are never reused', async () => {
    const ledger = await ledgerWithMembers();
    const key = DeviceIdentity.generate();
    const body = registrationOf('d1', key);
    expect(await call(ledger, VENDOR1, (c, r) => devices.RegisterDevice(c, r), body)).toEqual({ refused: 'FORBIDDEN' });
    expect(await call(ledger, ['Org1MSP'], (c, r) => devices.RegisterDevice(c, r), body)).toEqual({ refused: 'FORBIDDEN' });
    expect(
      await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), {
        ...body,
        proof: registrationProof(key, { deviceId: 'd2', ownerMsp: 'Org1MSP', family: 'fam' }),
      }),
    ).toEqual({ refused: 'BAD_SIGNATURE' });
    const ok = await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), body);
    expect(ok).toMatchObject({ deviceId: 'd1', ownerMsp: 'Org1MSP', status: 'active', seq: 0, createdAt: '2026-01-01T00:00:07.000Z' });
    expect(ledger.events.at(-1)).toEqual({ name: 'device.registered', payload: ok });
    const org2Proof = registrationProof(key, { deviceId: 'd1', ownerMsp: 'Org2MSP', family: 'fam' });
    expect(await call(ledger, ADMIN2, (c, r) => devices.RegisterDevice(c, r), { ...body, proof: org2Proof })).toEqual({
      refused: 'ALREADY_EXISTS',
    });
  });

  test('another org cannot register a device with the proof made for Org1, nor in another family', async () => {
    const ledger = await ledgerWithMembers();
    const key = DeviceIdentity.generate();
    const body = registrationOf('d1', key);
    expect(await call(ledger, ADMIN2, (c, r) => devices.RegisterDevice(c, r), body)).toEqual({ refused: 'BAD_SIGNATURE' });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), { ...body, family: 'other' })).toEqual({
      refused: 'BAD_SIGNATURE',
    });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), body)).toMatchObject({ deviceId: 'd1', ownerMsp: 'Org1MSP' });
  });

  test('a proof over the old {action, deviceId, keyId} statement is refused with a message naming the new one', async () => {
    const ledger = await ledgerWithMembers();
    const key = DeviceIdentity.generate();
    const old = key.sign({ action: 'register', deviceId: 'd1', keyId: key.keyId });
    const refused = await ledger
      .run(...ADMIN1, (c) =>
        devices.RegisterDevice(c, JSON.stringify({ deviceId: 'd1', publicKeyPem: key.publicKeyPem, family: 'fam', proof: old })),
      )
      .catch((e: Error) => e.message);
    expect(refused).toMatch(
      /^BAD_SIGNATURE: proof does not verify .*"ownerMsp".* here ownerMsp Org1MSP and family fam; this proof signs the older/,
    );
  });

  test.each([
    ['not JSON', '{', 'INVALID_ARGUMENT'],
    ['a NUL in the ID', { deviceId: 'a\u0000b' }, 'INVALID_ARGUMENT'],
    ['a bad PEM', { deviceId: 'd', publicKeyPem: 'x', family: 'f', proof: 'AA==' }, 'INVALID_ARGUMENT'],
  ])('%s is refused as %s', async (_, body, code) => {
    const ledger = await ledgerWithMembers();
    const before = ledger.state.size;
    const request = typeof body === 'string' ? body : JSON.stringify(body);
    await expect(ledger.run(...ADMIN1, (c) => devices.RegisterDevice(c, request))).rejects.toThrow(new RegExp(`^${code}: `));
    expect(ledger.state.size).toBe(before);
  });

  test('a device joins only a registered family: UNKNOWN_FAMILY, nothing written', async () => {
    const ledger = await ledgerWithMembers();
    const before = [...ledger.state.keys()];
    const key = DeviceIdentity.generate();
    const body = registrationOf('d1', key, { family: 'nofam' });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), body)).toEqual({ refused: 'UNKNOWN_FAMILY' });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevices(c, r), { devices: [body] })).toEqual({ refused: 'UNKNOWN_FAMILY' });
    expect([...ledger.state.keys()]).toEqual(before);
    const inFamily = { ...body, family: 'fam', proof: registrationProof(key, { deviceId: 'd1', ownerMsp: 'Org1MSP', family: 'fam' }) };
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), inFamily)).toMatchObject({ family: 'fam' });
  });

  test('the same inputs write the same state (determinism)', async () => {
    const key = DeviceIdentity.generate();
    const states = [];
    for (let i = 0; i < 2; i++) {
      const ledger = await ledgerWithMembers();
      await register(ledger, 'd1', key);
      states.push([...ledger.state.entries()].map(([k, v]) => [k, v.toString()]));
    }
    expect(states[0]).toEqual(states[1]);
  });
});

describe('keys', () => {
  test('rotation keeps continuity; validity answers for any time; revocation closes the key for good', async () => {
    const ledger = await ledgerWithMembers();
    const { identity: oldKey } = await register(ledger, 'd1');
    const newKey = DeviceIdentity.generate();
    const registeredAt = '2026-01-01T00:00:04.000Z'; // the fourth transaction
    expect(
      await call(ledger, ADMIN2, (c, r) => devices.RotateKey(c, r), { deviceId: 'd1', ...rotationProofs('d1', oldKey, newKey) }),
    ).toEqual({ refused: 'FORBIDDEN' });
    const forged = { deviceId: 'd1', ...rotationProofs('d1', newKey, newKey), publicKeyPem: newKey.publicKeyPem };
    expect(await call(ledger, ADMIN1, (c, r) => devices.RotateKey(c, r), forged)).toEqual({ refused: 'BAD_SIGNATURE' });
    const rotated = await call(ledger, ADMIN1, (c, r) => devices.RotateKey(c, r), {
      deviceId: 'd1',
      ...rotationProofs('d1', oldKey, newKey),
    });
    expect(rotated.keyId).toBe(newKey.keyId);

    const validity = (keyId: string, at?: string) => call(ledger, AUDITOR2, (c, r) => devices.GetKeyValidity(c, r), { keyId, at });
    expect(await validity(oldKey.keyId, registeredAt)).toMatchObject({ validAt: true, status: 'rotated' });
    expect(await validity(oldKey.keyId)).toMatchObject({ validAt: false });
    expect(await validity(newKey.keyId, registeredAt)).toMatchObject({ validAt: false });
    expect(await validity(newKey.keyId)).toMatchObject({ validAt: true, status: 'current' });

    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' })).toMatchObject({
      status: 'revoked',
    });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' })).toEqual({
      refused: 'ALREADY_REVOKED',
    });
    expect(await validity(newKey.keyId)).toMatchObject({ validAt: false, status: 'revoked' });
    const keys = await call(ledger, AUDITOR2, (c, r) => devices.ListDeviceKeys(c, r), { deviceId: 'd1' });
    expect(keys.map((k: { keyId: string }) => k.keyId)).toEqual([oldKey.keyId, newKey.keyId]);
    const history = await call(ledger, AUDITOR2, (c, r) => devices.GetDeviceHistory(c, r), { deviceId: 'd1' });
    expect(history.items.map((e: { action: string }) => e.action)).toEqual(['register', 'rotate-key', 'revoke']);
  });
});

describe('device-signed writes', () => {
  test('seq must grow across actions; other keys and suspended devices are refused; Merkle leaves verify', async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    const signed = (seq: number, digest: string, key = identity) => {
      const payload = { action: 'anchor', deviceId: 'd1', seq, digest };
      return { payload, signature: key.sign(payload) };
    };
    const anchor = (body: unknown) => call(ledger, AUDITOR2, (c, r) => messages.AnchorMessage(c, r), body);
    const leaves = ['a', 'b', 'c'].map((m) => createHash('sha256').update(m).digest());
    const root = merkleRoot(leaves).toString('hex');
    expect(await anchor(signed(5, root))).toMatchObject({ seq: 5, keyId: identity.keyId });
    expect(await anchor(signed(5, sha('x')))).toEqual({ refused: 'REPLAYED_SEQ' });
    expect(await anchor(signed(6, sha('x'), DeviceIdentity.generate()))).toEqual({ refused: 'UNAUTHENTICATED' });
    const report = { action: 'config-report', deviceId: 'd1', seq: 7, sha256: sha('cfg') };
    expect(
      await call(ledger, AUDITOR2, (c, r) => config.ReportConfig(c, r), { payload: report, signature: identity.sign(report) }),
    ).toMatchObject({ seq: 7 });
    expect(await anchor(signed(7, sha('x')))).toEqual({ refused: 'REPLAYED_SEQ' });

    const verify = (index: number, leaf: Buffer) =>
      call(ledger, AUDITOR2, (c, r) => messages.VerifyMessage(c, r), {
        deviceId: 'd1',
        seq: 5,
        leaf: leaf.toString('hex'),
        proof: { index, treeSize: 3, path: auditPath(leaves, index).map((n) => n.toString('hex')) },
      });
    for (const [i, leaf] of leaves.entries()) expect(await verify(i, leaf)).toMatchObject({ anchored: true });
    expect(await verify(0, leaves[1]!)).toEqual({ anchored: false });

    await call(ledger, ADMIN1, (c, r) => devices.SetDeviceStatus(c, r), { deviceId: 'd1', status: 'suspended' });
    expect(await anchor(signed(9, sha('y')))).toEqual({ refused: 'UNAUTHENTICATED' });
  });
});

const ADMIN3: [string, string] = ['Org3MSP', 'admin'];
const ADMIN4: [string, string] = ['Org4MSP', 'admin'];
const VENDOR2: [string, string] = ['Org2MSP', 'vendor'];

/** A family 'fam' of Org1's vendor, with releases published through publish(). */
async function firmwareLedger(ledger: FakeLedger, approvalThreshold = 1) {
  const vendor = DeviceIdentity.generate();
  const family = await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
    family: 'fam',
    vendorKeyPem: vendor.publicKeyPem,
    approvalThreshold,
  });
  const publish = (version: string, key = vendor, extra: Record<string, string> = {}) =>
    call(ledger, VENDOR1, (c, r) => firmware.PublishFirmware(c, r), {
      family: 'fam',
      version,
      sha256: sha(version),
      signature: key.sign(statements.firmware('fam', version, sha(version))),
      ...extra,
    });
  const vote = (who: [string, string], version: string, decision = 'approve') =>
    call(ledger, who, (c, r) => firmware.VoteFirmware(c, r), { family: 'fam', version, decision });
  return { family, publish, vote };
}

/** Four members, all signed. */
async function ledgerOfFour() {
  const ledger = new FakeLedger();
  const all = ['Org1MSP', 'Org2MSP', 'Org3MSP', 'Org4MSP'];
  for (const who of [ADMIN1, ADMIN2, ADMIN3, ADMIN4]) await setMembers(ledger, who, all);
  return ledger;
}

describe('firmware', () => {
  test('vendor-signed, no rollback, k-of-n votes once per org, compliance against the policy', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const vendor = DeviceIdentity.generate();
    expect(
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family: 'fam',
        vendorKeyPem: vendor.publicKeyPem,
        approvalThreshold: 2,
      }),
    ).toEqual({ refused: 'RULE_VIOLATION' });
    expect(
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family: 'fam',
        vendorKeyPem: vendor.publicKeyPem,
        approvalThreshold: 1,
      }),
    ).toMatchObject({ approvalThreshold: 1, approvalsRequired: 1 });
    const publish = (version: string, key = vendor) =>
      call(ledger, VENDOR1, (c, r) => firmware.PublishFirmware(c, r), {
        family: 'fam',
        version,
        sha256: sha(version),
        signature: key.sign(statements.firmware('fam', version, sha(version))),
      });
    expect(await publish('1.0.0', DeviceIdentity.generate())).toEqual({ refused: 'BAD_SIGNATURE' });
    expect(await publish('1.10.0')).toMatchObject({ status: 'pending' });
    expect(await publish('1.9.0')).toEqual({ refused: 'VERSION_NOT_NEWER' });
    const vote = (who: [string, string], decision = 'approve') =>
      call(ledger, who, (c, r) => firmware.VoteFirmware(c, r), { family: 'fam', version: '1.10.0', decision });
    expect(await vote(['Org3MSP', 'admin'])).toEqual({ refused: 'FORBIDDEN' });
    expect(await vote(ADMIN2)).toMatchObject({ status: 'trusted' });
    expect(await vote(ADMIN2)).toEqual({ refused: 'DUPLICATE_VOTE' });
    expect(ledger.events.at(-1)?.name).toBe('firmware.trusted');

    const { identity } = await register(ledger, 'd1');
    const payload = { action: 'firmware-report', deviceId: 'd1', seq: 1, family: 'fam', version: '1.10.0', sha256: sha('1.10.0') };
    await call(ledger, AUDITOR2, (c, r) => firmware.ReportFirmware(c, r), { payload, signature: identity.sign(payload) });
    const read = () => call(ledger, AUDITOR2, (c, r) => devices.GetDevice(c, r), { deviceId: 'd1' });
    expect((await read()).firmware).toMatchObject({ verdict: 'trusted', compliant: true });
    await call(ledger, ADMIN1, (c, r) => firmware.SetFamilyPolicy(c, r), { family: 'fam', minVersion: '1.11.0' });
    expect((await read()).firmware.compliant).toBe(false);
    const listed = await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { compliance: 'noncompliant', pageSize: 1 });
    expect(listed).toEqual({ items: [expect.objectContaining({ deviceId: 'd1' })], bookmark: '' });
  });

  test("the family owner's admin cannot approve its own release (finding 1)", async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const { publish, vote } = await firmwareLedger(ledger);
    await publish('1.0.0');
    expect(await vote(ADMIN1, '1.0.0')).toEqual({ refused: 'FORBIDDEN' });
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.VerifyFirmware(c, r), { family: 'fam', sha256: sha('1.0.0') })).toEqual({
      verdict: 'pending',
      version: '1.0.0',
    });
    expect(await vote(ADMIN2, '1.0.0')).toMatchObject({ status: 'trusted' });
  });

  test('k is at least a majority of the other members, whatever threshold the vendor picks (finding 1)', async () => {
    const ledger = await ledgerOfFour();
    const { family, publish, vote } = await firmwareLedger(ledger, 1);
    expect(family).toMatchObject({ approvalThreshold: 1, approvalsRequired: 2 });
    expect(
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family: 'big',
        vendorKeyPem: FAMILY_KEY.publicKeyPem,
        approvalThreshold: 4,
      }),
    ).toEqual({ refused: 'RULE_VIOLATION' });
    await publish('1.0.0');
    expect(await vote(ADMIN2, '1.0.0')).toMatchObject({ status: 'pending' });
    expect(await vote(ADMIN3, '1.0.0')).toMatchObject({ status: 'trusted' });
    await publish('2.0.0');
    expect(await vote(ADMIN2, '2.0.0', 'reject')).toMatchObject({ status: 'pending' });
    expect(await vote(ADMIN3, '2.0.0', 'reject')).toMatchObject({ status: 'rejected' });
  });

  test('a consortium of one cannot register a family: nobody else could approve', async () => {
    const ledger = new FakeLedger();
    await setMembers(ledger, ADMIN1, ['Org1MSP']);
    expect(
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family: 'fam',
        vendorKeyPem: FAMILY_KEY.publicKeyPem,
        approvalThreshold: 1,
      }),
    ).toEqual({ refused: 'RULE_VIOLATION' });
  });

  test('only the owner raises minVersion; lowering it needs another org (finding 2)', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    await firmwareLedger(ledger);
    const policy = (who: [string, string], minVersion: string) =>
      call(ledger, who, (c, r) => firmware.SetFamilyPolicy(c, r), { family: 'fam', minVersion });
    const get = () => call(ledger, AUDITOR2, (c, r) => firmware.GetFamily(c, r), { family: 'fam' });
    expect(await policy(ADMIN2, '2.0.0')).toEqual({ refused: 'FORBIDDEN' });
    expect(await policy(ADMIN1, '2.0.0')).toMatchObject({ minVersion: '2.0.0' });
    expect(await policy(ADMIN1, '3.0.0')).toMatchObject({ minVersion: '3.0.0' });
    // The owner alone cannot lower it: a proposal, recorded and visible.
    expect(await policy(ADMIN1, '1.0.0')).toMatchObject({
      minVersion: '3.0.0',
      minVersionProposal: { minVersion: '1.0.0', proposedBy: 'Org1MSP' },
    });
    expect(ledger.events.at(-1)?.name).toBe('family.policy_proposed');
    expect(await policy(ADMIN1, '1.0.0')).toEqual({ refused: 'DUPLICATE_VOTE' });
    expect((await get()).minVersion).toBe('3.0.0');
    expect(await policy(ADMIN2, '1.0.0')).toMatchObject({ minVersion: '1.0.0' });
    expect((await get()).minVersionProposal).toBeUndefined();
    // Nor can another org alone.
    await policy(ADMIN1, '3.0.0');
    expect(await policy(ADMIN2, '2.0.0')).toMatchObject({
      minVersion: '3.0.0',
      minVersionProposal: { minVersion: '2.0.0', proposedBy: 'Org2MSP' },
    });
    expect(await policy(ADMIN1, '2.0.0')).toMatchObject({ minVersion: '2.0.0' });
    expect(await policy(VENDOR2, '1.0.0')).toEqual({ refused: 'FORBIDDEN' });
  });

  test("revoking another org's release takes k-of-n; the owner revokes its own at once (finding 2)", async () => {
    const ledger = await ledgerOfFour();
    const { publish, vote } = await firmwareLedger(ledger);
    await publish('1.0.0');
    await vote(ADMIN2, '1.0.0');
    await vote(ADMIN3, '1.0.0');
    const revoke = (who: [string, string], version = '1.0.0') =>
      call(ledger, who, (c, r) => firmware.RevokeFirmware(c, r), { family: 'fam', version, reason: 'CVE' });
    expect(await revoke(ADMIN2)).toMatchObject({ status: 'trusted', revocationProposal: { reason: 'CVE', proposedBy: 'Org2MSP' } });
    expect(ledger.events.at(-1)?.name).toBe('firmware.revocation_proposed');
    expect(await revoke(ADMIN2)).toEqual({ refused: 'DUPLICATE_VOTE' });
    expect(await revoke(VENDOR2)).toEqual({ refused: 'FORBIDDEN' });
    expect(await revoke(ADMIN3)).toMatchObject({ status: 'revoked', revocationReason: 'CVE' });
    await publish('2.0.0');
    expect(await revoke(VENDOR1, '2.0.0')).toMatchObject({ status: 'revoked' });
  });

  test('with two members, another org cannot revoke alone', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const { publish, vote } = await firmwareLedger(ledger);
    await publish('1.0.0');
    await vote(ADMIN2, '1.0.0');
    const revoke = (who: [string, string]) =>
      call(ledger, who, (c, r) => firmware.RevokeFirmware(c, r), { family: 'fam', version: '1.0.0', reason: 'x' });
    expect(await revoke(ADMIN2)).toMatchObject({ status: 'trusted' });
    expect(await revoke(ADMIN1)).toMatchObject({ status: 'revoked' });
  });

  test('a release uri is https or nothing', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const { publish } = await firmwareLedger(ledger);
    for (const uri of [
      'http://fw.example/a.bin',
      'ftp://fw.example/a.bin',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://user:pw@fw.example/a.bin',
      'fw.example/a.bin',
    ]) {
      expect([uri, await publish('1.0.0', undefined, { uri })]).toEqual([uri, { refused: 'INVALID_ARGUMENT' }]);
    }
    expect(await publish('1.0.0', undefined, { uri: 'https://fw.example/a.bin' })).toMatchObject({ uri: 'https://fw.example/a.bin' });
  });
});

describe('quarantine', () => {
  test('a family that requires compliance refuses anchors of non-compliant devices until a compliant report; auditors list them', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const { publish, vote } = await firmwareLedger(ledger);
    for (const version of ['1.0.0', '2.0.0']) {
      await publish(version);
      await vote(ADMIN2, version);
    }
    const { identity } = await register(ledger, 'd1');
    let seq = 0;
    const signedBy = (fields: Record<string, string>, action: string) => {
      const payload = { action, deviceId: 'd1', seq: (seq += 1), ...fields };
      return { payload, signature: identity.sign(payload) };
    };
    const anchor = () => call(ledger, AUDITOR2, (c, r) => messages.AnchorMessage(c, r), signedBy({ digest: sha(`m${seq}`) }, 'anchor'));
    const report = (version: string) =>
      call(
        ledger,
        AUDITOR2,
        (c, r) => firmware.ReportFirmware(c, r),
        signedBy({ family: 'fam', version, sha256: sha(version) }, 'firmware-report'),
      );
    const policy = (who: [string, string], body: Record<string, unknown>) =>
      call(ledger, who, (c, r) => firmware.SetFamilyPolicy(c, r), { family: 'fam', ...body });
    const list = (who: [string, string] = AUDITOR2) => call(ledger, who, (c, r) => quarantine.ListQuarantined(c, r), { family: 'fam' });

    expect(await anchor()).toMatchObject({ deviceId: 'd1' });
    // Only the owner turns the requirement on; a device that reported nothing is then out.
    expect(await policy(ADMIN2, { minVersion: '1.0.0', requireCompliance: true })).toEqual({ refused: 'FORBIDDEN' });
    expect(await policy(ADMIN1, { minVersion: '1.0.0', requireCompliance: true })).toMatchObject({ requireCompliance: true });
    expect(await anchor()).toEqual({ refused: 'QUARANTINED' });
    expect(await list()).toEqual({
      items: [expect.objectContaining({ deviceId: 'd1', reason: 'it has reported no firmware' })],
      bookmark: '',
    });
    expect(await report('1.0.0')).toMatchObject({ firmware: { compliant: true } });
    expect(await anchor()).toMatchObject({ deviceId: 'd1' });
    // A raised minimum quarantines it again, with a message naming the requirement.
    await policy(ADMIN1, { minVersion: '2.0.0' });
    await expect(
      ledger.run('Org2MSP', 'auditor', (c) => messages.AnchorMessage(c, JSON.stringify(signedBy({ digest: sha('x') }, 'anchor')))),
    ).rejects.toThrow(
      /QUARANTINED: device d1 is quarantined: family fam requires compliant firmware .* at or above 2\.0\.0.*runs 1\.0\.0, below the minimum 2\.0\.0/,
    );
    expect((await list()).items).toEqual([
      expect.objectContaining({ deviceId: 'd1', minVersion: '2.0.0', firmware: expect.objectContaining({ version: '1.0.0' }) }),
    ]);
    expect(await list(VENDOR1)).toEqual({ refused: 'FORBIDDEN' });
    // A revoked release quarantines too; a compliant report releases.
    await report('2.0.0');
    expect((await list()).items).toEqual([]);
    await call(ledger, VENDOR1, (c, r) => firmware.RevokeFirmware(c, r), { family: 'fam', version: '2.0.0', reason: 'CVE' });
    expect((await list()).items).toEqual([expect.objectContaining({ reason: 'it runs 2.0.0, a revoked release' })]);
    expect(await anchor()).toEqual({ refused: 'QUARANTINED' });
    // Turning the requirement off is a family decision, like lowering the minimum.
    expect(await policy(ADMIN1, { minVersion: '2.0.0', requireCompliance: false })).toMatchObject({
      requireCompliance: true,
      minVersionProposal: { minVersion: '2.0.0', requireCompliance: false },
    });
    expect(await policy(ADMIN2, { minVersion: '2.0.0', requireCompliance: false })).toMatchObject({ requireCompliance: false });
    expect(await anchor()).toMatchObject({ deviceId: 'd1' });
  });
});

describe('sealed configuration', () => {
  test("only the owner's admin publishes it, sealed to the current key; a rotation needs a re-seal; a revoked device gets nothing", async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    const d1 = { deviceId: 'd1', publicKeyPem: identity.publicKeyPem };
    const text = 'broker=mqtts://10.0.4.2';
    const publish = (who: [string, string], body: Record<string, unknown>) =>
      call(ledger, who, (c, r) => sealedConfig.PublishSealedConfig(c, r), { deviceId: 'd1', version: 1, sha256: sha(text), ...body });
    const fetch = () => call(ledger, AUDITOR2, (c, r) => sealedConfig.GetSealedConfig(c, r), { deviceId: 'd1' });
    const envelope = sealConfig(d1, 1, text);

    expect(await fetch()).toEqual({ refused: 'NOT_FOUND' });
    expect(await publish(ADMIN2, { sealed: envelope })).toEqual({ refused: 'FORBIDDEN' });
    expect(await publish(ADMIN1, { sealed: sealConfig({ ...d1, publicKeyPem: DeviceIdentity.generate().publicKeyPem }, 1, text) })).toEqual(
      {
        refused: 'RULE_VIOLATION',
      },
    );
    expect(await publish(ADMIN1, { sealed: envelope, version: 2 })).toEqual({ refused: 'RULE_VIOLATION' });
    const published = await publish(ADMIN1, { sealed: envelope });
    expect(published).toMatchObject({ version: 1, keyId: identity.keyId, envelope, envelopeSha256: sealedConfigSha256(envelope) });
    expect(ledger.events.at(-1)?.name).toBe('config.sealed');
    expect(JSON.stringify(ledger.events.at(-1)?.payload)).not.toContain(envelope.ciphertext);
    // The ledger holds ciphertext; the device opens it and checks the clear hash the ledger holds.
    const fetched = await fetch();
    expect(openConfig({ deviceId: 'd1', identity }, fetched.envelope).toString()).toBe(text);
    expect(await call(ledger, AUDITOR2, (c, r) => config.GetConfig(c, r), { deviceId: 'd1' })).toMatchObject({
      version: 1,
      sha256: sha(text),
    });
    expect(await publish(ADMIN1, { sealed: envelope })).toEqual({ refused: 'VERSION_NOT_NEWER' });

    // A rotation leaves it sealed to a key the device no longer holds.
    const next = DeviceIdentity.generate();
    await call(ledger, ADMIN1, (c, r) => devices.RotateKey(c, r), { deviceId: 'd1', ...rotationProofs('d1', identity, next) });
    expect(await fetch()).toEqual({ refused: 'RESEAL_REQUIRED' });
    // Large: off-chain, by hash and URI.
    const big = sealConfig({ deviceId: 'd1', publicKeyPem: next.publicKeyPem }, 2, 'x'.repeat(20_000));
    expect(await publish(ADMIN1, { version: 2, sealed: big })).toEqual({ refused: 'INVALID_ARGUMENT' });
    const reference = {
      keyId: next.keyId,
      uri: 'https://cfg.example/d1/2.json',
      envelopeSha256: sealedConfigSha256(big),
      envelopeBytes: 27_000,
    };
    const offChain = await publish(ADMIN1, { version: 2, sha256: sha('x'.repeat(20_000)), sealed: reference });
    expect(offChain).toMatchObject({ version: 2, keyId: next.keyId, uri: reference.uri, envelopeSha256: reference.envelopeSha256 });
    expect(offChain.envelope).toBeUndefined();
    expect(await fetch()).toMatchObject({ version: 2, uri: reference.uri });
    // A plain configuration published later is not served as sealed.
    await call(ledger, ADMIN1, (c, r) => config.PublishConfig(c, r), { deviceId: 'd1', version: 3, sha256: sha('plain') });
    expect(await fetch()).toEqual({ refused: 'NOT_FOUND' });

    await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' });
    expect(await fetch()).toEqual({ refused: 'STATE_CONFLICT' });
    expect(await publish(ADMIN1, { version: 4, sealed: { ...reference, uri: 'https://cfg.example/d1/4.json' } })).toEqual({
      refused: 'STATE_CONFLICT',
    });
  });
});

describe('agreements', () => {
  test('offered by one device, accepted by the other by signature; usage checked against the terms; settlement in integers', async () => {
    const ledger = await ledgerWithMembers();
    const { identity: meter } = await register(ledger, 'meter');
    const { identity: car } = await register(ledger, 'car', undefined, ADMIN2);
    const seqs: Record<string, number> = {};
    const step = (deviceId: string, key: DeviceIdentity, action: string, fields: Record<string, string | number>, seq?: number) => {
      const payload = { action, deviceId, seq: seq ?? (seqs[deviceId] = (seqs[deviceId] ?? 0) + 1), ...fields };
      return { payload, signature: key.sign(payload) };
    };
    const terms = {
      agreementId: 'ag1',
      consumerId: 'car',
      resource: 'ev-charging',
      unit: 'Wh',
      maxQuantity: 1000,
      pricePerUnit: 3,
      currency: 'EUR',
      expiresAt: '2026-01-01T01:00:00.000Z',
      minQuantity: 600,
      penaltyPerUnit: 2,
    };
    const tx = (name: 'OfferAgreement' | 'AcceptAgreement' | 'RecordUsage' | 'SettleAgreement', body: unknown) =>
      call(ledger, AUDITOR2, (c, r) => agreements[name](c, r), body);
    const usage = (quantity: number, key = car, seq?: number) =>
      tx('RecordUsage', step('car', key, 'agreement-usage', { agreementId: 'ag1', quantity }, seq));

    expect(await tx('OfferAgreement', step('meter', meter, 'agreement-offer', { ...terms, minQuantity: 2000 }))).toEqual({
      refused: 'RULE_VIOLATION',
    });
    expect(await tx('OfferAgreement', step('meter', meter, 'agreement-offer', { ...terms, consumerId: 'meter' }))).toEqual({
      refused: 'RULE_VIOLATION',
    });
    expect(
      await tx('OfferAgreement', step('meter', meter, 'agreement-offer', { ...terms, expiresAt: '2025-12-31T00:00:00.000Z' })),
    ).toEqual({
      refused: 'RULE_VIOLATION',
    });
    const offered = await tx('OfferAgreement', step('meter', meter, 'agreement-offer', terms));
    expect(offered).toMatchObject({ status: 'offered', providerId: 'meter', providerMsp: 'Org1MSP', consumerMsp: 'Org2MSP' });
    expect(offered.termsSha256).toBe(agreementTermsSha256({ ...terms, providerId: 'meter' }));
    expect(await usage(10)).toEqual({ refused: 'STATE_CONFLICT' }); // not accepted yet
    // Only the consumer accepts, and only the terms offered.
    expect(
      await tx('AcceptAgreement', step('meter', meter, 'agreement-accept', { agreementId: 'ag1', termsSha256: offered.termsSha256 })),
    ).toEqual({
      refused: 'FORBIDDEN',
    });
    expect(
      await tx('AcceptAgreement', step('car', car, 'agreement-accept', { agreementId: 'ag1', termsSha256: sha('other terms') })),
    ).toEqual({
      refused: 'RULE_VIOLATION',
    });
    expect(
      await tx('AcceptAgreement', step('car', car, 'agreement-accept', { agreementId: 'ag1', termsSha256: offered.termsSha256 })),
    ).toMatchObject({
      status: 'active',
      acceptance: { payload: { deviceId: 'car', termsSha256: offered.termsSha256 } },
    });
    expect(await usage(400)).toMatchObject({ index: 1, quantity: 400, used: 400, amount: 1200 });
    const accepted = seqs.car;
    expect(await usage(601)).toEqual({ refused: 'RULE_VIOLATION' }); // over the limit
    expect(await usage(5, meter)).toEqual({ refused: 'UNAUTHENTICATED' }); // not the consumer's key
    expect(await tx('RecordUsage', step('meter', meter, 'agreement-usage', { agreementId: 'ag1', quantity: 5 }))).toEqual({
      refused: 'FORBIDDEN',
    });
    expect(await usage(5, car, accepted)).toEqual({ refused: 'REPLAYED_SEQ' });
    expect(await usage(100)).toMatchObject({ index: 2, used: 500 });
    expect(await tx('SettleAgreement', step('meter', meter, 'agreement-settle', { agreementId: 'ag1' }))).toEqual({
      refused: 'RULE_VIOLATION',
    });
    // Expired: no more usage; settlement by either party, with the penalty for the 100 Wh short of the minimum.
    ledger.clock = Date.parse('2026-01-01T01:00:00Z') / 1000;
    expect(await usage(1)).toEqual({ refused: 'RULE_VIOLATION' });
    const settled = await tx('SettleAgreement', step('meter', meter, 'agreement-settle', { agreementId: 'ag1' }));
    expect(settled).toMatchObject({
      status: 'settled',
      settlement: { used: 500, amount: 1500, shortfall: 100, penalty: 200, total: 1700, settledBy: 'meter' },
    });
    expect(await tx('SettleAgreement', step('car', car, 'agreement-settle', { agreementId: 'ag1' }))).toEqual({
      refused: 'STATE_CONFLICT',
    });
    const trail = await call(ledger, AUDITOR2, (c, r) => agreements.ListUsage(c, r), { agreementId: 'ag1' });
    expect(trail.items.map((r: { quantity: number }) => r.quantity)).toEqual([400, 100]);
    expect(await call(ledger, AUDITOR2, (c, r) => agreements.GetAgreement(c, r), { agreementId: 'ag1' })).toEqual(settled);
    // A quarantined device takes no step.
    await call(ledger, ADMIN1, (c, r) => firmware.SetFamilyPolicy(c, r), { family: 'fam', minVersion: '1.0.0', requireCompliance: true });
    const later = { ...terms, agreementId: 'ag2', expiresAt: '2026-01-02T00:00:00.000Z' };
    expect(await tx('OfferAgreement', step('meter', meter, 'agreement-offer', later))).toEqual({ refused: 'QUARANTINED' });
  });
});

describe('governance', () => {
  test('the first member list applies once every listed org signed it', async () => {
    const ledger = new FakeLedger();
    expect(await setMembers(ledger, ADMIN3, ['Org1MSP', 'Org2MSP'])).toEqual({ refused: 'FORBIDDEN' });
    expect(await setMembers(ledger, VENDOR1, ['Org1MSP', 'Org2MSP'])).toEqual({ refused: 'FORBIDDEN' });
    expect(await setMembers(ledger, ADMIN1, ['Org1MSP', 'Org2MSP'])).toMatchObject({
      members: [],
      proposal: { members: ['Org1MSP', 'Org2MSP'], proposedBy: 'Org1MSP' },
    });
    expect(
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family: 'fam',
        vendorKeyPem: FAMILY_KEY.publicKeyPem,
        approvalThreshold: 1,
      }),
    ).toEqual({ refused: 'RULE_VIOLATION' });
    expect(await setMembers(ledger, ADMIN1, ['Org1MSP', 'Org2MSP'])).toMatchObject({ members: [] });
    const agreed = {
      members: ['Org1MSP', 'Org2MSP'],
      signedBy: [expect.objectContaining({ msp: 'Org1MSP' }), expect.objectContaining({ msp: 'Org2MSP' })],
    };
    expect(await setMembers(ledger, ADMIN2, ['Org2MSP', 'Org1MSP'])).toEqual(agreed);
    expect(await setMembers(ledger, ADMIN2, ['Org2MSP', 'Org1MSP'])).toEqual(agreed);
  });

  test('a change needs every current member and every new one (finding 4)', async () => {
    const ledger = await ledgerWithMembers();
    const get = () => call(ledger, AUDITOR2, (c, r) => governance.GetMembers(c, r), {});
    // One org cannot drop the other, nor add a friend.
    expect(await setMembers(ledger, ADMIN2, ['Org2MSP'])).toMatchObject({
      members: ['Org1MSP', 'Org2MSP'],
      proposal: { members: ['Org2MSP'] },
    });
    expect(await setMembers(ledger, ADMIN3, ['Org1MSP', 'Org2MSP'])).toEqual({ refused: 'FORBIDDEN' });
    expect(await setMembers(ledger, ADMIN2, ['Org1MSP', 'Org2MSP', 'Org3MSP'])).toMatchObject({ members: ['Org1MSP', 'Org2MSP'] });
    expect(await setMembers(ledger, ADMIN1, ['Org1MSP', 'Org2MSP', 'Org3MSP'])).toMatchObject({ members: ['Org1MSP', 'Org2MSP'] });
    expect((await get()).proposal.approvals.map((a: { msp: string }) => a.msp)).toEqual(['Org2MSP', 'Org1MSP']);
    expect(await setMembers(ledger, ADMIN3, ['Org1MSP', 'Org2MSP', 'Org3MSP'])).toMatchObject({
      members: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
    });
    expect((await get()).proposal).toBeUndefined();
  });
});

describe('lists', () => {
  test('an empty ledger lists nothing, with no bookmark', async () => {
    const ledger = new FakeLedger();
    const empty = { items: [], bookmark: '' };
    expect(await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), {})).toEqual(empty);
    expect(await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { family: 'x', pageSize: 1 })).toEqual(empty);
    expect(await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { owner: 'Org1MSP' })).toEqual(empty);
  });

  test('filtered pages never skip or repeat an item', async () => {
    const ledger = await ledgerWithMembers();
    for (let i = 0; i < 7; i++) await register(ledger, `d${i}`, undefined, i % 2 ? ADMIN2 : ADMIN1);
    const seen: string[] = [];
    let bookmark = '';
    do {
      const page = await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { owner: 'Org1MSP', pageSize: 2, bookmark });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((d: { deviceId: string }) => d.deviceId));
      bookmark = page.bookmark;
    } while (bookmark);
    expect(seen).toEqual(['d0', 'd2', 'd4', 'd6']);
    expect(
      await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), {
        bookmark: Buffer.from('\u0000other\u0000').toString('base64url'),
      }),
    ).toEqual({ refused: 'INVALID_ARGUMENT' });
  });

  test('a filter that keeps little reads at most 10 × pageSize records per page: short pages with a bookmark, nothing skipped', async () => {
    const ledger = await ledgerWithMembers();
    const ids = Array.from({ length: 25 }, (_, i) => `d${String(i).padStart(2, '0')}`);
    for (const id of ids) await register(ledger, id, undefined, id === 'd23' ? ADMIN2 : ADMIN1);
    // family picks the index (all 25 devices), owner is checked per device: one in 25 passes.
    const pages: { items: { deviceId: string }[]; bookmark: string }[] = [];
    let bookmark = '';
    do {
      const page = await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), {
        family: 'fam',
        owner: 'Org2MSP',
        pageSize: 1,
        bookmark,
      });
      pages.push(page);
      bookmark = page.bookmark;
    } while (bookmark && pages.length < 10);
    expect(pages.map((p) => p.items.map((d) => d.deviceId))).toEqual([[], [], ['d23'], []]);
    expect(pages[0]!.bookmark).not.toBe('');
    expect(pages.at(-1)!.bookmark).toBe('');
    // Unfiltered pages are whole: the budget is never below pageSize.
    const whole = await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { pageSize: 25 });
    expect(whole.items).toHaveLength(25);
  });
});

describe('transaction times', () => {
  test("a change dated before the record's last change is refused, and changes nothing", async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    const registeredAt = ledger.clock;
    ledger.clock = registeredAt - 3600; // an org backdating a revocation by an hour
    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' })).toEqual({
      refused: 'TIMESTAMP_BEFORE_LAST_CHANGE',
    });
    const anchor = { action: 'anchor', deviceId: 'd1', seq: 1, digest: sha('m') };
    expect(
      await call(ledger, ADMIN1, (c, r) => messages.AnchorMessage(c, r), { payload: anchor, signature: identity.sign(anchor) }),
    ).toEqual({
      refused: 'TIMESTAMP_BEFORE_LAST_CHANGE',
    });
    ledger.clock = registeredAt - 2; // each run advances the clock: the read runs a second early, the revocation in the very second of the last change
    expect(await call(ledger, AUDITOR2, (c, r) => devices.GetDevice(c, r), { deviceId: 'd1' })).toMatchObject({ status: 'active', seq: 0 });
    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' })).toMatchObject({
      status: 'revoked',
    });
  });

  test('a configuration is not published with a time before the current one', async () => {
    const ledger = await ledgerWithMembers();
    await register(ledger, 'd1');
    expect(
      await call(ledger, ADMIN1, (c, r) => config.PublishConfig(c, r), { deviceId: 'd1', version: 1, sha256: sha('a') }),
    ).toMatchObject({ version: 1 });
    ledger.clock -= 60;
    expect(await call(ledger, ADMIN1, (c, r) => config.PublishConfig(c, r), { deviceId: 'd1', version: 2, sha256: sha('b') })).toEqual({
      refused: 'TIMESTAMP_BEFORE_LAST_CHANGE',
    });
  });
});

describe('device-signed writes', () => {
  test("a relaying org's future-dated device write does not block the owner's next change", async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    const now = ledger.clock;
    ledger.clock = now + 10 * 365 * 86400; // Org2's gateway relays the device's anchor dated ten years ahead
    const anchor = { action: 'anchor', deviceId: 'd1', seq: 1, digest: sha('m') };
    expect(
      await call(ledger, ADMIN2, (c, r) => messages.AnchorMessage(c, r), { payload: anchor, signature: identity.sign(anchor) }),
    ).toMatchObject({ seq: 1 });
    ledger.clock = now;
    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { deviceId: 'd1', reason: 'keyCompromise' })).toMatchObject({
      status: 'revoked',
    });
  });

  test('unknown device, inactive device and bad signature get one and the same refusal', async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    await register(ledger, 'd2');
    await call(ledger, ADMIN1, (c, r) => devices.SetDeviceStatus(c, r), { deviceId: 'd2', status: 'suspended' });
    const attempt = async (deviceId: string, signer: DeviceIdentity) => {
      const payload = { action: 'anchor', deviceId, seq: 1, digest: sha('m') };
      const request = JSON.stringify({ payload, signature: signer.sign(payload) });
      return ledger.run('Org1MSP', 'relay', (c) => messages.AnchorMessage(c, request)).catch((e: Error) => e.message);
    };
    const answers = [await attempt('nobody', identity), await attempt('d2', identity), await attempt('d1', DeviceIdentity.generate())];
    expect(answers[0]).toMatch(/^UNAUTHENTICATED: /);
    expect(new Set(answers).size).toBe(1);
    expect(JSON.parse(await attempt('d1', identity))).toMatchObject({ deviceId: 'd1', seq: 1 });
  });
});

describe('batch registration', () => {
  test('all or nothing: one bad item registers none and is named with its index', async () => {
    const ledger = await ledgerWithMembers();
    const item = (deviceId: string, key = DeviceIdentity.generate(), signer = key) => registrationOf(deviceId, key, { signer });
    const batch = (items: unknown[]) => call(ledger, ADMIN1, (c, r) => devices.RegisterDevices(c, r), { devices: items });
    const refused = await ledger
      .run(...ADMIN1, (c) =>
        devices.RegisterDevices(
          c,
          JSON.stringify({ devices: [item('b1'), item('b2', DeviceIdentity.generate(), DeviceIdentity.generate()), item('b1')] }),
        ),
      )
      .catch((e: Error) => e.message);
    expect(refused).toMatch(/^BAD_SIGNATURE: 2 of 3 refused, nothing registered: \[1\] BAD_SIGNATURE: .*; \[2\] ALREADY_EXISTS: /);
    expect(await call(ledger, AUDITOR2, (c, r) => devices.GetDevice(c, r), { deviceId: 'b1' })).toEqual({ refused: 'NOT_FOUND' });
    expect(await batch([item('b1'), item('b2')])).toEqual({ count: 2, deviceIds: ['b1', 'b2'] });
    expect(ledger.events.at(-1)).toEqual({ name: 'devices.registered', payload: { count: 2, deviceIds: ['b1', 'b2'] } });
    expect(await batch([])).toEqual({ refused: 'INVALID_ARGUMENT' });
    expect(await call(ledger, VENDOR1, (c, r) => devices.RegisterDevices(c, r), { devices: [item('b3')] })).toEqual({
      refused: 'FORBIDDEN',
    });
  });
});

describe('requests', () => {
  /** The chaincode's refusal text of `request` (a JSON value, or text as it is), or its answer. */
  const refusal = (ledger: FakeLedger, who: [string, string], tx: Tx, request: unknown) =>
    ledger.run(...who, (c) => tx(c, typeof request === 'string' ? request : JSON.stringify(request))).catch((e: Error) => e.message);
  const registerTx: Tx = (c, r) => devices.RegisterDevice(c, r);
  const body = (key = DeviceIdentity.generate()) => registrationOf('d1', key);

  test.each([
    ['an unknown field', { ...body(), colour: 'red' }],
    ['a bad device ID', { ...body(), deviceId: 'a b' }],
    ['a missing proof', { ...body(), proof: undefined }],
    ['a key that is no key', { ...body(), publicKeyPem: 'x' }],
    ['an array', [body()]],
    ['null', null],
  ])('%s is refused in the words the gateway uses (the catalogue schema through parseWith), nothing written', async (_, request) => {
    const ledger = await ledgerWithMembers();
    const before = [...ledger.state.keys()];
    const expected = (() => {
      try {
        parseWith(OPERATIONS.registerDevice.request, request);
      } catch (err) {
        return (err as RegistryError).toWire();
      }
      return 'accepted';
    })();
    expect(expected).toMatch(/^INVALID_ARGUMENT: \S+: /);
    expect(await refusal(ledger, ADMIN1, registerTx, request)).toBe(expected);
    expect([...ledger.state.keys()]).toEqual(before);
  });

  test('text that is not JSON, or too long, is refused before any schema', async () => {
    const ledger = await ledgerWithMembers();
    expect(await refusal(ledger, ADMIN1, registerTx, '{')).toBe('INVALID_ARGUMENT: the request is not valid JSON');
    const long = JSON.stringify({ ...body(), attributes: { note: 'x'.repeat(REQUEST_MAX_BYTES) } });
    expect(await refusal(ledger, ADMIN1, registerTx, long)).toBe(
      `INVALID_ARGUMENT: the request must be JSON text of at most ${REQUEST_MAX_BYTES / 1024} KiB`,
    );
  });

  test("a request's form is refused before the submitter's role, as the gateway does (400 before 403)", async () => {
    const ledger = await ledgerWithMembers();
    expect(await refusal(ledger, VENDOR1, registerTx, { ...body(), deviceId: '' })).toMatch(/^INVALID_ARGUMENT: deviceId: /);
    expect(await refusal(ledger, VENDOR1, registerTx, body())).toMatch(/^FORBIDDEN: /);
    expect(await refusal(ledger, ADMIN1, (c, r) => firmware.PublishFirmware(c, r), { family: 'fam', version: '1.0' })).toMatch(
      /^INVALID_ARGUMENT: version: must be MAJOR.MINOR.PATCH; sha256: .*; signature: /,
    );
  });

  test('a batch: an item of the wrong form refuses the request by its path; a device ID twice is refused the second time', async () => {
    const ledger = await ledgerWithMembers();
    const before = [...ledger.state.keys()];
    const batch: Tx = (c, r) => devices.RegisterDevices(c, r);
    const item = (deviceId: string, key = DeviceIdentity.generate()) => registrationOf(deviceId, key);
    expect(await refusal(ledger, ADMIN1, batch, { devices: [item('b1'), { ...item('b2'), deviceId: '-' }] })).toMatch(
      /^INVALID_ARGUMENT: devices\.1\.deviceId: must be 1 to 128 characters/,
    );
    expect(await refusal(ledger, ADMIN1, batch, { devices: [] })).toBe('INVALID_ARGUMENT: devices: must hold 1 to 500 registrations');
    const twice = await refusal(ledger, ADMIN1, batch, { devices: [item('b1'), item('b2'), item('b1')] });
    expect(twice).toMatch(/^ALREADY_EXISTS: 1 of 3 refused, nothing registered: \[2\] ALREADY_EXISTS: device b1 exists/);
    expect(refusedItems(twice.replace(/^ALREADY_EXISTS: /, ''))).toEqual([
      { index: 2, code: 'ALREADY_EXISTS', message: expect.stringContaining('b1') },
    ]);
    const key = DeviceIdentity.generate();
    expect(await refusal(ledger, ADMIN1, batch, { devices: [item('b1', key), item('b2', key)] })).toMatch(
      /^ALREADY_EXISTS: 1 of 2 refused, nothing registered: \[1\] ALREADY_EXISTS: key \w+ is already registered/,
    );
    expect([...ledger.state.keys()]).toEqual(before);
  });

  test('times are read as times: an offset is normalised to the UTC form the ledger writes', async () => {
    const ledger = await ledgerWithMembers();
    const { identity } = await register(ledger, 'd1');
    const validity = await call(ledger, AUDITOR2, (c, r) => devices.GetKeyValidity(c, r), {
      keyId: identity.keyId,
      at: '2026-01-01T01:00:04+01:00',
    });
    expect(validity).toMatchObject({ at: '2026-01-01T00:00:04.000Z', validAt: true, status: 'current' });
    expect(await refusal(ledger, AUDITOR2, (c, r) => devices.GetKeyValidity(c, r), { keyId: identity.keyId, at: '2026-01-01' })).toMatch(
      /^INVALID_ARGUMENT: at: must be an ISO 8601 date-time/,
    );
  });

  test('a message is verified by its digest, or by a leaf with its audit path: never both', async () => {
    const ledger = new FakeLedger();
    const verify: Tx = (c, r) => messages.VerifyMessage(c, r);
    const proof = { index: 0, treeSize: 1, path: [] };
    expect(await refusal(ledger, AUDITOR2, verify, { deviceId: 'd1', seq: 1, digest: sha('m'), leaf: sha('m'), proof })).toMatch(
      /^INVALID_ARGUMENT: /,
    );
    expect(await refusal(ledger, AUDITOR2, verify, { deviceId: 'd1', seq: 1, leaf: sha('m') })).toMatch(
      /^INVALID_ARGUMENT: proof: leaf and proof go together/,
    );
    expect(JSON.parse(await refusal(ledger, AUDITOR2, verify, { deviceId: 'd1', seq: 1, leaf: sha('m'), proof }))).toEqual({
      anchored: false,
    });
  });
});

describe('answers', () => {
  test('a tour of the reads and writes the other tests leave out, with optional fields set', async () => {
    const ledger = await ledgerWithMembers({ family: false });
    const { publish, vote } = await firmwareLedger(ledger);
    expect(await publish('1.0.0', undefined, { uri: 'https://fw.example/1.0.0.bin' })).toMatchObject({
      uri: 'https://fw.example/1.0.0.bin',
    });
    await vote(ADMIN2, '1.0.0');
    const fam = { family: 'fam' };
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.GetFirmware(c, r), { ...fam, version: '1.0.0' })).toMatchObject({
      status: 'trusted',
    });
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.ListFirmware(c, r), fam)).toMatchObject({ items: [{ version: '1.0.0' }] });
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.GetLatestFirmware(c, r), fam)).toMatchObject({ version: '1.0.0' });
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.VerifyFirmware(c, r), { ...fam, sha256: sha('none') })).toEqual({
      verdict: 'unknown',
    });

    const key = DeviceIdentity.generate();
    const device = { ...registrationOf('d1', key), attributes: { site: 'plant-3', floor: '2' } };
    // Attributes are stored in name order.
    expect(Object.keys((await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), device)).attributes)).toEqual(['floor', 'site']);
    const d1 = { deviceId: 'd1' };
    expect(await call(ledger, AUDITOR2, (c, r) => config.VerifyConfig(c, r), { ...d1, sha256: sha('cfg') })).toEqual({
      match: false,
      version: null,
    });
    expect(
      await call(ledger, ADMIN1, (c, r) => config.PublishConfig(c, r), {
        ...d1,
        version: 1,
        sha256: sha('cfg'),
        uri: 'https://cfg.example/1',
      }),
    ).toMatchObject({ uri: 'https://cfg.example/1' });
    expect(await call(ledger, AUDITOR2, (c, r) => config.GetConfig(c, r), d1)).toMatchObject({ version: 1, sha256: sha('cfg') });
    expect(await call(ledger, AUDITOR2, (c, r) => config.VerifyConfig(c, r), { ...d1, sha256: sha('cfg') })).toEqual({
      match: true,
      version: 1,
    });
    const signed = (payload: Record<string, string | number>) => ({ payload, signature: key.sign(payload) });
    const report = { action: 'config-report', deviceId: 'd1', seq: 1, sha256: sha('other') };
    expect(await call(ledger, AUDITOR2, (c, r) => config.ReportConfig(c, r), signed(report))).toMatchObject({ configDrift: true });
    expect(await call(ledger, AUDITOR2, (c, r) => config.GetConfigReport(c, r), { deviceId: 'd1' })).toMatchObject({ configDrift: true });
    expect(await call(ledger, AUDITOR2, (c, r) => config.GetConfigReport(c, r), { deviceId: 'nope' })).toEqual({ refused: 'NOT_FOUND' });
    const running = { action: 'firmware-report', deviceId: 'd1', seq: 2, family: 'fam', version: '1.0.0', sha256: sha('1.0.0') };
    expect(await call(ledger, AUDITOR2, (c, r) => firmware.ReportFirmware(c, r), signed(running))).toMatchObject({
      firmware: { verdict: 'trusted', compliant: true },
      configDrift: true,
    });
    expect(
      await call(
        ledger,
        AUDITOR2,
        (c, r) => messages.AnchorMessage(c, r),
        signed({ action: 'anchor', deviceId: 'd1', seq: 3, digest: sha('m') }),
      ),
    ).toMatchObject({ seq: 3 });
    expect(await call(ledger, AUDITOR2, (c, r) => messages.ListMessages(c, r), d1)).toMatchObject({
      items: [{ seq: 3, digest: sha('m') }],
    });
    expect(await call(ledger, AUDITOR2, (c, r) => messages.VerifyMessage(c, r), { ...d1, seq: 3, digest: sha('m') })).toMatchObject({
      anchored: true,
    });
    expect(
      await call(ledger, ADMIN1, (c, r) => devices.SetDeviceStatus(c, r), { ...d1, status: 'suspended', reason: 'maintenance' }),
    ).toMatchObject({ status: 'suspended', statusReason: 'maintenance' });
    const revokedAt = new Date((ledger.clock + 1) * 1000).toISOString();
    expect(await call(ledger, ADMIN1, (c, r) => devices.RevokeDevice(c, r), { ...d1, reason: 'decommissioned' })).toMatchObject({
      revokedAt,
      revocationReason: 'decommissioned',
    });
    const revocations = (since: string) => call(ledger, AUDITOR2, (c, r) => devices.ListRevocations(c, r), { since });
    expect(await revocations(revokedAt)).toMatchObject({ items: [{ deviceId: 'd1', reason: 'decommissioned' }], bookmark: '' });
    // `since` is read as a time, not as text: one second later in another offset is after the revocation.
    expect(await revocations(new Date(Date.parse(revokedAt) + 1000).toISOString().replace('Z', '+00:00'))).toEqual({
      items: [],
      bookmark: '',
    });
    const history = await call(ledger, AUDITOR2, (c, r) => devices.GetDeviceHistory(c, r), { ...d1, pageSize: 10 });
    expect(history.items.map((e: { action: string }) => e.action)).toEqual([
      'register',
      'publish-config',
      'report-config',
      'report-firmware',
      'suspend',
      'revoke',
    ]);
    expect(await call(ledger, VENDOR1, (c, r) => devices.GetDeviceHistory(c, r), d1)).toEqual({ refused: 'FORBIDDEN' });

    const endpoint = { id: 'gw1', kind: 'gateway', url: 'https://gw1.example:8443' };
    expect(await call(ledger, ADMIN1, (c, r) => discovery.RegisterEndpoint(c, r), endpoint)).toMatchObject({ tlsCertSha256: '' });
    expect(await call(ledger, ADMIN2, (c, r) => discovery.RegisterEndpoint(c, r), endpoint)).toEqual({ refused: 'ALREADY_EXISTS' });
    expect(
      await call(ledger, ADMIN2, (c, r) => discovery.RegisterEndpoint(c, r), {
        ...endpoint,
        id: 'peer2',
        kind: 'peer',
        tlsCertSha256: sha('cert'),
      }),
    ).toMatchObject({ org: 'Org2MSP', tlsCertSha256: sha('cert') });
    expect(await call(ledger, AUDITOR2, (c, r) => discovery.ListEndpoints(c, r), { pageSize: 1 })).toMatchObject({
      items: [{ id: 'gw1' }],
      bookmark: expect.any(String),
    });
    expect(await call(ledger, AUDITOR2, (c, r) => governance.GetMembers(c, r), {})).toMatchObject({ members: ['Org1MSP', 'Org2MSP'] });
  });

  test('identity (issue 22): a family identity policy and a pre-committed rotation, as their schemas say', async () => {
    const ledger = await ledgerWithMembers();
    const identity = new IdentityContract();
    expect(
      await call(ledger, ADMIN1, (c, r) => identity.SetFamilyIdentityPolicy(c, r), { family: 'fam', preRotation: 'required' }),
    ).toMatchObject({ identityPolicy: { preRotation: 'required' } });
    const [key, next, after] = [DeviceIdentity.generate(), DeviceIdentity.generate(), DeviceIdentity.generate()];
    const target = { deviceId: 'p1', ownerMsp: 'Org1MSP', family: 'fam' };
    const body = { deviceId: 'p1', publicKeyPem: key.publicKeyPem, family: 'fam', ...committedRegistration(key, target, next) };
    expect(await call(ledger, ADMIN1, (c, r) => devices.RegisterDevice(c, r), body)).toMatchObject({ nextKeyDigest: next.keyId });
    const rotation = { deviceId: 'p1', ...preRotation('p1', key.keyId, next, after) };
    expect(await call(ledger, ADMIN1, (c, r) => identity.PreRotateKey(c, r), rotation)).toMatchObject({ keyId: next.keyId });
    const maker = { maker: 'acme', manufacturingKeyPem: FAMILY_KEY.publicKeyPem };
    expect(await call(ledger, VENDOR1, (c, r) => identity.RegisterMaker(c, r), maker)).toMatchObject({ orgMsp: 'Org1MSP' });
    expect(await call(ledger, AUDITOR2, (c, r) => identity.GetMaker(c, r), { maker: 'acme' })).toMatchObject({ maker: 'acme' });
    const offer = { deviceId: 'p1', toMsp: 'Org2MSP' };
    expect(await call(ledger, ADMIN1, (c, r) => identity.OfferTransfer(c, r), offer)).toMatchObject({
      transferOffer: { toMsp: 'Org2MSP' },
    });
    expect(await call(ledger, ADMIN2, (c, r) => identity.AcceptTransfer(c, r), { deviceId: 'p1', fromMsp: 'Org1MSP' })).toMatchObject({
      ownerMsp: 'Org2MSP',
    });
  });

  test('the fleet queries are refused: only a read model answers them (a clear 400, not a scan)', async () => {
    const ledger = await ledgerWithMembers();
    const fleet = new FleetContract();
    expect(await call(ledger, AUDITOR2, (c, r) => fleet.QueryDevices(c, r), { family: 'fam' })).toEqual({ refused: 'INVALID_ARGUMENT' });
    expect(await call(ledger, AUDITOR2, (c, r) => fleet.CountDevices(c, r), {})).toEqual({ refused: 'INVALID_ARGUMENT' });
  });

  test('the family list: empty before any family or member, then by name with k, voters and releases, paged, by prefix', async () => {
    const families = new FamiliesContract();
    const list = (ledger: FakeLedger, request: unknown) => call(ledger, AUDITOR2, (c, r) => families.ListFamilies(c, r), request);
    // No family needs no recorded consortium: empty is an answer, not a refusal.
    expect(await list(new FakeLedger(), {})).toEqual({ items: [], bookmark: '' });
    const ledger = await ledgerWithMembers();
    for (const family of ['gadget', 'dial']) {
      await call(ledger, VENDOR1, (c, r) => firmware.RegisterFamily(c, r), {
        family,
        vendorKeyPem: FAMILY_KEY.publicKeyPem,
        approvalThreshold: 1,
      });
    }
    const digest = sha('fam 1.0.0');
    await call(ledger, VENDOR1, (c, r) => firmware.PublishFirmware(c, r), {
      family: 'fam',
      version: '1.0.0',
      sha256: digest,
      signature: FAMILY_KEY.sign(statements.firmware('fam', '1.0.0', digest)),
    });
    const all = await list(ledger, {});
    expect(all.items.map((f: { family: string }) => f.family)).toEqual(['dial', 'fam', 'gadget']);
    expect(all.items[1]).toEqual({
      family: 'fam',
      ownerMsp: 'Org1MSP',
      createdAt: expect.any(String),
      approvalThreshold: 1,
      approvalsRequired: 1,
      voters: ['Org2MSP'],
      latestVersion: '1.0.0',
      releases: 1,
    });
    const first = await list(ledger, { pageSize: 2 });
    expect(first.items).toHaveLength(2);
    expect((await list(ledger, { pageSize: 2, bookmark: first.bookmark })).items.map((f: { family: string }) => f.family)).toEqual([
      'gadget',
    ]);
    expect((await list(ledger, { prefix: 'ga' })).items.map((f: { family: string }) => f.family)).toEqual(['gadget']);
    expect(await list(ledger, { prefix: 'zz' })).toEqual({ items: [], bookmark: '' });
    for (const bad of [{ pageSize: 0 }, { pageSize: 1001 }, { prefix: 'a b' }, { other: 1 }]) {
      expect(await list(ledger, bad)).toEqual({ refused: 'INVALID_ARGUMENT' });
    }
  });

  test('rollouts: every operation answers (their rules: rollouts.test.ts)', async () => {
    const answers = await everyRolloutOperation(call);
    expect(answers.filter((a) => (a as { refused?: string }).refused)).toEqual([]);
  });

  test('confidential attributes: every operation answers as its schema says (their rules: confidential.test.ts)', async () => {
    const ledger = await ledgerWithMembers();
    await register(ledger, 'c1');
    const confidential = new ConfidentialContract();
    const request = JSON.stringify({ deviceId: 'c1', attributes: { site: 'plant-3' }, salt: 'ab'.repeat(32) });
    const stored = JSON.parse(
      await ledger.run(ADMIN1[0], ADMIN1[1], (c) => confidential.PutConfidentialAttributes(c), { [TRANSIENT_REQUEST]: request }),
    );
    const digest = await call(ledger, ADMIN1, (c, r) => confidential.RecordConfidentialDigest(c, r), { deviceId: 'c1' });
    expect(digest).toMatchObject({ sha256: stored.sha256 });
    expect(await call(ledger, AUDITOR2, (c, r) => confidential.GetConfidentialDigest(c, r), { deviceId: 'c1' })).toEqual(digest);
    const read = await ledger.run('Org1MSP', 'auditor', (c) => confidential.GetConfidentialAttributes(c), {
      [TRANSIENT_REQUEST]: JSON.stringify({ deviceId: 'c1' }),
    });
    expect(JSON.parse(read)).toMatchObject({ attributes: { site: 'plant-3' }, sha256: stored.sha256 });
  });

  test('every catalogue operation answered in these tests, each as its answer schema says (see afterEach)', () => {
    const modelOnly = MODEL_ONLY_OPERATIONS as readonly string[];
    expect(OPERATION_NAMES.filter((name) => !answered.has(name) && !modelOnly.includes(name))).toEqual([]);
  });
});
