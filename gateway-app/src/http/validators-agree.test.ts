/**
 * Gateway and chaincode must agree on what a well-formed request is. For every route that
 * takes a body, generated bodies (a valid one, then one field set to a boundary or wrong-typed
 * value, removed, or an extra field added) go through the route's zod schema and, as the route
 * would forward them, through the contract method on an in-memory ledger where everything the
 * request names exists. The gateway's 400 and the chaincode's INVALID_ARGUMENT must coincide:
 * any other chaincode answer (success, NOT_FOUND, BAD_SIGNATURE, ...) means "well-formed".
 */
import fc from 'fast-check';
import {
  assertStatement,
  ATTRIBUTE_VALUE_MAX,
  MERKLE_PATH_MAX,
  MERKLE_TREE_SIZE_MAX,
  MEMBERS_MAX,
  PEM_MAX,
  SIGNATURE_MAX,
  Statement,
  statements,
  TEXT_MAX,
  TRANSIENT_REQUEST,
  URI_MAX,
} from '@iotreg/common';
import { DeviceIdentity, registrationProof, sealConfig } from '@iotreg/device';
import type { RegistryContext } from '../../../chaincode/src/context';
import { AgreementsContract } from '../../../chaincode/src/contracts/agreements';
import { ConfigContract } from '../../../chaincode/src/contracts/config';
import { DevicesContract } from '../../../chaincode/src/contracts/devices';
import { DiscoveryContract } from '../../../chaincode/src/contracts/discovery';
import { FirmwareContract } from '../../../chaincode/src/contracts/firmware';
import { GovernanceContract } from '../../../chaincode/src/contracts/governance';
import { IdentityContract } from '../../../chaincode/src/contracts/identity';
import { MessagesContract } from '../../../chaincode/src/contracts/messages';
import { SealedConfigContract } from '../../../chaincode/src/contracts/sealed-config';
import { RolloutsContract } from '../../../chaincode/src/contracts/rollouts';
import { ConfidentialContract } from '../../../chaincode/src/contracts/confidential';
import { FakeLedger } from '../../../chaincode/src/testing/fake-ledger';
import { catalogueRoutes } from '../routes/catalogue';
import type { AnyRoute } from './route';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Body = { [key: string]: Json };
type Tx = (ctx: RegistryContext, request: string) => Promise<string>;
type Who = [msp: string, role: string];

const contracts = {
  Devices: new DevicesContract(),
  Config: new ConfigContract(),
  Firmware: new FirmwareContract(),
  Messages: new MessagesContract(),
  Discovery: new DiscoveryContract(),
  Identity: new IdentityContract(),
  SealedConfig: new SealedConfigContract(),
  Agreements: new AgreementsContract(),
  Rollouts: new RolloutsContract(),
};
const ADMIN: Who = ['Org1MSP', 'admin'];
const VENDOR: Who = ['Org1MSP', 'vendor'];
/** The member list changes only when every org concerned signs it. */
const ADMIN2: Who = ['Org2MSP', 'admin'];
const ROUTES: readonly AnyRoute[] = catalogueRoutes;

const device = DeviceIdentity.generate();
const vendor = DeviceIdentity.generate();
const newcomers = [DeviceIdentity.generate(), DeviceIdentity.generate()];
const sha = (c: string) => c.repeat(64);
/** Stands for "d1's signature over the payload as it finally is". */
const SIGN = '<sign>';

/** The ledger every sample starts from: members, device d1 (of family fam), family fam, release fam 1.0.0. */
const template = new FakeLedger();

async function run(ledger: FakeLedger, who: Who, tx: Tx, request: unknown): Promise<string> {
  try {
    await ledger.run(who[0], who[1], (ctx) => tx(ctx, JSON.stringify(request)));
    return 'accepted';
  } catch (err) {
    return (err as Error).message.split(':')[0] ?? 'unknown';
  }
}

