export { SignedActions } from './actions';
export { MessageBatch, inBatch } from './batch';
export { DeviceClient, GatewayRequestError } from './client';
export { deviceAuthorization } from './device-auth';
export { DeviceIdentity } from './identity';
export type { DeviceKeyType } from './identity';
export { registrationProof, rotationProofs } from './proofs';
export { open, seal, SealError } from './seal';
export type { Recipient, SealedEnvelope, SealParty } from './seal';
