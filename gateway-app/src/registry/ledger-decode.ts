/**
 * Decoding of the ledger's protobuf answers (qscc), with @hyperledger/fabric-protos only: no
 * hand-parsed protobuf.
 */
import { common, msp, peer } from '@hyperledger/fabric-protos';
import type { Consenter } from './registry';

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

/**
 * The chaincode's answer inside a committed transaction, as its endorsers signed it: the path
 * ProcessedTransaction → Envelope → Payload → Transaction → ChaincodeActionPayload →
 * ProposalResponsePayload → ChaincodeAction → Response.payload.
 */
export function decodeChaincodeResult(bytes: Uint8Array): Uint8Array {
  const envelope = peer.ProcessedTransaction.deserializeBinary(bytes).getTransactionenvelope();
  if (!envelope) throw new Error('processed transaction has no envelope');
  const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0];
  if (!action) throw new Error('transaction has no action');
  const endorsed = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8()).getAction();
  if (!endorsed) throw new Error('transaction action has no endorsed action');
  const response = peer.ProposalResponsePayload.deserializeBinary(endorsed.getProposalResponsePayload_asU8());
  return peer.ChaincodeAction.deserializeBinary(response.getExtension_asU8()).getResponse()?.getPayload_asU8() ?? new Uint8Array();
}

/** qscc GetChainInfo answers a serialized common.BlockchainInfo. */
export function decodeChainHeight(bytes: Uint8Array): number {
  return common.BlockchainInfo.deserializeBinary(bytes).getHeight();
}

export interface BlockSummary {
  blockNumber: number;
  /** Transaction IDs of the block's envelopes, in order ("" for envelopes without one). */
  txIds: string[];
  /** Number of the config block in force, from the orderers' signed metadata; undefined if absent. */
  lastConfigBlock: number | undefined;
}

/** Reads a serialized common.Block: its number, the transaction ID of each envelope and its last config index. */
export function decodeBlock(bytes: Uint8Array): BlockSummary {
  const block = common.Block.deserializeBinary(bytes);
  const header = block.getHeader();
  if (!header) throw new Error('block has no header');
  return { blockNumber: header.getNumber(), txIds: envelopeTxIds(block), lastConfigBlock: lastConfigIndex(block) };
}

function envelopeTxIds(block: common.Block): string[] {
  return (block.getData()?.getDataList_asU8() ?? []).map((envelopeBytes) => {
    const envelope = common.Envelope.deserializeBinary(envelopeBytes);
    const payload = common.Payload.deserializeBinary(envelope.getPayload_asU8());
    const channelHeaderBytes = payload.getHeader()?.getChannelHeader_asU8();
    if (!channelHeaderBytes) return '';
    return common.ChannelHeader.deserializeBinary(channelHeaderBytes).getTxId();
  });
}

/**
 * Fabric v2+ writes the last config index into the SIGNATURES metadata (OrdererBlockMetadata),
 * where the orderers sign it; the LAST_CONFIG slot is left empty.
 */
function lastConfigIndex(block: common.Block): number | undefined {
  const signatures = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (!signatures || signatures.length === 0) return undefined;
  const value = common.Metadata.deserializeBinary(signatures).getValue_asU8();
  return common.OrdererBlockMetadata.deserializeBinary(value).getLastConfig()?.getIndex();
}

/** The BFT consenter mapping of a serialized config block; empty for a channel without one (Raft). */
export function decodeConsenters(bytes: Uint8Array): Consenter[] {
  const block = common.Block.deserializeBinary(bytes);
  const envelopeBytes = block.getData()?.getDataList_asU8()[0];
  if (!envelopeBytes) throw new Error('config block has no envelope');
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  const orderers = config?.getChannelGroup()?.getGroupsMap().get('Orderer')?.getValuesMap().get('Orderers');
  if (!orderers) return [];
  return common.Orderers.deserializeBinary(orderers.getValue_asU8())
    .getConsenterMappingList()
    .map((c) => ({ id: c.getId(), mspId: c.getMspId(), identity: Buffer.from(c.getIdentity_asU8()).toString('utf8') }));
}

/** The creator bytes (msp.SerializedIdentity) of a gateway identity, as a commit status request carries them. */
export function serializeIdentity(mspId: string, credentials: Uint8Array): Uint8Array {
  const identity = new msp.SerializedIdentity();
  identity.setMspid(mspId);
  identity.setIdBytes(credentials);
  return identity.serializeBinary();
}
