/** Chaincode event names: one per kind of committed change, as the REST contract lists them. */
export const EVENTS = {
  deviceRegistered: 'device.registered',
  devicesRegistered: 'devices.registered',
  deviceKeyRotated: 'device.key_rotated',
  deviceSuspended: 'device.suspended',
  deviceReactivated: 'device.reactivated',
  deviceRevoked: 'device.revoked',
  configPublished: 'config.published',
  configReported: 'config.reported',
  configSealed: 'config.sealed',
  familyRegistered: 'family.registered',
  familyPolicySet: 'family.policy_set',
  familyPolicyProposed: 'family.policy_proposed',
  firmwarePublished: 'firmware.published',
  firmwareApproved: 'firmware.approved',
  firmwareTrusted: 'firmware.trusted',
  firmwareRevoked: 'firmware.revoked',
  firmwareRevocationProposed: 'firmware.revocation_proposed',
  firmwareReported: 'firmware.reported',
  messageAnchored: 'message.anchored',
  endpointRegistered: 'endpoint.registered',
  agreementOffered: 'agreement.offered',
  agreementAccepted: 'agreement.accepted',
  agreementUsageRecorded: 'agreement.usage_recorded',
  agreementSettled: 'agreement.settled',
} as const;

export type EventName = (typeof EVENTS)[keyof typeof EVENTS];
