/**
 * parsePublicKey reads PEMs in OpenSSL's own layout without OpenSSL's decoders; every answer must
 * be the one the decoders give (text, keyId, algorithm, verification, refusal).
 */
import { createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { p256 } from '@noble/curves/nist';
import { parsePublicKey, spkiPem, verifyStatement } from './keys';
import { canonicalStatement, statements } from './statements';

/** What the decoders make of a PEM: re-encoded text, keyId, key type. */
function decoded(pem: string) {
  const key = createPublicKey(pem);
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: createHash('sha256').update(der).digest('hex'),
    type: key.asymmetricKeyType,
  };
}

const pemOf = (key: KeyObject) => key.export({ type: 'spki', format: 'pem' }).toString();
/** The same DER laid out differently: one long base64 line and CRLFs, which only the decoders read. */
const relaid = (pem: string) => {
  const [header, ...lines] = pem.trimEnd().split('\n');
  const footer = lines.pop();
  return `${header}\r\n${lines.join('')}\r\n${footer}\r\n`;
};

test.each(['ec', 'ed25519'] as const)('a %s key in OpenSSL layout or any other parses as the decoders read it', (type) => {
  for (let i = 0; i < 20; i++) {
    const { publicKey } = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
    const pem = pemOf(publicKey);
    const expected = decoded(pem);
    for (const text of [pem, `\n  ${pem.trimEnd()}  \n\n`, relaid(pem)]) {
      const parsed = parsePublicKey(text);
      expect({ pem: parsed.pem, keyId: parsed.keyId }).toEqual({ pem: expected.pem, keyId: expected.keyId });
      expect(parsed.algorithm).toBe(type === 'ec' ? 'ecdsa-p256' : 'ed25519');
      expect(parsed.key.asymmetricKeyType).toBe(expected.type);
    }
  }
});

test('a key parsed without the decoders verifies what its private key signed, and nothing else', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const statement = statements.register('dev-1', 'a'.repeat(64), 'Org1MSP', 'fam');
  const der = sign('sha256', Buffer.from(canonicalStatement(statement)), { key: privateKey, dsaEncoding: 'der' });
  const lowS = Buffer.from(p256.Signature.fromDER(der).normalizeS().toDERRawBytes()).toString('base64');
  const key = parsePublicKey(pemOf(publicKey));
  expect(verifyStatement(key, statement, lowS)).toBe(true);
  expect(verifyStatement(key, { ...statement, deviceId: 'dev-2' }, lowS)).toBe(false);
});

test('a compressed P-256 point takes the decoders and reads back as OpenSSL writes it', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const uncompressed = publicKey.export({ type: 'spki', format: 'der' });
  const point = p256.Point.fromHex(uncompressed.subarray(26).toString('hex'));
  const prefix = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
  const compressed = spkiPem(Buffer.concat([prefix, Buffer.from(point.toBytes(true))]));
  expect(parsePublicKey(compressed)).toMatchObject({ pem: decoded(compressed).pem, keyId: decoded(compressed).keyId });
});

test('a point off the curve, or a coordinate past the field, is refused as the decoders refuse it', () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const offCurve = Buffer.from(der);
  offCurve[der.length - 1]! ^= 1;
  const pastField = Buffer.from(der);
  pastField.fill(0xff, 27, 59); // X = 2^256 - 1 > p
  for (const bad of [offCurve, pastField]) {
    expect(() => createPublicKey(spkiPem(bad))).toThrow();
    expect(() => parsePublicKey(spkiPem(bad))).toThrow('publicKeyPem is not a valid public key');
  }
});

test('other key types and malformed text are refused', () => {
  const rsa = pemOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
  expect(() => parsePublicKey(rsa, 'key')).toThrow('key must be an ECDSA P-256 or Ed25519 key');
  const p384 = pemOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey);
  expect(() => parsePublicKey(p384)).toThrow('must be an ECDSA P-256 or Ed25519 key');
  expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow('is not a valid public key');
  expect(() => parsePublicKey('not a key')).toThrow('must be a PEM SubjectPublicKeyInfo');
});
