/**
 * Well-formed answers of catalogue operations, for tests of code that checks answers against
 * the catalogue (the Fabric adapter). Each is typed by its operation's answer schema.
 */
import type { AnswerOf, Device, Endpoint, FamilyView, FirmwareRelease, MessageAnchor, OperationName } from '@iotreg/common';

const at = '2026-01-01T00:00:00.000Z';
const hex = (c: string) => c.repeat(64);

export const sampleDevice: Device = {
  deviceId: 'd-1',
  family: 'fam',
  ownerMsp: 'Org1MSP',
  status: 'active',
  publicKeyPem: '-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----\n',
  keyId: hex('a'),
  attributes: {},
  createdAt: at,
  updatedAt: at,
  seq: 0,
};

const family: FamilyView = {
  family: 'fam',
  ownerMsp: 'Org1MSP',
  vendorKeyPem: sampleDevice.publicKeyPem,
  vendorKeyId: hex('b'),
  approvalThreshold: 1,
  approvalsRequired: 1,
  createdAt: at,
};

const release: FirmwareRelease = {
  family: 'fam',
  version: '1.0.0',
  sha256: hex('c'),
  uri: '',
  status: 'pending',
  approvals: [],
  publishedAt: at,
  publisherMsp: 'Org1MSP',
};

const anchor: MessageAnchor = { deviceId: 'd-1', seq: 1, digest: hex('d'), keyId: hex('a'), anchoredAt: at, txId: hex('e') };
const endpoint: Endpoint = {
  id: 'gw-1',
  org: 'Org1MSP',
  kind: 'gateway',
  url: 'https://gw1.example.com',
  tlsCertSha256: '',
  registeredAt: at,
};
const config = { deviceId: 'd-1', version: 1, sha256: hex('f'), uri: '', publishedAt: at, txId: hex('e') };
const members = { members: ['Org1MSP', 'Org2MSP'] };
const page = <T>(items: T[]) => ({ items, bookmark: '' });

const confidentialDigest = {
  deviceId: 'd-1',
  ownerMsp: 'Org1MSP',
  collection: '_implicit_org_Org1MSP',
  sha256: hex('c'),
  recordedAt: at,
  txId: hex('e'),
};

export const SAMPLE_ANSWERS = {
  registerDevice: sampleDevice,
  registerDevices: { count: 1, deviceIds: ['d-1'] },
  getDevice: sampleDevice,
  listDevices: page([sampleDevice]),
  rotateKey: sampleDevice,
  listDeviceKeys: [{ keyId: hex('a'), deviceId: 'd-1', publicKeyPem: sampleDevice.publicKeyPem, validFrom: at }],
  getKeyValidity: { keyId: hex('a'), deviceId: 'd-1', at, validAt: true, status: 'current' },
  setDeviceStatus: { ...sampleDevice, status: 'suspended' },
  revokeDevice: { ...sampleDevice, status: 'revoked', revokedAt: at, revocationReason: 'other' },
  listRevocations: page([{ deviceId: 'd-1', keyId: hex('a'), reason: 'other', revokedAt: at }]),
  getDeviceHistory: page([{ txId: hex('e'), timestamp: at, submitterMsp: 'Org1MSP', action: 'register', record: sampleDevice }]),
  publishConfig: config,
  getConfig: config,
  verifyConfig: { match: true, version: 1 },
  reportConfig: { deviceId: 'd-1', seq: 1, sha256: hex('f'), reportedAt: at, configDrift: false },
  registerFamily: family,
  getFamily: family,
  setFamilyPolicy: { ...family, minVersion: '1.0.0' },
  publishFirmware: release,
  getFirmware: release,
  listFirmware: page([release]),
  getLatestFirmware: { ...release, status: 'trusted' },
  voteFirmware: { ...release, approvals: [{ msp: 'Org2MSP', decision: 'approve', at }] },
  revokeFirmware: { ...release, status: 'revoked', revokedAt: at, revocationReason: 'broken' },
  verifyFirmware: { verdict: 'trusted', version: '1.0.0' },
  reportFirmware: sampleDevice,
  anchorMessage: anchor,
  listMessages: page([anchor]),
  verifyMessage: { anchored: true, keyId: hex('a'), anchoredAt: at },
  registerEndpoint: endpoint,
  listEndpoints: page([endpoint]),
  setMembers: members,
  getMembers: members,
  putConfidentialAttributes: { deviceId: 'd-1', ownerMsp: 'Org1MSP', collection: '_implicit_org_Org1MSP', sha256: hex('c'), storedAt: at },
  getConfidentialAttributes: {
    deviceId: 'd-1',
    ownerMsp: 'Org1MSP',
    collection: '_implicit_org_Org1MSP',
    sha256: hex('c'),
    attributes: { site: 'plant-3' },
    salt: hex('d'),
  },
  recordConfidentialDigest: confidentialDigest,
  getConfidentialDigest: confidentialDigest,
} satisfies { [N in OperationName]?: AnswerOf<N> };
