/**
 * The web console (/console/ on each gateway) in a real headless Chromium, Debian's package
 * (scripts/test-all.sh installs it; CHROMIUM_PATH names another), driven by playwright-core:
 * each role signs in at its org's gateway, sees the ledger data this test writes through the
 * REST API, is not offered what its role may not do, and the pages log no errors. Screenshots
 * of each page go to network/runtime/screenshots/.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import type { Page } from 'playwright-core';
import { ConsoleBrowser, consoleUrl, shot } from './support/console';
import { newDevice, registration, rotation } from './support/devices';
import { clients, clientsFile, network, Org, orgsInSync, RUNTIME, Role, sleep, uid } from './support/network';

const CONFIG_BLOCK = path.join(RUNTIME, 'channel/iot.block');
const as = clients();
const { Org1MSP: org1, Org2MSP: org2 } = as;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
/**
 * How long the page may wait for the answer to a write it sent: the gateway answers once the
 * transaction committed, and an orderer that wedges can hold commits up for tens of seconds until
 * the watchdog restarts it (README, Reliability; 30.3 s once in CI). The fault tests bound
 * stalls; these check what the page does with the answer.
 */
const WRITE_ANSWER_MS = 60_000;

/** What the test wrote: a family of Org1 with 30 devices, one rotated, one suspended, one release. */
const family = uid('con-fam');
const devices = Array.from({ length: 30 }, (_, i) => newDevice(`${family}-d${String(i).padStart(2, '0')}`));
const [d0, d1] = devices as [(typeof devices)[number], (typeof devices)[number]];
const rotatedTo = newDevice(d0.id);
let registeredTx: string;
let rotatedAt: string;
let registeredAt: string;

const browser = new ConsoleBrowser();
const signIn = (org: Org, role: Role, viewport?: { width: number; height: number }) => browser.signIn(org, role, viewport);

/** A property of the focused element (the tests' types have no DOM: the expression runs in the page). */
const focused = (page: Page, property: string) => page.evaluate<unknown>(`document.activeElement?.${property} ?? null`);

const navLinks = async (page: Page) => (await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).sort();

beforeAll(async () => {
  await browser.launch();

  const vendorKey = DeviceIdentity.generate();
  const registered = await org1.vendor.post('/v1/families', { family, vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 });
  expect(registered.status).toBe(201);
  const batch = await org1.admin.post('/v1/devices:batch', {
    devices: devices.map((d, i) => registration(d, family, { site: i % 2 ? 'north' : 'south' })),
  });
  expect(batch.status).toBe(201);
  registeredTx = batch.body.txId;
  registeredAt = (await org1.admin.get(`/v1/devices/${d0.id}`)).body.createdAt;
  // The console asks about whole seconds: leave a whole second between registration and rotation.
  await sleep(2_100);
  const rotated = await org1.admin.post(`/v1/devices/${d0.id}/keys`, rotation(d0, rotatedTo));
  expect(rotated.status).toBe(200);
  rotatedAt = rotated.body.updatedAt;
  expect((await org1.admin.post(`/v1/devices/${d1.id}/suspend`, { reason: 'console test' })).status).toBe(200);
  for (const d of [d0, d1]) {
    expect((await org1.admin.put(`/v1/devices/${d.id}/config`, { version: 1, sha256: sha(`${d.id}-cfg`) })).status).toBe(201);
  }
  const image = sha(`${family}-1.0.0`);
  const release = { family, version: '1.0.0', sha256: image, signature: vendorKey.sign(statements.firmware(family, '1.0.0', image)) };
  expect((await org1.vendor.post('/v1/firmware', release)).status).toBe(201);
  await orgsInSync(30_000);
});

afterAll(() => browser.close());

