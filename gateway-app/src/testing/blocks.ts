/**
 * Blocks as a peer delivers them, built for tests: endorser transactions with one chaincode
 * action whose write set is given, the validation codes in TRANSACTIONS_FILTER, the data hash,
 * and the previous hash linking each block to the last.
 */
import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';
import { blockHeaderHash } from '../readmodel/blocks';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Timestamp } = require('google-protobuf/google/protobuf/timestamp_pb') as {
  Timestamp: new () => { setSeconds(s: number): void; setNanos(n: number): void };
};

export interface TestTransaction {
  txId: string;
  namespace: string;
  /** value undefined: a delete. */
  writes: Array<{ key: string; value: string | undefined }>;
  msp?: string;
  /** ISO time. */
  timestamp?: string;
  /** A Fabric validation code (default VALID). */
  validationCode?: number;
  /** A config transaction instead of an endorser transaction. */
  config?: boolean;
}

function envelope(tx: TestTransaction): Uint8Array {
  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(tx.config ? common.HeaderType.CONFIG : common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setTxId(tx.txId);
  channelHeader.setChannelId('registry');
  const millis = Date.parse(tx.timestamp ?? '2026-01-01T00:00:00.000Z');
  const ts = new Timestamp();
  ts.setSeconds(Math.floor(millis / 1000));
  ts.setNanos((millis % 1000) * 1e6);
  channelHeader.setTimestamp(ts as never);
  const creator = new msp.SerializedIdentity();
  creator.setMspid(tx.msp ?? 'Org1MSP');
  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator.serializeBinary());
  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const kv = new ledger.rwset.kvrwset.KVRWSet();
  kv.setWritesList(tx.writes.map(({ key, value }) => kvWrite(key, value)));
  const ns = new ledger.rwset.NsReadWriteSet();
  ns.setNamespace(tx.namespace);
  ns.setRwset(kv.serializeBinary());
  const rwset = new ledger.rwset.TxReadWriteSet();
  rwset.setDataModel(ledger.rwset.TxReadWriteSet.DataModel.KV);
  rwset.setNsRwsetList([ns]);
  const action = new peer.ChaincodeAction();
  action.setResults(rwset.serializeBinary());
  const responsePayload = new peer.ProposalResponsePayload();
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const transactionAction = new peer.TransactionAction();
  transactionAction.setPayload(actionPayload.serializeBinary());
  const transaction = new peer.Transaction();
  transaction.setActionsList([transactionAction]);

  const payload = new common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const env = new common.Envelope();
  env.setPayload(payload.serializeBinary());
  return env.serializeBinary();
}

export function buildBlock(number: number, previousHash: Uint8Array, transactions: TestTransaction[]): common.Block {
  const envelopes = transactions.map(envelope);
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(previousHash);
  const dataHash = createHash('sha256');
  for (const e of envelopes) dataHash.update(e);
  header.setDataHash(dataHash.digest());
  const data = new common.BlockData();
  data.setDataList(envelopes);
  const metadata = new common.BlockMetadata();
  const filter = Uint8Array.from(transactions.map((t) => t.validationCode ?? peer.TxValidationCode.VALID));
  metadata.setMetadataList([new Uint8Array(), new Uint8Array(), filter, new Uint8Array(), new Uint8Array()]);
  const block = new common.Block();
  block.setHeader(header);
  block.setData(data);
  block.setMetadata(metadata);
  return block;
}

/** A chain of blocks, each linked to the one before by its header hash. */
export class TestChain {
  readonly blocks: common.Block[] = [];

  append(transactions: TestTransaction[]): common.Block {
    const last = this.blocks.at(-1)?.getHeader();
    const block = buildBlock(this.blocks.length, last ? blockHeaderHash(last) : new Uint8Array(), transactions);
    this.blocks.push(block);
    return block;
  }

  /** Block events from `startBlock`, as a peer's deliver service streams them (here: those there are, then the end). */
  source = async (startBlock: bigint) => {
    const blocks = this.blocks.slice(Number(startBlock));
    let closed = false;
    return {
      close: () => void (closed = true),
      async *[Symbol.asyncIterator]() {
        for (const block of blocks) {
          if (closed) return;
          yield block;
        }
      },
    };
  };
}

/** One write of a write set: a put, or a delete when there is no value. */
export function kvWrite(key: string, value: string | undefined): ledger.rwset.kvrwset.KVWrite {
  const write = new ledger.rwset.kvrwset.KVWrite();
  write.setKey(key);
  if (value === undefined) write.setIsDelete(true);
  else write.setValue(Buffer.from(value));
  return write;
}
