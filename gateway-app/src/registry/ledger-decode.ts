/**
 * Decoding of the ledger's protobuf answers (qscc), with @hyperledger/fabric-protos only: no
 * hand-parsed protobuf.
 */
import { common, msp, peer } from '@hyperledger/fabric-protos';

const VALIDATION_CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(peer.TxValidationCode).map(([name, value]) => [value as number, name]),
);

/** "VALID", "MVCC_READ_CONFLICT", ... for a Fabric transaction validation code. */
export function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES.get(code) ?? `VALIDATION_CODE_${code}`;
}

/** qscc GetTransactionByID answers a serialized peer.ProcessedTransaction. */
export function decodeProcessedTransaction(bytes: Uint8Array): { validationCode: number } {
  const processed = peer.ProcessedTransaction.deserializeBinary(bytes);
  return { validationCode: processed.getValidationcode() };
}

/** qscc GetChainInfo answers a serialized common.BlockchainInfo. */
export function decodeChainHeight(bytes: Uint8Array): number {
  return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
}

export interface BlockSummary {
  blockNumber: number;
  /** Transaction IDs of the block's envelopes, in order ("" for envelopes without one). */
  txIds: string[];
}

/** Reads a serialized common.Block: its number and the transaction ID of each envelope. */
export function decodeBlock(bytes: Uint8Array): BlockSummary {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader();
  if (!header) throw new Error('block has no header');
  const txIds = (block.getData()?.getDataList_asU8() ?? []).map((envelopeBytes) => {
    const envelope = common.Envelope.deserializeBinary(envelopeBytes);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const channelHeaderBytes = payload.getHeader()?.getChannelHeader_asU8();
    if (!channelHeaderBytes) return '';
    return common.ChannelHeader.deserializeBinary(channelHeaderBytes).getTxId();
  });
  return { blockNumber: header.getNumber(), txIds };
}

/** The creator bytes (msp.SerializedIdentity) of a gateway identity, as a commit status request carries them. */
export function serializeIdentity(mspId: string, credentials: Uint8Array): Uint8Array {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(mspId);
  identity.setIdBytes(credentials);
  return identity.serializeBinary();
}
