import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { ERROR_STATUS, RegistryError } from '@iotreg/common';
import { Harness, startHarness, TOKENS } from '../testing/harness';
import { CONSOLE_CSP, consoleFiles } from './console';

describe('GET /v1/whoami', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it.each(Object.entries(TOKENS))('names the org, identity and role of a %s token', async (role, token) => {
    const res = await harness.request('GET', '/v1/whoami', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ mspId: 'Org1MSP', identity: `org1-${role}`, role });
  });

  it('needs a token', async () => {
    expect((await harness.request('GET', '/v1/whoami')).status).toBe(401);
    expect((await harness.request('GET', '/v1/whoami', { token: 'not-a-token' })).status).toBe(401);
  });

  it('is in the OpenAPI document', async () => {
    const res = await harness.request('GET', '/openapi.json');
    expect(res.body.paths['/v1/whoami'].get.operationId).toBe('whoami');
  });

  it('leaves the API its own CSP', async () => {
    const res = await harness.request('GET', '/v1/whoami', { token: TOKENS.auditor });
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('the console files', () => {
  let dir: string;
  let server: FastifyInstance;
  let url: string;
  const serve = async (from: string | undefined) => {
    server = Fastify();
    // The gateway's own error handler needs its request context; this one maps the same errors.
    server.setErrorHandler((err, _req, reply) => {
      if (!(err instanceof RegistryError)) throw err;
      void reply.code(ERROR_STATUS[err.code]).send({ error: { code: err.code, message: err.message } });
    });
    await server.register(consoleFiles(from));
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and scripts under a strict CSP: only this origin, nothing inline, no framing', async () => {
    await serve(dir);
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const script = await fetch(`${url}/console/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });

  it('redirects /console to /console/ so relative URLs resolve', async () => {
    await serve(dir);
    const res = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/console/');
  });

  it('answers 404 for files it does not have, and says so when the console was not built', async () => {
    await serve(dir);
    expect((await fetch(`${url}/console/nothing.js`)).status).toBe(404);
    await server.close();
    await serve(join(dir, 'absent'));
    const res = await fetch(`${url}/console/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not built/);
  });
});
