export { SeqCounter, SignedActions } from './actions';
export type {
  AgreementAcceptPayload,
  AgreementOfferPayload,
  AgreementSettlePayload,
  AgreementUsagePayload,
  AnchorPayload,
  ConfigReportPayload,
  FirmwareReportPayload,
  OfferTerms,
  RolloutReportPayload,
} from './actions';
export { inBatch, MessageBatch, messageDigest } from './batch';
export type { BatchMembership, Message } from './batch';
export { DeviceClient } from './client';
export type { ConfigReportAck, DeviceClientOptions, DeviceKeyInfo, FirmwareReportAck, OpenedConfig } from './client';
export { fitsInline, openConfig, sealConfig } from './config-seal';
/** The gateway's refusals, as every client of the registry reports them. */
export { ApiError } from '@iotreg/common';
export { deviceAuthorization } from './device-auth';
export { DeviceIdentity } from './identity';
export type { DeviceKeyType } from './identity';
export { registrationProof, rotationProofs } from './proofs';
export type { RegistrationTarget, RotationBody } from './proofs';
export { commitmentTo, committedRegistration, committedRotation, preRotation } from './pre-rotation';
export type { PreRotationBody } from './pre-rotation';
export { birthCertificate } from './attestation';
export type { ManufacturedDevice } from './attestation';
export { assertEnvelope, open, seal, SealError } from './seal';
export type { LocalDevice, PeerDevice, SealedEnvelope, SealErrorCode } from './seal';
export { FRESHNESS_TRANSACTION, FreshnessError, runTarget, verifyFreshness } from './freshness';
export type { DeviceFacts, FreshnessErrorCode, FreshnessPolicy, RunTarget, VerifiedStatus } from './freshness';
export { verifyProof } from './audit/verify-proof';
export type { ProofTrust, ProofVerification } from './audit/verify-proof';
/** Confidential attributes: an auditor recomputes the public salted hash from the values and salt an owner handed over. */
export { confidentialDigest, confidentialValuesMatch } from '@iotreg/common';
export type { ConfidentialValues } from '@iotreg/common';
