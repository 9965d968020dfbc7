#!/usr/bin/env bash
# The full test suite: lint and format checks, unit tests, then the live network up, every
# network test through the gateways, and the network down again whatever happened.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
npx tsc --build
npx tsc -p tsconfig.test.json   # type-checks the tests, which jest only transpiles
npx tsc -p bench --noEmit       # the benchmark, outside the build, keeps compiling
npm run -s lint                 # ESLint, warnings fail too
npm run -s format:check         # Prettier
npx jest --selectProjects unit

trap './test-network.sh down' EXIT
./test-network.sh up
npx jest --selectProjects network --runInBand
