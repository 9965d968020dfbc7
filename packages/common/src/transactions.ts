import type { DeviceStatus, EndpointKind, RevocationReason } from './formats';
import type { Statement } from './statements';

/**
 * The chaincode's transactions. Each takes one argument, the JSON text of its request, and
 * answers JSON. Gateway and chaincode both import this table, so a name can't drift.
 */
export const TX = {
  registerDevice: 'Devices:RegisterDevice',
  registerDevices: 'Devices:RegisterDevices',
  getDevice: 'Devices:GetDevice',
  listDevices: 'Devices:ListDevices',
  rotateKey: 'Devices:RotateKey',
  listDeviceKeys: 'Devices:ListDeviceKeys',
  getKeyValidity: 'Devices:GetKeyValidity',
  setDeviceStatus: 'Devices:SetDeviceStatus',
  revokeDevice: 'Devices:RevokeDevice',
  listRevocations: 'Devices:ListRevocations',
  getDeviceHistory: 'Devices:GetDeviceHistory',

  publishConfig: 'Config:PublishConfig',
  getConfig: 'Config:GetConfig',
  verifyConfig: 'Config:VerifyConfig',
  reportConfig: 'Config:ReportConfig',

  registerFamily: 'Firmware:RegisterFamily',
  getFamily: 'Firmware:GetFamily',
  setFamilyPolicy: 'Firmware:SetFamilyPolicy',
  publishFirmware: 'Firmware:PublishFirmware',
  getFirmware: 'Firmware:GetFirmware',
  listFirmware: 'Firmware:ListFirmware',
  getLatestFirmware: 'Firmware:GetLatestFirmware',
  voteFirmware: 'Firmware:VoteFirmware',
  revokeFirmware: 'Firmware:RevokeFirmware',
  verifyFirmware: 'Firmware:VerifyFirmware',
  reportFirmware: 'Firmware:ReportFirmware',

  anchorMessage: 'Messages:AnchorMessage',
  listMessages: 'Messages:ListMessages',
  verifyMessage: 'Messages:VerifyMessage',

  registerEndpoint: 'Discovery:RegisterEndpoint',
  listEndpoints: 'Discovery:ListEndpoints',

  /** The consortium's member orgs: recorded once by ./test-network.sh after the chaincode commit. */
  setMembers: 'Governance:SetMembers',
  getMembers: 'Governance:GetMembers',
} as const;

export type TxName = (typeof TX)[keyof typeof TX];

export interface PageRequest {
  pageSize?: number;
  bookmark?: string;
}

export interface DeviceRef {
  deviceId: string;
}

/** A body a device signed itself: the statement and base64 signature over its canonical form. */
export interface SignedPayload<P extends Statement = Statement> {
  payload: P;
  signature: string;
}

export interface RegisterDeviceRequest {
  deviceId: string;
  publicKeyPem: string;
  family: string;
  attributes?: Record<string, string>;
  proof: string;
}

/** All or nothing: every device is checked as a single registration would be. */
export interface RegisterDevicesRequest {
  devices: RegisterDeviceRequest[];
}

/**
 * Registrations in one transaction. One takes about 2.7 KB of the transaction (proposal and
 * write set), so a full batch is about 1.4 MB: SmartBFT's RequestMaxBytes in the channel
 * configuration (network/config/configtx.yaml) must stay above that.
 */
export const BATCH_MAX = 500;

export interface ListDevicesRequest extends PageRequest {
  owner?: string;
  family?: string;
  status?: DeviceStatus;
  compliance?: 'noncompliant';
}

export interface RotateKeyRequest {
  deviceId: string;
  publicKeyPem: string;
  proofOld: string;
  proofNew: string;
}

export interface KeyValidityRequest {
  keyId: string;
  /** ISO 8601; the transaction time when absent. */
  at?: string;
}

export interface SetDeviceStatusRequest {
  deviceId: string;
  status: 'suspended' | 'active';
  reason?: string;
}

export interface RevokeDeviceRequest {
  deviceId: string;
  reason: RevocationReason;
}

export interface ListRevocationsRequest extends PageRequest {
  since?: string;
}

export interface DeviceHistoryRequest extends PageRequest {
  deviceId: string;
}

export interface PublishConfigRequest {
  deviceId: string;
  version: number;
  sha256: string;
  uri?: string;
}

export interface VerifyConfigRequest {
  deviceId: string;
  sha256: string;
}

export interface RegisterFamilyRequest {
  family: string;
  vendorKeyPem: string;
  approvalThreshold: number;
}

export interface FamilyPolicyRequest {
  family: string;
  minVersion: string;
}

export interface PublishFirmwareRequest {
  family: string;
  version: string;
  sha256: string;
  uri?: string;
  signature: string;
}

export interface FirmwareRef {
  family: string;
  version: string;
}

export interface ListFirmwareRequest extends PageRequest {
  family: string;
}

export interface VoteFirmwareRequest extends FirmwareRef {
  decision: 'approve' | 'reject';
  comment?: string;
}

export interface RevokeFirmwareRequest extends FirmwareRef {
  reason: string;
}

export interface VerifyFirmwareRequest {
  family: string;
  sha256: string;
}

export interface ListMessagesRequest extends PageRequest {
  deviceId: string;
}

export interface VerifyMessageRequest {
  deviceId: string;
  seq: number;
  digest?: string;
  /** Hex of one batch entry (usually a message's SHA-256), checked with `proof` against the anchored root. */
  leaf?: string;
  proof?: MerkleProof;
}

/** RFC 6962 audit path of entry `index` in a batch of `treeSize` entries; `path` is hex, leaf upwards. */
export interface MerkleProof {
  index: number;
  treeSize: number;
  path: string[];
}

export interface RegisterEndpointRequest {
  id: string;
  kind: EndpointKind;
  url: string;
  tlsCertSha256?: string;
}
