import { parseWith, SealedConfigEnvelope, sealedConfigBytes, sealedConfigSha256 } from '@iotreg/common';
import { createHash } from 'node:crypto';
import { openConfig, sealConfig } from './config-seal';
import { DeviceIdentity } from './identity';
import { SealError, SealErrorCode } from './seal';

const device = { deviceId: 'thermo-1', identity: DeviceIdentity.generate() };
const other = { deviceId: 'thermo-2', identity: DeviceIdentity.generate() };
const ledgerView = { deviceId: device.deviceId, publicKeyPem: device.identity.publicKeyPem };
const CONFIG = '{"broker":"mqtts://10.0.4.2","peers":["thermo-7","valve-3"]}';

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

test('the device opens its configuration; the envelope shows none of it and fits the ledger schema', () => {
  const envelope = sealConfig(ledgerView, 3, CONFIG);
  expect(parseWith(SealedConfigEnvelope, envelope)).toEqual(envelope);
  expect(envelope).toMatchObject({ v: 1, deviceId: 'thermo-1', keyId: device.identity.keyId, version: 3 });
  expect(JSON.stringify(envelope)).not.toContain('mqtts');
  expect(openConfig(device, envelope).toString('utf8')).toBe(CONFIG);
  // One byte string, one digest: what the ledger holds for an off-chain envelope.
  expect(sealedConfigSha256(envelope)).toBe(createHash('sha256').update(sealedConfigBytes(envelope)).digest('hex'));
  expect(sealedConfigSha256({ ...envelope })).toBe(sealedConfigSha256(JSON.parse(JSON.stringify(envelope))));
});

test('another device cannot open it, even by claiming to be its recipient', () => {
  const envelope = sealConfig(ledgerView, 1, CONFIG);
  fails(() => openConfig(other, envelope), 'WRONG_RECIPIENT');
  fails(() => openConfig({ deviceId: 'thermo-1', identity: other.identity }, envelope), 'WRONG_RECIPIENT');
  fails(() => openConfig(other, { ...envelope, deviceId: 'thermo-2', keyId: other.identity.keyId }), 'DECRYPTION_FAILED');
});

test('it opens only as the version it was sealed as, and unaltered', () => {
  const envelope = sealConfig(ledgerView, 1, CONFIG);
  fails(() => openConfig(device, { ...envelope, version: 2 }), 'DECRYPTION_FAILED');
  const bytes = Buffer.from(envelope.ciphertext, 'base64');
  bytes[0]! ^= 1;
  fails(() => openConfig(device, { ...envelope, ciphertext: bytes.toString('base64') }), 'DECRYPTION_FAILED');
});

test('sealing needs a P-256 key: an Ed25519 device cannot be sealed to', () => {
  const ed = DeviceIdentity.generate('ed25519');
  fails(() => sealConfig({ deviceId: 'ed-1', publicKeyPem: ed.publicKeyPem }, 1, CONFIG), 'UNSUITABLE_KEY');
});
