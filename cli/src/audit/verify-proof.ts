/**
 * Offline verification of a transaction proof bundle against the orderer organisation's CA:
 * the transaction is in the block, the block's data and header hang together, and a BFT
 * quorum of consenters whose certificates the CA issued signed that header. Needs no network.
 */
import { verify, X509Certificate } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { blockDataHash, blockHash, blockHeaderBytes } from './block-hashing';
import type { Consenter, TransactionProof } from '@iotreg/common';
import { parseProofBundle } from './proof-bundle';

export type CheckName = 'bundle' | 'transaction' | 'validation' | 'dataHash' | 'header' | 'signatures';

export interface Check {
  name: CheckName;
  ok: boolean;
  detail: string;
}

/** One entry of the block's SIGNATURES metadata and what became of it. */
export interface SignerResult {
  consenterId?: number;
  subject?: string;
  counted: boolean;
  reason: string;
}

export interface ProofVerification {
  valid: boolean;
  txId?: string;
  blockNumber?: number;
  /** Hex SHA-256 of the DER block header: what the next block's previous_hash must be. */
  blockHash?: string;
  checks: Check[];
  signers: SignerResult[];
}

/** BFT quorum of n consenters (SmartBFT): n = 3f+1 tolerates f faults, a quorum is ceil((n+f+1)/2). */
export function bftQuorum(n: number): number {
  const f = Math.floor((n - 1) / 3);
  return Math.ceil((n + f + 1) / 2);
}

/** `ca`: the orderer organisation's CA certificate, the one trust anchor. */
export function verifyProof(json: unknown, ca: X509Certificate): ProofVerification {
  const parsed = parseProofBundle(json);
  if ('reason' in parsed) return failed({ name: 'bundle', ok: false, detail: parsed.reason });
  const { bundle } = parsed;

  let block: common.Block;
  try {
    block = common.Block.deserializeBinary(Buffer.from(bundle.block, 'base64'));
  } catch {
    return failed({ name: 'bundle', ok: false, detail: 'block is not a serialized common.Block' });
  }
  const header = block.getHeader();
  if (!header) return failed({ name: 'bundle', ok: false, detail: 'the block has no header' });
  const data = block.getData()?.getDataList_asU8() ?? [];

  const signatures = checkSignatures(block, header, bundle, ca);
  const checks: Check[] = [
    checkTransaction(data, bundle),
    checkValidation(block, bundle),
    checkDataHash(data, header),
    checkHeader(header, bundle),
    signatures.check,
  ];
  return {
    valid: checks.every((c) => c.ok),
    txId: bundle.txId,
    blockNumber: header.getNumber(),
    blockHash: blockHash(header).toString('hex'),
    checks,
    signers: signatures.signers,
  };
}

function failed(check: Check): ProofVerification {
  return { valid: false, checks: [check], signers: [] };
}

/** (a) The envelope at envelopeIndex is in block.data and is the transaction asked about. */
function checkTransaction(data: Uint8Array[], bundle: TransactionProof): Check {
  const name: CheckName = 'transaction';
  const envelopeBytes = data[bundle.envelopeIndex];
  if (!envelopeBytes) {
    return { name, ok: false, detail: `envelopeIndex ${bundle.envelopeIndex} is outside the block's ${data.length} envelopes` };
  }
  let txId: string;
  try {
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(envelopeBytes).getPayload_asU8());
    txId = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array()).getTxId();
  } catch {
    return { name, ok: false, detail: `envelope ${bundle.envelopeIndex} does not decode as a transaction envelope` };
  }
  return txId === bundle.txId
    ? { name, ok: true, detail: `envelope ${bundle.envelopeIndex} of ${data.length} carries transaction ${txId}` }
    : { name, ok: false, detail: `envelope ${bundle.envelopeIndex} carries transaction ${txId || '(none)'}, not ${bundle.txId}` };
}

/**
 * The committing peer's verdict, from the block's TRANSACTIONS_FILTER. The peer adds that
 * metadata after ordering, so no orderer signs it: this checks the bundle's claim, not the peer.
 */
function checkValidation(block: common.Block, bundle: TransactionProof): Check {
  const name: CheckName = 'validation';
  const filter = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER];
  const code = filter?.[bundle.envelopeIndex];
  if (code === undefined) return { name, ok: false, detail: 'the block has no validation code for the envelope' };
  const codeName = validationCodeName(code);
  if (code !== bundle.validationCodeValue) {
    return { name, ok: false, detail: `the block records ${codeName}, the bundle claims ${bundle.validationCode}` };
  }
  return code === peer.TxValidationCode.VALID
    ? { name, ok: true, detail: 'the committing peer marked the transaction VALID (peer metadata, not orderer-signed)' }
    : { name, ok: false, detail: `the transaction is in the block but was committed invalid: ${codeName}` };
}

