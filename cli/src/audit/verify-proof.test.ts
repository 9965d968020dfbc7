import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { blockHeaderBytes } from './block-hashing';
import type { TransactionProof } from '@iotreg/common';
import { bftQuorum, CheckName, ProofVerification, verifyProof } from './verify-proof';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const BUNDLE = JSON.parse(fixture('proof-bundle.json')) as TransactionProof;
const ORDERER_CA = new X509Certificate(fixture('orderer-ca.pem'));
const ORG1_CA = new X509Certificate(fixture('org1-ca.pem'));

/** A copy of the real bundle whose block `edit` changed (re-serialized with fabric-protos). */
function tampered(edit: (block: common.Block) => void, changes: Partial<TransactionProof> = {}): TransactionProof {
  const block = common.Block.deserializeBinary(Buffer.from(BUNDLE.block, 'base64'));
  edit(block);
  return { ...BUNDLE, ...changes, block: Buffer.from(block.serializeBinary()).toString('base64') };
}

function signatureMetadata(block: common.Block): common.Metadata {
  const list = block.getMetadata()?.getMetadataList_asU8() ?? [];
  return common.Metadata.deserializeBinary(list[common.BlockMetadataIndex.SIGNATURES] as Uint8Array);
}

function setSignatureMetadata(block: common.Block, metadata: common.Metadata): void {
  const list = [...(block.getMetadata()?.getMetadataList_asU8() ?? [])];
  list[common.BlockMetadataIndex.SIGNATURES] = metadata.serializeBinary();
  block.getMetadata()?.setMetadataList(list);
}

function editSignatures(edit: (signatures: common.MetadataSignature[]) => common.MetadataSignature[]) {
  return (block: common.Block) => {
    const metadata = signatureMetadata(block);
    metadata.setSignaturesList(edit(metadata.getSignaturesList()));
    setSignatureMetadata(block, metadata);
  };
}

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0x01;
  return copy;
}

