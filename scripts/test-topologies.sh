#!/usr/bin/env bash
# The topology tests: the chaincode package (`npm run package`, no network), then a network of its
# own in network/runtime-topologies (the default network's ledger is left alone), started from
# clean with one network namespace per organisation (`up --topology hosts`): the cross-host test,
# the whole network test suite across those hosts, then Org3MSP joins the running consortium
# (`add-org`) and the new member's test; the network is brought down, its namespaces removed,
# whatever happened. About 10 minutes on 2 cores. Run it where no other test network runs (it
# uses the same ports inside its namespaces, and the same CPU).
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

# The network suite across hosts: the gateways serve HTTPS, trusted through each org's CA from
# clients.json (NODE_EXTRA_CA_CERTS for Node, CURL_CA_BUNDLE for the README's curl, the
# gateways' pinned keys for Chromium). The orderer fault tests stay with the loopback network:
# they measure SmartBFT under load on these cores, which the hosts add nothing to.
echo "topologies: the network test suite across hosts"
cas=$IOTREG_RUNTIME/gateway-cas.pem
(umask 077 && node -e 'const f = require(process.argv[1]); for (const o of Object.values(f.orgs)) if (o.ca) process.stdout.write(require("fs").readFileSync(o.ca));' \
  "$IOTREG_RUNTIME/clients.json" >"$cas")
NODE_EXTRA_CA_CERTS=$cas CURL_CA_BUNDLE=$cas IOTREG_CLIENTS=$IOTREG_RUNTIME/clients.json \
  npx jest --selectProjects network --runInBand --testPathIgnorePatterns /node_modules/ test/topologies/ test/faults/orderers.test.ts

echo "topologies: add-org Org3MSP"
./test-network.sh add-org Org3MSP >>"$log" 2>&1 || { tail -n 30 "$log"; exit 1; }
npx jest --runInBand test/topologies/add-org.test.ts --selectProjects topologies
