/**
 * Decoding a block's transactions from the wire (blocks.ts) answers what decoding them
 * with the generated classes of @hyperledger/fabric-protos answers, on envelopes with everything
 * the read model skips: several actions and namespaces, endorsements, signatures, deletes, config
 * and invalid transactions, non-ASCII keys and values. A malformed envelope is refused.
 */
import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { buildBlock, kvWrite, TestChain } from '../testing/blocks';
import { type AppliedTransaction, decodeModelBlock, type StateWrite } from './blocks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};

const NS = 'registry';

/** The transactions as the generated classes decode them (blocks.ts before it read the wire). */
function referenceDecode(block: common.Block, namespace: string): AppliedTransaction[] {
  const filter = block.getMetadata()!.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER]!;
  const answer: AppliedTransaction[] = [];
  block
    .getData()!
    .getDataList_asU8()
    .forEach((bytes, index) => {
      if (filter[index] !== peer.TxValidationCode.VALID) return;
      const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(bytes).getPayload_asU8());
      const header = payload.getHeader();
      if (!header) return;
      const channelHeader = common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
      if (channelHeader.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return;
      const writes: StateWrite[] = [];
      for (const action of peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()) {
        const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
        if (!endorsed) continue;
        const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
        const results = peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8()).getResults_asU8();
        for (const set of ledger.rwset.TxReadWriteSet.deserializeBinary(results).getNsRwsetList()) {
          if (set.getNamespace() !== namespace) continue;
          for (const write of ledger.rwset.kvrwset.KVRWSet.deserializeBinary(set.getRwset_asU8()).getWritesList()) {
            writes.push({
              key: write.getKey(),
              value: write.getIsDelete() ? undefined : Buffer.from(write.getValue_asU8()).toString('utf8'),
            });
          }
        }
      }
      if (writes.length === 0) return;
      const creator = msp.SerializedIdentity.deserializeBinary(
        common.SignatureHeader.deserializeBinary(header.getSignatureHeader_asU8()).getCreator_asU8(),
      );
      const ts = channelHeader.getTimestamp();
      const millis = ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) : 0;
      answer.push({
        txId: channelHeader.getTxId(),
        index,
        timestamp: new Date(millis).toISOString(),
        submitterMsp: creator.getMspid(),
        writes,
      });
    });
  return answer;
}

type Writes = Array<[key: string, value: string | undefined]>;

/** An action writing to several namespaces, with reads, an endorsement and a chaincode response besides. */
function action(sets: Array<[namespace: string, writes: Writes]>): peer.TransactionAction {
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  rwset.setNsRwsetList(
    sets.map(([namespace, writes]) => {
      const kv = new ledger.rwset.kvrwset.KVRWSet();
      const read = new ledger.rwset.kvrwset.KVRead();
      read.setKey('\u0000read\u0000');
      kv.setReadsList([read]);
      kv.setWritesList(writes.map(([key, value]) => kvWrite(key, value)));
      const ns = new ledger.rwset.NsReadWriteSet();
      ns.setNamespace(namespace);
      ns.setRwset(kv.serializeBinary());
      return ns;
    }),
  );
  const chaincodeAction = new peer.ChaincodeAction();
  chaincodeAction.setResults(rwset.serializeBinary());
  chaincodeAction.setEvents(Buffer.from('event'));
  const response = new peer.Response();
  response.setStatus(200);
  response.setPayload(Buffer.from('{"ok":true}'));
  chaincodeAction.setResponse(response);
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setProposalHash(Buffer.alloc(32, 7));
  responsePayload.setExtension$(chaincodeAction.serializeBinary());
  const endorsement = new peer.Endorsement();
  endorsement.setEndorser(Buffer.from('endorser'));
  endorsement.setSignature(Buffer.alloc(71, 9));
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  endorsed.setEndorsementsList([endorsement, endorsement]);
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setChaincodeProposalPayload(Buffer.from('proposal'));
  actionPayload.setAction(endorsed);
  const transactionAction = new peer.TransactionAction();
  transactionAction.setHeader(Buffer.from('action header'));
  transactionAction.setPayload(actionPayload.serializeBinary());
  return transactionAction;
}

function envelope(
  txId: string,
  millis: number,
  mspId: string,
  actions: peer.TransactionAction[],
  type: number = common.HeaderType.ENDORSER_TRANSACTION,
) {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(type as never);
  channelHeader.setVersion(1);
  channelHeader.setChannelId('registry');
  channelHeader.setTxId(txId);
  channelHeader.setEpoch(0);
  channelHeader.setTlsCertHash(Buffer.alloc(32, 1));
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(millis / 1000));
  ts.setNanos((millis % 1000) * 1e6 + 999_999);
  channelHeader.setTimestamp(ts as never);
  const creator = new msp.SerializedIdentity();
  creator.setMspid(mspId);
  creator.setIdBytes(Buffer.from('-----BEGIN CERTIFICATE-----'));
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  signatureHeader.setNonce(Buffer.alloc(24, 3));
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList(actions);
  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  env.setSignature(Buffer.alloc(72, 5));
  return env.serializeBinary();
}

