/**
 * Confidential device attributes in Fabric private data (issue 22), on the live network: Org1's
 * values reach Org1's peer alone; Org2 endorses their salted hash without them; no read path of
 * Org2 (REST, history, events, the block, its peer's chaincode) shows them; Org1's auditor reads
 * them and the hash proves them. The same by the CLI.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { confidentialValuesMatch, OPERATIONS, TRANSIENT_REQUEST } from '@iotreg/common';
import { clients, clientsFile, orgsInSync } from './support/network';
import { closePeerConnections, connectAs } from './support/peers';
import { registeredDevice } from './support/devices';
import { ensureFamilies } from './support/families';
import { readEvents, SseEvent } from './support/sse';
import { commandLine } from './support/cli';

const FAMILY = 'confidential-v1';
beforeAll(() => ensureFamilies([FAMILY]));

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const errorCode = (code: string) => ({ error: { code, message: expect.any(String) } });

/** Values no other part of the ledger could contain by chance. */
const secretValues = () => {
  const tag = createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 12);
  return { customer: `acme-secret-${tag}`, site: `site-secret-${tag}` };
};

/** The auditor's own recomputation, without the registry's code: SHA-256 of RFC 8785 JSON {attributes, deviceId, salt}. */
function auditorHash(deviceId: string, attributes: Record<string, string>, salt: string): string {
  const sorted = Object.fromEntries(
    Object.keys(attributes)
      .sort()
      .map((k) => [k, attributes[k]]),
  );
  return createHash('sha256')
    .update(JSON.stringify({ attributes: sorted, deviceId, salt }))
    .digest('hex');
}

afterAll(closePeerConnections);

/** Org1's auditor, straight to the peers (no gateway app): evaluates on the peers of `target` only. */
async function evaluateOn(
  target: 'Org1MSP' | 'Org2MSP',
  deviceId: string,
): Promise<{ ok: true; answer: any } | { ok: false; message: string }> {
  const { contract } = connectAs('org1', 'auditor');
  try {
    const bytes = await contract.evaluate(OPERATIONS.getConfidentialAttributes.tx, {
      arguments: [],
      transientData: { [TRANSIENT_REQUEST]: JSON.stringify({ deviceId }) },
      endorsingOrganizations: [target],
    });
    return { ok: true, answer: JSON.parse(Buffer.from(bytes).toString('utf8')) };
  } catch (err) {
    const e = err as { message?: string; details?: Array<{ message?: string }> };
    return { ok: false, message: [e.message, ...(e.details ?? []).map((d) => d.message)].join(' | ') };
  }
}

