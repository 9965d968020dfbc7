/**
 * The console's fleet dashboard, drift reports and release publishing, in Debian's Chromium:
 * counts drawn as charts from GET /v1/fleet/counts, the filterable, paged device table of
 * GET /v1/fleet/devices, a device's reported configuration against the published one, and a
 * vendor publishing a release with a signature made outside the browser. Screenshots go where
 * test/console.test.ts puts its own (network/runtime/screenshots/).
 */
import { createHash } from 'node:crypto';
import { statements } from '@iotreg/common';
import { DeviceIdentity } from '@iotreg/device';
import { ConsoleBrowser, consoleUrl, shot } from './support/console';
import { newDevice, registration, signed, type TestDevice } from './support/devices';
import { clients, eventually, orgsInSync, uid } from './support/network';

const { Org1MSP: org1, Org2MSP: org2 } = clients();
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const browser = new ConsoleBrowser();

/**
 * What the test writes: a family of Org1 with a trusted 1.0.0 and a pending 2.0.0, six devices
 * (sites south/north in turn); d0 runs 1.0.0 (compliant) and reports a configuration other than
 * the published one (drift), d1 runs 2.0.0 (noncompliant) and reports the published one, d2 is
 * suspended, the others never reported.
 */
const family = uid('cf-fam');
const vendorKey = DeviceIdentity.generate();
const devices = Array.from({ length: 6 }, (_, i) => newDevice(`${family}-d${i}`));
const [d0, d1, d2] = devices as [TestDevice, TestDevice, TestDevice];
const byId = (...list: TestDevice[]) => list.map((d) => d.id).sort();

beforeAll(async () => {
  await browser.launch();
  expect((await org1.vendor.post('/v1/families', { family, vendorKeyPem: vendorKey.publicKeyPem, approvalThreshold: 1 })).status).toBe(201);
  for (const version of ['1.0.0', '2.0.0']) {
    const image = sha(`${family}-${version}`);
    const release = { family, version, sha256: image, signature: vendorKey.sign(statements.firmware(family, version, image)) };
    expect((await org1.vendor.post('/v1/firmware', release)).status).toBe(201);
  }
  expect((await org2.admin.post(`/v1/firmware/${family}/1.0.0/approvals`, { decision: 'approve' })).status).toBe(201);
  const batch = await org1.admin.post('/v1/devices:batch', {
    devices: devices.map((d, i) => registration(d, family, { site: i % 2 ? 'north' : 'south' })),
  });
  expect(batch.status).toBe(201);
  const report = (d: TestDevice, seq: number, version: string) =>
    org1.auditor.post(
      `/v1/devices/${d.id}/firmware`,
      signed(d, 'firmware-report', seq, { family, version, sha256: sha(`${family}-${version}`) }),
    );
  expect((await report(d0, 1, '1.0.0')).status).toBe(201);
  expect((await report(d1, 1, '2.0.0')).status).toBe(201);
  for (const d of [d0, d1])
    expect((await org1.admin.put(`/v1/devices/${d.id}/config`, { version: 1, sha256: sha('cfg-1') })).status).toBe(201);
  const configReport = (d: TestDevice, digest: string) =>
    org1.auditor.post(`/v1/devices/${d.id}/config/report`, signed(d, 'config-report', 2, { sha256: digest }));
  expect((await configReport(d0, sha('cfg-0'))).status).toBe(201);
  expect((await configReport(d1, sha('cfg-1'))).status).toBe(201);
  expect((await org1.admin.post(`/v1/devices/${d2.id}/suspend`, { reason: 'console test' })).status).toBe(200);
  await orgsInSync(30_000);
});

afterAll(() => browser.close());

/** A chart's bars as "label count". */
const bars = (page: import('playwright-core').Page, chart: string) =>
  page
    .getByTestId(`chart-${chart}`)
    .locator('g.bar')
    .evaluateAll((gs) => gs.map((g) => `${g.getAttribute('data-label')} ${g.getAttribute('data-count')}`));