function failedChecks(result: ProofVerification): Partial<Record<CheckName, string>> {
  return Object.fromEntries(result.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
}

describe('the real bundle', () => {
  test('is valid: every check passes and 3 distinct consenters signed', () => {
    const result = verifyProof(BUNDLE, ORDERER_CA);
    expect(failedChecks(result)).toEqual({});
    expect(result.valid).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(['transaction', 'validation', 'dataHash', 'header', 'signatures']);
    expect(result.blockNumber).toBe(BUNDLE.blockNumber);
    expect(result.signers.filter((s) => s.counted).map((s) => s.consenterId).sort()).toEqual([1, 3, 4]);
    expect(result.checks.find((c) => c.name === 'signatures')?.detail).toBe(
      '3 distinct valid consenter signature(s) of 4 consenters; a quorum is 3',
    );
  });

  test('was signed by exactly a quorum, so losing any one signature breaks it', () => {
    const block = common.Block.deserializeBinary(Buffer.from(BUNDLE.block, 'base64'));
    expect(signatureMetadata(block).getSignaturesList()).toHaveLength(bftQuorum(BUNDLE.consenters.length));
  });
});

describe('tampered bundles are rejected with the reason', () => {
  test('an altered transaction: the data hash no longer matches', () => {
    const bundle = tampered((block) => {
      const data = block.getData() as common.BlockData;
      const envelope = common.Envelope.deserializeBinary(data.getDataList_asU8()[0] as Uint8Array);
      envelope.setSignature(flipLastByte(envelope.getSignature_asU8()));
      data.setDataList([envelope.serializeBinary()]);
    });
    const result = verifyProof(bundle, ORDERER_CA);
    expect(result.valid).toBe(false);
    expect(failedChecks(result)).toEqual({
      dataHash: 'the block data does not match header.data_hash: a transaction was altered, added or removed',
    });
  });

  test('an altered transaction with a recomputed data hash: the orderer signatures no longer verify', () => {
    const bundle = tampered((block) => {
      const data = block.getData() as common.BlockData;
      const envelope = common.Envelope.deserializeBinary(data.getDataList_asU8()[0] as Uint8Array);
      envelope.setSignature(flipLastByte(envelope.getSignature_asU8()));
      data.setDataList([envelope.serializeBinary()]);
      block.getHeader()?.setDataHash(createHash('sha256').update(data.getDataList_asU8()[0] as Uint8Array).digest());
    });
    const result = verifyProof(bundle, ORDERER_CA);
    expect(Object.keys(failedChecks(result))).toEqual(['signatures']);
    expect(result.signers.every((s) => s.reason === 'the signature does not verify over this block header')).toBe(true);
  });

  test('an altered header (previous hash): no signature verifies', () => {
    const bundle = tampered((block) => block.getHeader()?.setPreviousHash(flipLastByte(block.getHeader()?.getPreviousHash_asU8() ?? new Uint8Array())));
    const result = verifyProof(bundle, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ signatures: '0 distinct valid consenter signature(s) of 4 consenters; a quorum is 3' });
  });

  test('an altered block number: the header does not match and no signature verifies', () => {
    const bundle = tampered((block) => block.getHeader()?.setNumber(BUNDLE.blockNumber + 1));
    expect(Object.keys(failedChecks(verifyProof(bundle, ORDERER_CA)))).toEqual(['header', 'signatures']);
  });

  test('one altered signature: 2 of 3 left, below the quorum, and the bad signer is named', () => {
    const bundle = tampered(
      editSignatures((signatures) => {
        const first = signatures[0] as common.MetadataSignature;
        first.setSignature(flipLastByte(first.getSignature_asU8()));
        return signatures;
      }),
    );
    const result = verifyProof(bundle, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 consenters; a quorum is 3' });
    expect(result.signers[0]).toMatchObject({ counted: false, reason: 'the signature does not verify over this block header' });
  });

  test('only 2 signatures', () => {
    const bundle = tampered(editSignatures((signatures) => signatures.slice(0, 2)));
    const result = verifyProof(bundle, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 consenters; a quorum is 3' });
    expect(result.signers).toHaveLength(2);
  });

  test('one consenter signing twice counts once', () => {
    const bundle = tampered(editSignatures((signatures) => [signatures[0], signatures[1], signatures[0]] as common.MetadataSignature[]));
    const result = verifyProof(bundle, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 consenters; a quorum is 3' });
    expect(result.signers[2]).toMatchObject({ counted: false, reason: 'a second signature by the same consenter' });
  });

  test('a signature moved to another consenter ID does not verify for that consenter', () => {
    const bundle = tampered(
      editSignatures((signatures) => {
        const first = signatures[0] as common.MetadataSignature;
        const header = common.IdentifierHeader.deserializeBinary(first.getIdentifierHeader_asU8());
        header.setIdentifier(2); // the consenter that did not sign
        first.setIdentifierHeader(header.serializeBinary());
        return signatures;
      }),
    );
    const result = verifyProof(bundle, ORDERER_CA);
    expect(result.valid).toBe(false);
    expect(result.signers[0]).toMatchObject({ consenterId: 2, counted: false });
  });

  test('the wrong CA: no consenter certificate chains to it', () => {
    const result = verifyProof(BUNDLE, ORG1_CA);
    expect(failedChecks(result)).toEqual({ signatures: '0 distinct valid consenter signature(s) of 4 consenters; a quorum is 3' });
    expect(result.signers.map((s) => s.reason)).toEqual(Array(3).fill('the certificate was not issued by the given CA'));
  });

  test('a consenter mapping that swaps in a certificate the CA did not issue', () => {
    const [first, ...rest] = BUNDLE.consenters;
    const bundle = { ...BUNDLE, consenters: [{ ...first, identity: fixture('org1-ca.pem') } as TransactionProof['consenters'][number], ...rest] };
    const result = verifyProof(bundle, ORDERER_CA);
    expect(result.valid).toBe(false);
    expect(result.signers.find((s) => s.consenterId === first?.id)?.reason).toBe('the certificate was not issued by the given CA');
  });

  test('a consenter mapping from another config block than the one the orderers signed', () => {
    const result = verifyProof({ ...BUNDLE, configBlockNumber: BUNDLE.configBlockNumber + 1 }, ORDERER_CA);
    expect(failedChecks(result)).toEqual({
      signatures: `the orderers signed config block ${BUNDLE.configBlockNumber} as in force, the bundle's consenters come from ${BUNDLE.configBlockNumber + 1}`,
    });
  });

  test('another transaction ID than the envelope carries', () => {
    const result = verifyProof({ ...BUNDLE, txId: 'ab'.repeat(32) }, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ transaction: `envelope 0 carries transaction ${BUNDLE.txId}, not ${'ab'.repeat(32)}` });
  });

  test('an envelope index outside the block', () => {
    const result = verifyProof({ ...BUNDLE, envelopeIndex: 1 }, ORDERER_CA);
    expect(failedChecks(result).transaction).toBe("envelopeIndex 1 is outside the block's 1 envelopes");
  });

  test('a validation code the block does not record', () => {
    const result = verifyProof({ ...BUNDLE, validationCode: 'MVCC_READ_CONFLICT', validationCodeValue: 11 }, ORDERER_CA);
    expect(failedChecks(result)).toEqual({ validation: 'the block records VALID, the bundle claims MVCC_READ_CONFLICT' });
  });

  test('a bundle without the consenter mapping (an older gateway)', () => {
    const { consenters: _c, configBlockNumber: _n, ...old } = BUNDLE;
    expect(verifyProof(old, ORDERER_CA)).toEqual({
      valid: false,
      checks: [{ name: 'bundle', ok: false, detail: 'the bundle has no consenter mapping: fetch it again from a gateway that includes one' }],
      signers: [],
    });
  });

  test('a block that is not a block', () => {
    const result = verifyProof({ ...BUNDLE, block: Buffer.from('not a block').toString('base64') }, ORDERER_CA);
    expect(result.valid).toBe(false);
    expect(result.checks[0]?.name).toBe('bundle');
  });
});

describe('building blocks', () => {
  test('BFT quorum: n = 3f+1 consenters need ceil((n+f+1)/2)', () => {
    expect([1, 4, 5, 7, 10].map(bftQuorum)).toEqual([1, 3, 4, 5, 7]);
  });

  test("the block header's DER form is Go's asn1.Marshal of {Number *big.Int, PreviousHash, DataHash []byte}", () => {
    const header = new common.BlockHeader();
    header.setNumber(246); // 0xf6: its high bit set, so DER adds a leading zero byte
    header.setPreviousHash(Buffer.alloc(2, 0xaa));
    header.setDataHash(Buffer.alloc(1, 0xbb));
    expect(blockHeaderBytes(header).toString('hex')).toBe('300b' + '020200f6' + '0402aaaa' + '0401bb');
    header.setNumber(0);
    header.setPreviousHash(new Uint8Array());
    expect(blockHeaderBytes(header).toString('hex')).toBe('3008' + '020100' + '0400' + '0401bb');
  });
});
