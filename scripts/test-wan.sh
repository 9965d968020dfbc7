#!/usr/bin/env bash
# `npm run test:wan`, the longer WAN suite (not part of `npm test`): a network of its own in
# network/runtime-wan with the wan topology (every orderer link through Toxiproxy), the writes
# measured with the WAN profile off and on, the leader and a follower cut off under load and
# healed (test/topologies/wan.test.ts); then down. About 4 minutes on 2 cores. Run it where no
# other test network runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export IOTREG_RUNTIME=${IOTREG_RUNTIME:-$PWD/network/runtime-wan}
log=$IOTREG_RUNTIME.log
trap './test-network.sh down >/dev/null 2>&1 || true' EXIT
./test-network.sh clean >/dev/null
echo "wan: up --topology wan (log: $log)"
./test-network.sh up --topology wan >"$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
npx jest --runInBand test/topologies/wan.test.ts --selectProjects topologies