beforeAll(async () => {
  const setup: Array<[Who, Tx, unknown]> = [
    [ADMIN, (c, r) => new GovernanceContract().SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] }],
    [ADMIN2, (c, r) => new GovernanceContract().SetMembers(c, r), { members: ['Org1MSP', 'Org2MSP'] }],
    [VENDOR, (c, r) => contracts.Firmware.RegisterFamily(c, r), { family: 'fam', vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 1 }],
    [
      ADMIN,
      (c, r) => contracts.Devices.RegisterDevice(c, r),
      {
        deviceId: 'd1',
        publicKeyPem: device.publicKeyPem,
        family: 'fam',
        proof: registrationProof(device, { deviceId: 'd1', ownerMsp: 'Org1MSP', family: 'fam' }),
      },
    ],
    [
      VENDOR,
      (c, r) => contracts.Firmware.PublishFirmware(c, r),
      {
        family: 'fam',
        version: '1.0.0',
        sha256: sha('a'),
        signature: vendor.sign(statements.firmware('fam', '1.0.0', sha('a'))),
      },
    ],
  ];
  for (const [who, tx, request] of setup) expect(await run(template, who, tx, request)).toBe('accepted');
});

function freshLedger(): FakeLedger {
  const ledger = new FakeLedger();
  for (const [key, value] of template.state) ledger.state.set(key, value);
  ledger.clock = template.clock;
  return ledger;
}

const registration = (identity: DeviceIdentity, deviceId: string): Body => ({
  deviceId,
  publicKeyPem: identity.publicKeyPem,
  family: 'fam',
  attributes: { site: 'plant-3' },
  proof: registrationProof(identity, { deviceId, ownerMsp: 'Org1MSP', family: 'fam' }),
});

interface Operation {
  /** What the route adds to the body (path parameters) before it calls the chaincode. */
  fromPath: Body;
  params: Record<string, string>;
  who: Who;
  tx: Tx;
  valid: Body;
  /** Device-signed: the payload is signed again after each change, so the signature is not what refuses it. */
  signed?: boolean;
}

