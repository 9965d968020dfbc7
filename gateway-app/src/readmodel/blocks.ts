/**
 * What the read model takes from a block, decoded with @hyperledger/fabric-protos only: the
 * header and its hash chain, and for each VALID transaction of one chaincode namespace its write
 * set, with the transaction's ID, time and submitting MSP. Invalid transactions (validation codes
 * from the block's TRANSACTIONS_FILTER metadata) and other namespaces are skipped.
 */
import { createHash } from 'node:crypto';
import { common, ledger, msp, peer } from '@hyperledger/fabric-protos';

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

function decodeTransaction(envelopeBytes: Uint8Array, index: number, namespace: string): AppliedTransaction | undefined {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
  const headerBytes = payload.getHeader();
  if (!headerBytes) return undefined;
  const channelHeader = common.ChannelHeader.deserializeBinary(headerBytes.getChannelHeader_asU8());
  if (channelHeader.getType() !== ENDORSER_TRANSACTION) return undefined;
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
  if (writes.length === 0) return undefined;
  const signature = common.SignatureHeader.deserializeBinary(headerBytes.getSignatureHeader_asU8());
  const creator = msp.SerializedIdentity.deserializeBinary(signature.getCreator_asU8());
  const ts = channelHeader.getTimestamp();
  const millis = ts ? ts.getSeconds() * 1000 + Math.floor(ts.getNanos() / 1e6) : 0;
  return { txId: channelHeader.getTxId(), index, timestamp: new Date(millis).toISOString(), submitterMsp: creator.getMspid(), writes };
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
