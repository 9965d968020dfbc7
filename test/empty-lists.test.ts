/**
 * Empty is an answer: every list of the REST contract, asked before anything it lists exists,
 * answers 200 with an empty page (or the 404 the contract names for a missing parent), and page
 * sizes at their boundaries answer a page or a 400, never a 5xx.
 *
 * The sequencer runs this file first, so on a fresh ledger (CI, or after `./test-network.sh
 * clean`) it also sees the unfiltered lists empty. On a used ledger those are only required to
 * answer 200; the filtered lists use names no other test uses, so they are empty on any ledger.
 */
import { createHash } from 'node:crypto';
import { PAGE_SIZE_MAX } from '@iotreg/common';
import { clients, Client, uid } from './support/network';
import { newDevice, registration, signed, TestDevice } from './support/devices';
import { newFamily } from './support/families';

const as = clients();
const org1 = as.Org1MSP;
const EMPTY_PAGE = { items: [], bookmark: '' };
const notFound = { error: { code: 'NOT_FOUND', message: expect.any(String) } };
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Every item of a list, walking its pages of `pageSize`; checks each page's size and bookmark.
 * `filtered`: the list's index holds records the filter refuses (other families' devices of a
 * status, on a ledger earlier runs filled), so a page may end short, even empty, before the last.
 */
async function walk(reader: Client, path: string, pageSize: number, filtered = false): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let bookmark = '';
  for (let pages = 0; pages < 10_000; pages += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await reader.get(`${path}${sep}pageSize=${pageSize}&bookmark=${encodeURIComponent(bookmark)}`);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(pageSize);
    items.push(...res.body.items);
    bookmark = res.body.bookmark;
    if (bookmark === '') return items;
    if (!filtered) expect(res.body.items).toHaveLength(pageSize);
  }
  throw new Error(`${path} gave more than 10,000 pages`);
}

