/**
 * The browser's stand-ins for node:crypto give the proof verifier the answers node:crypto gives:
 * certificates read alike, signatures verify alike, and the verifier run on them passes a real
 * proof and fails a tampered one, as `iotreg audit verify` does.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import type { TransactionProof } from '@iotreg/common';

// The verifier below (cli/src/audit) gets the browser's primitives instead of node's.
jest.mock('node:crypto', () => jest.requireActual('./node-crypto'));

import * as shim from './node-crypto';
import { verifyProof } from '../../../cli/src/audit/verify-proof';

const real = jest.requireActual<typeof import('node:crypto')>('node:crypto');
const BUNDLE = JSON.parse(
  readFileSync(join(__dirname, '../../../cli/src/audit/__fixtures__/proof-bundle.json'), 'utf8'),
) as TransactionProof;
const PEMS = BUNDLE.consenters.map((c) => c.identity);

test('certificates: the same subject and fingerprint as node', () => {
  for (const pem of PEMS) {
    const ours = new shim.X509Certificate(pem);
    const node = new real.X509Certificate(pem);
    expect(ours.subject).toBe(node.subject);
    expect(ours.fingerprint256).toBe(node.fingerprint256);
  }
  expect(() => new shim.X509Certificate('not a certificate')).toThrow();
});

test('signatures: what node signs verifies, a changed message or signature does not', () => {
  const { privateKey, publicKey } = real.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const key: shim.BrowserPublicKey = { curve: '1.2.840.10045.3.1.7', point: new Uint8Array(spki.subarray(spki.length - 65)) };
  const message = Buffer.from('block header');
  const signature = real.sign('sha256', message, privateKey);
  expect(shim.verify('sha256', message, key, signature)).toBe(true);
  expect(shim.verify('sha256', Buffer.from('another header'), key, signature)).toBe(false);
  const bad = Buffer.from(signature);
  bad[bad.length - 1]! ^= 1;
  expect(shim.verify('sha256', message, key, bad)).toBe(false);
  expect(shim.createHash('sha256').update(message).digest('hex')).toBe(real.createHash('sha256').update(message).digest('hex'));
});

test('the verifier passes the captured proof with every check, as the CLI does', () => {
  const result = verifyProof(BUNDLE, { consenters: PEMS });
  expect(result.checks.map((c) => [c.name, c.ok])).toEqual(
    ['consenters', 'transaction', 'validation', 'dataHash', 'header', 'signatures'].map((name) => [name, true]),
  );
  expect(result.signers.filter((s) => s.counted)).toHaveLength(3);
  expect(result.valid).toBe(true);
});

test('the verifier fails a proof whose orderer signatures were changed, naming the signatures check', () => {
  const block = common.Block.deserializeBinary(Buffer.from(BUNDLE.block, 'base64'));
  const metadata = block.getMetadata()!;
  const list = metadata.getMetadataList_asU8();
  const signatures = common.Metadata.deserializeBinary(list[common.BlockMetadataIndex.SIGNATURES]!);
  for (const signature of signatures.getSignaturesList()) {
    const bytes = Buffer.from(signature.getSignature_asU8());
    bytes[bytes.length - 1]! ^= 1;
    signature.setSignature(bytes);
  }
  list[common.BlockMetadataIndex.SIGNATURES] = signatures.serializeBinary();
  metadata.setMetadataList(list);
  const result = verifyProof({ ...BUNDLE, block: Buffer.from(block.serializeBinary()).toString('base64') }, { consenters: PEMS });
  expect(result.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['signatures']);
  expect(result.signers.filter((s) => s.counted)).toHaveLength(0);
  expect(result.valid).toBe(false);
});
