#!/usr/bin/env bash
# The full test suite: lint and format checks, unit tests (the read model's on PostgreSQL too),
# then the live network up, every network test through the gateways, the deployment guide on a
# second channel, and the network down again whatever happened; then the topology tests on a
# network of their own (scripts/test-topologies.sh: one host per org, the network suite across
# them, a member joining).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

[[ -d node_modules ]] || npm ci --no-audit --no-fund
# The console's browser tests (test/console.test.ts) drive Debian's Chromium; install it if missing.
command -v chromium >/dev/null || { [[ $EUID == 0 ]] || SUDO=sudo; ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq chromium; }
npm run -s build                # tsc --build, then the web console's bundle (console/build.mjs)
npx tsc -p tsconfig.test.json   # type-checks the tests, which jest only transpiles
npx tsc -p bench --noEmit       # the benchmark, outside the build, keeps compiling
npm run -s lint                 # ESLint, warnings fail too
npm run -s format:check         # Prettier
npx jest --selectProjects unit
# The read model against the chaincode once more, on PostgreSQL: a throwaway server from Debian's
# package (installed when missing) on a loopback port, stopped and removed afterwards.
bash scripts/with-postgres.sh npx jest gateway-app/src/readmodel --selectProjects unit

trap './test-network.sh down' EXIT
./test-network.sh up
npx jest --selectProjects network --runInBand
bash scripts/test-deploy.sh     # docs/deploy.md followed on a second channel of the same network
./test-network.sh down
trap - EXIT

# A network of its own: the hosts topology, the network suite across it, a member joining (about 10 minutes).
bash scripts/test-topologies.sh