describe('every list before anything it lists exists', () => {
  test('a fresh ledger: devices, revocations and discovery are empty (only 200 on a used ledger)', async () => {
    const devices = await org1.auditor.get('/v1/devices');
    expect(devices.status).toBe(200);
    const fresh = devices.body.items.length === 0;
    const revocations = await org1.auditor.get('/v1/revocations');
    const discovery = await org1.auditor.get('/v1/discovery');
    const endpoints = await org1.auditor.get('/v1/discovery/endpoints');
    expect([revocations.status, discovery.status, endpoints.status]).toEqual([200, 200, 200]);
    if (fresh) {
      expect(devices.body).toEqual(EMPTY_PAGE);
      expect(revocations.body).toEqual(EMPTY_PAGE);
      expect(discovery.body).toEqual({ endpoints: [] });
      expect(endpoints.body).toEqual(EMPTY_PAGE);
      for (const status of ['active', 'suspended', 'revoked']) {
        expect((await org1.auditor.get(`/v1/devices?status=${status}`)).body).toEqual(EMPTY_PAGE);
      }
      expect((await org1.auditor.get('/v1/devices?compliance=noncompliant')).body).toEqual(EMPTY_PAGE);
    }
  });

  test.each([
    ['a family nobody uses', () => `family=${uid('nofam')}`],
    ['an owner that is no member', () => 'owner=NoSuchOrgMSP'],
    ['a family and an owner', () => `family=${uid('nofam')}&owner=Org1MSP`],
    ['a status and a family', () => `status=revoked&family=${uid('nofam')}`],
    ['a status, a family and an owner', () => `status=suspended&family=${uid('nofam')}&owner=Org2MSP`],
    ['noncompliant devices of an unused family', () => `compliance=noncompliant&family=${uid('nofam')}`],
  ])('GET /v1/devices filtered by %s: 200 and an empty page', async (_what, query) => {
    for (const reader of [org1.auditor, as.Org2MSP.admin]) {
      const res = await reader.get(`/v1/devices?${query()}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(EMPTY_PAGE);
    }
  });

  test('GET /v1/members: the member list `up` recorded, both orgs', async () => {
    const res = await org1.auditor.get('/v1/members');
    expect(res.status).toBe(200);
    expect(res.body.members).toEqual(['Org1MSP', 'Org2MSP']);
  });

  test('GET /v1/revocations since a time in the future: an empty page', async () => {
    const res = await org1.auditor.get('/v1/revocations?since=2999-01-01T00:00:00.000Z');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(EMPTY_PAGE);
  });

  test.each([
    ['/v1/devices/{unknown}/messages', () => `/v1/devices/${uid('nodev')}/messages`],
    ['/v1/devices/{unknown}/history', () => `/v1/devices/${uid('nodev')}/history`],
    ['/v1/devices/{unknown}/keys', () => `/v1/devices/${uid('nodev')}/keys`],
    ['/v1/firmware/{unknown family}', () => `/v1/firmware/${uid('nofam')}`],
    ['/v1/firmware/{unknown family}/latest', () => `/v1/firmware/${uid('nofam')}/latest`],
  ])('GET %s: the 404 the contract names', async (_what, path) => {
    const res = await org1.auditor.get(path());
    expect(res.status).toBe(404);
    expect(res.body).toEqual(notFound);
  });

  test('a device without anchors: its messages are an empty page', async () => {
    const device = newDevice(uid('dev'));
    expect((await org1.admin.post('/v1/devices', registration(device, await newFamily()))).status).toBe(201);
    const res = await org1.auditor.get(`/v1/devices/${device.id}/messages`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(EMPTY_PAGE);
  });

  test('a family without releases: an empty page of releases, and no latest (404)', async () => {
    const family = await newFamily();
    const releases = await org1.auditor.get(`/v1/firmware/${family}`);
    expect(releases.status).toBe(200);
    expect(releases.body).toEqual(EMPTY_PAGE);
    expect((await org1.auditor.get(`/v1/firmware/${family}/latest`)).status).toBe(404);
    expect((await org1.auditor.get(`/v1/devices?family=${family}`)).body).toEqual(EMPTY_PAGE);
  });
});

describe('page sizes at their boundaries', () => {
  const COUNT = 5;
  let family: string;
  let devices: TestDevice[];

  beforeAll(async () => {
    family = await newFamily();
    devices = Array.from({ length: COUNT }, () => newDevice(uid('pdev')));
    const res = await org1.admin.post('/v1/devices:batch', { devices: devices.map((d) => registration(d, family)) });
    expect(res.status).toBe(201);
    // Two suspended: filters that refuse records make the chaincode read on past a short page.
    for (const device of devices.slice(1, 3)) {
      expect((await org1.admin.post(`/v1/devices/${device.id}/suspend`, { reason: 'paging' })).status).toBe(200);
    }
    // Anchors: a device's messages are a list of its own.
    for (let seq = 1; seq <= COUNT; seq += 1) {
      const anchored = await org1.auditor.post(
        `/v1/devices/${devices[0]!.id}/messages`,
        signed(devices[0]!, 'anchor', seq, { digest: sha(`m${seq}`) }),
      );
      expect(anchored.status).toBe(201);
    }
  });

  const ids = (items: Array<Record<string, unknown>>) => items.map((d) => d.deviceId).sort();

  test.each([0, -1, PAGE_SIZE_MAX + 1, 1.5, 'x'])('pageSize=%p: 400', async (pageSize) => {
    for (const path of [
      `/v1/devices?family=${family}&`,
      '/v1/revocations?',
      `/v1/devices/${devices[0]!.id}/messages?`,
      `/v1/devices/${devices[0]!.id}/history?`,
    ]) {
      const res = await org1.admin.get(`${path}pageSize=${pageSize}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_ARGUMENT');
    }
  });

  test.each([1, 2, COUNT - 1, COUNT, COUNT + 1, PAGE_SIZE_MAX])('the devices of a family in pages of %p: each once', async (pageSize) => {
    expect(ids(await walk(org1.auditor, `/v1/devices?family=${family}`, pageSize))).toEqual(ids(devices.map((d) => ({ deviceId: d.id }))));
  });

  test('exactly one page: no bookmark; one more than a page: a bookmark, then the last one', async () => {
    const whole = await org1.auditor.get(`/v1/devices?family=${family}&pageSize=${COUNT}`);
    expect(whole.status).toBe(200);
    expect(whole.body.items).toHaveLength(COUNT);
    expect(whole.body.bookmark).toBe('');
    const first = await org1.auditor.get(`/v1/devices?family=${family}&pageSize=${COUNT - 1}`);
    expect(first.body.items).toHaveLength(COUNT - 1);
    expect(first.body.bookmark).not.toBe('');
    const rest = await org1.auditor.get(
      `/v1/devices?family=${family}&pageSize=${COUNT - 1}&bookmark=${encodeURIComponent(first.body.bookmark)}`,
    );
    expect(rest.status).toBe(200);
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.bookmark).toBe('');
  });

  test("a bookmark that is not this list's: 400, not a page of another list", async () => {
    const first = await org1.auditor.get(`/v1/devices?family=${family}&pageSize=1`);
    expect(first.body.bookmark).not.toBe('');
    const elsewhere = [
      `/v1/devices/${devices[0]!.id}/messages`,
      `/v1/devices/${devices[0]!.id}/history`,
      '/v1/revocations',
      `/v1/devices?family=${uid('nofam')}`,
    ];
    for (const list of elsewhere) {
      const sep = list.includes('?') ? '&' : '?';
      for (const bookmark of [first.body.bookmark, 'garbage']) {
        const res = await org1.admin.get(`${list}${sep}pageSize=1&bookmark=${encodeURIComponent(bookmark)}`);
        expect(res.status).toBe(400);
      }
    }
  });

  test.each([1, 2, 3, PAGE_SIZE_MAX])('filtered lists that refuse records, in pages of %p', async (pageSize) => {
    const suspended = ids(devices.slice(1, 3).map((d) => ({ deviceId: d.id })));
    const active = ids([devices[0]!, ...devices.slice(3)].map((d) => ({ deviceId: d.id })));
    const filtered = (path: string) => walk(org1.auditor, path, pageSize, true);
    expect(ids(await filtered(`/v1/devices?family=${family}&status=suspended`))).toEqual(suspended);
    expect(ids(await filtered(`/v1/devices?status=active&family=${family}&owner=Org1MSP`))).toEqual(active);
    expect(await filtered(`/v1/devices?family=${family}&owner=Org2MSP`)).toEqual([]);
    expect(await filtered(`/v1/devices?family=${family}&status=revoked`)).toEqual([]);
  });

  test.each([1, COUNT - 1, COUNT, COUNT + 1, PAGE_SIZE_MAX])("a device's messages and history in pages of %p", async (pageSize) => {
    const messages = await walk(org1.auditor, `/v1/devices/${devices[0]!.id}/messages`, pageSize);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    const history = await walk(org1.auditor, `/v1/devices/${devices[1]!.id}/history`, pageSize);
    expect(history).toHaveLength(2); // registered, suspended
  });
});
