import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { common } from '@hyperledger/fabric-protos';
import { blockDataHash, blockHash, blockHeaderBytes } from './block-hashing';
import type { Consenter, TransactionProof } from '@iotreg/common';
import { bftQuorum, CheckName, ProofTrust, ProofVerification, verifyProof } from './verify-proof';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const BUNDLE = JSON.parse(fixture('proof-bundle.json')) as TransactionProof;
const ORDERER_CA = fixture('orderer-ca.pem');
const ORG1_CA = fixture('org1-ca.pem');
/** The live network's four consenter certificates, as an auditor would pin them. */
const PINNED: ProofTrust = { consenters: BUNDLE.consenters.map((c) => c.identity) };

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
    const result = verifyProof(BUNDLE, PINNED);
    expect(failedChecks(result)).toEqual({});
    expect(result.valid).toBe(true);
    expect(result.checks.map((c) => c.name)).toEqual(['consenters', 'transaction', 'validation', 'dataHash', 'header', 'signatures']);
    expect(result.blockNumber).toBe(BUNDLE.blockNumber);
    expect(
      result.signers
        .filter((s) => s.counted)
        .map((s) => s.consenterId)
        .sort(),
    ).toEqual([1, 3, 4]);
    expect(result.checks.find((c) => c.name === 'signatures')?.detail).toBe(
      '3 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
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
    const result = verifyProof(bundle, PINNED);
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
      block.getHeader()?.setDataHash(
        createHash('sha256')
          .update(data.getDataList_asU8()[0] as Uint8Array)
          .digest(),
      );
    });
    const result = verifyProof(bundle, PINNED);
    expect(Object.keys(failedChecks(result))).toEqual(['signatures']);
    expect(result.signers.every((s) => s.reason === 'the signature does not verify over this block header')).toBe(true);
  });

  test('an altered header (previous hash): no signature verifies', () => {
    const bundle = tampered((block) =>
      block.getHeader()?.setPreviousHash(flipLastByte(block.getHeader()?.getPreviousHash_asU8() ?? new Uint8Array())),
    );
    const result = verifyProof(bundle, PINNED);
    expect(failedChecks(result)).toEqual({ signatures: '0 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3' });
  });

  test('an altered block number: the header does not match and no signature verifies', () => {
    const bundle = tampered((block) => block.getHeader()?.setNumber(BUNDLE.blockNumber + 1));
    expect(Object.keys(failedChecks(verifyProof(bundle, PINNED)))).toEqual(['header', 'signatures']);
  });

  test('one altered signature: 2 of 3 left, below the quorum, and the bad signer is named', () => {
    const bundle = tampered(
      editSignatures((signatures) => {
        const first = signatures[0] as common.MetadataSignature;
        first.setSignature(flipLastByte(first.getSignature_asU8()));
        return signatures;
      }),
    );
    const result = verifyProof(bundle, PINNED);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3' });
    expect(result.signers[0]).toMatchObject({ counted: false, reason: 'the signature does not verify over this block header' });
  });

  test('only 2 signatures', () => {
    const bundle = tampered(editSignatures((signatures) => signatures.slice(0, 2)));
    const result = verifyProof(bundle, PINNED);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3' });
    expect(result.signers).toHaveLength(2);
  });

  test('one consenter signing twice counts once', () => {
    const bundle = tampered(editSignatures((signatures) => [signatures[0], signatures[1], signatures[0]] as common.MetadataSignature[]));
    const result = verifyProof(bundle, PINNED);
    expect(failedChecks(result)).toEqual({ signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3' });
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
    const result = verifyProof(bundle, PINNED);
    expect(result.valid).toBe(false);
    expect(result.signers[0]).toMatchObject({ consenterId: 2, counted: false });
  });

  test('the wrong CA: the pinned consenters were not issued by it', () => {
    const result = verifyProof(BUNDLE, { ...PINNED, ca: ORG1_CA });
    expect(Object.keys(failedChecks(result))).toEqual(['consenters', 'signatures']);
    expect(failedChecks(result).consenters).toMatch(/^consenter .*CN=orderer0 was not issued by the given CA$/);
  });

  test('the right CA as well as the pins: still valid', () => {
    expect(verifyProof(BUNDLE, { ...PINNED, ca: ORDERER_CA }).valid).toBe(true);
  });

  test('a consenter mapping that swaps in a certificate that is not pinned', () => {
    const [first, ...rest] = BUNDLE.consenters;
    const bundle = { ...BUNDLE, consenters: [{ ...first, identity: ORG1_CA } as Consenter, ...rest] };
    const result = verifyProof(bundle, PINNED);
    expect(failedChecks(result).consenters).toBe(
      "the bundle's consenter mapping lists 4 consenter(s), 3 of them pinned, and the pinned set has 4: it must name exactly the pinned consenters",
    );
  });

  test('a consenter mapping from another config block than the one the orderers signed', () => {
    const result = verifyProof({ ...BUNDLE, configBlockNumber: BUNDLE.configBlockNumber + 1 }, PINNED);
    expect(failedChecks(result)).toEqual({
      signatures: `the orderers signed config block ${BUNDLE.configBlockNumber} as in force, the bundle's consenters come from ${BUNDLE.configBlockNumber + 1}`,
    });
  });

  test('another transaction ID than the envelope carries', () => {
    const result = verifyProof({ ...BUNDLE, txId: 'ab'.repeat(32) }, PINNED);
    expect(failedChecks(result)).toEqual({ transaction: `envelope 0 carries transaction ${BUNDLE.txId}, not ${'ab'.repeat(32)}` });
  });

  test('an envelope index outside the block', () => {
    const result = verifyProof({ ...BUNDLE, envelopeIndex: 1 }, PINNED);
    expect(failedChecks(result).transaction).toBe("envelopeIndex 1 is outside the block's 1 envelopes");
  });

  test('a validation code the block does not record', () => {
    const result = verifyProof({ ...BUNDLE, validationCode: 'MVCC_READ_CONFLICT', validationCodeValue: 11 }, PINNED);
    expect(failedChecks(result)).toEqual({ validation: 'the block records VALID, the bundle claims MVCC_READ_CONFLICT' });
  });

  test('a bundle without the consenter mapping (an older gateway)', () => {
    const { consenters: _c, configBlockNumber: _n, ...old } = BUNDLE;
    expect(verifyProof(old, PINNED)).toEqual({
      valid: false,
      checks: [
        { name: 'bundle', ok: false, detail: 'the bundle has no consenter mapping: fetch it again from a gateway that includes one' },
      ],
      signers: [],
    });
  });

  test('a block that is not a block', () => {
    const result = verifyProof({ ...BUNDLE, block: Buffer.from('not a block').toString('base64') }, PINNED);
    expect(result.valid).toBe(false);
    expect(result.checks[0]?.name).toBe('bundle');
  });
});