const OPERATIONS: Record<string, Operation> = {
  registerDevice: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Devices.RegisterDevice(c, r),
    valid: registration(newcomers[0]!, 'd2'),
  },
  registerDevices: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Devices.RegisterDevices(c, r),
    valid: { devices: [registration(newcomers[0]!, 'd2'), registration(newcomers[1]!, 'd3')] },
  },
  rotateDeviceKey: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Devices.RotateKey(c, r),
    valid: { publicKeyPem: newcomers[0]!.publicKeyPem, proofOld: 'AAAA', proofNew: 'AAAA' },
  },
  suspendDevice: {
    fromPath: { deviceId: 'd1', status: 'suspended' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Devices.SetDeviceStatus(c, r),
    valid: { reason: 'maintenance' },
  },
  reactivateDevice: {
    fromPath: { deviceId: 'd1', status: 'active' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Devices.SetDeviceStatus(c, r),
    valid: { reason: 'back' },
  },
  revokeDevice: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Devices.RevokeDevice(c, r),
    valid: { reason: 'keyCompromise' },
  },
  publishConfig: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Config.PublishConfig(c, r),
    valid: { version: 1, sha256: sha('b'), uri: 'https://config.example.com/d1/1' },
  },
  verifyConfig: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Config.VerifyConfig(c, r),
    valid: { sha256: sha('b') },
  },
  reportConfig: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Config.ReportConfig(c, r),
    signed: true,
    valid: { payload: { action: 'config-report', deviceId: 'd1', seq: 1, sha256: sha('b') }, signature: SIGN },
  },
  registerFamily: {
    fromPath: {},
    params: {},
    who: VENDOR,
    tx: (c, r) => contracts.Firmware.RegisterFamily(c, r),
    valid: { family: 'fam2', vendorKeyPem: vendor.publicKeyPem, approvalThreshold: 2 },
  },
  setFamilyIdentityPolicy: {
    fromPath: { family: 'fam' },
    params: { family: 'fam' },
    who: ADMIN,
    tx: (c, r) => contracts.Identity.SetFamilyIdentityPolicy(c, r),
    valid: { preRotation: 'optional' },
  },
  preRotateKey: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Identity.PreRotateKey(c, r),
    valid: { publicKeyPem: newcomers[0]!.publicKeyPem, nextKeyDigest: sha('next'), proof: 'AAAA' },
  },
  registerMaker: {
    fromPath: {},
    params: {},
    who: VENDOR,
    tx: (c, r) => contracts.Identity.RegisterMaker(c, r),
    valid: { maker: 'acme', manufacturingKeyPem: newcomers[0]!.publicKeyPem },
  },
  putConfidentialAttributes: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    // As the gateway forwards it: transient data, with a salt drawn when the body has none.
    tx: (c, r) => {
      const request = JSON.parse(r) as Record<string, unknown>;
      const salted = JSON.stringify('salt' in request ? request : { ...request, salt: sha('5') });
      (c.stub as unknown as { getTransient: () => Map<string, Buffer> }).getTransient = () =>
        new Map([[TRANSIENT_REQUEST, Buffer.from(salted)]]);
      return new ConfidentialContract().PutConfidentialAttributes(c);
    },
    valid: { attributes: { site: 'plant-3' }, salt: sha('a') },
  },
  recordConfidentialDigest: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => new ConfidentialContract().RecordConfidentialDigest(c, r),
    valid: {},
  },
  offerTransfer: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.Identity.OfferTransfer(c, r),
    valid: { toMsp: 'Org2MSP' },
  },
  acceptTransfer: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN2,
    tx: (c, r) => contracts.Identity.AcceptTransfer(c, r),
    valid: { fromMsp: 'Org1MSP' },
  },
  setFamilyPolicy: {
    fromPath: { family: 'fam' },
    params: { family: 'fam' },
    who: ADMIN,
    tx: (c, r) => contracts.Firmware.SetFamilyPolicy(c, r),
    valid: { minVersion: '1.0.0' },
  },
  publishFirmware: {
    fromPath: {},
    params: {},
    who: VENDOR,
    tx: (c, r) => contracts.Firmware.PublishFirmware(c, r),
    valid: { family: 'fam', version: '1.1.0', sha256: sha('c'), uri: 'https://updates.example.com/1.1.0.bin', signature: 'AAAA' },
  },
  verifyFirmware: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Firmware.VerifyFirmware(c, r),
    valid: { family: 'fam', sha256: sha('a') },
  },
  voteFirmware: {
    fromPath: { family: 'fam', version: '1.0.0' },
    params: { family: 'fam', version: '1.0.0' },
    who: ADMIN,
    tx: (c, r) => contracts.Firmware.VoteFirmware(c, r),
    valid: { decision: 'approve', comment: 'tested' },
  },
  revokeFirmware: {
    fromPath: { family: 'fam', version: '1.0.0' },
    params: { family: 'fam', version: '1.0.0' },
    who: ADMIN,
    tx: (c, r) => contracts.Firmware.RevokeFirmware(c, r),
    valid: { reason: 'bricks devices' },
  },
  reportFirmware: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Firmware.ReportFirmware(c, r),
    signed: true,
    valid: {
      payload: { action: 'firmware-report', deviceId: 'd1', seq: 1, family: 'fam', version: '1.0.0', sha256: sha('a') },
      signature: SIGN,
    },
  },
  anchorMessage: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Messages.AnchorMessage(c, r),
    signed: true,
    valid: { payload: { action: 'anchor', deviceId: 'd1', seq: 1, digest: sha('d') }, signature: SIGN },
  },
  verifyMessage: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Messages.VerifyMessage(c, r),
    valid: { deviceId: 'd1', seq: 1, leaf: sha('e'), proof: { index: 0, treeSize: 2, path: [sha('f')] } },
  },
  publishSealedConfig: {
    fromPath: { deviceId: 'd1' },
    params: { deviceId: 'd1' },
    who: ADMIN,
    tx: (c, r) => contracts.SealedConfig.PublishSealedConfig(c, r),
    valid: {
      version: 1,
      sha256: sha('b'),
      sealed: sealConfig({ deviceId: 'd1', publicKeyPem: device.publicKeyPem }, 1, 'broker=10.0.0.1'),
    },
  },
  offerAgreement: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Agreements.OfferAgreement(c, r),
    signed: true,
    valid: {
      payload: {
        action: 'agreement-offer',
        deviceId: 'd1',
        seq: 1,
        agreementId: 'ag-1',
        consumerId: 'd2',
        resource: 'ev-charging',
        unit: 'Wh',
        maxQuantity: 1000,
        pricePerUnit: 3,
        currency: 'EUR',
        expiresAt: '2030-01-01T00:00:00.000Z',
        minQuantity: 0,
        penaltyPerUnit: 0,
      },
      signature: SIGN,
    },
  },
  acceptAgreement: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Agreements.AcceptAgreement(c, r),
    signed: true,
    valid: { payload: { action: 'agreement-accept', deviceId: 'd1', seq: 1, agreementId: 'ag-1', termsSha256: sha('e') }, signature: SIGN },
  },
  recordUsage: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Agreements.RecordUsage(c, r),
    signed: true,
    valid: { payload: { action: 'agreement-usage', deviceId: 'd1', seq: 1, agreementId: 'ag-1', quantity: 5 }, signature: SIGN },
  },
  settleAgreement: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Agreements.SettleAgreement(c, r),
    signed: true,
    valid: { payload: { action: 'agreement-settle', deviceId: 'd1', seq: 1, agreementId: 'ag-1' }, signature: SIGN },
  },
  registerEndpoint: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Discovery.RegisterEndpoint(c, r),
    valid: { id: 'gw-1', kind: 'gateway', url: 'https://gw1.example.com:8443', tlsCertSha256: sha('0') },
  },
  createRollout: {
    fromPath: {},
    params: {},
    who: ADMIN,
    tx: (c, r) => contracts.Rollouts.CreateRollout(c, r),
    valid: {
      rolloutId: 'r1',
      family: 'fam',
      version: '1.0.0',
      target: { owners: ['Org1MSP'], attributes: { site: 'plant-3' } },
      waves: [
        { percent: 10, soakSeconds: 60, successPercent: 90, maxFailurePercent: 5 },
        { percent: 100, soakSeconds: 0, successPercent: 0, maxFailurePercent: 10 },
      ],
      requireConsent: true,
    },
  },
  pauseRollout: {
    fromPath: { rolloutId: 'r1', state: 'paused' },
    params: { rolloutId: 'r1' },
    who: ADMIN,
    tx: (c, r) => contracts.Rollouts.SetRolloutState(c, r),
    valid: { reason: 'night' },
  },
  resumeRollout: {
    fromPath: { rolloutId: 'r1', state: 'active' },
    params: { rolloutId: 'r1' },
    who: ADMIN,
    tx: (c, r) => contracts.Rollouts.SetRolloutState(c, r),
    valid: { reason: 'morning' },
  },
  cancelRollout: {
    fromPath: { rolloutId: 'r1', state: 'cancelled' },
    params: { rolloutId: 'r1' },
    who: ADMIN,
    tx: (c, r) => contracts.Rollouts.SetRolloutState(c, r),
    valid: { reason: 'superseded' },
  },
  reportRollout: {
    fromPath: {},
    params: { deviceId: 'd1' },
    who: ['Org1MSP', 'relay'],
    tx: (c, r) => contracts.Rollouts.ReportRollout(c, r),
    signed: true,
    valid: {
      payload: { action: 'rollout-report', deviceId: 'd1', seq: 1, rolloutId: 'r1', outcome: 'failed', reason: 'boot loop' },
      signature: SIGN,
    },
  },
  consentRollout: {
    fromPath: { rolloutId: 'r1' },
    params: { rolloutId: 'r1' },
    who: ADMIN2,
    tx: (c, r) => contracts.Rollouts.ConsentRollout(c, r),
    valid: { decision: 'grant', comment: 'tested in our lab' },
  },
  setConsentPolicy: {
    fromPath: { family: 'fam' },
    params: { family: 'fam' },
    who: ADMIN2,
    tx: (c, r) => contracts.Rollouts.SetConsentPolicy(c, r),
    valid: { requireConsent: true },
  },
  proposeRollback: {
    fromPath: { family: 'fam' },
    params: { family: 'fam' },
    who: ADMIN,
    tx: (c, r) => contracts.Rollouts.ProposeRollback(c, r),
    valid: { version: '1.0.0', reason: 'bricks devices' },
  },
  refreshFamilyStatus: {
    fromPath: {},
    params: {},
    who: ADMIN2,
    tx: (c, r) => contracts.Rollouts.RefreshFamilyStatus(c, r),
    valid: { family: 'fam' },
  },
};