/** A block of the given envelopes and validation codes, its data hash and header as a peer's. */
function blockOf(envelopes: Uint8Array[], codes: number[]): common.Block {
  const block = buildBlock(0, new Uint8Array(), []);
  block.getData()!.setDataList(envelopes);
  const hash = createHash('sha256');
  for (const e of envelopes) hash.update(e);
  block.getHeader()!.setDataHash(hash.digest());
  block.getMetadata()!.setMetadataList([new Uint8Array(), new Uint8Array(), Uint8Array.from(codes), new Uint8Array(), new Uint8Array()]);
  return block;
}

test('the transactions decoded from the wire are those the generated classes decode', () => {
  const at = Date.UTC(2026, 10, 30, 12, 0, 0, 123);
  const unicode = '\u0000device\u0000dév-ü-😀\u0000';
  const block = blockOf(
    [
      envelope('t0', at, 'Org1MSP', [
        action([
          [
            NS,
            [
              [unicode, '{"name":"ümlaut 😀"}'],
              ['\u0000gone\u0000', undefined],
              ['\u0000empty\u0000', ''],
            ],
          ],
          ['lscc', [['other', 'x']]],
        ]),
        action([
          ['other', [['o', 'y']]],
          [NS, [['\u0000second-action\u0000', '2']]],
        ]),
      ]),
      envelope('t1-invalid', at, 'Org2MSP', [action([[NS, [['\u0000k\u0000', 'v']]]])]),
      envelope('t2-config', at, 'Org1MSP', [action([[NS, [['\u0000k\u0000', 'v']]]])], common.HeaderType.CONFIG),
      envelope('t3-other-namespace', at, 'Org1MSP', [action([['other', [['k', 'v']]]])]),
      envelope('t4-no-actions', at, 'Org1MSP', []),
      envelope('t5', 0, 'Org3MSP', [action([[NS, [['\u0000late\u0000', '"🙂"']]]])]),
    ],
    [
      peer.TxValidationCode.VALID,
      peer.TxValidationCode.MVCC_READ_CONFLICT,
      peer.TxValidationCode.VALID,
      peer.TxValidationCode.VALID,
      peer.TxValidationCode.VALID,
      peer.TxValidationCode.VALID,
    ],
  );
  const decoded = decodeModelBlock(block, NS).transactions;
  expect(decoded).toEqual(referenceDecode(block, NS));
  expect(decoded.map((t) => [t.txId, t.index, t.submitterMsp, t.timestamp, t.writes.length])).toEqual([
    ['t0', 0, 'Org1MSP', '2026-11-30T12:00:00.123Z', 4],
    ['t5', 5, 'Org3MSP', '1970-01-01T00:00:00.000Z', 1],
  ]);
  expect(decoded[0]!.writes[0]).toEqual({ key: unicode, value: '{"name":"ümlaut 😀"}' });
});

test('a chain of registrations decodes as the generated classes decode it', () => {
  const chain = new TestChain();
  for (let b = 0; b < 3; b += 1) {
    chain.append(
      Array.from({ length: 5 }, (_, i) => ({
        txId: `${b}-${i}`.padEnd(64, '0'),
        namespace: NS,
        msp: `Org${i}MSP`,
        timestamp: new Date(Date.UTC(2026, 0, 1) + b * 1000 + i).toISOString(),
        writes: [
          { key: `\u0000device\u0000d${b}-${i}\u0000`, value: JSON.stringify({ b, i }) },
          { key: `\u0000key\u0000k${b}-${i}\u0000`, value: i % 2 ? undefined : 'x'.repeat(300) },
        ],
      })),
    );
  }
  for (const block of chain.blocks) expect(decodeModelBlock(block, NS).transactions).toEqual(referenceDecode(block, NS));
});

test('a malformed envelope of a valid transaction is refused, not read as something else', () => {
  const good = envelope('t0', 0, 'Org1MSP', [action([[NS, [['\u0000k\u0000', 'v']]]])]);
  for (const bad of [
    good.subarray(0, good.length - 80),
    Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  ]) {
    expect(() => decodeModelBlock(blockOf([bad], [peer.TxValidationCode.VALID]), NS)).toThrow();
  }
});
