/**
 * The BFT consenter set of a channel config block (Orderer group → Orderers value →
 * ConsenterMapping), read with @hyperledger/fabric-protos only, and that block's hash.
 */
import { common } from '@hyperledger/fabric-protos';
import { blockDataHash, blockHash } from './block-hashing';

export interface ConfigConsenter {
  id: number;
  mspId: string;
  /** The orderer's signing certificate, PEM, as the ConsenterMapping holds it. */
  identity: string;
}

export interface DecodedConfigBlock {
  number: number;
  /** Hex SHA-256 of the DER block header: the hash an auditor pins. */
  hash: string;
  consenters: ConfigConsenter[];
}

/** Decodes a serialized config block; the reason says what is wrong with it. */
export function decodeConfigBlock(bytes: Uint8Array): DecodedConfigBlock | { reason: string } {
  let block: common.Block;
  try {
    block = common.Block.deserializeBinary(bytes);
  } catch {
    return { reason: 'the config block is not a serialized common.Block' };
  }
  const header = block.getHeader();
  if (!header) return { reason: 'the config block has no header' };
  const data = block.getData()?.getDataList_asU8() ?? [];
  // The pinned hash covers only the header: the data must be what the header's data_hash names.
  if (!blockDataHash(data).equals(Buffer.from(header.getDataHash_asU8()))) {
    return { reason: 'the config block data does not match its header.data_hash' };
  }
  const envelopeBytes = data[0];
  if (data.length !== 1 || !envelopeBytes) return { reason: 'a config block holds exactly one envelope' };
  try {
    const consenters = consenterMapping(envelopeBytes, header.getNumber());
    if ('reason' in consenters) return consenters;
    return { number: header.getNumber(), hash: blockHash(header).toString('hex'), consenters };
  } catch {
    return { reason: 'the config block does not decode as a channel configuration' };
  }
}

/** The BFT consenters of the channel configuration in a config block's one envelope. */
function consenterMapping(envelopeBytes: Uint8Array, blockNumber: number): ConfigConsenter[] | { reason: string } {
  const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
  const type = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array()).getType();
  if (type !== common.HeaderType.CONFIG) return { reason: `block ${blockNumber} is not a config block` };
  const config = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8()).getConfig();
  const orderers = config?.getChannelGroup()?.getGroupsMap().get('Orderer')?.getValuesMap().get('Orderers');
  if (!orderers) return { reason: `config block ${blockNumber} has no BFT consenter mapping` };
  return common.Orderers.deserializeBinary(orderers.getValue_asU8())
    .getConsenterMappingList()
    .map((c) => ({ id: c.getId(), mspId: c.getMspId(), identity: Buffer.from(c.getIdentity_asU8()).toString('utf8') }));
}