describe('sign-in', () => {
  it.each([
    ['Org1MSP', 'admin', ['Audit', 'Firmware', 'Fleet', 'Live events']],
    ['Org1MSP', 'auditor', ['Audit', 'Firmware', 'Fleet', 'Live events']],
    ['Org1MSP', 'vendor', ['Firmware', 'Fleet', 'Live events']],
    ['Org2MSP', 'admin', ['Audit', 'Firmware', 'Fleet', 'Live events']],
  ] as [Org, Role, string[]][])('%s %s signs in, sees who it is, and only the pages its role may use', async (org, role, pages) => {
    const { page, errors } = await signIn(org, role);
    expect(await navLinks(page)).toEqual(pages);
    expect(errors).toEqual([]);
  });

  it('refuses a wrong token and keeps none', async () => {
    const page = await browser.newPage();
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/`);
    await page.getByLabel('Bearer token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByRole('alert')
      .getByText(/UNAUTHENTICATED/)
      .waitFor();
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual([]);
    expect(await page.context().cookies()).toEqual([]);
  });

  it('keeps the token in the tab only: a reload stays signed in, a new tab does not', async () => {
    const { page } = await signIn('Org1MSP', 'auditor');
    await page.reload();
    await page.getByTestId('who-role').waitFor();
    expect(await page.context().cookies()).toEqual([]);
    const other = await page.context().newPage();
    await other.goto(page.url());
    await other.getByLabel('Bearer token').waitFor();
  });

  it('a vendor is not offered the audit page even by its address', async () => {
    const { page } = await signIn('Org1MSP', 'vendor');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/audit/${registeredTx}`);
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
  });
});

describe('fleet', () => {
  it('pages through the family on the server, with bookmarks, and filters by status', async () => {
    const { page, errors } = await signIn('Org1MSP', 'auditor');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/fleet?family=${family}&pageSize=25`);
    const rows = page.locator('table.devices tbody tr');
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    const first = await rows.locator('td:first-child').allTextContents();
    await shot(page, 'fleet');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('caption', { hasText: 'Devices, page 2' }).waitFor();
    const second = await rows.locator('td:first-child').allTextContents();
    expect([...first, ...second].sort()).toEqual(devices.map((d) => d.id).sort());
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    expect(await rows.locator('td:first-child').allTextContents()).toEqual(first);

    await page.getByLabel('Status').selectOption('suspended');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=suspended/);
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    await expect(rows.locator('td:first-child').allTextContents()).resolves.toEqual([d1.id]);

    await page.getByLabel('Open device by ID').fill(d0.id);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: `Device ${d0.id}` }).waitFor();
    expect(errors).toEqual([]);
  });

  it('searches the page shown', async () => {
    const { page } = await signIn('Org1MSP', 'auditor');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/fleet?family=${family}&pageSize=100`);
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    await page.getByLabel('Search this page').fill('north');
    await page.locator('caption', { hasText: '15 of 30 match "north"' }).waitFor();
  });
});

