/** The web console in Debian's Chromium (playwright-core), as the console tests drive it: sign-in per role, screenshots. */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { clientsFile, Org, Role, RUNTIME } from './network';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where every console test saves its screenshots (private, like everything under network/runtime). */
export const SHOTS = path.join(RUNTIME, 'screenshots');

export interface ConsoleSession {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
}

export class ConsoleBrowser {
  #browser: Browser | undefined;
  readonly #contexts: BrowserContext[] = [];

  async launch(): Promise<void> {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (scripts/test-all.sh does), or set CHROMIUM_PATH`);
    mkdirSync(SHOTS, { recursive: true, mode: 0o700 });
    chmodSync(SHOTS, 0o700);
    const trusted = await httpsGatewayKeys();
    const pinned = trusted.length > 0 ? [`--ignore-certificate-errors-spki-list=${trusted.join(',')}`] : [];
    this.#browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', ...pinned] });
  }

  /**
   * Signs in at `org`'s gateway with its `role` token: the page comes under the console's CSP and
   * is interactive within a second, and the header then shows that org and role.
   */
  async signIn(org: Org, role: Role, viewport = { width: 1280, height: 900 }): Promise<ConsoleSession> {
    const entry = clientsFile().orgs[org];
    return this.signInAt(entry.gateway, entry.tokens[role], { org, role }, viewport);
  }

  /** Signs in at the gateway at `url` with `token`, which must stand for `who`; as signIn. */
  async signInAt(
    url: string,
    token: string,
    who: { org: string; role: Role },
    viewport = { width: 1280, height: 900 },
  ): Promise<ConsoleSession> {
    const context = await this.#browser!.newContext({ viewport, acceptDownloads: true });
    this.#contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const answer = await page.goto(`${url}/console/`);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    // Interactive within a second (the page and its scripts, from this gateway).
    await page.getByLabel('Bearer token').waitFor();
    expect(await page.evaluate<number>("performance.getEntriesByType('navigation')[0].domInteractive")).toBeLessThan(1000);
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('who-org').textContent()).resolves.toBe(who.org);
    await expect(page.getByTestId('who-role').textContent()).resolves.toBe(who.role);
    return { page, errors };
  }

  /** A page of its own, signed in to nothing. */
  async newPage(): Promise<Page> {
    const context = await this.#browser!.newContext();
    this.#contexts.push(context);
    return context.newPage();
  }

  async close(): Promise<void> {
    for (const context of this.#contexts) await context.close();
    await this.#browser?.close();
  }
}

export async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(SHOTS, `${name}.png`);
  writeFileSync(file, await page.screenshot({ fullPage: true }), { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * The SHA-256 of each HTTPS gateway's public key (base64), its certificate checked here against its
 * org's CA from clients.json: Chromium trusts those keys alone, not the CA, nor any other.
 */
async function httpsGatewayKeys(): Promise<string[]> {
  const keys: string[] = [];
  for (const { gateway, ca } of Object.values(clientsFile().orgs)) {
    if (!ca) continue;
    const url = new URL(gateway);
    const socket = tls.connect({ host: url.hostname, port: Number(url.port), ca: readFileSync(ca) });
    await once(socket, 'secureConnect');
    const spki = socket.getPeerX509Certificate()!.publicKey.export({ type: 'spki', format: 'der' });
    socket.end();
    keys.push(createHash('sha256').update(spki).digest('base64'));
  }
  return keys;
}

/** The console's address of `hash` at `org`'s gateway. */
export const consoleUrl = (org: Org, hash: string) => `${clientsFile().orgs[org].gateway}/console/${hash}`;
