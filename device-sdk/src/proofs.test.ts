import { p256 } from '@noble/curves/nist';
import { statements, verifyStatement } from '@iotreg/common';
import { DeviceIdentity } from './identity';
import { registrationProof, rotationProofs } from './proofs';

const target = { deviceId: 'dev-1', ownerMsp: 'Org1MSP', family: 'fam' };

test.each(['p256', 'ed25519'] as const)('a %s registration proof verifies for its device, key, owner and family only', (type) => {
  const identity = DeviceIdentity.generate(type);
  const proof = registrationProof(identity, target);
  const register = (over: Partial<typeof target & { keyId: string }> = {}) => {
    const s = { ...target, keyId: identity.keyId, ...over };
    return statements.register(s.deviceId, s.keyId, s.ownerMsp, s.family);
  };
  expect(verifyStatement(identity.publicKey, register(), proof)).toBe(true);
  expect(verifyStatement(identity.publicKey, register({ deviceId: 'dev-2' }), proof)).toBe(false);
  expect(verifyStatement(identity.publicKey, register({ keyId: 'b'.repeat(64) }), proof)).toBe(false);
  // Another org that saw the proof in a proposal cannot register the device as its own.
  expect(verifyStatement(identity.publicKey, register({ ownerMsp: 'Org2MSP' }), proof)).toBe(false);
  expect(verifyStatement(identity.publicKey, register({ family: 'other' }), proof)).toBe(false);
});

test('P-256 signatures come out low-S, and the high-S twin of a valid signature is refused', () => {
  const identity = DeviceIdentity.generate();
  const statement = statements.register('dev-1', identity.keyId, 'Org1MSP', 'fam');
  for (let i = 0; i < 16; i++) {
    const signature = Buffer.from(identity.sign(statement), 'base64');
    const parsed = p256.Signature.fromDER(signature);
    expect(parsed.hasHighS()).toBe(false);
    // (r, n - s) verifies mathematically: the registry must still refuse it, or one signature has two texts.
    const twin = new p256.Signature(parsed.r, p256.CURVE.n - parsed.s);
    expect(twin.hasHighS()).toBe(true);
    expect(verifyStatement(identity.publicKey, statement, signature.toString('base64'))).toBe(true);
    expect(verifyStatement(identity.publicKey, statement, Buffer.from(twin.toDERRawBytes()).toString('base64'))).toBe(false);
  }
});

test('a signature has one base64 text: stray padding bits are refused', () => {
  const identity = DeviceIdentity.generate('ed25519');
  const statement = statements.register('dev-1', identity.keyId, 'Org1MSP', 'fam');
  const signature = identity.sign(statement); // 64 bytes: "…==" with 4 unused bits before the padding
  expect(signature.endsWith('==')).toBe(true);
  const last = signature.at(-3)!;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const twin = signature.slice(0, -3) + alphabet[alphabet.indexOf(last) ^ 1] + '==';
  expect(Buffer.from(twin, 'base64').equals(Buffer.from(signature, 'base64'))).toBe(true);
  expect(verifyStatement(identity.publicKey, statement, signature)).toBe(true);
  expect(verifyStatement(identity.publicKey, statement, twin)).toBe(false);
});

test('rotation proofs: the old key and the new key sign the same rotate statement', () => {
  const current = DeviceIdentity.generate();
  const next = DeviceIdentity.generate('ed25519');
  const body = rotationProofs('dev-1', current, next);
  const statement = statements.rotate('dev-1', current.keyId, next.keyId);
  expect(body.publicKeyPem).toBe(next.publicKeyPem);
  expect(verifyStatement(current.publicKey, statement, body.proofOld)).toBe(true);
  expect(verifyStatement(next.publicKey, statement, body.proofNew)).toBe(true);
  expect(verifyStatement(next.publicKey, statement, body.proofOld)).toBe(false);
  expect(verifyStatement(current.publicKey, statement, body.proofNew)).toBe(false);
  const reversed = statements.rotate('dev-1', next.keyId, current.keyId);
  expect(verifyStatement(current.publicKey, reversed, body.proofOld)).toBe(false);
});