/** Signs a device-signed body's payload with d1's key, when the payload is a statement at all. */
function signedBy(body: Body): Body {
  const payload = body.payload;
  try {
    assertStatement(payload);
  } catch {
    return body.signature === SIGN ? { ...body, signature: 'AAAA' } : body;
  }
  return body.signature === SIGN ? { ...body, signature: device.sign(payload as Statement) } : body;
}

// Values at and around every limit, and of every wrong type.

const LIMITS = [1, 2, 63, 64, 65, 127, 128, 129, SIGNATURE_MAX, ATTRIBUTE_VALUE_MAX, 512, TEXT_MAX, URI_MAX, PEM_MAX, 8192];
const LENGTHS = [0, ...LIMITS.flatMap((n) => [n - 1, n, n + 1])];
const FILLERS = ['a', 'A', '0', 'ab', 'A+/=', '.', ':', '\u00e9', ' '];
const PREFIXES = ['', 'https://h.example/', 'x:', 'a', '1.0.', 'Org1MSP'];
const boundaryString = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.constantFrom(...FILLERS), fc.constantFrom(...LENGTHS))
  .map(([prefix, filler, length]) => (prefix + filler.repeat(length)).slice(0, Math.max(length, prefix.length)));
const NUMBERS = [
  -1,
  0,
  1,
  2,
  3,
  0.5,
  1.5,
  MEMBERS_MAX,
  MEMBERS_MAX + 1,
  1000,
  1001,
  MERKLE_PATH_MAX,
  MERKLE_TREE_SIZE_MAX - 1,
  MERKLE_TREE_SIZE_MAX,
  MERKLE_TREE_SIZE_MAX + 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  1e300,
];
const SPECIAL_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  'a\nb',
  'line\u007f',
  sha('A'),
  sha('a').slice(1),
  sha('a') + 'a',
  'aa',
  'g'.repeat(64),
  '1.0.0',
  '01.0.0',
  '1.0',
  'mailto:x@example.com',
  'https://h',
  'http://h/p?q#f',
  'ftp://h',
  'not a uri',
  'approve',
  'gateway',
  'keyCompromise',
  'config-report',
  'anchor',
  '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
  '1',
  'true',
];
const value: fc.Arbitrary<Json> = fc.oneof(
  boundaryString,
  fc.constantFrom<Json>(...SPECIAL_STRINGS, ...NUMBERS, null, true, false, [], {}, ['a'], { a: 'b' }, [sha('a')], Array(65).fill(sha('a'))),
  fc.string({ maxLength: 8 }),
  fc.integer(),
);

