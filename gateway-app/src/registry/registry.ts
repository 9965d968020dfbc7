/**
 * The registry in business terms: what the HTTP routes may ask of the ledger. One
 * implementation talks to Fabric (fabric-registry.ts); tests use a fake. Every method takes
 * `as`, the name of the configured Fabric identity that signs the request, and throws only
 * RegistryError (codes from @iotreg/common), never a fabric-gateway or gRPC error.
 */
import type {
  ConfigRecord,
  Device,
  DeviceHistoryRequest,
  DeviceKey,
  DeviceRef,
  Endpoint,
  Family,
  FamilyPolicyRequest,
  FirmwareRef,
  FirmwareRelease,
  FirmwareVerdict,
  HistoryEntry,
  KeyValidity,
  KeyValidityRequest,
  ListDevicesRequest,
  ListFirmwareRequest,
  ListMessagesRequest,
  ListRevocationsRequest,
  MessageAnchor,
  Page,
  PublishConfigRequest,
  PublishFirmwareRequest,
  RegisterDeviceRequest,
  RegisterDevicesRequest,
  RegisterEndpointRequest,
  RegisterFamilyRequest,
  Revocation,
  RevokeDeviceRequest,
  RevokeFirmwareRequest,
  RotateKeyRequest,
  SetDeviceStatusRequest,
  SignedPayload,
  TransactionProof,
  VerifyConfigRequest,
  VerifyFirmwareRequest,
  VerifyMessageRequest,
  VoteFirmwareRequest,
} from '@iotreg/common';

export type { Consenter, TransactionProof } from '@iotreg/common';

/** The answer of a write: the chaincode's result, committed VALID in transaction `txId`. */
export interface Committed<T> {
  result: T;
  txId: string;
  blockNumber: number;
}

export interface ConfigVerification {
  match: boolean;
  version: number | null;
}

export interface FirmwareVerification {
  verdict: FirmwareVerdict;
  version?: string;
}

export interface MessageVerification {
  anchored: boolean;
  keyId?: string;
  anchoredAt?: string;
}

/** What became of a write known only by its transaction ID (after a crash, say). */
export type CommittedOutcome =
  | { kind: 'valid'; committed: Committed<unknown> }
  | { kind: 'invalid'; validationCode: string }
  /** Not committed within the lookup budget: it may still commit. */
  | { kind: 'unknown' };

/** Commit state of a transaction: "VALID", a Fabric validation code name, or "UNKNOWN" (not on the ledger). */
export interface TransactionStatus {
  txId: string;
  status: string;
  blockNumber?: number;
}

export interface LedgerEvent {
  blockNumber: bigint;
  txId: string;
  name: string;
  payload: Uint8Array;
}

/** A live stream of chaincode events; close() ends it (and the iteration). */
export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

export interface Registry {
  registerDevice(as: string, request: RegisterDeviceRequest): Promise<Committed<Device>>;
  registerDevices(as: string, request: RegisterDevicesRequest): Promise<Committed<{ count: number; deviceIds: string[] }>>;
  getDevice(as: string, request: DeviceRef): Promise<Device>;
  listDevices(as: string, request: ListDevicesRequest): Promise<Page<Device>>;
  rotateKey(as: string, request: RotateKeyRequest): Promise<Committed<Device>>;
  listDeviceKeys(as: string, request: DeviceRef): Promise<DeviceKey[]>;
  getKeyValidity(as: string, request: KeyValidityRequest): Promise<KeyValidity>;
  setDeviceStatus(as: string, request: SetDeviceStatusRequest): Promise<Committed<Device>>;
  revokeDevice(as: string, request: RevokeDeviceRequest): Promise<Committed<Device>>;
  listRevocations(as: string, request: ListRevocationsRequest): Promise<Page<Revocation>>;
  getDeviceHistory(as: string, request: DeviceHistoryRequest): Promise<Page<HistoryEntry>>;

  publishConfig(as: string, request: PublishConfigRequest): Promise<Committed<ConfigRecord>>;
  getConfig(as: string, request: DeviceRef): Promise<ConfigRecord>;
  verifyConfig(as: string, request: VerifyConfigRequest): Promise<ConfigVerification>;
  reportConfig(as: string, request: SignedPayload): Promise<Committed<unknown>>;

  registerFamily(as: string, request: RegisterFamilyRequest): Promise<Committed<Family>>;
  getFamily(as: string, request: { family: string }): Promise<Family>;
  setFamilyPolicy(as: string, request: FamilyPolicyRequest): Promise<Committed<Family>>;
  publishFirmware(as: string, request: PublishFirmwareRequest): Promise<Committed<FirmwareRelease>>;
  getFirmware(as: string, request: FirmwareRef): Promise<FirmwareRelease>;
  listFirmware(as: string, request: ListFirmwareRequest): Promise<Page<FirmwareRelease>>;
  getLatestFirmware(as: string, request: { family: string }): Promise<FirmwareRelease>;
  voteFirmware(as: string, request: VoteFirmwareRequest): Promise<Committed<FirmwareRelease>>;
  revokeFirmware(as: string, request: RevokeFirmwareRequest): Promise<Committed<FirmwareRelease>>;
  verifyFirmware(as: string, request: VerifyFirmwareRequest): Promise<FirmwareVerification>;
  reportFirmware(as: string, request: SignedPayload): Promise<Committed<unknown>>;

  anchorMessage(as: string, request: SignedPayload): Promise<Committed<MessageAnchor>>;
  listMessages(as: string, request: ListMessagesRequest): Promise<Page<MessageAnchor>>;
  verifyMessage(as: string, request: VerifyMessageRequest): Promise<MessageVerification>;

  registerEndpoint(as: string, request: RegisterEndpointRequest): Promise<Committed<Endpoint>>;
  listEndpoints(as: string): Promise<Endpoint[]>;

  transactionStatus(as: string, txId: string): Promise<TransactionStatus>;
  /**
   * Waits (boundedly) for `txId` to commit and answers its chaincode result if it is VALID;
   * `resend`, the endorsed transaction, is first sent again when the ledger does not have it.
   */
  committedResult(as: string, txId: string, resend?: Uint8Array): Promise<CommittedOutcome>;
  transactionProof(as: string, txId: string): Promise<TransactionProof>;
  /** Chaincode events from `startBlock` (inclusive), or from the next block when absent. */
  chaincodeEvents(as: string, startBlock?: bigint): Promise<EventStream>;
  /** A cheap read that proves the ledger answers (chain height). */
  ping(): Promise<{ height: number }>;
}
