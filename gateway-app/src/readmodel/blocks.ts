/**
 * What the read model takes from a block: the header and its hash chain, and for each VALID
 * transaction of one chaincode namespace its write set, with the transaction's ID, time and
 * submitting MSP. Invalid transactions (validation codes from the block's TRANSACTIONS_FILTER
 * metadata) and other namespaces are skipped. The block as delivered is a @hyperledger/fabric-protos
 * object; its envelopes are read from their bytes, only the fields above, with the wire reader of
 * google-protobuf (the one its generated classes decode with), without building their messages.
 */
import { createHash } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { BinaryReader } from 'google-protobuf';

export interface StateWrite {
  /** The world-state key as the chaincode composed it (NUL-delimited composite key). */
  key: string;
  /** The JSON text written; undefined for a delete. */
  value: string | undefined;
}

export interface AppliedTransaction {
  txId: string;
  /** Index of the envelope in the block. */
  index: number;
  /** ISO 8601 UTC, from the channel header (the time the chaincode saw as `now`). */
  timestamp: string;
  submitterMsp: string;
  writes: StateWrite[];
}

export interface DecodedBlock {
  number: number;
  /** SHA-256 of the header's DER form: what the next block names as its previous hash (hex). */
  hash: string;
  previousHash: string;
  /** Envelopes in the block, valid or not. */
  envelopes: number;
  transactions: AppliedTransaction[];
}

export class BlockIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockIntegrityError';
  }
}

const VALID = peer.TxValidationCode.VALID;
const ENDORSER_TRANSACTION = common.HeaderType.ENDORSER_TRANSACTION;

export function decodeModelBlock(block: common.Block, namespace: string): DecodedBlock {
  const header = block.getHeader();
  if (!header) throw new BlockIntegrityError('block has no header');
  const number = header.getNumber();
  const envelopes = block.getData()?.getDataList_asU8() ?? [];
  const dataHash = createHash('sha256');
  for (const envelope of envelopes) dataHash.update(envelope);
  if (!Buffer.from(header.getDataHash_asU8()).equals(dataHash.digest())) {
    throw new BlockIntegrityError(`block ${number}: its data does not hash to the header's data hash`);
  }
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  // A block without validation codes can only be one with nothing for the model (a genesis block).
  if (filter.length !== envelopes.length && filter.length !== 0) {
    throw new BlockIntegrityError(`block ${number}: ${filter.length} validation codes for ${envelopes.length} envelopes`);
  }
  const transactions: AppliedTransaction[] = [];
  envelopes.forEach((bytes, index) => {
    if (filter.length > 0 && filter[index] !== VALID) return;
    const tx = decodeTransaction(bytes, index, namespace);
    if (tx && filter.length === 0)
      throw new BlockIntegrityError(`block ${number}: a transaction of ${namespace} without a validation code`);
    if (tx) transactions.push(tx);
  });
  return {
    number,
    hash: blockHeaderHash(header).toString('hex'),
    previousHash: Buffer.from(header.getPreviousHash_asU8()).toString('hex'),
    envelopes: envelopes.length,
    transactions,
  };
}

/**
 * The transaction's writes to `namespace`, read straight from the wire (wire.ts): Envelope.payload
 * > Payload{header > Header{channel_header, signature_header}, data > Transaction} > actions >
 * ChaincodeActionPayload.action > ChaincodeEndorsedAction.proposal_response_payload >
 * ProposalResponsePayload.extension > ChaincodeAction.results > TxReadWriteSet.ns_rwset >
 * NsReadWriteSet{namespace, rwset > KVRWSet.writes > KVWrite{key, is_delete, value}}. Field
 * numbers are those of the Fabric protos (@hyperledger/fabric-protos); blocks.test.ts holds the
 * answers to those of a decoding with its generated classes.
 */
function decodeTransaction(envelopeBytes: Uint8Array, index: number, namespace: string): AppliedTransaction | undefined {
  const [headerBytes, data] = fields1And2(lengthDelimited(envelopeBytes, 1) ?? EMPTY); // Envelope.payload: a Payload
  if (!headerBytes) return undefined;
  const [channelHeaderBytes, signatureHeaderBytes] = fields1And2(headerBytes);
  const channelHeader = decodeChannelHeader(channelHeaderBytes ?? EMPTY);
  if (channelHeader.type !== ENDORSER_TRANSACTION) return undefined;
  const writes: StateWrite[] = [];
  for (const r = new BinaryReader(data ?? EMPTY); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === 1)
      readActionWrites(r.readBytes(), namespace, writes); // Transaction.actions
    else r.skipField();
  }
  if (writes.length === 0) return undefined;
  const creator = lengthDelimited(signatureHeaderBytes ?? EMPTY, 1) ?? EMPTY; // SignatureHeader.creator: a SerializedIdentity
  const submitterMsp = stringField(creator, 1); // mspid
  const { txId, millis } = channelHeader;
  return { txId, index, timestamp: new Date(millis).toISOString(), submitterMsp, writes };
}

