/** `npm run openapi`: writes docs/openapi.json and docs/api.md from the routes (no Fabric, no network). */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { apiDocuments } from './http/api-reference';

const root = resolve(__dirname, '../..');
for (const [path, content] of Object.entries(apiDocuments())) {
  writeFileSync(resolve(root, path), content);
  console.log(`wrote ${path}`);
}
