import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { parsePublicKey, statements, verifyStatement } from '@iotreg/common';
import { DeviceIdentity } from './identity';

const statement = statements.register('dev-1', 'a'.repeat(64), 'Org1MSP', 'fam');

describe.each(['p256', 'ed25519'] as const)('a %s identity', (type) => {
  const identity = DeviceIdentity.generate(type);
  const ledgerKey = parsePublicKey(identity.publicKeyPem);

  test('its keyId is the hex SHA-256 of the DER SubjectPublicKeyInfo', () => {
    const der = createPublicKey(identity.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(identity.keyId).toBe(createHash('sha256').update(der).digest('hex'));
    expect(ledgerKey.keyId).toBe(identity.keyId);
    expect(identity.algorithm).toBe(type === 'p256' ? 'ecdsa-p256' : 'ed25519');
  });

  test('its signature verifies with the ledger-side verifier, and only for the statement signed', () => {
    const signature = identity.sign(statement);
    expect(verifyStatement(ledgerKey, statement, signature)).toBe(true);
    expect(verifyStatement(ledgerKey, { ...statement, deviceId: 'dev-2' }, signature)).toBe(false);
    expect(verifyStatement(parsePublicKey(DeviceIdentity.generate(type).publicKeyPem), statement, signature)).toBe(false);
    const bytes = Buffer.from(signature, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(verifyStatement(ledgerKey, statement, bytes.toString('base64'))).toBe(false);
  });

  test('the key survives export as PKCS#8 and import', () => {
    const pem = identity.exportPrivateKeyPem();
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const copy = DeviceIdentity.fromPrivateKeyPem(pem);
    expect(copy.keyId).toBe(identity.keyId);
    expect(verifyStatement(ledgerKey, statement, copy.sign(statement))).toBe(true);
  });
});

test('P-256 is the default and signs DER ECDSA-SHA256 over the canonical form', () => {
  const identity = DeviceIdentity.generate();
  const signature = Buffer.from(identity.sign({ b: 1, a: 'x' }), 'base64');
  expect(signature[0]).toBe(0x30); // DER SEQUENCE, not the 64-byte IEEE P1363 form
  expect(verify('sha256', Buffer.from('{"a":"x","b":1}'), { key: identity.publicKey.key, dsaEncoding: 'der' }, signature)).toBe(true);
});

test('a SEC1 EC private key is read too', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const identity = DeviceIdentity.fromPrivateKeyPem(privateKey.export({ type: 'sec1', format: 'pem' }).toString());
  expect(identity.publicKeyPem).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
});

describe('keys that are not a device key are refused', () => {
  test.each([
    ['garbage', () => 'not a key'],
    ['a public key', () => DeviceIdentity.generate().publicKeyPem],
    [
      'an encrypted key',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
          .toString(),
    ],
  ])('%s', (_, pem) => {
    expect(() => DeviceIdentity.fromPrivateKeyPem(pem())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  test.each([
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
  ])('%s', (_, key) => {
    const pem = key().export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => DeviceIdentity.fromPrivateKeyPem(pem)).toThrow(/P-256 or Ed25519/);
  });
});