/** Names to add: unknown ones, and fields that are optional or belong elsewhere (digest beside leaf). */
const EXTRA_NAMES = ['extra', 'Site', 'deviceID', 'digest', 'leaf', 'proof', 'uri', 'comment', 'reason', 'status', 'deviceId', 'seq'];

type Path = Array<string | number>;

/** Every field and nested field of a body, by path. */
function paths(body: Json, prefix: Path = []): Path[] {
  if (body === null || typeof body !== 'object') return [prefix];
  const entries = Array.isArray(body) ? body.map((v, i) => [i, v] as const) : Object.entries(body);
  return [...(prefix.length > 0 ? [prefix] : []), ...entries.flatMap(([key, v]) => paths(v, [...prefix, key]))];
}

function objectsIn(body: Json, prefix: Path = []): Path[] {
  if (body === null || typeof body !== 'object') return [];
  const entries = Array.isArray(body) ? body.map((v, i) => [i, v] as const) : Object.entries(body);
  return [...(Array.isArray(body) ? [] : [prefix]), ...entries.flatMap(([key, v]) => objectsIn(v, [...prefix, key]))];
}

/** body with the field at path set to value (undefined: removed). */
function change(body: Body, path: Path, to: Json | undefined): Body {
  const copy = structuredClone(body);
  let at: any = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  const last = path.at(-1)!;
  if (to === undefined && Array.isArray(at)) at.splice(last as number, 1);
  else if (to === undefined) delete at[last];
  else at[last] = to;
  return copy;
}

/**
 * Names an operation's extra fields may take: not those its route takes from the path, which a
 * body cannot carry (the gateway refuses them) and the chaincode rightly takes.
 */
const extraNames = (operation: Operation) => EXTRA_NAMES.filter((name) => !(name in operation.fromPath));

function mutations(operation: Operation): fc.Arbitrary<{ what: string; body: Body }> {
  const valid = operation.valid;
  const fields = paths(valid);
  const objects = objectsIn(valid);
  // A body with no fields (the route's path says it all) can only gain fields.
  const fieldChanges =
    fields.length === 0
      ? []
      : [
          fc
            .tuple(fc.constantFrom(...fields), value)
            .map(([path, v]) => ({ what: `${path.join('.')} = ${describeValue(v)}`, body: change(valid, path, v) })),
          fc.constantFrom(...fields).map((path) => ({ what: `${path.join('.')} removed`, body: change(valid, path, undefined) })),
        ];
  return fc.oneof(
    fc.constant({ what: 'valid', body: valid }),
    ...fieldChanges,
    fc.tuple(fc.constantFrom(...objects), fc.constantFrom(...extraNames(operation)), value).map(([path, key, v]) => ({
      what: `${[...path, key].join('.')} added = ${describeValue(v)}`,
      body: change(valid, [...path, key], v),
    })),
  );
}

