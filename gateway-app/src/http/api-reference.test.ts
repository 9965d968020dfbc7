import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { apiDocuments } from './api-reference';

const ROOT = resolve(__dirname, '../../..');

test.each(Object.entries(apiDocuments()))('the committed %s is what the code generates', (path, generated) => {
  let committed = '';
  try {
    committed = readFileSync(resolve(ROOT, path), 'utf8');
  } catch {
    // missing: reported below
  }
  if (committed !== generated) throw new Error(`${path} differs from what the routes generate: run \`npm run openapi\` and commit it`);
});
