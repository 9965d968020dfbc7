import { createHash } from 'node:crypto';
import { parsePublicKey, statements, verifyStatement } from '@iotreg/common';
import { authenticateDevice, parseAuthorization } from '../../gateway-app/src/auth';
import { DeviceIdentity, deviceAuthorization, inBatch, MessageBatch, open, registrationProof, rotationProofs, seal, SignedActions } from './index';

const alice = { deviceId: 'alice', identity: DeviceIdentity.generate() };
const bob = { deviceId: 'bob', identity: DeviceIdentity.generate() };

describe('signatures', () => {
  test.each(['p256', 'ed25519'] as const)('%s proofs verify with the ledger-side verifier, and only for their statement', (type) => {
    const id = DeviceIdentity.generate(type);
    const proof = registrationProof(id, 'dev-1');
    expect(verifyStatement(parsePublicKey(id.publicKeyPem), statements.register('dev-1', id.keyId), proof)).toBe(true);
    expect(verifyStatement(parsePublicKey(id.publicKeyPem), statements.register('dev-2', id.keyId), proof)).toBe(false);
  });

  test('rotation proofs are by the old and the new key over the same statement', () => {
    const next = DeviceIdentity.generate();
    const body = rotationProofs('alice', alice.identity, next);
    const statement = statements.rotate('alice', alice.identity.keyId, next.keyId);
    expect(verifyStatement(alice.identity.publicKey, statement, body.proofOld)).toBe(true);
    expect(verifyStatement(next.publicKey, statement, body.proofNew)).toBe(true);
    expect(verifyStatement(next.publicKey, statement, body.proofOld)).toBe(false);
  });

  test('a private key survives export and import', () => {
    const copy = DeviceIdentity.fromPrivateKeyPem(alice.identity.exportPrivateKeyPem());
    expect(copy.keyId).toBe(alice.identity.keyId);
  });

  test('signed actions carry increasing seq from the seed', () => {
    const actions = new SignedActions('alice', alice.identity, 41);
    const a = actions.anchor('0'.repeat(64));
    const b = actions.configReport('1'.repeat(64));
    expect([a.payload.seq, b.payload.seq]).toEqual([42, 43]);
    expect(b.payload).toEqual({ action: 'config-report', deviceId: 'alice', seq: 43, sha256: '1'.repeat(64) });
    expect(verifyStatement(alice.identity.publicKey, b.payload, b.signature)).toBe(true);
  });
});

describe('sealed messages', () => {
  const recipient = { deviceId: 'bob', publicKeyPem: bob.identity.publicKeyPem };

  test('round trip, and a fresh ephemeral key each time', () => {
    const one = seal(alice, recipient, 'open the valve');
    const two = seal(alice, recipient, 'open the valve');
    expect(one.ephemeralKey).not.toBe(two.ephemeralKey);
    expect(open(bob, one, alice.identity.publicKeyPem).toString()).toBe('open the valve');
  });

  test.each(['ciphertext', 'tag', 'iv', 'salt', 'ephemeralKey', 'sender', 'signature'] as const)('altering %s is detected', (field) => {
    const envelope = seal(alice, recipient, 'open the valve');
    const value = Buffer.from(envelope[field], field === 'sender' ? 'utf8' : 'base64');
    value[0]! ^= 1;
    const altered = { ...envelope, [field]: field === 'sender' ? value.toString('utf8') : value.toString('base64') };
    expect(() => open(bob, altered, alice.identity.publicKeyPem)).toThrow();
  });

  test('another device cannot open it; a wrong sender key is refused', () => {
    const envelope = seal(alice, recipient, 'x');
    const eve = { deviceId: 'bob', identity: DeviceIdentity.generate() };
    expect(() => open(eve, envelope, alice.identity.publicKeyPem)).toThrow(/addressed to another/);
    expect(() => open(bob, envelope, eve.identity.publicKeyPem)).toThrow(/sender key/);
  });

  test('an Ed25519 recipient key is refused with a clear error', () => {
    const ed = DeviceIdentity.generate('ed25519');
    expect(() => seal(alice, { deviceId: 'ed', publicKeyPem: ed.publicKeyPem }, 'x')).toThrow(/P-256/);
  });
});

describe('Merkle batches', () => {
  test.each(Array.from({ length: 17 }, (_, i) => i + 1))('every message of a batch of %i proves into the root', (size) => {
    const messages = Array.from({ length: size }, (_, i) => `reading ${i}`);
    const batch = new MessageBatch(messages);
    messages.forEach((message, i) => {
      const { leaf, proof } = batch.proof(i);
      expect(leaf).toBe(createHash('sha256').update(message).digest('hex'));
      expect(inBatch(message, proof, batch.root)).toBe(true);
      expect(inBatch(`${message}!`, proof, batch.root)).toBe(false);
      if (size > 1) expect(inBatch(message, { ...proof, index: (i + 1) % size }, batch.root)).toBe(false);
    });
  });
});

test('the device read header is what the gateway verifies', async () => {
  const header = deviceAuthorization('alice', alice.identity, 'get', '/v1/discovery', 1_700_000_000_000);
  const credentials = parseAuthorization(header);
  if (credentials.scheme !== 'device') throw new Error(`parsed as ${credentials.scheme}`);
  const device = { deviceId: 'alice', status: 'active', publicKeyPem: alice.identity.publicKeyPem } as never;
  const input = { credentials, method: 'GET', path: '/v1/discovery', nowMs: 1_700_000_000_000, lookupDevice: async () => device };
  await expect(authenticateDevice(input)).resolves.toEqual({ kind: 'device', deviceId: 'alice' });
  await expect(authenticateDevice({ ...input, path: '/v1/devices' })).rejects.toThrow(/does not verify/);
});
