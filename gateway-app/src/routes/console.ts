/**
 * What the web console (console/, served under /console/) needs from the gateway beyond the REST
 * interface every client has: its static files, under their own Content-Security-Policy, and
 * `GET /v1/whoami`, the one answer that says which org and role a token stands for (a script
 * can ask it too; the console uses nothing else that scripts cannot).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { RegistryError, ROLES } from '@iotreg/common';
import { defineRoute } from '../http/route';
import { z } from '../http/schemas';

/**
 * Only this origin's own scripts, styles and API; no inline script or style, no framing, no
 * form posts, no base-URI tricks. The console sets styles through the CSSOM, which CSP allows.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const WhoamiSchema = z
  .object({
    mspId: z.string().meta({ description: "the gateway's organisation (MSP ID)" }),
    identity: z.string().meta({ description: "the token's identity at this gateway" }),
    role: z.enum(ROLES),
  })
  .meta({ id: 'Whoami' });

export const consoleRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/whoami',
    operationId: 'whoami',
    summary: 'The organisation, identity and role the bearer token stands for',
    description: 'What a client (the web console) shows as "signed in as", and which actions it offers; the chaincode still decides.',
    tag: 'Events and operations',
    access: { kind: 'token' },
    success: { status: 200, description: 'who the token is', schema: WhoamiSchema },
    handle: async ({ caller, deps }) => {
      if (caller?.kind !== 'token') throw new RegistryError('UNAUTHENTICATED', 'a bearer token is required');
      return { mspId: deps.mspId ?? '', identity: caller.identity, role: caller.role };
    },
  }),
];

/** console/dist/www of the @iotreg/console workspace, or undefined when it cannot be found. */
function builtConsole(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@iotreg/console/package.json')), 'dist', 'www');
  } catch {
    return undefined;
  }
}

/** Serves the built console under its own CSP; a clear 404 when it was not built. */
export function consoleFiles(dir = builtConsole()): (app: FastifyInstance) => Promise<void> {
  // Registered without fastify-plugin: the CSP hook applies to these routes only.
  return async (app) => {
    app.addHook('onRequest', (_req, reply, done) => {
      reply.header('Content-Security-Policy', CONSOLE_CSP);
      done();
    });
    // /console → /console/, so that the page's relative URLs resolve under /console/.
    app.get('/console', (_req, reply) => reply.redirect('/console/', 301));
    if (dir !== undefined && existsSync(path.join(dir, 'index.html'))) {
      await app.register(fastifyStatic, {
        root: dir,
        prefix: '/console/',
        index: 'index.html',
        dotfiles: 'ignore',
        etag: false,
        redirect: false,
      });
    } else {
      app.get('/console/*', async () => {
        throw new RegistryError('NOT_FOUND', 'the console is not built: run `npm run build`');
      });
    }
  };
}
