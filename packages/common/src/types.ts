import type { DeviceStatus, EndpointKind, FirmwareStatus, RevocationReason } from './formats';

/** Records as the chaincode stores and returns them; the REST contract's field names. */
export interface Page<T> {
  items: T[];
  bookmark: string;
}

export type FirmwareVerdict = FirmwareStatus | 'unknown';

export interface DeviceFirmware {
  family: string;
  version: string;
  sha256: string;
  verdict: FirmwareVerdict;
  compliant: boolean;
  reportedAt: string;
}

export interface Device {
  deviceId: string;
  family: string;
  ownerMsp: string;
  status: DeviceStatus;
  publicKeyPem: string;
  keyId: string;
  attributes: Record<string, string>;
  createdAt: string;
  /**
   * Last change by the owner's admin (registration, rotation, status). Device-signed writes carry
   * their own times (anchoredAt, reportedAt) and do not move it: they may be relayed by any org,
   * whose clock must not be able to date the record ahead and so block the owner's next change.
   */
  updatedAt: string;
  /** Highest seq accepted from the device; 0 before its first signed action. */
  seq: number;
  firmware?: DeviceFirmware;
  configDrift?: boolean;
  statusReason?: string;
  revokedAt?: string;
  revocationReason?: RevocationReason;
}

export type KeyStatus = 'current' | 'rotated' | 'revoked';

export interface DeviceKey {
  keyId: string;
  deviceId: string;
  publicKeyPem: string;
  validFrom: string;
  validTo?: string;
  revokedAt?: string;
}

export interface KeyValidity {
  keyId: string;
  deviceId: string;
  at: string;
  validAt: boolean;
  status: KeyStatus;
}

export interface Revocation {
  deviceId: string;
  keyId: string;
  reason: RevocationReason;
  revokedAt: string;
}

export interface HistoryEntry {
  txId: string;
  timestamp: string;
  submitterMsp: string;
  action: string;
  record: unknown;
}

export interface ConfigRecord {
  deviceId: string;
  version: number;
  sha256: string;
  uri: string;
  publishedAt: string;
  txId: string;
}

export interface Family {
  family: string;
  ownerMsp: string;
  vendorKeyPem: string;
  vendorKeyId: string;
  approvalThreshold: number;
  minVersion?: string;
  latestVersion?: string;
  createdAt: string;
  /** A lower minimum someone proposed, waiting for the approvals a family decision needs. */
  minVersionProposal?: MinVersionProposal;
}

/** A family decision the owner alone may not take: who proposed it, and who agreed since. */
export interface Proposal {
  proposedBy: string;
  proposedAt: string;
  approvals: Approval[];
}

export interface MinVersionProposal extends Proposal {
  minVersion: string;
}

export interface RevocationProposal extends Proposal {
  reason: string;
}

/** A family as answered: `approvalsRequired` is k now, from the family and the current members. */
export interface FamilyView extends Family {
  approvalsRequired: number;
}

export interface Approval {
  msp: string;
  decision: 'approve' | 'reject';
  comment?: string;
  at: string;
}

export interface FirmwareRelease {
  family: string;
  version: string;
  sha256: string;
  uri: string;
  status: FirmwareStatus;
  approvals: Approval[];
  publishedAt: string;
  publisherMsp: string;
  revokedAt?: string;
  revocationReason?: string;
  /** Revocation asked for by an org other than the family owner, until enough orgs agree. */
  revocationProposal?: RevocationProposal;
}

export interface MessageAnchor {
  deviceId: string;
  seq: number;
  digest: string;
  keyId: string;
  anchoredAt: string;
  txId: string;
}

export interface Endpoint {
  id: string;
  org: string;
  kind: EndpointKind;
  url: string;
  tlsCertSha256: string;
  registeredAt: string;
}

/**
 * What an offline verifier needs to check that a transaction is on the ledger: served by the
 * gateway at GET /v1/audit/tx/{txId}, checked by the CLI's verifier. Nothing in it is signed
 * but the block: a verifier takes the consenter set from a source it trusts, not from here.
 */
export interface TransactionProof {
  txId: string;
  validationCode: string;
  validationCodeValue: number;
  blockNumber: number;
  /** base64 of the serialized common.Block, exactly as the peer stores it. */
  block: string;
  /** Position of the transaction's envelope in block.data.data. */
  envelopeIndex: number;
  /** The channel config block in force for this block (the last_config index its orderers signed). */
  configBlockNumber: number;
  /**
   * That config block's BFT consenter mapping: BFT block signatures name their signer only by
   * consenter id, so a verifier needs these identities to check them.
   */
  consenters: Consenter[];
  /**
   * base64 of that config block, serialized as the peer stores it, so a verifier can read the
   * consenter set from a block whose hash it pinned instead of trusting `consenters`. Absent
   * from bundles of gateways before it was added.
   */
  configBlock?: string;
}

/** One orderer of the BFT consenter set, as the channel configuration's ConsenterMapping has it. */
export interface Consenter {
  id: number;
  mspId: string;
  /** The orderer's signing certificate, PEM. */
  identity: string;
}
