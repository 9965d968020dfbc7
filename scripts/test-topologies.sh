#!/usr/bin/env bash
# The topology tests: the chaincode package (`npm run package`, no network), then a network of its own in network/runtime-topologies (the default network's
# ledger is left alone), started from clean with one network namespace per organisation
# (`up --topology hosts`), the cross-host test, then Org3MSP joins the running consortium
# (`add-org`) and the new member's test; the network is brought down, its namespaces removed,
# whatever happened. About 3 minutes on 2 cores. Run it where no other test network runs
# (it uses the same ports inside its namespaces, and the same CPU).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export IOTREG_RUNTIME=${IOTREG_RUNTIME:-$PWD/network/runtime-topologies}
log=$IOTREG_RUNTIME.log
trap './test-network.sh down >/dev/null 2>&1 || true' EXIT
npx jest --runInBand test/topologies/package.test.ts --selectProjects topologies   # needs no network
./test-network.sh clean >/dev/null
echo "topologies: up --topology hosts (log: $log)"
./test-network.sh up --topology hosts >"$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
npx jest --runInBand test/topologies/hosts.test.ts --selectProjects topologies

echo "topologies: add-org Org3MSP"
./test-network.sh add-org Org3MSP >>"$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
npx jest --runInBand test/topologies/add-org.test.ts --selectProjects topologies