describe('device', () => {
  it('shows identity, both keys with their intervals, the history with txIds, and answers "was this key valid at …?"', async () => {
    const { page, errors } = await signIn('Org1MSP', 'auditor');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/device/${d0.id}`);
    await page.getByRole('heading', { name: `Device ${d0.id}` }).waitFor();
    const keyRows = page.locator('table.keys tbody tr');
    await expect(keyRows.count()).resolves.toBe(2);
    await expect(keyRows.nth(0).locator('td').nth(1).textContent()).resolves.toBe('rotated');
    await expect(keyRows.nth(1).locator('td').nth(1).textContent()).resolves.toBe('current');
    await expect(page.locator('svg.axis g.key').count()).resolves.toBe(2);
    const history = page.locator('ol.timeline li');
    await history.nth(1).waitFor();
    await history.nth(2).waitFor();
    const entries = await history.allTextContents();
    expect(entries).toEqual([
      expect.stringMatching(/register.*by Org1MSP.*tx /),
      expect.stringMatching(/rotate.*by Org1MSP/),
      expect.stringMatching(/publish-config.*by Org1MSP/),
    ]);
    await page.locator(`ol.timeline a[href="#/audit/${registeredTx}"]`).waitFor();

    // The first key was valid between registration and rotation, and is not now.
    const between = Math.ceil((Date.parse(registeredAt) + 1) / 1000) * 1000;
    expect(between).toBeLessThan(Date.parse(rotatedAt));
    await page.getByLabel('Key', { exact: true }).selectOption(d0.keyId);
    await page.getByLabel('Time (UTC)').fill(new Date(between).toISOString().slice(0, 19));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/^Valid at .*: the key is rotated now\./).waitFor();
    await page.getByLabel('Time (UTC)').fill(new Date().toISOString().slice(0, 19));
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/^Not valid at .*: the key is rotated now\./).waitFor();
    await shot(page, 'device');
    // An auditor is not offered the owner's actions.
    expect(await page.getByRole('button', { name: 'Suspend' }).count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it("the owner org's admin is offered suspend and reactivate, and they change the ledger", async () => {
    const { page, errors } = await signIn('Org1MSP', 'admin');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/device/${d1.id}`);
    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.getByRole('button', { name: 'Suspend' }).waitFor({ timeout: WRITE_ANSWER_MS });
    expect((await org1.auditor.get(`/v1/devices/${d1.id}`)).body.status).toBe('active');
    expect(errors).toEqual([]);
  });

  it("another org's admin is not offered them", async () => {
    const { page } = await signIn('Org2MSP', 'admin');
    await page.goto(`${clientsFile().orgs.Org2MSP.gateway}/console/#/device/${d0.id}`);
    await page.getByRole('heading', { name: 'Keys' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Actions' }).count()).toBe(0);
  });
});

describe('firmware', () => {
  it('shows k-of-n progress, offers the vote to the other org only, and the approval makes the release trusted', async () => {
    const owner = await signIn('Org1MSP', 'admin');
    await owner.page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/firmware/${family}`);
    await owner.page.getByTestId('progress-1.0.0').getByText('0 of 1 approvals').waitFor();
    expect(await owner.page.getByRole('button', { name: /Approve/ }).count()).toBe(0);

    const voter = await signIn('Org2MSP', 'admin');
    // The family list narrowed to this family (on a used ledger, earlier runs' families come first).
    await voter.page.goto(`${clientsFile().orgs.Org2MSP.gateway}/console/#/firmware/${family}?prefix=${family}`);
    await voter.page.getByTestId('progress-1.0.0').getByText('0 of 1 approvals').waitFor();
    await shot(voter.page, 'firmware-pending');
    await voter.page.getByRole('button', { name: `Approve ${family} 1.0.0` }).click();
    await voter.page.getByTestId('progress-1.0.0').getByText('1 of 1 approvals').waitFor({ timeout: WRITE_ANSWER_MS });
    await voter.page.locator('table.releases .badge.trusted').waitFor();
    expect(await voter.page.getByRole('button', { name: /Approve/ }).count()).toBe(0);
    // The list above follows the vote: the release is its family's latest trusted.
    const listed = voter.page.locator('table.families tbody tr', { has: voter.page.getByRole('link', { name: family, exact: true }) });
    await listed.locator('td', { hasText: '1.0.0' }).waitFor();
    await shot(voter.page, 'firmware');
    expect((await org2.auditor.get(`/v1/firmware/${family}/1.0.0`)).body.status).toBe('trusted');
    expect([...owner.errors, ...voter.errors]).toEqual([]);
  });

  it('a vendor and an auditor see the release and are offered no vote', async () => {
    for (const role of ['vendor', 'auditor'] as const) {
      const { page, errors } = await signIn('Org2MSP', role);
      await page.goto(`${clientsFile().orgs.Org2MSP.gateway}/console/#/firmware/${family}`);
      await page.getByTestId('progress-1.0.0').waitFor();
      expect(await page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
      expect(errors).toEqual([]);
    }
  });

  it('lists the families, narrowed by a name prefix and paged; one is opened from the keyboard', async () => {
    for (const suffix of ['b', 'c']) {
      const more = { family: `${family}-${suffix}`, vendorKeyPem: DeviceIdentity.generate().publicKeyPem, approvalThreshold: 1 };
      await org1.vendor.call('registerFamily', more);
    }
    await orgsInSync(30_000);
    const { page, errors } = await signIn('Org2MSP', 'auditor');
    const caption = (text: string) => page.locator('table.families caption', { hasText: text }).waitFor();
    const names = () => page.locator('table.families tbody tr td:first-child').allTextContents();
    await page.goto(consoleUrl('Org2MSP', '#/firmware'));
    await caption('Families, page 1');
    expect((await names()).length).toBeGreaterThan(0);
    await shot(page, 'firmware-families');

    await page.goto(consoleUrl('Org2MSP', '#/firmware?pageSize=2'));
    await caption('Families, page 1');
    await page.getByLabel('Name starts with').fill(family);
    await page.getByLabel('Name starts with').press('Enter');
    await caption(`Families whose name starts with "${family}", page 1`);
    expect(await names()).toEqual([family, `${family}-b`]);
    // Owner, k of n (the voting orgs), releases, latest trusted (approved in the first test), minimum.
    const row = page.locator('table.families tbody tr', { has: page.getByRole('link', { name: family, exact: true }) });
    expect(await row.locator('td').allTextContents()).toEqual([family, 'Org1MSP', '1 of 1 (Org2MSP)', '1', '1.0.0', '—']);
    await page.getByRole('button', { name: 'Next families' }).click();
    await caption('page 2');
    expect(await names()).toEqual([`${family}-c`]);
    expect(await page.getByRole('button', { name: 'Next families' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous families' }).click();
    await caption('page 1');

    // From the keyboard: the family's link, Enter; the list stays narrowed, the family marked current.
    await page.getByRole('link', { name: family, exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Family ${family}` }).waitFor();
    await page.getByTestId('progress-1.0.0').getByText('1 of 1 approvals').waitFor();
    await expect(focused(page, 'textContent')).resolves.toBe('Firmware');
    await expect(page.getByTestId('latest-trusted').textContent()).resolves.toBe('1.0.0');
    await caption(`Families whose name starts with "${family}", page 1`);
    expect(await page.getByRole('link', { name: family, exact: true }).getAttribute('aria-current')).toBe('true');

    for (const nothing of [`${family}-none`, 'no such/name']) {
      await page.getByLabel('Name starts with').fill(nothing);
      await page.getByRole('button', { name: 'Find families' }).click();
      await page.getByText(`No family's name starts with "${nothing}"`).waitFor();
    }
    expect(errors).toEqual([]);
  });
});

describe('audit', () => {
  it('downloads a proof bundle and verifies it in the browser against the channel config block, each check shown', async () => {
    const { page, errors } = await signIn('Org1MSP', 'auditor');
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/audit/${registeredTx}`);
    await page.getByText(/Proof bundle fetched from the gateway/).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download proof bundle' }).click();
    const saved = JSON.parse(await streamText(await (await download).createReadStream()));
    expect(saved.txId).toBe(registeredTx);

    await page.getByLabel('Config block file').setInputFiles(CONFIG_BLOCK);
    await page.getByRole('button', { name: 'Verify proof' }).click();
    await page.getByText(/^Proof verified/).waitFor({ timeout: 30_000 });
    const checks = await page
      .locator('ol.checks li')
      .evaluateAll((items) => items.map((li) => [li.getAttribute('data-check'), li.className]));
    expect(checks).toEqual(['consenters', 'transaction', 'validation', 'dataHash', 'header', 'signatures'].map((name) => [name, 'pass']));
    await shot(page, 'audit');

    // The same block presented as the proof of another transaction fails, and says which check.
    const forged = { ...saved, txId: sha('some other transaction') };
    await page.getByLabel('or open a saved bundle').setInputFiles({
      name: 'forged.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(forged)),
    });
    await page.getByText(/Proof bundle read from the file/).waitFor();
    await page.getByRole('button', { name: 'Verify proof' }).click();
    await page.getByText(/^Proof NOT verified/).waitFor({ timeout: 30_000 });
    await expect(page.locator('ol.checks li.fail').getAttribute('data-check')).resolves.toBe('transaction');
    await shot(page, 'audit-forged');
    expect(errors).toEqual([]);
  });
});

/** Org1's auditor on the live events page, connected to the stream. */
async function liveEventsConnected() {
  const session = await signIn('Org1MSP', 'auditor');
  await session.page.getByRole('link', { name: 'Live events' }).click();
  await session.page.getByRole('button', { name: 'Connect' }).click();
  await session.page
    .getByRole('status')
    .getByText(/^connected/)
    .waitFor();
  return session;
}

describe('live events', () => {
  it("receive a write made through the other org's gateway, and replay from a block", async () => {
    const { page, errors } = await liveEventsConnected();
    const other = newDevice(uid('con-ev'));
    expect((await org2.admin.post('/v1/devices', registration(other, family, undefined, 'Org2MSP'))).status).toBe(201);
    const live = page.locator('ol.events li[data-event="device.registered"]', { hasText: `deviceId=${other.id}` });
    await live.waitFor({ timeout: 30_000 });
    await page.getByLabel('Kind').selectOption('firmware');
    expect(await live.count()).toBe(0);
    await page.getByLabel('Kind').selectOption('');
    await shot(page, 'events');
    await page.getByRole('button', { name: 'Disconnect' }).click();

    // From the block of this test's batch registration: the replay holds it.
    const block = (await org1.auditor.get(`/v1/transactions/${registeredTx}`)).body.blockNumber as number;
    await page.getByLabel('From block').fill(String(block));
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.locator('ol.events li[data-event="devices.registered"]', { hasText: `block ${block}` }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Disconnect' }).click();
    expect(errors).toEqual([]);
  });
});

describe('live events, resumed', () => {
  it('after the gateway restarts, the stream resumes after the last event: what was written meanwhile arrives once', async () => {
    const { page, errors } = await liveEventsConnected();
    const before = newDevice(uid('con-ev'));
    expect((await org2.admin.post('/v1/devices', registration(before, family, undefined, 'Org2MSP'))).status).toBe(201);
    const event = (d: { id: string }) => page.locator('ol.events li', { hasText: `deviceId=${d.id} ` });
    await event(before).waitFor({ timeout: 30_000 });

    await network('kill', 'gateway-org1');
    await page
      .getByRole('status')
      .getByText(/^disconnected|^the stream ended/)
      .waitFor({ timeout: 30_000 });
    const meanwhile = newDevice(uid('con-ev'));
    expect((await org2.admin.post('/v1/devices', registration(meanwhile, family, undefined, 'Org2MSP'))).status).toBe(201);
    await network('restart', 'gateway-org1');
    await page
      .getByRole('status')
      .getByText(/^connected, resumed after \d+-\d+/)
      .waitFor({ timeout: 60_000 });
    await event(meanwhile).waitFor({ timeout: 30_000 });
    expect(await event(before).count()).toBe(1);
    expect(await event(meanwhile).count()).toBe(1);
    await page.getByRole('button', { name: 'Disconnect' }).click();
    // Only the refused reconnections while the gateway was down may be logged.
    expect(
      errors.filter(
        (e) => !/ERR_CONNECTION_REFUSED|ERR_INCOMPLETE_CHUNKED_ENCODING|ERR_EMPTY_RESPONSE|Failed to fetch|network error/i.test(e),
      ),
    ).toEqual([]);
  });
});

describe('phone width', () => {
  it('the fleet and device pages work at 390 px', async () => {
    const { page, errors } = await signIn('Org1MSP', 'admin', { width: 390, height: 844 });
    await page.goto(`${clientsFile().orgs.Org1MSP.gateway}/console/#/fleet?family=${family}&pageSize=25`);
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot(page, 'fleet-phone');
    await page.getByRole('link', { name: d0.id }).click();
    await page.getByRole('heading', { name: `Device ${d0.id}` }).waitFor();
    expect(errors).toEqual([]);
  });

  it('is usable from the keyboard: skip link, then the form fields in order', async () => {
    const { page } = await signIn('Org1MSP', 'auditor');
    await page.keyboard.press('Tab');
    await expect(focused(page, 'textContent')).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    await expect(focused(page, 'tagName')).resolves.toBe('H1');
    await page.keyboard.press('Tab');
    await expect(focused(page, 'name')).resolves.toBe('deviceId');
    // Going to another page moves the focus to its heading, so a screen reader announces it.
    await page.getByRole('link', { name: 'Firmware' }).press('Enter');
    await page.getByRole('heading', { name: 'Firmware' }).waitFor();
    await expect(focused(page, 'textContent')).resolves.toBe('Firmware');
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
