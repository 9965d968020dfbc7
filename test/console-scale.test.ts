/**
 * The console at scale, in Debian's Chromium: a gateway whose read model holds 100,000 devices
 * (filled directly, not through the ledger: the ledger would take hours at this host's rate),
 * serving the same console and REST routes. The fleet's counts come whole from the gateway and
 * its device table a page at a time (keyset pages), so the browser never holds the fleet. The
 * test asserts what is shown; how long each step took is printed (README, "The web console").
 */
import type { Page } from 'playwright-core';
import { type FilledGateway, serveFilledModel } from '../gateway-app/src/readmodel/filled-gateway';
import { ConsoleBrowser, shot } from './support/console';

const DEVICES = 100_000;
const browser = new ConsoleBrowser();
let gateway: FilledGateway;

beforeAll(async () => {
  gateway = await serveFilledModel(DEVICES);
  await browser.launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await gateway?.close();
});

/** Runs a step and prints how long it took. */
async function timed(what: string, step: () => Promise<void>): Promise<void> {
  const started = Date.now();
  await step();
  console.log(`console at ${DEVICES} devices, ${what}: ${Date.now() - started} ms`);
}

const rows = (page: Page) => page.locator('table.devices tbody tr');
const firstDevice = (page: Page) => rows(page).first().locator('td').first().textContent();

test(`${DEVICES} devices: the fleet page counts them all, pages through them and filters them on the gateway`, async () => {
  const { page, errors } = await browser.signInAt(gateway.url, gateway.token, { org: gateway.mspId, role: 'auditor' });
  const fleet = (query: string) => page.goto(`${gateway.url}/console/#/fleet?${query}`);

  await timed('first page of 100 with the counts', async () => {
    await fleet('pageSize=100');
    await page.getByTestId('fleet-total').getByText(`${DEVICES} matching devices`).waitFor();
    await rows(page).nth(99).waitFor();
  });
  expect(await rows(page).count()).toBe(100);
  expect(await firstDevice(page)).toBe('dev-00000000');
  await shot(page, 'fleet-100k');

  await timed('next page', async () => {
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2', { exact: true }).waitFor();
    await page.getByRole('cell', { name: 'dev-00000100', exact: true }).waitFor();
  });
  expect(await rows(page).count()).toBe(100);

  // Family fam3 is every tenth device from the fourth, and each of them is suspended (every fifth from the fourth).
  await timed('filtered by family and status', async () => {
    await fleet('family=fam3&status=suspended&pageSize=100');
    await page
      .getByTestId('fleet-total')
      .getByText(`${DEVICES / 10} matching devices`)
      .waitFor();
    await page.getByRole('cell', { name: 'dev-00000003', exact: true }).waitFor();
  });
  expect(await rows(page).count()).toBe(100);
  expect(await rows(page).locator('td:nth-child(2)').allTextContents()).toEqual(Array(100).fill('fam3'));
  expect(errors).toEqual([]);
});