/**
 * A synthetic orderer org (__fixtures__/synthetic, see make.sh) whose CA and keys the tests
 * hold: consenters orderer0..3 with IDs 1..4, orderer9 (orderer role, no consenter) and
 * orderer-admin (admin role), all issued by that CA. The real block is re-signed with these.
 */
const synthetic = (name: string) => fixture(join('synthetic', name));
const SYN_CA = synthetic('ca.pem');
const SYN = Object.fromEntries(
  ['orderer0', 'orderer1', 'orderer2', 'orderer3', 'orderer9', 'orderer-admin'].map((name) => [
    name,
    { pem: synthetic(`${name}.pem`), key: createPrivateKey(synthetic(`${name}.key.pem`)) },
  ]),
);
const SYN_CONSENTERS: Consenter[] = [0, 1, 2, 3].map((i) => ({ id: i + 1, mspId: 'OrdererMSP', identity: SYN[`orderer${i}`]!.pem }));
const SYN_PINNED: ProofTrust = { consenters: SYN_CONSENTERS.map((c) => c.identity) };

/** The real block, changed by `edit`, signed by `signers` ([consenter ID, synthetic name]). */
function syntheticBundle(
  signers: [number, string][],
  consenters: Consenter[] = SYN_CONSENTERS,
  edit: (block: common.Block) => void = () => {},
): TransactionProof {
  const block = common.Block.deserializeBinary(Buffer.from(BUNDLE.block, 'base64'));
  edit(block);
  const header = block.getHeader() as common.BlockHeader;
  const metadata = signatureMetadata(block);
  metadata.setSignaturesList(
    signers.map(([id, name]) => {
      const identifier = new common.IdentifierHeader();
      identifier.setIdentifier(id);
      const signature = new common.MetadataSignature();
      signature.setIdentifierHeader(identifier.serializeBinary());
      const signed = Buffer.concat([metadata.getValue_asU8(), identifier.serializeBinary(), blockHeaderBytes(header)]);
      signature.setSignature(sign('sha256', signed, SYN[name]!.key));
      return signature;
    }),
  );
  setSignatureMetadata(block, metadata);
  return {
    ...BUNDLE,
    consenters,
    block: Buffer.from(block.serializeBinary()).toString('base64'),
    configBlock: Buffer.from(configBlock(consenters)).toString('base64'),
  };
}

