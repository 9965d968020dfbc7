#!/usr/bin/env bash
# `npm run test:hosts`: the network test suite on the hosts topology, each organisation on a host
# of its own (network namespace, address, hostname; gateways on HTTPS), in network/runtime-hosts,
# from clean; then down, whatever happened. The tests trust each gateway through its org's CA from
# clients.json (NODE_EXTRA_CA_CERTS for Node, CURL_CA_BUNDLE for curl, the gateways' pinned keys
# for Chromium). The orderer fault tests are left to the loopback suite: they measure SmartBFT
# under load on these cores, and `npm run test:wan` cuts links across hosts. About 15 minutes on
# 2 cores; run it where no other test network runs, as root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export IOTREG_RUNTIME=${IOTREG_RUNTIME:-$PWD/network/runtime-hosts}
log=$IOTREG_RUNTIME.log
trap './test-network.sh down >/dev/null 2>&1 || true' EXIT
./test-network.sh clean >/dev/null
echo "hosts: up --topology hosts (log: $log)"
./test-network.sh up --topology hosts >"$log" 2>&1 || { tail -n 30 "$log"; exit 1; }

cas=$IOTREG_RUNTIME/gateway-cas.pem
(umask 077 && node -e 'const f = require(process.argv[1]); for (const o of Object.values(f.orgs)) if (o.ca) process.stdout.write(require("fs").readFileSync(o.ca));' \
  "$IOTREG_RUNTIME/clients.json" >"$cas")
export NODE_EXTRA_CA_CERTS=$cas CURL_CA_BUNDLE=$cas IOTREG_CLIENTS=$IOTREG_RUNTIME/clients.json
npx jest --selectProjects network --runInBand --testPathIgnorePatterns /node_modules/ test/topologies/ test/faults/orderers.test.ts
