/** Confidential attributes (issue 22) on the in-memory ledger: who may store, read and record them, and what goes public. */
import { createHash } from 'node:crypto';
import { confidentialValuesMatch, TRANSIENT_REQUEST } from '@iotreg/common';
import type { RegistryContext } from '../context';
import { answerMisfit } from '../testing/answers';
import { FakeLedger } from '../testing/fake-ledger';
import { ledgerWithFamily, registrationOf } from '../testing/fixtures';
import { ConfidentialContract } from './confidential';
import { DevicesContract } from './devices';

const confidential = new ConfidentialContract();
const devices = new DevicesContract();
const ADMIN1: [string, string] = ['Org1MSP', 'admin'];
const AUDITOR1: [string, string] = ['Org1MSP', 'auditor'];
const ADMIN2: [string, string] = ['Org2MSP', 'admin'];
const AUDITOR2: [string, string] = ['Org2MSP', 'auditor'];
const SALT = 'ab'.repeat(32);
const attributes = { customer: 'acme', site: 'plant-3' };

async function run(ledger: FakeLedger, who: [string, string], work: (ctx: RegistryContext) => Promise<string>, transient?: unknown) {
  try {
    const text = await ledger.run(who[0], who[1], work, transient === undefined ? {} : { [TRANSIENT_REQUEST]: JSON.stringify(transient) });
    return JSON.parse(text);
  } catch (err) {
    return { refused: (err as Error).message.split(':')[0] };
  }
}

const put = (ledger: FakeLedger, who: [string, string], request: unknown) =>
  run(ledger, who, (ctx) => confidential.PutConfidentialAttributes(ctx), request);
const get = (ledger: FakeLedger, who: [string, string], deviceId: string) =>
  run(ledger, who, (ctx) => confidential.GetConfidentialAttributes(ctx), { deviceId });
const record = (ledger: FakeLedger, who: [string, string], deviceId: string) =>
  run(ledger, who, (ctx) => confidential.RecordConfidentialDigest(ctx, JSON.stringify({ deviceId })));

async function ledgerWithDevice(): Promise<FakeLedger> {
  const ledger = await ledgerWithFamily();
  await ledger.run('Org1MSP', 'admin', (c) => devices.RegisterDevice(c, JSON.stringify(registrationOf('d-1'))));
  return ledger;
}

/** Everything public: world state and events, as text. */
const publicText = (ledger: FakeLedger) =>
  [...ledger.state.values()].map((v) => v.toString('utf8')).join('\n') + JSON.stringify(ledger.events);

test("the owner's admin stores the values privately; nothing public changes, and the answer carries only their hash", async () => {
  const ledger = await ledgerWithDevice();
  const before = publicText(ledger);
  const stored = await put(ledger, ADMIN1, { deviceId: 'd-1', attributes, salt: SALT });
  expect(answerMisfit('putConfidentialAttributes', JSON.stringify(stored))).toBeUndefined();
  expect(stored).toMatchObject({ deviceId: 'd-1', collection: '_implicit_org_Org1MSP' });
  expect(confidentialValuesMatch({ deviceId: 'd-1', attributes, salt: SALT }, stored.sha256)).toBe(true);
  expect(publicText(ledger)).toBe(before);
  expect([...ledger.privateState.keys()]).toEqual(['_implicit_org_Org1MSP']);
});

test('refusals: another org, a role other than admin, a request in the arguments, no salt, an unknown device', async () => {
  const ledger = await ledgerWithDevice();
  expect(await put(ledger, ADMIN2, { deviceId: 'd-1', attributes, salt: SALT })).toEqual({ refused: 'FORBIDDEN' });
  expect(await put(ledger, AUDITOR1, { deviceId: 'd-1', attributes, salt: SALT })).toEqual({ refused: 'FORBIDDEN' });
  expect(await put(ledger, ADMIN1, undefined)).toEqual({ refused: 'INVALID_ARGUMENT' });
  expect(await put(ledger, ADMIN1, { deviceId: 'd-1', attributes })).toEqual({ refused: 'INVALID_ARGUMENT' });
  expect(await put(ledger, ADMIN1, { deviceId: 'nope', attributes, salt: SALT })).toEqual({ refused: 'NOT_FOUND' });
  expect(ledger.privateState.size).toBe(0);
});

test("the digest is recorded from Fabric's hash of the private write; the owner org reads the values, no other org", async () => {
  const ledger = await ledgerWithDevice();
  expect(await record(ledger, ADMIN1, 'd-1')).toEqual({ refused: 'NOT_FOUND' });
  const stored = await put(ledger, ADMIN1, { deviceId: 'd-1', attributes, salt: SALT });
  // Org2's peer endorses the digest: it holds the hash, not the values.
  ledger.peerMsp = 'Org2MSP';
  expect(await record(ledger, ADMIN2, 'd-1')).toEqual({ refused: 'FORBIDDEN' });
  const digest = await record(ledger, ADMIN1, 'd-1');
  expect(answerMisfit('recordConfidentialDigest', JSON.stringify(digest))).toBeUndefined();
  expect(digest).toMatchObject({ deviceId: 'd-1', ownerMsp: 'Org1MSP', sha256: stored.sha256 });
  expect(ledger.events.at(-1)).toEqual({ name: 'device.confidential_digest_recorded', payload: digest });
  expect(await get(ledger, AUDITOR1, 'd-1')).toEqual({ refused: 'NOT_FOUND' }); // Org2's peer has none
  expect(await get(ledger, AUDITOR2, 'd-1')).toEqual({ refused: 'FORBIDDEN' });
  ledger.peerMsp = 'Org1MSP';
  const read = await get(ledger, AUDITOR1, 'd-1');
  expect(answerMisfit('getConfidentialAttributes', JSON.stringify(read))).toBeUndefined();
  expect(read).toMatchObject({ attributes, salt: SALT, sha256: digest.sha256 });
  expect(publicText(ledger)).not.toContain('plant-3');
  expect(publicText(ledger)).not.toContain(SALT);
  // What the auditor recomputes by hand: SHA-256 of canonical JSON {attributes, deviceId, salt}.
  const canonical = JSON.stringify({ attributes: { customer: 'acme', site: 'plant-3' }, deviceId: 'd-1', salt: SALT });
  expect(createHash('sha256').update(canonical).digest('hex')).toBe(digest.sha256);
});