/** A config block (number `number`, CONFIG envelope, correct data hash) holding a BFT consenter mapping. */
function configBlock(consenters: Consenter[], number = BUNDLE.configBlockNumber): Uint8Array {
  const orderers = new common.Orderers();
  orderers.setConsenterMappingList(
    consenters.map((c) => {
      const consenter = new common.Consenter();
      consenter.setId(c.id);
      consenter.setMspId(c.mspId);
      consenter.setIdentity(Buffer.from(c.identity));
      return consenter;
    }),
  );
  const value = new common.ConfigValue();
  value.setValue(orderers.serializeBinary());
  const ordererGroup = new common.ConfigGroup();
  ordererGroup.getValuesMap().set('Orderers', value);
  const channelGroup = new common.ConfigGroup();
  channelGroup.getGroupsMap().set('Orderer', ordererGroup);
  const config = new common.Config();
  config.setChannelGroup(channelGroup);
  const configEnvelope = new common.ConfigEnvelope();
  configEnvelope.setConfig(config);
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.CONFIG);
  const payloadHeader = new common.Header();
  payloadHeader.setChannelHeader(channelHeader.serializeBinary());
  const payload = new common.Payload();
  payload.setHeader(payloadHeader);
  payload.setData(configEnvelope.serializeBinary());
  const envelope = new common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const data = new common.BlockData();
  data.setDataList([envelope.serializeBinary()]);
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setDataHash(blockDataHash(data.getDataList_asU8()));
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  return block.serializeBinary();
}

function configHash(bytes: Uint8Array): string {
  return blockHash(common.Block.deserializeBinary(bytes).getHeader() as common.BlockHeader).toString('hex');
}

/** An altered transaction with a recomputed data hash: only a signature can tell. */
function alterTransaction(block: common.Block): void {
  const data = block.getData() as common.BlockData;
  const envelope = common.Envelope.deserializeBinary(data.getDataList_asU8()[0] as Uint8Array);
  envelope.setSignature(flipLastByte(envelope.getSignature_asU8()));
  data.setDataList([envelope.serializeBinary()]);
  block.getHeader()?.setDataHash(blockDataHash(data.getDataList_asU8()));
}

