/**
 * Who may do what: every write endpoint × role × org (owner or other) through the gateways,
 * with the contract's status for each; unknown or missing tokens are 401 everywhere.
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { clients, Client, clientsFile, Org, Role, uid } from './support/network';
import { newDevice, registration, rotation, TestDevice, registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['authz-v1']));

const as = clients();
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
type Caller = { org: Org; role: Role };
const callers: Caller[] = (['Org1MSP', 'Org2MSP'] as const).flatMap((org) =>
  (['admin', 'vendor', 'auditor'] as const).map((role) => ({ org, role })),
);

interface Case {
  name: string;
  /** Who may: everyone else gets 403. Owner is Org1MSP. */
  allowed: (c: Caller) => boolean;
  /** Fresh state for one attempt, then the request. */
  attempt: (client: Client) => Promise<number>;
}

const vendorKey = DeviceIdentity.generate();
let family: string;

const device = (): Promise<TestDevice> => registeredDevice(as.Org1MSP.admin, 'authz-v1', 'authz');

beforeAll(async () => {
  family = uid('authz-fam');
  expect(
    (await as.Org1MSP.vendor.post('/v1/families', { family, vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 })).status,
  ).toBe(201);
});

/** Releases only go up, so every attempt takes the next version. */
let releases = 0;
function signedRelease() {
  releases += 1;
  const version = `1.0.${releases}`;
  const sha256 = sha(`${family}-${version}`);
  return { family, version, sha256, signature: vendorKey.sign(statements.firmware(family, version, sha256)) };
}

async function release(): Promise<string> {
  const body = signedRelease();
  expect((await as.Org1MSP.vendor.post('/v1/firmware', body)).status).toBe(201);
  return body.version;
}

const ownerAdmin = (c: Caller) => c.org === 'Org1MSP' && c.role === 'admin';
const cases: Case[] = [
  {
    name: 'register a device',
    allowed: (c) => c.role === 'admin',
    attempt: async (cl) => {
      const d = newDevice(uid('authz'));
      return (await cl.post('/v1/devices', registration(d, 'authz-v1', undefined, cl.org))).status;
    },
  },
  {
    name: 'rotate a key',
    allowed: ownerAdmin,
    attempt: async (cl) => {
      const d = await device();
      return (await cl.post(`/v1/devices/${d.id}/keys`, rotation(d, newDevice(d.id)))).status;
    },
  },
  { name: 'suspend', allowed: ownerAdmin, attempt: async (cl) => (await cl.post(`/v1/devices/${(await device()).id}/suspend`, {})).status },
  {
    name: 'revoke',
    allowed: ownerAdmin,
    attempt: async (cl) => (await cl.post(`/v1/devices/${(await device()).id}/revoke`, { reason: 'other' })).status,
  },
  {
    name: 'publish config',
    allowed: ownerAdmin,
    attempt: async (cl) => (await cl.put(`/v1/devices/${(await device()).id}/config`, { version: 1, sha256: sha('c') })).status,
  },
  {
    name: 'register a family',
    allowed: (c) => c.role === 'vendor',
    attempt: async (cl) =>
      (await cl.post('/v1/families', { family: uid('f'), vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 })).status,
  },
  // Raising (or keeping) the minimum is the family owner's; lowering is a proposal (test/firmware-config.test.ts).
  {
    name: 'set a family policy',
    allowed: ownerAdmin,
    attempt: async (cl) => (await cl.put(`/v1/families/${family}/policy`, { minVersion: '1.0.0' })).status,
  },
  {
    name: 'publish firmware',
    allowed: (c) => c.org === 'Org1MSP' && c.role === 'vendor',
    attempt: async (cl) => (await cl.post('/v1/firmware', signedRelease())).status,
  },
  // The family owner's own admin does not vote on its releases.
  {
    name: 'vote on firmware',
    allowed: (c) => c.role === 'admin' && c.org !== 'Org1MSP',
    attempt: async (cl) => (await cl.post(`/v1/firmware/${family}/${await release()}/approvals`, { decision: 'approve' })).status,
  },
  // Another org's admin is allowed to ask: its request is recorded as a revocation proposal (200).
  {
    name: 'revoke firmware',
    allowed: (c) => c.role === 'admin' || (c.org === 'Org1MSP' && c.role === 'vendor'),
    attempt: async (cl) => (await cl.post(`/v1/firmware/${family}/${await release()}/revoke`, { reason: 'test' })).status,
  },
  {
    name: 'register an endpoint',
    allowed: (c) => c.role === 'admin',
    attempt: async (cl) => (await cl.post('/v1/discovery/endpoints', { id: uid('ep'), kind: 'peer', url: 'https://peer.example' })).status,
  },
];

describe.each(cases)('$name', ({ allowed, attempt }) => {
  test.each(callers)('$org $role', async (caller) => {
    const status = await attempt(as[caller.org][caller.role]);
    if (allowed(caller)) expect([200, 201]).toContain(status);
    else expect(status).toBe(403);
  });

  test('no token, or an unknown one: 401', async () => {
    const base = clientsFile().orgs.Org1MSP.gateway;
    expect(await attempt(new Client(base))).toBe(401);
    expect(await attempt(new Client(base, 'f'.repeat(64)))).toBe(401);
  });
});
