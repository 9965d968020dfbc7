/** Fabric's block hashing (protoutil.BlockHeaderBytes, BlockDataHash), for checking a block offline. */
import { createHash } from 'node:crypto';
import type { common } from '@hyperledger/fabric-protos';
import { Integer, OctetString, Sequence } from 'asn1js';

/**
 * The bytes orderers sign and the next block's previous_hash covers: the DER SEQUENCE
 * {INTEGER number, OCTET STRING previous_hash, OCTET STRING data_hash}.
 */
export function blockHeaderBytes(header: common.BlockHeader): Buffer {
  const sequence = new Sequence({
    value: [
      Integer.fromBigInt(BigInt(header.getNumber())),
      new OctetString({ valueHex: header.getPreviousHash_asU8() }),
      new OctetString({ valueHex: header.getDataHash_asU8() }),
    ],
  });
  return Buffer.from(sequence.toBER(false));
}

/** SHA-256 of the block header's DER form: the block's hash. */
export function blockHash(header: common.BlockHeader): Buffer {
  return sha256(blockHeaderBytes(header));
}

/** Fabric v3 data hash: SHA-256 over the concatenated envelopes. */
export function blockDataHash(data: Uint8Array[]): Buffer {
  return sha256(Buffer.concat(data));
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