describe('fleet dashboard', () => {
  it('draws the counts as charts, narrows the table by a chart bar, by attribute and by time, and pages', async () => {
    const { page, errors } = await browser.signIn('Org1MSP', 'auditor');
    await page.goto(consoleUrl('Org1MSP', `#/fleet?family=${family}&pageSize=4`));
    await page.getByTestId('fleet-total').getByText('6 matching devices').waitFor();
    await expect(bars(page, 'status')).resolves.toEqual(['active 5', 'suspended 1']);
    await expect(bars(page, 'compliance')).resolves.toEqual(['compliant 1', 'noncompliant 1', 'unreported 4']);
    await expect(bars(page, 'family')).resolves.toEqual([`${family} 6`]);
    await expect(bars(page, 'firmware')).resolves.toEqual([`${family} 1.0.0 1`, `${family} 2.0.0 1`]);
    const rows = page.locator('table.devices tbody tr td:first-child');
    await page.locator('caption', { hasText: 'Devices, page 1' }).waitFor();
    const first = await rows.allTextContents();
    expect(first).toHaveLength(4);
    await shot(page, 'fleet-charts');
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('caption', { hasText: 'Devices, page 2' }).waitFor();
    expect([...first, ...(await rows.allTextContents())].sort()).toEqual(byId(...devices));

    // A bar is a link to the fleet narrowed to it.
    // A click on a bar narrows the fleet to it.
    await page.getByTestId('chart-compliance').locator('g.bar[data-label="noncompliant"]').click();
    await page.waitForURL(/compliance=noncompliant/);
    await page.getByTestId('fleet-total').getByText('1 matching devices').waitFor();
    await expect(rows.allTextContents()).resolves.toEqual([d1.id]);

    await page.goto(consoleUrl('Org1MSP', `#/fleet?family=${family}`));
    await page.getByLabel('Attribute name').fill('site');
    await page.getByLabel('Attribute value').fill('north');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/attributeValue=north/);
    await page.getByTestId('fleet-total').getByText('3 matching devices').waitFor();
    await expect(rows.allTextContents()).resolves.toEqual(byId(devices[1]!, devices[3]!, devices[5]!));

    // Registered before the test began: none of them.
    await page.goto(consoleUrl('Org1MSP', `#/fleet?family=${family}&createdTo=2020-01-01T00:00:00`));
    await page.getByTestId('fleet-total').getByText('0 matching devices').waitFor();
    await page.getByText('No devices on this page.').waitFor();
    expect(errors).toEqual([]);
  });

  it('the family filter suggests the families whose name starts with what is typed (GET /v1/families)', async () => {
    const { page, errors } = await browser.signIn('Org1MSP', 'auditor');
    await page.goto(consoleUrl('Org1MSP', '#/fleet'));
    const filter = page.getByLabel('Family', { exact: true });
    const suggested = page.getByTestId('fleet-families').locator('option');
    // Before anything is typed: the first families by name.
    await suggested.first().waitFor({ state: 'attached' });
    // Polled from here: the console's CSP forbids the eval a string waitForFunction polls with.
    const values = () => suggested.evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    await filter.fill(family);
    await eventually(async () => JSON.stringify(await values()) === JSON.stringify([family]), 10_000, 'suggestions narrowed to the family');
    await expect(suggested.first().textContent()).resolves.toBe(`${family} (Org1MSP)`);
    await filter.fill(`${family}-none`);
    await eventually(async () => (await suggested.count()) === 0, 10_000, 'no suggestion for a prefix no family has');
    await filter.fill(family);
    await filter.press('Enter');
    await page.waitForURL(new RegExp(`family=${family}`));
    await page.getByTestId('fleet-total').getByText('6 matching devices').waitFor();
    expect(errors).toEqual([]);
  });
});

describe('device drift', () => {
  it('shows the reported configuration against the published one: drift for d0, a match for d1', async () => {
    const { page, errors } = await browser.signIn('Org1MSP', 'auditor');
    await page.goto(consoleUrl('Org1MSP', `#/device/${d0.id}`));
    await page.getByTestId('drift-verdict').getByText('drift').waitFor();
    const cells = await page
      .locator('table.drift tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.querySelector('code')?.getAttribute('title')));
    expect(cells).toEqual([sha('cfg-1'), sha('cfg-0')]);
    await shot(page, 'device-drift');
    await page.goto(consoleUrl('Org1MSP', `#/device/${d1.id}`));
    await page.getByTestId('drift-verdict').getByText('matches').waitFor();
    await page.goto(consoleUrl('Org1MSP', `#/device/${d2.id}`));
    await page.getByTestId('drift-verdict').getByText('has not reported').waitFor();
    // d2 has no published configuration: the page's GET of it answers 404, which the browser logs.
    expect(errors.filter((e) => !e.includes(`/v1/devices/${d2.id}/config`))).toEqual([]);
  });
});

describe('firmware publishing', () => {
  it("a vendor of the family's org publishes a release signed outside the browser; a forged signature is refused", async () => {
    const { page, errors } = await browser.signIn('Org1MSP', 'vendor');
    await page.goto(consoleUrl('Org1MSP', `#/firmware/${family}`));
    const image = Buffer.from(`${family} image 3.0.0`);
    const digest = createHash('sha256').update(image).digest('hex');
    await page.getByLabel('Version').fill('3.0.0');
    await page.getByLabel(/Image file/).setInputFiles({ name: 'fw.bin', mimeType: 'application/octet-stream', buffer: image });
    // The page hashes the chosen file itself (WebCrypto).
    await eventually(
      async () => (await page.locator('input[name=sha256]').inputValue()) === digest,
      10_000,
      "the page's hash of the image",
    );
    const statement = await page.getByTestId('statement-to-sign').textContent();
    expect(JSON.parse(statement!)).toEqual({ action: 'firmware', family, sha256: digest, version: '3.0.0' });

    await page.getByLabel('Vendor signature (base64)').fill(DeviceIdentity.generate().sign(statements.firmware(family, '3.0.0', digest)));
    await page.getByRole('button', { name: 'Publish release' }).click();
    await page
      .getByRole('alert')
      .getByText(/BAD_SIGNATURE/)
      .waitFor();

    await page.getByLabel('Vendor signature (base64)').fill(vendorKey.sign(statements.firmware(family, '3.0.0', digest)));
    await page.getByRole('button', { name: 'Publish release' }).click();
    await page.getByTestId('progress-3.0.0').getByText('0 of 1 approvals').waitFor();
    await shot(page, 'firmware-publish');
    expect((await org1.auditor.get(`/v1/firmware/${family}/3.0.0`)).body).toMatchObject({ status: 'pending', sha256: digest });
    expect(errors.filter((e) => !/422/.test(e))).toEqual([]);
  });

  it('is not offered to an admin, an auditor, or the vendor of another org', async () => {
    for (const [org, role] of [
      ['Org1MSP', 'admin'],
      ['Org1MSP', 'auditor'],
      ['Org2MSP', 'vendor'],
    ] as const) {
      const { page } = await browser.signIn(org, role);
      await page.goto(consoleUrl(org, `#/firmware/${family}`));
      await page.getByTestId('progress-1.0.0').waitFor();
      expect([org, role, await page.getByRole('button', { name: 'Publish release' }).count()]).toEqual([org, role, 0]);
    }
  });
});