describe('the consenter set comes from the auditor, never from the bundle', () => {
  const GENUINE = syntheticBundle([
    [1, 'orderer0'],
    [2, 'orderer1'],
    [3, 'orderer2'],
  ]);
  const TRUSTS: [string, ProofTrust][] = [
    ['pinned certificates', SYN_PINNED],
    ['pinned certificates under the CA, at least 4', { ...SYN_PINNED, ca: SYN_CA, minConsenters: 4 }],
    ["the bundle's config block, pinned by hash", { configBlockSha256: configHash(configBlock(SYN_CONSENTERS)) }],
    ['a trusted config block file', { configBlock: configBlock(SYN_CONSENTERS) }],
    ['the CA and at least 4 consenters', { ca: SYN_CA, minConsenters: 4 }],
  ];

  test.each(TRUSTS)('a genuine quorum (3 of 4) is accepted with %s', (_name, trust) => {
    const result = verifyProof(GENUINE, trust);
    expect(failedChecks(result)).toEqual({});
    expect(result.checks.find((c) => c.name === 'signatures')?.detail).toBe(
      '3 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
    );
  });

  test('the real bundle, its consenters read from a config block pinned by hash', () => {
    const config = configBlock(BUNDLE.consenters);
    const bundle = { ...BUNDLE, configBlock: Buffer.from(config).toString('base64') };
    const result = verifyProof(bundle, { configBlockSha256: configHash(config) });
    expect(failedChecks(result)).toEqual({});
    expect(result.checks[0]?.detail).toBe(`config block 0 (hash ${configHash(config)}, pinned): n = 4, a quorum is 3`);
  });

  test('no trust anchor at all: refused, the bundle alone proves nothing', () => {
    const result = verifyProof(GENUINE, {});
    expect(result.valid).toBe(false);
    expect(failedChecks(result).consenters).toMatch(/^no trusted consenter set/);
    expect(verifyProof(GENUINE, { ca: SYN_CA }).valid).toBe(false); // a CA without a minimum n is not enough
  });

  describe('a shortened consenter list: one real consenter key "is" the quorum', () => {
    // The attack: alter a transaction, sign with one consenter's key, list only that consenter (n = 1, quorum 1).
    const FORGED = syntheticBundle([[1, 'orderer0']], SYN_CONSENTERS.slice(0, 1), alterTransaction);

    test('refused against pinned certificates', () => {
      expect(failedChecks(verifyProof(FORGED, SYN_PINNED))).toEqual({
        consenters:
          "the bundle's consenter mapping lists 1 consenter(s), 1 of them pinned, and the pinned set has 4: it must name exactly the pinned consenters",
        signatures: 'not checked: no trusted consenter set',
      });
    });

    test('refused against a pinned config block', () => {
      const hash = configHash(configBlock(SYN_CONSENTERS));
      const withTrueConfig = { ...FORGED, configBlock: Buffer.from(configBlock(SYN_CONSENTERS)).toString('base64') };
      expect(failedChecks(verifyProof(withTrueConfig, { configBlockSha256: hash })).consenters).toBe(
        `the bundle's consenter mapping differs from config block 0 (hash ${hash}, pinned): it lists 1 consenter(s), the trusted set has 4`,
      );
      // The forger's own config block (listing one consenter) does not have the pinned hash.
      expect(failedChecks(verifyProof(FORGED, { configBlockSha256: hash })).consenters).toBe(
        `config block 0 has hash ${configHash(configBlock(SYN_CONSENTERS.slice(0, 1)))}, not the pinned ${hash}`,
      );
    });

    test('refused below the minimum n', () => {
      expect(failedChecks(verifyProof(FORGED, { ca: SYN_CA, minConsenters: 4 })).consenters).toBe(
        "the bundle's consenter mapping, each certificate issued by the given CA has 1 consenter(s), fewer than the 4 required",
      );
    });

    test('the full list with the one forged signature is below the quorum', () => {
      const forged = syntheticBundle([[1, 'orderer0']], SYN_CONSENTERS, alterTransaction);
      expect(failedChecks(verifyProof(forged, SYN_PINNED))).toEqual({
        signatures: '1 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
      });
    });
  });

  describe('a signature by a certificate the orderer CA issued to a non-consenter', () => {
    test('an orderer-role certificate that is no consenter, listed as the only one', () => {
      const forged = syntheticBundle([[1, 'orderer9']], [{ id: 1, mspId: 'OrdererMSP', identity: SYN.orderer9!.pem }], alterTransaction);
      expect(failedChecks(verifyProof(forged, SYN_PINNED)).consenters).toBe(
        "the bundle's consenter mapping lists 1 consenter(s), 0 of them pinned, and the pinned set has 4: it must name exactly the pinned consenters",
      );
      expect(failedChecks(verifyProof(forged, { ca: SYN_CA, minConsenters: 4 })).consenters).toMatch(/fewer than the 4 required$/);
    });

    test('a non-consenter signing under an ID the mapping does not have counts for nothing', () => {
      const bundle = syntheticBundle([
        [1, 'orderer0'],
        [2, 'orderer1'],
        [9, 'orderer9'],
      ]);
      const result = verifyProof(bundle, SYN_PINNED);
      expect(failedChecks(result)).toEqual({
        signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
      });
      expect(result.signers[2]).toEqual({ consenterId: 9, counted: false, reason: 'consenter 9 is not in the trusted consenter set' });
    });

    test("a non-consenter signing under a consenter's ID: the signature does not verify for that consenter", () => {
      const result = verifyProof(
        syntheticBundle([
          [1, 'orderer0'],
          [2, 'orderer1'],
          [3, 'orderer9'],
        ]),
        SYN_PINNED,
      );
      expect(result.valid).toBe(false);
      expect(result.signers[2]).toMatchObject({
        consenterId: 3,
        counted: false,
        reason: 'the signature does not verify over this block header',
      });
    });

    test('a certificate without the orderer role (OU=admin), in a mapping of 4 under the CA', () => {
      const mapping = [...SYN_CONSENTERS.slice(0, 3), { id: 4, mspId: 'OrdererMSP', identity: SYN['orderer-admin']!.pem }];
      const forged = syntheticBundle(
        [
          [1, 'orderer0'],
          [2, 'orderer1'],
          [4, 'orderer-admin'],
        ],
        mapping,
      );
      expect(failedChecks(verifyProof(forged, { ca: SYN_CA, minConsenters: 4 })).consenters).toBe(
        'consenter O=Synthetic, OU=admin, CN=orderer-admin does not carry the orderer role (OU=orderer)',
      );
    });

    test('a pinned certificate without the orderer role is refused too', () => {
      const trust = { consenters: [...SYN_PINNED.consenters!.slice(0, 3), SYN['orderer-admin']!.pem] };
      const mapping = [...SYN_CONSENTERS.slice(0, 3), { id: 4, mspId: 'OrdererMSP', identity: SYN['orderer-admin']!.pem }];
      expect(
        failedChecks(
          verifyProof(
            syntheticBundle(
              [
                [1, 'orderer0'],
                [2, 'orderer1'],
                [4, 'orderer-admin'],
              ],
              mapping,
            ),
            trust,
          ),
        ).consenters,
      ).toBe('consenter O=Synthetic, OU=admin, CN=orderer-admin does not carry the orderer role (OU=orderer)');
    });
  });

  describe('a duplicated signer', () => {
    test('the same consenter signing twice under its ID counts once', () => {
      const result = verifyProof(
        syntheticBundle([
          [1, 'orderer0'],
          [2, 'orderer1'],
          [1, 'orderer0'],
        ]),
        SYN_PINNED,
      );
      expect(failedChecks(result)).toEqual({
        signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
      });
      expect(result.signers[2]).toMatchObject({ consenterId: 1, counted: false, reason: 'a second signature by the same consenter' });
    });

    test('one certificate listed under a second ID, signing as both', () => {
      const mapping = [...SYN_CONSENTERS, { id: 5, mspId: 'OrdererMSP', identity: SYN.orderer0!.pem }];
      const forged = syntheticBundle(
        [
          [1, 'orderer0'],
          [5, 'orderer0'],
          [2, 'orderer1'],
        ],
        mapping,
      );
      expect(failedChecks(verifyProof(forged, { ca: SYN_CA, minConsenters: 4 })).consenters).toBe(
        "the bundle's consenter mapping names one certificate under several IDs",
      );
      expect(failedChecks(verifyProof(forged, SYN_PINNED)).consenters).toBe(
        "the bundle's consenter mapping names one certificate under several IDs",
      );
      // Even where the trusted source itself lists a certificate twice, its signatures count once.
      const result = verifyProof(forged, { configBlock: configBlock(mapping) });
      expect(failedChecks(result)).toEqual({
        signatures: '2 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
      });
      expect(result.signers[1]).toMatchObject({ consenterId: 5, counted: false, reason: 'a second signature by the same consenter' });
    });
  });

  describe('a changed byte in the block', () => {
    test('one byte of the serialized transaction flipped', () => {
      const block = Buffer.from(GENUINE.block, 'base64');
      const envelope = Buffer.from(common.Block.deserializeBinary(block).getData()?.getDataList_asU8()[0] as Uint8Array);
      const at = block.indexOf(envelope) + envelope.length - 10; // inside the envelope's signature
      block[at] = (block[at] as number) ^ 0x01;
      const result = verifyProof({ ...GENUINE, block: block.toString('base64') }, SYN_PINNED);
      expect(failedChecks(result)).toEqual({
        dataHash: 'the block data does not match header.data_hash: a transaction was altered, added or removed',
      });
    });

    test('a changed byte with a recomputed data hash breaks every signature', () => {
      const block = common.Block.deserializeBinary(Buffer.from(GENUINE.block, 'base64'));
      alterTransaction(block);
      const result = verifyProof({ ...GENUINE, block: Buffer.from(block.serializeBinary()).toString('base64') }, SYN_PINNED);
      expect(failedChecks(result)).toEqual({
        signatures: '0 distinct valid consenter signature(s) of 4 trusted consenters; a quorum is 3',
      });
    });
  });

  describe('the pinned config block', () => {
    const CONFIG = configBlock(SYN_CONSENTERS);

    test('another hash than the pin', () => {
      const result = verifyProof(GENUINE, { configBlockSha256: 'ab'.repeat(32) });
      expect(failedChecks(result).consenters).toBe(`config block 0 has hash ${configHash(CONFIG)}, not the pinned ${'ab'.repeat(32)}`);
    });

    test('altered data under the pinned header', () => {
      const block = common.Block.deserializeBinary(CONFIG);
      block.getData()?.setDataList([configBlockEnvelope(SYN_CONSENTERS.slice(0, 1))]);
      const bundle = { ...GENUINE, configBlock: Buffer.from(block.serializeBinary()).toString('base64') };
      expect(failedChecks(verifyProof(bundle, { configBlockSha256: configHash(CONFIG) })).consenters).toBe(
        'the config block data does not match its header.data_hash',
      );
    });

    test('a config block other than the one the orderers signed as in force', () => {
      const later = configBlock(SYN_CONSENTERS, 7);
      expect(failedChecks(verifyProof(GENUINE, { configBlock: later })).consenters).toBe(
        'the orderers signed this block under config block 0, the trusted config block is number 7: pin that config block',
      );
    });

    test('a bundle from an older gateway, without the config block', () => {
      const { configBlock: _c, ...old } = GENUINE;
      expect(failedChecks(verifyProof(old, { configBlockSha256: configHash(CONFIG) })).consenters).toBe(
        'the bundle carries no config block to check against the pinned hash: fetch it from a gateway that includes one',
      );
    });
  });

  test('a minimum n above the trusted set', () => {
    expect(failedChecks(verifyProof(GENUINE, { ...SYN_PINNED, minConsenters: 5 })).consenters).toBe(
      '4 pinned consenter certificate(s) has 4 consenter(s), fewer than the 5 required',
    );
  });
});

function configBlockEnvelope(consenters: Consenter[]): Uint8Array {
  return common.Block.deserializeBinary(configBlock(consenters)).getData()?.getDataList_asU8()[0] as Uint8Array;
}

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
