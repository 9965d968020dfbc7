/**
 * Offline verification of a transaction proof bundle against a consenter set the auditor
 * trusts (trusted-consenters.ts): the transaction is in the block, the block's data and header
 * hang together, and a BFT quorum of that set, each an orderer by role, signed the header.
 * Needs no network, no file system: inputs are the bundle and the trust anchors as PEM / bytes.
 */
import { verify, X509Certificate } from 'node:crypto';
import { common, peer } from '@hyperledger/fabric-protos';
import { blockDataHash, blockHash, blockHeaderBytes } from './block-hashing';
import type { TransactionProof } from '@iotreg/common';
import { parseProofBundle } from './proof-bundle';
import { hasOrdererRole, ORDERER_OU, ProofTrust, subjectOf, TrustedConsenters, trustedConsenters } from './trusted-consenters';

export type { ProofTrust } from './trusted-consenters';

export type CheckName = 'bundle' | 'consenters' | 'transaction' | 'validation' | 'dataHash' | 'header' | 'signatures';

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

export function verifyProof(json: unknown, trust: ProofTrust): ProofVerification {
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

  const metadata = signatureMetadata(block);
  const signedConfigBlock = 'reason' in metadata ? undefined : metadata.lastConfig;
  const consenters = trustedConsenters(trust, bundle, signedConfigBlock);
  const consentersCheck: Check =
    'reason' in consenters
      ? { name: 'consenters', ok: false, detail: consenters.reason }
      : { name: 'consenters', ok: true, detail: `${consenters.source}: n = ${consenters.n}, a quorum is ${bftQuorum(consenters.n)}` };
  const signatures =
    'reason' in consenters
      ? { check: { name: 'signatures' as const, ok: false, detail: 'not checked: no trusted consenter set' }, signers: [] }
      : checkSignatures(header, bundle, metadata, consenters);
  const checks: Check[] = [
    consentersCheck,
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

interface SignatureMetadata {
  metadata: common.Metadata;
  lastConfig: number | undefined;
}

function signatureMetadata(block: common.Block): SignatureMetadata | { reason: string } {
  const bytes = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.SIGNATURES];
  if (!bytes || bytes.length === 0) return { reason: 'the block carries no orderer signatures' };
  try {
    const metadata = common.Metadata.deserializeBinary(bytes);
    const lastConfig = common.OrdererBlockMetadata.deserializeBinary(metadata.getValue_asU8()).getLastConfig()?.getIndex();
    return { metadata, lastConfig };
  } catch {
    return { reason: 'the SIGNATURES metadata does not decode' };
  }
}

/**
 * (d) Orderer signatures: each MetadataSignature signs metadata.value ‖ identifier_header ‖
 * DER header. Fabric v3 BFT consenters name themselves by consenter ID in an IdentifierHeader,
 * resolved through the trusted consenter set; a consenter counts once (by ID and by
 * certificate), only with the orderer role, and only if its signature verifies. The quorum is
 * that of the trusted n, whatever the bundle lists.
 */
function checkSignatures(
  header: common.BlockHeader,
  bundle: TransactionProof,
  signatureMetadata: SignatureMetadata | { reason: string },
  consenters: TrustedConsenters,
): { check: Check; signers: SignerResult[] } {
  const name: CheckName = 'signatures';
  const quorum = bftQuorum(consenters.n);
  const fail = (detail: string, signers: SignerResult[] = []) => ({ check: { name, ok: false, detail }, signers });
  if ('reason' in signatureMetadata) return fail(signatureMetadata.reason);
  const { metadata, lastConfig } = signatureMetadata;
  // The consenter mapping must come from the config block the orderers signed as in force.
  if (lastConfig !== bundle.configBlockNumber) {
    return fail(
      `the orderers signed config block ${lastConfig ?? '(none)'} as in force, ` +
        `the bundle's consenters come from ${bundle.configBlockNumber}`,
    );
  }

  const headerBytes = blockHeaderBytes(header);
  const countedIds = new Set<number>();
  const countedCertificates = new Set<string>();
  const signers = metadata.getSignaturesList().map((signature): SignerResult => {
    const result = checkSignature(signature, metadata.getValue_asU8(), headerBytes, consenters);
    if (!result.counted) return result;
    if (countedIds.has(result.consenterId) || countedCertificates.has(result.fingerprint)) {
      return { ...result.signer, counted: false, reason: 'a second signature by the same consenter' };
    }
    countedIds.add(result.consenterId);
    countedCertificates.add(result.fingerprint);
    return result.signer;
  });
  const detail = `${countedIds.size} distinct valid consenter signature(s) of ${consenters.n} trusted consenters; a quorum is ${quorum}`;
  return countedIds.size >= quorum ? { check: { name, ok: true, detail }, signers } : fail(detail, signers);
}

type SignatureOutcome =
  { counted: true; consenterId: number; fingerprint: string; signer: SignerResult } | (SignerResult & { counted: false });

function checkSignature(
  signature: common.MetadataSignature,
  value: Uint8Array,
  headerBytes: Buffer,
  consenters: TrustedConsenters,
): SignatureOutcome {
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
  const certificate: X509Certificate | undefined = consenters.byId.get(consenterId);
  if (!certificate || !consenters.members.has(certificate.fingerprint256)) {
    return { consenterId, counted: false, reason: `consenter ${consenterId} is not in the trusted consenter set` };
  }
  const subject = subjectOf(certificate);
  if (!hasOrdererRole(certificate)) {
    return { consenterId, subject, counted: false, reason: `the certificate does not carry the orderer role (OU=${ORDERER_OU})` };
  }
  const signed = Buffer.concat([value, identifierHeader, headerBytes]);
  let verified = false;
  try {
    verified = verify('sha256', signed, certificate.publicKey, signature.getSignature_asU8());
  } catch {
    // A malformed signature is a signature that does not verify.
  }
  return verified
    ? {
        counted: true,
        consenterId,
        fingerprint: certificate.fingerprint256,
        signer: { consenterId, subject, counted: true, reason: 'valid' },
      }
    : { consenterId, subject, counted: false, reason: 'the signature does not verify over this block header' };
}

const VALIDATION_CODE_NAMES = new Map(Object.entries(peer.TxValidationCode).map(([k, v]) => [v as number, k]));

function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES.get(code) ?? `VALIDATION_CODE_${code}`;
}
