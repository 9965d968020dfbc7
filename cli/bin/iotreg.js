#!/usr/bin/env node
// The `iotreg` command. npm links this committed, executable file into node_modules/.bin when it
// installs the workspace, before anything is built; the program is what `npm run build` writes.
const path = require('node:path');
const { existsSync } = require('node:fs');

const main = path.join(__dirname, '../dist/main.js');
if (!existsSync(main)) {
  process.stderr.write('iotreg is not built yet: run `npm run build` in the repository first\n');
  process.exit(1);
}
require(main);