describe('confidential attributes', () => {
  test("Org1's values stay on Org1's peer; Org2 endorses their hash blind; Org1's auditor reads them and the hash proves them", async () => {
    const start = (await org2.auditor.get('/readyz')).body.height as number;
    const device = await registeredDevice(org1.admin, FAMILY, 'conf');
    const attributes = secretValues();
    const url = `/v1/devices/${device.id}/attributes/confidential`;

    // Only the owner's admin stores them.
    expect((await org2.admin.put(url, { attributes })).body).toEqual(errorCode('FORBIDDEN'));
    expect((await org1.auditor.put(url, { attributes })).status).toBe(403);
    // Before any PUT there is nothing to record.
    expect((await org1.admin.post(`${url}/digest`)).body).toEqual(errorCode('NOT_FOUND'));

    const stored = await org1.admin.put(url, { attributes });
    expect([stored.status, stored.body]).toEqual([
      200,
      expect.objectContaining({ deviceId: device.id, ownerMsp: 'Org1MSP', collection: '_implicit_org_Org1MSP', txId: expect.any(String) }),
    ]);
    expect(JSON.stringify(stored.body)).not.toContain(attributes.customer);

    // The public hash: a MAJORITY transaction, endorsed by Org2's peer from the hash alone.
    const recorded = await org1.admin.post(`${url}/digest`);
    expect([recorded.status, recorded.body]).toEqual([200, expect.objectContaining({ deviceId: device.id, sha256: stored.body.sha256 })]);
    await orgsInSync();

    // Org1's auditor reads the values from Org1's peer; the hash proves them.
    const read = await org1.auditor.get(url);
    expect([read.status, read.body]).toEqual([200, expect.objectContaining({ attributes, sha256: stored.body.sha256 })]);
    const digest = await org2.auditor.get(`${url}/digest`);
    expect(digest.body).toMatchObject({ deviceId: device.id, ownerMsp: 'Org1MSP', sha256: stored.body.sha256 });
    expect(auditorHash(device.id, read.body.attributes, read.body.salt)).toBe(digest.body.sha256);
    expect(
      confidentialValuesMatch({ deviceId: device.id, attributes: read.body.attributes, salt: read.body.salt }, digest.body.sha256),
    ).toBe(true);
    // A value changed, or another salt: the hash does not match.
    expect(auditorHash(device.id, { ...attributes, site: 'elsewhere' }, read.body.salt)).not.toBe(digest.body.sha256);

    // Org2's gateway: 403 for every role.
    for (const role of ['admin', 'auditor', 'vendor'] as const) {
      expect((await org2[role].get(url)).body).toEqual(errorCode('FORBIDDEN'));
    }
    // Org2's peer holds no values: the same query straight to it, as Org1's auditor, finds nothing.
    const onOrg1Peer = await evaluateOn('Org1MSP', device.id);
    expect(onOrg1Peer).toEqual({ ok: true, answer: expect.objectContaining({ attributes }) });
    const onOrg2Peer = await evaluateOn('Org2MSP', device.id);
    // The chaincode finds nothing there (404), or Fabric refuses: it holds the hash, not the value.
    expect(onOrg2Peer).toEqual({
      ok: false,
      message: expect.stringMatching(/NOT_FOUND|private data matching public hash version is not available/),
    });
    expect(JSON.stringify(onOrg2Peer)).not.toContain(attributes.customer);

    // Every public read path of Org2 shows the hash at most, never the values.
    const leaks = (value: unknown) => [attributes.customer, attributes.site, read.body.salt].some((s) => JSON.stringify(value).includes(s));
    const history = await org2.auditor.get(`/v1/devices/${device.id}/history?source=ledger`);
    expect(history.body.items.map((e: { action: string }) => e.action)).toEqual(['register', 'record-confidential-digest']);
    expect(leaks(history.body)).toBe(false);
    for (const source of ['model', 'ledger'])
      expect(leaks((await org2.auditor.get(`/v1/devices/${device.id}?source=${source}`)).body)).toBe(false);
    for (const txId of [stored.body.txId, recorded.body.txId]) {
      const proof = await org2.auditor.get(`/v1/audit/tx/${txId}`);
      expect(proof.status).toBe(200);
      expect(proof.body.validationCode).toBe('VALID');
      const block = Buffer.from(proof.body.block, 'base64').toString('latin1');
      for (const secret of [attributes.customer, attributes.site, read.body.salt]) expect(block).not.toContain(secret);
    }
    const auth = { authorization: `Bearer ${clientsFile().orgs.Org2MSP.tokens.auditor}` };
    const mine = (events: SseEvent[]) => events.filter((e) => e.data?.payload?.deviceId === device.id);
    const events = await readEvents(`${clientsFile().orgs.Org2MSP.gateway}/v1/events?since=${start}`, auth, (all) =>
      mine(all).some((e) => e.event === 'device.confidential_digest_recorded'),
    );
    expect(mine(events).map((e) => e.event)).toEqual(['device.registered', 'device.confidential_digest_recorded']);
    expect(events.some(leaks)).toBe(false);
  });

  test('the CLI stores, records, reads and verifies; a wrong value fails verification', async () => {
    const { dir, iotreg } = commandLine('conf-cli');
    const device = await registeredDevice(org1.admin, FAMILY, 'conf-cli');
    const put = await iotreg(
      '--org',
      'Org1MSP',
      '--json',
      'device',
      'attributes',
      'put',
      device.id,
      '--attr',
      'customer=acme',
      '--attr',
      'site=plant-9',
    );
    expect([put.code, put.json]).toEqual([0, expect.objectContaining({ deviceId: device.id, sha256: expect.any(String) })]);
    await orgsInSync();
    const got = await iotreg(
      '--org',
      'Org1MSP',
      '--role',
      'auditor',
      '--json',
      'device',
      'attributes',
      'get',
      device.id,
      '--out',
      'values.json',
    );
    expect([got.code, got.json?.attributes]).toEqual([0, { customer: 'acme', site: 'plant-9' }]);
    // Org2's auditor, handed the values file by Org1, checks it against the public hash.
    const verify = (file: string) =>
      iotreg('--org', 'Org2MSP', '--role', 'auditor', '--json', 'device', 'attributes', 'verify', device.id, '--values', file);
    const verified = await verify('values.json');
    expect([verified.code, verified.json]).toEqual([0, expect.objectContaining({ match: true })]);
    const values = JSON.parse(readFileSync(path.join(dir, 'values.json'), 'utf8'));
    writeFileSync(path.join(dir, 'forged.json'), JSON.stringify({ ...values, attributes: { ...values.attributes, site: 'plant-1' } }));
    const forged = await verify('forged.json');
    expect([forged.code, forged.json?.match]).toEqual([1, false]);
    const refused = await iotreg('--org', 'Org2MSP', '--role', 'auditor', 'device', 'attributes', 'get', device.id);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('FORBIDDEN');
  });
});
