/**
 * The family list (GET /v1/families, `iotreg family list`) through both gateways on the live
 * network: a family one org's vendor registers is listed by the other org's auditor with its
 * k-of-n policy and releases, from the read model and from the ledger alike; pages by name; an
 * empty answer is a 200; bad page sizes and prefixes are 400s.
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { commandLine } from './support/cli';
import { client, clients, orgsInSync, uid } from './support/network';

const org1 = clients().Org1MSP;
const org2 = clients().Org2MSP;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Three families of this run, sharing a name prefix no other test uses; the first has a trusted and a pending release. */
const prefix = uid('fl');
const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];

beforeAll(async () => {
  const vendorKey = DeviceIdentity.generate();
  for (const family of names) {
    await org1.vendor.call('registerFamily', { family, vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  }
  for (const version of ['1.0.0', '1.1.0']) {
    const digest = sha(names[0]! + version);
    await org1.vendor.call('publishFirmware', {
      family: names[0]!,
      version,
      sha256: digest,
      signature: vendorKey.sign(statements.firmware(names[0]!, version, digest)),
    });
  }
  await org2.admin.call('voteFirmware', { family: names[0]!, version: '1.0.0', decision: 'approve' });
  await orgsInSync(30_000);
});

test("a family Org1's vendor registered is listed by Org2's auditor, from the model and from the ledger alike", async () => {
  for (const source of ['', '&source=ledger']) {
    const answer = await org2.auditor.get(`/v1/families?prefix=${prefix}${source}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-read-source')).toBe(source ? 'ledger' : 'model');
    expect(answer.body.bookmark).toBe('');
    expect(answer.body.items.map((f: { family: string }) => f.family)).toEqual(names);
    expect(answer.body.items[0]).toEqual({
      family: names[0],
      ownerMsp: 'Org1MSP',
      createdAt: expect.any(String),
      approvalThreshold: 1,
      approvalsRequired: 1,
      voters: ['Org2MSP'],
      latestVersion: '1.1.0',
      latestTrustedVersion: '1.0.0',
      releases: 2,
    });
    expect(answer.body.items[1]).toMatchObject({ family: names[1], releases: 0, voters: ['Org2MSP'] });
    expect(answer.body.items[1].latestTrustedVersion).toBeUndefined();
  }
});

test('pages of one continue by bookmark, through either gateway and either source', async () => {
  const seen: string[] = [];
  let bookmark = '';
  let turn = 0;
  do {
    const reader = turn % 2 ? org1.auditor : org2.auditor;
    const source = turn % 3 === 2 ? '&source=ledger' : '';
    const answer = await reader.get(`/v1/families?prefix=${prefix}&pageSize=1${source}&bookmark=${encodeURIComponent(bookmark)}`);
    expect(answer.status).toBe(200);
    seen.push(...answer.body.items.map((f: { family: string }) => f.family));
    bookmark = answer.body.bookmark;
    turn += 1;
  } while (bookmark && turn < 20);
  expect(seen).toEqual(names);
  // Without a prefix the whole list pages in name order too.
  const first = await org1.auditor.get('/v1/families?pageSize=2');
  expect(first.status).toBe(200);
  expect(first.body.items).toHaveLength(2);
  const [a, b] = first.body.items.map((f: { family: string }) => f.family);
  expect(a < b).toBe(true);
});

test('a prefix nothing has is a 200 with an empty page, from either source', async () => {
  for (const source of ['', '&source=ledger']) {
    const answer = await org2.auditor.get(`/v1/families?prefix=${uid('none')}${source}`);
    expect(answer.status).toBe(200);
    expect(answer.body.items).toEqual([]);
  }
  const model = await org2.auditor.get(`/v1/families?prefix=${uid('none')}`);
  expect(model.body).toEqual({ items: [], bookmark: '' });
});

test('bad page sizes, prefixes and bookmarks are 400 INVALID_ARGUMENT', async () => {
  for (const query of ['pageSize=0', 'pageSize=1001', 'pageSize=abc', 'prefix=%2Fx', 'bookmark=***', 'unknown=1']) {
    const answer = await org1.auditor.get(`/v1/families?${query}`);
    expect([query, answer.status, answer.body.error?.code]).toEqual([query, 400, 'INVALID_ARGUMENT']);
  }
  const foreign = Buffer.from('\u0000device\u0000d1\u0000').toString('base64url');
  const answer = await org1.auditor.get(`/v1/families?bookmark=${foreign}`);
  expect([answer.status, answer.body.error?.code]).toEqual([400, 'INVALID_ARGUMENT']);
  expect((await client('Org1MSP').get('/v1/families')).status).toBe(401);
});

test('iotreg family list shows the families with their k, voters and releases', async () => {
  const { iotreg } = commandLine('families');
  const table = await iotreg('--org', 'Org2MSP', '--role', 'auditor', 'family', 'list', '--prefix', prefix);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^FAMILY +OWNERMSP +APPROVALSREQUIRED +VOTERS +RELEASES +LATESTTRUSTEDVERSION$/);
  expect(lines.slice(1).map((line) => line.split(/ +/)[0])).toEqual(names);
  expect(lines[1]).toMatch(/ 2 +1\.0\.0$/);
  const paged = await iotreg('--org', 'Org2MSP', '--role', 'auditor', '--json', 'family', 'list', '--prefix', prefix, '--page-size', '2');
  expect(paged.json.items).toHaveLength(2);
  expect(paged.json.bookmark).not.toBe('');
  const all = await iotreg(
    '--org',
    'Org2MSP',
    '--role',
    'auditor',
    '--json',
    'family',
    'list',
    '--prefix',
    prefix,
    '--page-size',
    '1',
    '--all',
  );
  expect(all.json.items.map((f: { family: string }) => f.family)).toEqual(names);
});
