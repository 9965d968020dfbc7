import { randomBytes } from 'node:crypto';
import { DeviceIdentity } from './identity';
import { open, seal, SealedEnvelope, SealError, SealErrorCode } from './seal';

const alice = { deviceId: 'alice', identity: DeviceIdentity.generate() };
const bob = { deviceId: 'bob', identity: DeviceIdentity.generate() };
const eve = { deviceId: 'eve', identity: DeviceIdentity.generate() };
const toBob = { deviceId: 'bob', publicKeyPem: bob.identity.publicKeyPem };

function fails(run: () => unknown, code: SealErrorCode): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SealError);
  expect((caught as SealError).code).toBe(code);
}

const flipped = (base64: string) => {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0]! ^= 1;
  return bytes.toString('base64');
};

/** What the sender's key would sign: lets a test reach the layer below the signature. */
function resigned(envelope: SealedEnvelope, by = alice.identity): SealedEnvelope {
  const { signature: _, ...unsigned } = envelope;
  return { ...unsigned, signature: by.sign(unsigned) };
}

describe('round trip', () => {
  test.each([
    ['text', 'close valve 3'],
    ['binary', randomBytes(1000)],
    ['empty', ''],
  ])('%s', (_, message) => {
    const envelope = seal(alice, toBob, message);
    const opened = open(bob, envelope, alice.identity.publicKeyPem);
    expect(opened).toEqual(Buffer.isBuffer(message) ? message : Buffer.from(message));
  });

  test('the envelope names both devices and keys and survives JSON', () => {
    const envelope = JSON.parse(JSON.stringify(seal(alice, toBob, 'x'))) as unknown;
    expect(envelope).toMatchObject({
      v: 1,
      senderDeviceId: 'alice',
      senderKeyId: alice.identity.keyId,
      recipientDeviceId: 'bob',
      recipientKeyId: bob.identity.keyId,
    });
    expect(open(bob, envelope, alice.identity.publicKeyPem).toString()).toBe('x');
  });

  test('every envelope has its own ephemeral key and IV, so equal messages look different', () => {
    const one = seal(alice, toBob, 'same');
    const two = seal(alice, toBob, 'same');
    expect(one.ephemeralPublicKeyPem).not.toBe(two.ephemeralPublicKeyPem);
    expect(one.iv).not.toBe(two.iv);
    expect(one.ciphertext).not.toBe(two.ciphertext);
  });

  test('an Ed25519 sender can seal to a P-256 recipient: only the recipient needs ECDH', () => {
    const ed = { deviceId: 'ed', identity: DeviceIdentity.generate('ed25519') };
    expect(open(bob, seal(ed, toBob, 'hi'), ed.identity.publicKeyPem).toString()).toBe('hi');
  });
});

describe('tampering with any field is detected', () => {
  const envelope = seal(alice, toBob, 'open the valve');
  const otherKey = DeviceIdentity.generate();
  test.each<[keyof SealedEnvelope, unknown, SealErrorCode]>([
    ['v', 2, 'MALFORMED_ENVELOPE'],
    ['senderDeviceId', 'mallory', 'BAD_SIGNATURE'],
    ['senderKeyId', otherKey.keyId, 'SENDER_KEY_MISMATCH'],
    ['recipientDeviceId', 'carol', 'WRONG_RECIPIENT'],
    ['recipientKeyId', otherKey.keyId, 'WRONG_RECIPIENT'],
    ['ephemeralPublicKeyPem', otherKey.publicKeyPem, 'BAD_SIGNATURE'],
    ['iv', flipped(envelope.iv), 'BAD_SIGNATURE'],
    ['ciphertext', flipped(envelope.ciphertext), 'BAD_SIGNATURE'],
    ['tag', flipped(envelope.tag), 'BAD_SIGNATURE'],
    ['signature', flipped(envelope.signature), 'BAD_SIGNATURE'],
  ])('%s', (field, value, code) => {
    expect(envelope[field]).not.toEqual(value);
    fails(() => open(bob, { ...envelope, [field]: value }, alice.identity.publicKeyPem), code);
  });

  test.each<[keyof SealedEnvelope, unknown]>([
    ['senderDeviceId', 'mallory'],
    ['ephemeralPublicKeyPem', otherKey.publicKeyPem],
    ['iv', flipped(envelope.iv)],
    ['ciphertext', flipped(envelope.ciphertext)],
    ['tag', flipped(envelope.tag)],
  ])('%s, even re-signed by the sender, fails the AES-GCM check', (field, value) => {
    fails(() => open(bob, resigned({ ...envelope, [field]: value } as SealedEnvelope), alice.identity.publicKeyPem), 'DECRYPTION_FAILED');
  });

  test('the untampered envelope still opens (the cases above fail for their change alone)', () => {
    expect(open(bob, envelope, alice.identity.publicKeyPem).toString()).toBe('open the valve');
    expect(open(bob, resigned(envelope), alice.identity.publicKeyPem).toString()).toBe('open the valve');
  });
});