function describeValue(v: Json): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 40)}… (${typeof v === 'string' ? v.length : text.length} chars)` : text;
}

async function verdicts(operationId: string, body: Body): Promise<{ gateway: string; chaincode: string }> {
  const operation = OPERATIONS[operationId]!;
  const route = ROUTES.find((r) => r.operationId === operationId)!;
  const sent = operation.signed ? signedBy(body) : body;
  const gateway = route.body!.safeParse(sent).success ? 'accepted' : 'INVALID_ARGUMENT';
  const outcome = await run(freshLedger(), operation.who, operation.tx, { ...operation.fromPath, ...sent });
  const chaincode = outcome === 'INVALID_ARGUMENT' || outcome === 'INTERNAL' ? outcome : 'accepted';
  return { gateway, chaincode };
}

const BODY_ROUTES = ROUTES.filter((r) => r.body !== undefined).map((r) => r.operationId);

test('every route with a body is covered', () => {
  expect([...BODY_ROUTES].sort()).toEqual(Object.keys(OPERATIONS).sort());
});

describe.each(Object.keys(OPERATIONS))('%s', (operationId) => {
  const operation = OPERATIONS[operationId]!;

  test('the route forwards body and path as the test does', async () => {
    const route = ROUTES.find((r) => r.operationId === operationId)!;
    const body = operation.signed ? signedBy(operation.valid) : operation.valid;
    const forwarded: unknown[] = [];
    const registry = new Proxy(
      {},
      { get: () => async (_operation: string, _as: string, request: unknown) => (forwarded.push(request), { result: {}, txId: 't' }) },
    );
    await route.handle!({ registry, as: 'me', params: operation.params, body, query: {} } as never);
    expect(forwarded).toEqual([{ ...operation.fromPath, ...body }]);
  });

  test('gateway and chaincode agree on every generated request', async () => {
    await fc.assert(
      fc.asyncProperty(mutations(operation), async ({ body }) => {
        const { gateway, chaincode } = await verdicts(operationId, body);
        expect(chaincode).toBe(gateway);
      }),
      { numRuns: 400, examples: [[{ what: 'valid', body: operation.valid }]] },
    );
  });
});

/** Every field at every boundary value: what random sampling could miss. */
const SWEEP: Json[] = [
  ...LENGTHS.flatMap((length) =>
    ['a', 'A+/='].flatMap((filler) =>
      ['', 'https://h.example/'].map((prefix) => (prefix + filler.repeat(length)).slice(0, Math.max(length, prefix.length))),
    ),
  ),
  ...SPECIAL_STRINGS,
  ...NUMBERS,
  null,
  true,
  false,
  [],
  {},
  ['a'],
  { a: 'b' },
  [sha('a')],
  Array(65).fill(sha('a')),
];

function sweep(operation: Operation): Array<{ what: string; body: Body }> {
  const valid = operation.valid;
  return [
    ...paths(valid).flatMap((path) => [
      { what: `${path.join('.')} removed`, body: change(valid, path, undefined) },
      ...SWEEP.map((v) => ({ what: `${path.join('.')} = ${describeValue(v)}`, body: change(valid, path, v) })),
    ]),
    ...objectsIn(valid).flatMap((path) =>
      extraNames(operation).flatMap((key) =>
        [sha('a'), 'x', 1].map((v) => ({
          what: `${[...path, key].join('.')} added = ${describeValue(v)}`,
          body: change(valid, [...path, key], v),
        })),
      ),
    ),
  ];
}

describe('at every boundary', () => {
  test.each(Object.keys(OPERATIONS))('%s: gateway and chaincode agree', async (operationId) => {
    const disagreements: string[] = [];
    for (const { what, body } of sweep(OPERATIONS[operationId]!)) {
      const { gateway, chaincode } = await verdicts(operationId, body);
      if (gateway !== chaincode) disagreements.push(`${what}: gateway ${gateway}, chaincode ${chaincode}`);
    }
    expect(disagreements).toEqual([]);
  });
});
