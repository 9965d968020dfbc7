import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { p256 } from '@noble/curves/nist';
import { newNativeSigner } from './signer';

test('signatures verify over SHA-256 of the message and are always low-S DER', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signer = newNativeSigner(privateKey);
  for (let i = 0; i < 64; i++) {
    const message = Buffer.from(`proposal ${i}`);
    const der = await signer(message);
    expect(verify('sha256', message, publicKey, der)).toBe(true);
    const signature = p256.Signature.fromBytes(der, 'der');
    expect(signature.hasHighS()).toBe(false);
    // The same signature as noble would check it against the digest fabric-gateway hashes otherwise.
    const digest = createHash('sha256').update(message).digest();
    const point = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    expect(p256.verify(der, digest, point, { prehash: false, lowS: true, format: 'der' })).toBe(true);
  }
});

test('only P-256 keys', () => {
  expect(() => newNativeSigner(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey)).toThrow(/P-256/);
  expect(() => newNativeSigner(generateKeyPairSync('ed25519').privateKey)).toThrow(/P-256/);
});
