import { nextKeyDigest, parsePublicKey, statements, verifyStatement } from '@iotreg/common';
import { birthCertificate } from './attestation';
import { DeviceIdentity } from './identity';
import { commitmentTo, committedRegistration, committedRotation, preRotation } from './pre-rotation';

const target = { deviceId: 'd1', ownerMsp: 'Org1MSP', family: 'fam' };

test('the commitment is the next key keyId, from the key or its PEM alike', () => {
  const next = DeviceIdentity.generate('ed25519');
  expect(commitmentTo(next)).toBe(next.keyId);
  expect(commitmentTo(next.publicKeyPem)).toBe(next.keyId);
  expect(nextKeyDigest(next.publicKeyPem)).toBe(parsePublicKey(next.publicKeyPem).keyId);
});

test('registration, rotation and pre-rotation sign the statements the chaincode checks', () => {
  const [current, next, after] = [DeviceIdentity.generate(), DeviceIdentity.generate(), DeviceIdentity.generate()];
  const registration = committedRegistration(current, target, next);
  const registered = statements.registerCommitted('d1', current.keyId, 'Org1MSP', 'fam', next.keyId);
  expect(verifyStatement(current.publicKey, registered, registration.proof)).toBe(true);

  const rotation = committedRotation('d1', current, next, after);
  const rotated = statements.rotateCommitted('d1', current.keyId, next.keyId, after.keyId);
  expect(rotation.nextKeyDigest).toBe(after.keyId);
  expect(verifyStatement(current.publicKey, rotated, rotation.proofOld)).toBe(true);
  expect(verifyStatement(next.publicKey, rotated, rotation.proofNew)).toBe(true);

  const revealed = preRotation('d1', current.keyId, next, after);
  const preRotated = statements.preRotate('d1', current.keyId, next.keyId, after.keyId);
  expect(revealed).toEqual({ publicKeyPem: next.publicKeyPem, nextKeyDigest: after.keyId, proof: expect.any(String) });
  expect(verifyStatement(next.publicKey, preRotated, revealed.proof)).toBe(true);
  // The current key signs nothing of a pre-rotation.
  expect(verifyStatement(current.publicKey, preRotated, revealed.proof)).toBe(false);
});

test("a birth certificate is the maker's signature over the device's ID, family and key", () => {
  const factory = DeviceIdentity.generate();
  const device = DeviceIdentity.generate();
  const certificate = birthCertificate(factory, 'acme', { deviceId: 'd1', family: 'fam', keyId: device.keyId });
  expect(certificate.maker).toBe('acme');
  const statement = statements.manufacture('d1', 'fam', device.keyId, 'acme');
  expect(verifyStatement(factory.publicKey, statement, certificate.signature)).toBe(true);
  expect(verifyStatement(factory.publicKey, statements.manufacture('d2', 'fam', device.keyId, 'acme'), certificate.signature)).toBe(false);
});
