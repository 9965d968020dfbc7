/** Authenticated messages, discovery, sealed device-to-device messages and the event stream. */
import { createHash } from 'node:crypto';
import { ApiError, DeviceClient, inBatch, MessageBatch, SealError } from '@iotreg/device';
import { clients, clientsFile, orgsInSync, uid } from './support/network';
import { newDevice, registeredDevice, rotation, signed, TestDevice } from './support/devices';
import { readEvents, SseEvent } from './support/sse';
import { ensureFamilies } from './support/families';

// Devices join only registered families.
beforeAll(() => ensureFamilies(['meter-v1']));

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const gateway = (org: 'Org1MSP' | 'Org2MSP') => clientsFile().orgs[org].gateway;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const registered = (by = org1.admin): Promise<TestDevice> => registeredDevice(by, 'meter-v1', 'msg');

const anchor = (device: TestDevice, seq: number, digest: string) =>
  org1.auditor.post(`/v1/devices/${device.id}/messages`, signed(device, 'anchor', seq, { digest }));

describe('message anchors', () => {
  test('a device anchors digests; anyone verifies; seq is strictly increasing across actions', async () => {
    const device = await registered();
    const res = await anchor(device, 10, sha('m1'));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ deviceId: device.id, seq: 10, digest: sha('m1'), keyId: device.keyId, txId: expect.any(String) });

    for (const [seq, code] of [
      [10, 'REPLAYED_SEQ'],
      [9, 'REPLAYED_SEQ'],
    ] as const) {
      const replay = await anchor(device, seq, sha('m2'));
      expect([replay.status, replay.body.error.code]).toEqual([422, code]);
    }
    // A config report moves seq too: an anchor below it is a replay.
    expect(
      (await org1.auditor.post(`/v1/devices/${device.id}/config/report`, signed(device, 'config-report', 20, { sha256: sha('c') }))).status,
    ).toBe(201);
    expect((await anchor(device, 15, sha('m2'))).status).toBe(422);
    expect((await anchor(device, 21, sha('m2'))).status).toBe(201);

    const verified = await org2.vendor.post('/v1/messages/verify', { deviceId: device.id, seq: 10, digest: sha('m1') });
    expect(verified.body).toEqual({ anchored: true, keyId: device.keyId, anchoredAt: res.body.anchoredAt });
    const wrong = await org2.vendor.post('/v1/messages/verify', { deviceId: device.id, seq: 10, digest: sha('m2') });
    expect(wrong.body).toEqual({ anchored: false });

    const list = await org2.auditor.get(`/v1/devices/${device.id}/messages?pageSize=1`);
    expect(list.body.items.map((a: { seq: number }) => a.seq)).toEqual([10]);
    const rest = await org2.auditor.get(`/v1/devices/${device.id}/messages?pageSize=5&bookmark=${list.body.bookmark}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ seq: 21 })], bookmark: '' });
  });

  test('forged, rotated-away, suspended and revoked keys cannot anchor', async () => {
    const device = await registered();
    const forger = newDevice(device.id);
    const forged = await org1.auditor.post(`/v1/devices/${device.id}/messages`, signed(forger, 'anchor', 1, { digest: sha('x') }));
    expect([forged.status, forged.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);

    const next = newDevice(device.id);
    expect((await org1.admin.post(`/v1/devices/${device.id}/keys`, rotation(device, next))).status).toBe(200);
    expect((await anchor(device, 2, sha('old key'))).status).toBe(401);
    expect((await anchor(next, 3, sha('new key'))).status).toBe(201);

    await org1.admin.call('suspendDevice', { deviceId: device.id });
    const suspended = await anchor(next, 4, sha('suspended'));
    expect([suspended.status, suspended.body]).toEqual([401, forged.body]); // not told apart from a forgery
    await org1.admin.call('reactivateDevice', { deviceId: device.id });
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'keyCompromise' });
    expect((await anchor(next, 5, sha('revoked'))).status).toBe(401);
  });

  test('a path device id that is not the signer is refused', async () => {
    const a = await registered();
    const b = await registered();
    const res = await org1.auditor.post(`/v1/devices/${b.id}/messages`, signed(a, 'anchor', 1, { digest: sha('x') }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  test.each([6, 7])('a batch of %i messages: one anchor, every message provable, forged leaves refused', async (size) => {
    const device = await registered();
    const client = new DeviceClient(gateway('Org2MSP'), device.id, device.identity);
    const messages = Array.from({ length: size }, (_, i) => `reading ${i} of ${device.id}`);
    const batch = new MessageBatch(messages);
    const anchored = await client.anchor(batch.root);
    expect(anchored.digest).toBe(batch.root);
    for (let i = 0; i < size; i++) {
      const { leaf, proof } = batch.proof(i);
      expect(inBatch(messages[i]!, proof, batch.root)).toBe(true);
      const res = await org1.auditor.post('/v1/messages/verify', { deviceId: device.id, seq: anchored.seq, leaf, proof });
      expect(res.body).toMatchObject({ anchored: true, keyId: device.keyId });
    }
    const { proof } = batch.proof(0);
    const forged = await org1.auditor.post('/v1/messages/verify', { deviceId: device.id, seq: anchored.seq, leaf: sha('forged'), proof });
    expect(forged.body).toEqual({ anchored: false });
    const shifted = await org1.auditor.post('/v1/messages/verify', {
      deviceId: device.id,
      seq: anchored.seq,
      leaf: batch.proof(1).leaf,
      proof,
    });
    expect(shifted.body.anchored).toBe(false);
    const badProof = await org1.auditor.post('/v1/messages/verify', {
      deviceId: device.id,
      seq: anchored.seq,
      leaf: batch.proof(0).leaf,
      proof: { ...proof, index: size },
    });
    expect(badProof.status).toBe(400);
  });
});

describe('discovery and device reads', () => {
  test("admins register their org's endpoints; devices and members list them", async () => {
    const id = uid('gw');
    const res = await org2.admin.post('/v1/discovery/endpoints', {
      id,
      kind: 'gateway',
      url: gateway('Org2MSP'),
      tlsCertSha256: sha('cert'),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id, org: 'Org2MSP', kind: 'gateway' });
    expect((await org2.vendor.post('/v1/discovery/endpoints', { id: uid('gw'), kind: 'gateway', url: 'https://x' })).status).toBe(403);
    expect((await org1.admin.post('/v1/discovery/endpoints', { id, kind: 'peer', url: 'https://taken' })).status).toBe(409);
    expect((await org1.admin.post('/v1/discovery/endpoints', { id: uid('gw'), kind: 'router', url: 'https://x' })).status).toBe(400);

    const device = await registered();
    const endpoints = await new DeviceClient(gateway('Org1MSP'), device.id, device.identity).getDiscovery();
    expect(endpoints).toContainEqual({
      id,
      org: 'Org2MSP',
      kind: 'gateway',
      url: gateway('Org2MSP'),
      tlsCertSha256: sha('cert'),
      registeredAt: expect.any(String),
    });
    expect((await org1.auditor.get('/v1/discovery')).body.endpoints).toContainEqual(expect.objectContaining({ id }));
  });

  test('an unknown, forged or revoked device gets 401', async () => {
    const device = await registered();
    const stranger = newDevice(uid('nobody'));
    await expect(new DeviceClient(gateway('Org1MSP'), stranger.id, stranger.identity).getDiscovery()).rejects.toMatchObject({
      status: 401,
    });
    const forger = newDevice(device.id);
    await expect(new DeviceClient(gateway('Org1MSP'), device.id, forger.identity).getDiscovery()).rejects.toBeInstanceOf(ApiError);
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'decommissioned' });
    await expect(new DeviceClient(gateway('Org1MSP'), device.id, device.identity).getDiscovery()).rejects.toMatchObject({ status: 401 });
  });
});

describe('sealed device-to-device messages', () => {
  test("a device seals to a peer's registered key across orgs; the peer opens it after checking the sender", async () => {
    const alice = await registered(org1.admin);
    const bob = await registered(org2.admin);
    const aliceClient = new DeviceClient(gateway('Org1MSP'), alice.id, alice.identity);
    const bobClient = new DeviceClient(gateway('Org2MSP'), bob.id, bob.identity);
    const envelope = await aliceClient.sealTo(bob.id, 'close valve 3');
    expect(envelope.recipientKeyId).toBe(bob.keyId);
    expect((await bobClient.openFrom(envelope)).toString()).toBe('close valve 3');

    // A device reads through its own org's gateway, whose peer and read model apply the other
    // org's block on their own time: wait for them, as a device would retry.
    await org2.admin.call('revokeDevice', { deviceId: bob.id, reason: 'keyCompromise' });
    await orgsInSync();
    await expect(aliceClient.sealTo(bob.id, 'again')).rejects.toBeInstanceOf(SealError);

    await org1.admin.call('suspendDevice', { deviceId: alice.id });
    await orgsInSync();
    const carol = await registered(org2.admin);
    await expect(new DeviceClient(gateway('Org2MSP'), carol.id, carol.identity).openFrom(envelope)).rejects.toThrow();
  });
});

describe('event stream', () => {
  test('one event per change, in commit order, resumable by Last-Event-ID without gaps or repeats', async () => {
    const start = (await org1.auditor.get('/readyz')).body.height - 1;
    const device = await registered();
    await org1.admin.call('suspendDevice', { deviceId: device.id });
    await org1.admin.call('reactivateDevice', { deviceId: device.id });
    await org1.admin.call('revokeDevice', { deviceId: device.id, reason: 'other' });
    const auth = { authorization: `Bearer ${clientsFile().orgs.Org2MSP.tokens.auditor}` };
    const mine = (events: SseEvent[]) => events.filter((e) => e.data?.payload?.deviceId === device.id);

    const all = await readEvents(`${gateway('Org2MSP')}/v1/events?since=${start}`, auth, (events) => mine(events).length >= 4);
    expect(mine(all).map((e) => e.event)).toEqual(['device.registered', 'device.suspended', 'device.reactivated', 'device.revoked']);
    const ids = all.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);

    const cut = mine(all)[1]!.id;
    const resumed = await readEvents(
      `${gateway('Org1MSP')}/v1/events`,
      { ...auth, authorization: `Bearer ${clientsFile().orgs.Org1MSP.tokens.auditor}`, 'last-event-id': cut },
      (events) => mine(events).length >= 2,
    );
    expect(mine(resumed).map((e) => e.event)).toEqual(['device.reactivated', 'device.revoked']);
    const after = all.slice(all.findIndex((e) => e.id === cut) + 1).map((e) => e.id);
    expect(resumed.map((e) => e.id).slice(0, after.length)).toEqual(after);
  });

  test('a malformed Last-Event-ID: 400', async () => {
    const res = await org1.auditor.get('/v1/events', { headers: { 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
  });
});