const EMPTY = new Uint8Array();

/** The (last) value of length-delimited field `field` of a message, or undefined when it has none. */
function lengthDelimited(message: Uint8Array, field: number): Uint8Array | undefined {
  let found: Uint8Array | undefined;
  for (const r = new BinaryReader(message); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === field) found = r.readBytes();
    else r.skipField();
  }
  return found;
}

/** Length-delimited fields 1 and 2 of a message (Payload: header and data; Header: channel and signature headers). */
function fields1And2(message: Uint8Array): [Uint8Array | undefined, Uint8Array | undefined] {
  let first: Uint8Array | undefined;
  let second: Uint8Array | undefined;
  for (const r = new BinaryReader(message); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === 1) first = r.readBytes();
    else if (r.getFieldNumber() === 2) second = r.readBytes();
    else r.skipField();
  }
  return [first, second];
}

function stringField(message: Uint8Array, field: number): string {
  const bytes = lengthDelimited(message, field);
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : '';
}

/** A TransactionAction's writes to `namespace`, appended to `writes`. */
function readActionWrites(transactionAction: Uint8Array, namespace: string, writes: StateWrite[]): void {
  const payload = lengthDelimited(transactionAction, 2) ?? EMPTY; // TransactionAction.payload: a ChaincodeActionPayload
  const endorsed = lengthDelimited(payload, 2); // ChaincodeActionPayload.action: a ChaincodeEndorsedAction
  if (!endorsed) return;
  const response = lengthDelimited(endorsed, 1) ?? EMPTY; // proposal_response_payload: a ProposalResponsePayload
  const action = lengthDelimited(response, 2) ?? EMPTY; // extension: a ChaincodeAction
  const results = lengthDelimited(action, 1) ?? EMPTY; // results: a TxReadWriteSet
  for (const r = new BinaryReader(results); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === 2)
      readNamespaceWrites(r.readBytes(), namespace, writes); // ns_rwset
    else r.skipField();
  }
}

/** ChannelHeader: type (1), timestamp (3: a Timestamp of seconds 1 and nanos 2) and tx_id (5). */
function decodeChannelHeader(bytes: Uint8Array): { type: number; txId: string; millis: number } {
  let type = 0;
  let txId = '';
  let millis = 0;
  for (const r = new BinaryReader(bytes); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === 1) type = r.readInt32();
    else if (r.getFieldNumber() === 5) txId = r.readString();
    else if (r.getFieldNumber() === 3) {
      let seconds = 0;
      let nanos = 0;
      for (const t = new BinaryReader(r.readBytes()); t.nextField() && !t.isEndGroup();) {
        if (t.getFieldNumber() === 1) seconds = t.readInt64();
        else if (t.getFieldNumber() === 2) nanos = t.readInt32();
        else t.skipField();
      }
      millis = seconds * 1000 + Math.floor(nanos / 1e6);
    } else r.skipField();
  }
  return { type, txId, millis };
}

/** An NsReadWriteSet's writes (KVRWSet field 3: KVWrite key 1, is_delete 2, value 3) when it is `namespace`'s. */
function readNamespaceWrites(set: Uint8Array, namespace: string, writes: StateWrite[]): void {
  let name = '';
  let rwset: Uint8Array = EMPTY;
  for (const r = new BinaryReader(set); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() === 1) name = r.readString();
    else if (r.getFieldNumber() === 2) rwset = r.readBytes();
    else r.skipField();
  }
  if (name !== namespace) return;
  for (const r = new BinaryReader(rwset); r.nextField() && !r.isEndGroup();) {
    if (r.getFieldNumber() !== 3) {
      r.skipField();
      continue;
    }
    let key = '';
    let isDelete = false;
    let value: Uint8Array = EMPTY;
    for (const w = new BinaryReader(r.readBytes()); w.nextField() && !w.isEndGroup();) {
      if (w.getFieldNumber() === 1) key = w.readString();
      else if (w.getFieldNumber() === 2) isDelete = w.readBool();
      else if (w.getFieldNumber() === 3) value = w.readBytes();
      else w.skipField();
    }
    writes.push({ key, value: isDelete ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') });
  }
}

/**
 * Fabric's block hash: SHA-256 of the ASN.1 DER SEQUENCE { INTEGER number, OCTET STRING
 * previousHash, OCTET STRING dataHash } (protoutil.BlockHeaderBytes).
 */
export function blockHeaderHash(header: common.BlockHeader): Buffer {
  const der = derSequence([
    derInteger(BigInt(header.getNumber())),
    derElement(0x04, Buffer.from(header.getPreviousHash_asU8())),
    derElement(0x04, Buffer.from(header.getDataHash_asU8())),
  ]);
  return createHash('sha256').update(der).digest();
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derElement(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]); // stays positive
  return derElement(0x02, bytes);
}

function derSequence(elements: Buffer[]): Buffer {
  return derElement(0x30, Buffer.concat(elements));
}
