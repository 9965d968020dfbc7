/** Pre-rotation (issue 22) on the in-memory ledger: commitments, the thief's and the owner's rotations, family policy. */
import { statements } from '@iotreg/common';
import {
  birthCertificate,
  committedRegistration,
  committedRotation,
  DeviceIdentity,
  preRotation,
  registrationProof,
  rotationProofs,
} from '@iotreg/device';
import type { RegistryContext } from '../context';
import { FakeLedger } from '../testing/fake-ledger';
import { DevicesContract } from './devices';
import { FirmwareContract } from './firmware';
import { GovernanceContract } from './governance';
import { IdentityContract } from './identity';

const devices = new DevicesContract();
const identity = new IdentityContract();
const firmware = new FirmwareContract();
const governance = new GovernanceContract();

type Tx = (ctx: RegistryContext, request: string) => Promise<string>;
const ADMIN1: [string, string] = ['Org1MSP', 'admin'];
const ADMIN2: [string, string] = ['Org2MSP', 'admin'];
const AUDITOR2: [string, string] = ['Org2MSP', 'auditor'];

async function call(ledger: FakeLedger, who: [string, string], tx: Tx, request: unknown): Promise<any> {
  try {
    return JSON.parse(await ledger.run(who[0], who[1], (ctx) => tx(ctx, JSON.stringify(request))));
  } catch (err) {
    return { refused: (err as Error).message.split(':')[0], message: (err as Error).message };
  }
}

async function ledgerWithFamily() {
  const ledger = new FakeLedger();
  await call(ledger, ADMIN1, (c, r) => governance.SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] });
  await call(ledger, ADMIN2, (c, r) => governance.SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] });
  const family = { family: 'fam', vendorKeyPem: DeviceIdentity.generate().publicKeyPem, approvalThreshold: 1 };
  expect(await call(ledger, ['Org1MSP', 'vendor'], (c, r) => firmware.RegisterFamily(c, r), family)).toMatchObject({ family: 'fam' });
  return ledger;
}

const target = (deviceId: string) => ({ deviceId, ownerMsp: 'Org1MSP', family: 'fam' });
const registerTx: Tx = (c, r) => devices.RegisterDevice(c, r);
const rotateTx: Tx = (c, r) => devices.RotateKey(c, r);
const preRotateTx: Tx = (c, r) => identity.PreRotateKey(c, r);
const policyTx: Tx = (c, r) => identity.SetFamilyIdentityPolicy(c, r);

/** A device registered with a commitment to `next`. */
async function committed(ledger: FakeLedger, deviceId: string) {
  const current = DeviceIdentity.generate();
  const next = DeviceIdentity.generate();
  const body = { deviceId, publicKeyPem: current.publicKeyPem, family: 'fam', ...committedRegistration(current, target(deviceId), next) };
  expect(await call(ledger, ADMIN1, registerTx, body)).toMatchObject({ keyId: current.keyId, nextKeyDigest: next.keyId });
  return { current, next };
}

