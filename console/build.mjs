// Builds the console into dist/www/ (dist/types is tsc's): the page and stylesheet as they are, and the TypeScript bundled by
// esbuild as ES modules (the proof verifier is a chunk loaded only by the audit page). Type
// checking is tsc's (tsconfig.json, part of `tsc --build`); this only bundles.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import process from 'node:process';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist/www');
const shim = (name) => path.join(here, 'src/shims', name);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(path.join(here, 'static'), out, { recursive: true });

await build({
  entryPoints: { app: path.join(here, 'src/main.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  splitting: true,
  minify: process.env.CONSOLE_MINIFY !== '0',
  sourcemap: true,
  target: ['chrome110', 'firefox110', 'safari16'],
  platform: 'browser',
  chunkNames: 'chunks/[name]-[hash]',
  // The verifier (cli/src/audit, compiled) is Node code: these give it what it uses in a browser.
  // @iotreg/common from its ES sources (its dist is CommonJS, which esbuild cannot tree-shake):
  // the console's REST client is common's RegistryClient.
  alias: {
    '@iotreg/common': path.join(here, '../packages/common/src/index.ts'),
    'node:crypto': shim('node-crypto.ts'),
    '@grpc/grpc-js': shim('grpc.ts'),
  },
  inject: [shim('buffer.ts')],
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