describe('wrong parties', () => {
  const envelope = seal(alice, toBob, 'for bob');

  test('another device cannot open it', () => {
    fails(() => open(eve, envelope, alice.identity.publicKeyPem), 'WRONG_RECIPIENT');
    fails(() => open({ deviceId: 'bob', identity: eve.identity }, envelope, alice.identity.publicKeyPem), 'WRONG_RECIPIENT');
  });

  test("readdressed to another key by the sender, it still can't be decrypted by that key", () => {
    const readdressed = resigned({ ...envelope, recipientDeviceId: 'eve', recipientKeyId: eve.identity.keyId });
    fails(() => open(eve, readdressed, alice.identity.publicKeyPem), 'DECRYPTION_FAILED');
  });

  test('a sender key other than the one the envelope names is refused', () => {
    fails(() => open(bob, envelope, eve.identity.publicKeyPem), 'SENDER_KEY_MISMATCH');
  });

  test('a forger naming the sender key cannot sign for it', () => {
    const forged = seal({ deviceId: 'alice', identity: eve.identity }, toBob, 'forged');
    fails(() => open(bob, { ...forged, senderKeyId: alice.identity.keyId }, alice.identity.publicKeyPem), 'BAD_SIGNATURE');
  });
});

describe('Ed25519 keys cannot receive', () => {
  const ed = { deviceId: 'ed', identity: DeviceIdentity.generate('ed25519') };

  test('sealing to an Ed25519 recipient is refused with a clear error', () => {
    fails(() => seal(alice, { deviceId: 'ed', publicKeyPem: ed.identity.publicKeyPem }, 'x'), 'UNSUITABLE_KEY');
    expect(() => seal(alice, { deviceId: 'ed', publicKeyPem: ed.identity.publicKeyPem }, 'x')).toThrow(
      /recipient ed has an ed25519 key: sealing needs ECDH, so a P-256 key/,
    );
  });

  test('an Ed25519 device refuses to open', () => {
    const envelope = seal(alice, toBob, 'x');
    fails(() => open(ed, envelope, alice.identity.publicKeyPem), 'UNSUITABLE_KEY');
  });
});

describe('malformed envelopes are refused before anything is verified', () => {
  const envelope = seal(alice, toBob, 'x');
  const { tag: _, ...withoutTag } = envelope;
  test.each<[string, unknown]>([
    ['not an object', 'envelope'],
    ['an array', [envelope]],
    ['a missing tag', withoutTag],
    ['an unknown field', { ...envelope, note: 'unsigned' }],
    ['a short IV', { ...envelope, iv: Buffer.alloc(8).toString('base64') }],
    ['a short tag', { ...envelope, tag: Buffer.alloc(12).toString('base64') }],
    ['a ciphertext that is not base64', { ...envelope, ciphertext: 'not base64!' }],
    ['a sender ID outside the format', { ...envelope, senderDeviceId: 'a b' }],
  ])('%s', (_, value) => {
    fails(() => open(bob, value, alice.identity.publicKeyPem), 'MALFORMED_ENVELOPE');
  });

  test('an ephemeral key that is not P-256, signed by the sender, is refused', () => {
    const ed = DeviceIdentity.generate('ed25519');
    fails(
      () => open(bob, resigned({ ...envelope, ephemeralPublicKeyPem: ed.publicKeyPem }), alice.identity.publicKeyPem),
      'MALFORMED_ENVELOPE',
    );
  });
});