describe('pre-rotation', () => {
  test('a stolen current key cannot rotate; the committed key can, once; validity stays exact', async () => {
    const ledger = await ledgerWithFamily();
    const { current: stolen, next } = await committed(ledger, 'd1');
    const thief = DeviceIdentity.generate();

    // The thief's rotation, signed by the stolen key and its own: refused whatever it signs.
    expect(await call(ledger, ADMIN1, rotateTx, { deviceId: 'd1', ...rotationProofs('d1', stolen, thief) })).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    expect(
      await call(ledger, ADMIN1, rotateTx, { deviceId: 'd1', ...committedRotation('d1', stolen, thief, DeviceIdentity.generate()) }),
    ).toMatchObject({ refused: 'RULE_VIOLATION' });
    // Revealing a key that is not the committed one, even signed by it: refused.
    expect(
      await call(ledger, ADMIN1, preRotateTx, { deviceId: 'd1', ...preRotation('d1', stolen.keyId, thief, DeviceIdentity.generate()) }),
    ).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    // The committed key, but the proof signed by the stolen key: refused.
    const after = DeviceIdentity.generate();
    const forged = {
      deviceId: 'd1',
      publicKeyPem: next.publicKeyPem,
      nextKeyDigest: after.keyId,
      proof: stolen.sign(statements.preRotate('d1', stolen.keyId, next.keyId, after.keyId)),
    };
    expect(await call(ledger, ADMIN1, preRotateTx, forged)).toMatchObject({ refused: 'BAD_SIGNATURE' });
    // Another org's admin cannot, even with the right key.
    const owners = { deviceId: 'd1', ...preRotation('d1', stolen.keyId, next, after) };
    expect(await call(ledger, ADMIN2, preRotateTx, owners)).toMatchObject({ refused: 'FORBIDDEN' });

    const rotated = await call(ledger, ADMIN1, preRotateTx, owners);
    expect(rotated).toMatchObject({ keyId: next.keyId, nextKeyDigest: after.keyId });
    const rotatedAt = rotated.updatedAt as string;
    // Replayed: the key is no longer the commitment.
    expect(await call(ledger, ADMIN1, preRotateTx, owners)).toMatchObject({ refused: 'RULE_VIOLATION' });

    const validity = (keyId: string, at?: string) => call(ledger, AUDITOR2, (c, r) => devices.GetKeyValidity(c, r), { keyId, at });
    const justBefore = new Date(Date.parse(rotatedAt) - 1).toISOString();
    expect(await validity(stolen.keyId, justBefore)).toMatchObject({ validAt: true, status: 'rotated' });
    expect(await validity(stolen.keyId, rotatedAt)).toMatchObject({ validAt: false });
    expect(await validity(next.keyId, justBefore)).toMatchObject({ validAt: false });
    expect(await validity(next.keyId, rotatedAt)).toMatchObject({ validAt: true, status: 'current' });

    const history = await call(ledger, AUDITOR2, (c, r) => devices.GetDeviceHistory(c, r), { deviceId: 'd1' });
    expect(history.items.map((e: { action: string }) => e.action)).toEqual(['register', 'pre-rotate-key']);
    expect(ledger.events.at(-1)).toMatchObject({ name: 'device.key_rotated', payload: { previousKeyId: stolen.keyId } });
  });

  test('commitments must name a new key, and the registration proof must sign them', async () => {
    const ledger = await ledgerWithFamily();
    const key = DeviceIdentity.generate();
    const next = DeviceIdentity.generate();
    const unsigned = {
      deviceId: 'd2',
      publicKeyPem: key.publicKeyPem,
      family: 'fam',
      nextKeyDigest: next.keyId,
      proof: registrationProof(key, target('d2')),
    };
    expect(await call(ledger, ADMIN1, registerTx, unsigned)).toMatchObject({ refused: 'BAD_SIGNATURE' });
    const self = { deviceId: 'd2', publicKeyPem: key.publicKeyPem, family: 'fam', ...committedRegistration(key, target('d2'), key) };
    expect(await call(ledger, ADMIN1, registerTx, self)).toMatchObject({ refused: 'RULE_VIOLATION' });
    const { current } = await committed(ledger, 'd3');
    const taken = { deviceId: 'd2', publicKeyPem: key.publicKeyPem, family: 'fam', ...committedRegistration(key, target('d2'), current) };
    expect(await call(ledger, ADMIN1, registerTx, taken)).toMatchObject({ refused: 'RULE_VIOLATION' });
  });

  test('a device without a commitment keeps plain rotation, may commit while rotating, and cannot pre-rotate before', async () => {
    const ledger = await ledgerWithFamily();
    const key = DeviceIdentity.generate();
    await call(ledger, ADMIN1, registerTx, {
      deviceId: 'd4',
      publicKeyPem: key.publicKeyPem,
      family: 'fam',
      proof: registrationProof(key, target('d4')),
    });
    const second = DeviceIdentity.generate();
    const third = DeviceIdentity.generate();
    expect(await call(ledger, ADMIN1, preRotateTx, { deviceId: 'd4', ...preRotation('d4', key.keyId, second, third) })).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    const rotated = await call(ledger, ADMIN1, rotateTx, { deviceId: 'd4', ...committedRotation('d4', key, second, third) });
    expect(rotated).toMatchObject({ keyId: second.keyId, nextKeyDigest: third.keyId });
    expect(
      await call(ledger, ADMIN1, rotateTx, { deviceId: 'd4', ...rotationProofs('d4', second, DeviceIdentity.generate()) }),
    ).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
  });

  test("a family that requires pre-rotation refuses registrations and rotations without a commitment; only its owner's admin sets it", async () => {
    const ledger = await ledgerWithFamily();
    const old = DeviceIdentity.generate();
    await call(ledger, ADMIN1, registerTx, {
      deviceId: 'd5',
      publicKeyPem: old.publicKeyPem,
      family: 'fam',
      proof: registrationProof(old, target('d5')),
    });

    expect(await call(ledger, ADMIN2, policyTx, { family: 'fam', preRotation: 'required' })).toMatchObject({ refused: 'FORBIDDEN' });
    expect(await call(ledger, ['Org1MSP', 'vendor'], policyTx, { family: 'fam', preRotation: 'required' })).toMatchObject({
      refused: 'FORBIDDEN',
    });
    expect(await call(ledger, ADMIN1, policyTx, { family: 'nope', preRotation: 'required' })).toMatchObject({ refused: 'NOT_FOUND' });
    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam' })).toMatchObject({ refused: 'RULE_VIOLATION' });
    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam', preRotation: 'required' })).toMatchObject({
      family: 'fam',
      identityPolicy: { preRotation: 'required' },
    });

    const key = DeviceIdentity.generate();
    const plain = { deviceId: 'd6', publicKeyPem: key.publicKeyPem, family: 'fam', proof: registrationProof(key, target('d6')) };
    expect(await call(ledger, ADMIN1, registerTx, plain)).toMatchObject({ refused: 'RULE_VIOLATION' });
    await committed(ledger, 'd6');
    // A device registered before the policy rotates only by committing.
    const fresh = DeviceIdentity.generate();
    expect(await call(ledger, ADMIN1, rotateTx, { deviceId: 'd5', ...rotationProofs('d5', old, fresh) })).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    expect(
      await call(ledger, ADMIN1, rotateTx, { deviceId: 'd5', ...committedRotation('d5', old, fresh, DeviceIdentity.generate()) }),
    ).toMatchObject({
      keyId: fresh.keyId,
    });

    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam', preRotation: 'optional' })).toMatchObject({
      identityPolicy: { preRotation: 'optional' },
    });
    const later = DeviceIdentity.generate();
    const plainLater = { deviceId: 'd7', publicKeyPem: later.publicKeyPem, family: 'fam', proof: registrationProof(later, target('d7')) };
    expect(await call(ledger, ADMIN1, registerTx, plainLater)).toMatchObject({ deviceId: 'd7' });
  });
});