/** (b) header.data_hash covers exactly the block's envelopes. */
function checkDataHash(data: Uint8Array[], header: common.BlockHeader): Check {
  const name: CheckName = 'dataHash';
  const computed = blockDataHash(data);
  return computed.equals(Buffer.from(header.getDataHash_asU8()))
    ? { name, ok: true, detail: `SHA-256 of the ${data.length} envelopes matches header.data_hash` }
    : { name, ok: false, detail: 'the block data does not match header.data_hash: a transaction was altered, added or removed' };
}

/** (c) The header is the block the bundle names; its DER form is what (d) checks signatures over. */
function checkHeader(header: common.BlockHeader, bundle: TransactionProof): Check {
  const name: CheckName = 'header';
  if (header.getNumber() !== bundle.blockNumber) {
    return { name, ok: false, detail: `the block header is number ${header.getNumber()}, the bundle claims ${bundle.blockNumber}` };
  }
  return { name, ok: true, detail: `block ${header.getNumber()}, hash ${blockHash(header).toString('hex')}` };
}

/**
 * (d) Orderer signatures: each MetadataSignature signs metadata.value ‖ identifier_header ‖
 * DER header. Fabric v3 BFT consenters name themselves by consenter ID in an IdentifierHeader,
 * resolved through the bundle's consenter mapping; a signer counts once, and only if the CA
 * issued its certificate and its signature verifies.
 */
function checkSignatures(
  block: common.Block,
  header: common.BlockHeader,
  bundle: TransactionProof,
  ca: X509Certificate,
): { check: Check; signers: SignerResult[] } {
  const name: CheckName = 'signatures';
  const n = bundle.consenters.length;
  const quorum = bftQuorum(n);
  const fail = (detail: string, signers: SignerResult[] = []) => ({ check: { name, ok: false, detail }, signers });
  if (n === 0) return fail('the bundle names no consenters');

  const metadataBytes = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (!metadataBytes || metadataBytes.length === 0) return fail('the block carries no orderer signatures');
  let metadata: common.Metadata;
  let lastConfig: number | undefined;
  try {
    metadata = common.Metadata.deserializeBinary(metadataBytes);
    lastConfig = common.OrdererBlockMetadata.deserializeBinary(metadata.getValue_asU8()).getLastConfig()?.getIndex();
  } catch {
    return fail('the SIGNATURES metadata does not decode');
  }
  // The consenter mapping must come from the config block the orderers signed as in force.
  if (lastConfig !== bundle.configBlockNumber) {
    return fail(
      `the orderers signed config block ${lastConfig ?? '(none)'} as in force, ` +
        `the bundle's consenters come from ${bundle.configBlockNumber}`,
    );
  }

  const headerBytes = blockHeaderBytes(header);
  const consenters = new Map(bundle.consenters.map((c) => [c.id, c]));
  const counted = new Set<number>();
  const signers = metadata.getSignaturesList().map((signature): SignerResult => {
    const result = checkSignature(signature, metadata.getValue_asU8(), headerBytes, consenters, ca);
    if (!result.counted || result.consenterId === undefined) return result;
    if (counted.has(result.consenterId)) return { ...result, counted: false, reason: 'a second signature by the same consenter' };
    counted.add(result.consenterId);
    return result;
  });
  const detail = `${counted.size} distinct valid consenter signature(s) of ${n} consenters; a quorum is ${quorum}`;
  return counted.size >= quorum ? { check: { name, ok: true, detail }, signers } : fail(detail, signers);
}

function checkSignature(
  signature: common.MetadataSignature,
  value: Uint8Array,
  headerBytes: Buffer,
  consenters: Map<number, Consenter>,
  ca: X509Certificate,
): SignerResult {
  const identifierHeader = signature.getIdentifierHeader_asU8();
  if (identifierHeader.length === 0) {
    return { counted: false, reason: 'signed with a SignatureHeader, not a BFT IdentifierHeader: not a consenter signature' };
  }
  let consenterId: number;
  try {
    consenterId = common.IdentifierHeader.deserializeBinary(identifierHeader).getIdentifier();
  } catch {
    return { counted: false, reason: 'the IdentifierHeader does not decode' };
  }
  const consenter = consenters.get(consenterId);
  if (!consenter) return { consenterId, counted: false, reason: `consenter ${consenterId} is not in the consenter mapping` };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(consenter.identity);
  } catch {
    return { consenterId, counted: false, reason: `consenter ${consenterId}'s identity is not a certificate` };
  }
  const subject = certificate.subject.replace(/\n/g, ', ');
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) {
    return { consenterId, subject, counted: false, reason: 'the certificate was not issued by the given CA' };
  }
  const signed = Buffer.concat([value, identifierHeader, headerBytes]);
  let verified = false;
  try {
    verified = verify('sha256', signed, certificate.publicKey, signature.getSignature_asU8());
  } catch {
    // A malformed signature is a signature that does not verify.
  }
  return verified
    ? { consenterId, subject, counted: true, reason: 'valid' }
    : { consenterId, subject, counted: false, reason: 'the signature does not verify over this block header' };
}

const VALIDATION_CODE_NAMES = new Map(Object.entries(peer.TxValidationCode).map(([k, v]) => [v as number, k]));

function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES.get(code) ?? `VALIDATION_CODE_${code}`;
}
