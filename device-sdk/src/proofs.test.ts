import { statements, verifyStatement } from '@iotreg/common';
import { DeviceIdentity } from './identity';
import { registrationProof, rotationProofs } from './proofs';

test.each(['p256', 'ed25519'] as const)('a %s registration proof verifies for its device and key only', (type) => {
  const identity = DeviceIdentity.generate(type);
  const proof = registrationProof(identity, 'dev-1');
  expect(verifyStatement(identity.publicKey, statements.register('dev-1', identity.keyId), proof)).toBe(true);
  expect(verifyStatement(identity.publicKey, statements.register('dev-2', identity.keyId), proof)).toBe(false);
  expect(verifyStatement(identity.publicKey, statements.register('dev-1', 'b'.repeat(64)), proof)).toBe(false);
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