describe('manufacturer attestation and ownership transfer', () => {
  const VENDOR1: [string, string] = ['Org1MSP', 'vendor'];
  const VENDOR2: [string, string] = ['Org2MSP', 'vendor'];
  const makerTx: Tx = (c, r) => identity.RegisterMaker(c, r);

  test('a family that requires birth certificates registers only devices one of its makers signed', async () => {
    const ledger = await ledgerWithFamily();
    const factory = DeviceIdentity.generate();
    const rogue = DeviceIdentity.generate();
    expect(await call(ledger, ADMIN2, makerTx, { maker: 'acme', manufacturingKeyPem: factory.publicKeyPem })).toMatchObject({
      refused: 'FORBIDDEN',
    });
    expect(await call(ledger, VENDOR2, makerTx, { maker: 'acme', manufacturingKeyPem: factory.publicKeyPem })).toMatchObject({
      maker: 'acme',
      orgMsp: 'Org2MSP',
      manufacturingKeyId: factory.keyId,
    });
    expect(await call(ledger, VENDOR1, makerTx, { maker: 'acme', manufacturingKeyPem: rogue.publicKeyPem })).toMatchObject({
      refused: 'ALREADY_EXISTS',
    });
    await call(ledger, VENDOR1, makerTx, { maker: 'other', manufacturingKeyPem: rogue.publicKeyPem });

    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam', birthCertificate: 'required' })).toMatchObject({
      refused: 'RULE_VIOLATION',
    });
    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam', makers: ['ghost'] })).toMatchObject({ refused: 'NOT_FOUND' });
    expect(await call(ledger, ADMIN1, policyTx, { family: 'fam', makers: ['acme'], birthCertificate: 'required' })).toMatchObject({
      identityPolicy: { preRotation: 'optional', makers: ['acme'], birthCertificate: 'required' },
    });

    const key = DeviceIdentity.generate();
    const base = { deviceId: 'b1', publicKeyPem: key.publicKeyPem, family: 'fam', proof: registrationProof(key, target('b1')) };
    const made = { deviceId: 'b1', family: 'fam', keyId: key.keyId };
    expect(await call(ledger, ADMIN1, registerTx, base)).toMatchObject({ refused: 'RULE_VIOLATION' });
    const forged = { ...base, birthCertificate: birthCertificate(rogue, 'acme', made) };
    expect(await call(ledger, ADMIN1, registerTx, forged)).toMatchObject({ refused: 'BAD_SIGNATURE' });
    const otherMaker = { ...base, birthCertificate: birthCertificate(rogue, 'other', made) };
    expect(await call(ledger, ADMIN1, registerTx, otherMaker)).toMatchObject({ refused: 'RULE_VIOLATION' });
    const otherDevice = { ...base, birthCertificate: birthCertificate(factory, 'acme', { ...made, deviceId: 'b2' }) };
    expect(await call(ledger, ADMIN1, registerTx, otherDevice)).toMatchObject({ refused: 'BAD_SIGNATURE' });
    const genuine = { ...base, birthCertificate: birthCertificate(factory, 'acme', made) };
    expect(await call(ledger, ADMIN1, registerTx, genuine)).toMatchObject({
      deviceId: 'b1',
      birth: { maker: 'acme', makerMsp: 'Org2MSP', manufacturingKeyId: factory.keyId },
    });
  });

  test('the owner offers, only the offered org accepts, and the history shows both', async () => {
    const ledger = await ledgerWithFamily();
    const key = DeviceIdentity.generate();
    await call(ledger, ADMIN1, registerTx, {
      deviceId: 't1',
      publicKeyPem: key.publicKeyPem,
      family: 'fam',
      proof: registrationProof(key, target('t1')),
    });
    const offerTx: Tx = (c, r) => identity.OfferTransfer(c, r);
    const acceptTx: Tx = (c, r) => identity.AcceptTransfer(c, r);
    expect(await call(ledger, ADMIN2, acceptTx, { deviceId: 't1', fromMsp: 'Org1MSP' })).toMatchObject({ refused: 'STATE_CONFLICT' });
    expect(await call(ledger, ADMIN2, offerTx, { deviceId: 't1', toMsp: 'Org2MSP' })).toMatchObject({ refused: 'FORBIDDEN' });
    expect(await call(ledger, ADMIN1, offerTx, { deviceId: 't1', toMsp: 'Org1MSP' })).toMatchObject({ refused: 'RULE_VIOLATION' });
    expect(await call(ledger, ADMIN1, offerTx, { deviceId: 't1', toMsp: 'Org9MSP' })).toMatchObject({ refused: 'RULE_VIOLATION' });
    expect(await call(ledger, ADMIN1, offerTx, { deviceId: 't1', toMsp: 'Org2MSP' })).toMatchObject({
      ownerMsp: 'Org1MSP',
      transferOffer: { toMsp: 'Org2MSP' },
    });
    expect(await call(ledger, ADMIN1, acceptTx, { deviceId: 't1', fromMsp: 'Org1MSP' })).toMatchObject({ refused: 'FORBIDDEN' });
    // The acceptor names the owner it takes the device from: another name is not the offer it saw.
    expect(await call(ledger, ADMIN2, acceptTx, { deviceId: 't1', fromMsp: 'Org9MSP' })).toMatchObject({ refused: 'STATE_CONFLICT' });
    expect(await call(ledger, AUDITOR2, acceptTx, { deviceId: 't1', fromMsp: 'Org1MSP' })).toMatchObject({ refused: 'FORBIDDEN' });
    const accepted = await call(ledger, ADMIN2, acceptTx, { deviceId: 't1', fromMsp: 'Org1MSP' });
    expect(accepted).toMatchObject({ ownerMsp: 'Org2MSP' });
    expect(accepted.transferOffer).toBeUndefined();
    // The new owner manages it; the old one no longer can.
    expect(await call(ledger, ADMIN1, (c, r) => devices.SetDeviceStatus(c, r), { deviceId: 't1', status: 'suspended' })).toMatchObject({
      refused: 'FORBIDDEN',
    });
    expect(await call(ledger, ADMIN2, (c, r) => devices.SetDeviceStatus(c, r), { deviceId: 't1', status: 'suspended' })).toMatchObject({
      ownerMsp: 'Org2MSP',
      status: 'suspended',
    });
    const byOwner = await call(ledger, AUDITOR2, (c, r) => devices.ListDevices(c, r), { owner: 'Org2MSP' });
    expect(byOwner.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['t1']);
    const history = await call(ledger, AUDITOR2, (c, r) => devices.GetDeviceHistory(c, r), { deviceId: 't1' });
    expect(history.items.map((e: { action: string; submitterMsp: string }) => [e.action, e.submitterMsp])).toEqual([
      ['register', 'Org1MSP'],
      ['offer-transfer', 'Org1MSP'],
      ['accept-transfer', 'Org2MSP'],
      ['suspend', 'Org2MSP'],
    ]);
  });
});
