#!/usr/bin/env bash
# The deployment guide (docs/deploy.md, section 3) followed on a second channel, `deploy`, created
# on the running test network independently of `iot`: package with `npm run package`, install,
# run the chaincode servers from the package IDs, approve and commit with an endorsement policy of
# the channel's own (OutOf 2 of the two orgs' peers), record the members, configure a gateway from
# the peer's address, TLS root and enrolled identities, then test/topologies/deploy.test.ts uses
# it. Needs a network up (`./test-network.sh up`, loopback); stops what it started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
umask 077
source network/env.sh
for lib in common topology wan install ca nodes channel chaincode gateways watchdog orgs; do source "network/lib/$lib.sh"; done
[[ $(topology) == loopback ]] || die "test-deploy runs on the loopback topology"

CHANNEL=deploy
CHANNEL_BLOCK=$RUNTIME/channel/$CHANNEL.block
CC=device-registry
POLICY="OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer')"
OUT=$RUNTIME/deploy
mkdir -p "$OUT"
declare -A CC_PORT=([org1]=7997 [org2]=9997) GATEWAY_PORT=([org1]=7085 [org2]=9085) MSP=([org1]=Org1MSP [org2]=Org2MSP)

stop_started() { local name; for name in deploy-cc-org1 deploy-cc-org2 deploy-gateway-org1 deploy-gateway-org2; do stop_process "$name"; done; }
trap stop_started EXIT

log "channel $CHANNEL: its own genesis block, joined by every orderer and peer"
create_channel

for org in org1 org2; do
  log "$org: npm run package, install"
  npm run -s package -- --address "127.0.0.1:${CC_PORT[$org]}" --label "device-registry_deploy_$org" \
    --tls-root-cert "$CRYPTO/$org/ccaas/tls/tlscacerts/ca.pem" --out "$OUT/package-$org" >/dev/null
  if ! peer_cli "$org" lifecycle chaincode queryinstalled | grep -q "$(cat "$OUT/package-$org/package-id")"; then
    peer_cli "$org" lifecycle chaincode install "$OUT/package-$org/device-registry_deploy_$org.tar.gz" >>"$LOGS/peer-cli.log" 2>&1
  fi
  log "$org: the chaincode server, as the container would run it (CORE_* environment)"
  start_process "deploy-cc-$org" "${CC_PORT[$org]}" -- env \
    CORE_CHAINCODE_ID="$(cat "$OUT/package-$org/package-id")" CORE_CHAINCODE_ADDRESS="127.0.0.1:${CC_PORT[$org]}" \
    CORE_CHAINCODE_TLS_CERT_FILE="$CRYPTO/$org/ccaas/tls/signcerts/cert.pem" CORE_CHAINCODE_TLS_KEY_FILE="$CRYPTO/$org/ccaas/tls/keystore/key.pem" \
    CORE_MODULE_PATH="$REPO_DIR/chaincode" "$REPO_DIR/node_modules/.bin/fabric-chaincode-node" server
  wait_until "deploy-cc-$org listening" 30 "deploy-cc-$org" port_in_use "${CC_PORT[$org]}"
done

if ! peer_cli org1 lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC" >/dev/null 2>&1; then
  for org in org1 org2; do
    log "$org: approveformyorg with the channel's own policy"
    peer_cli "$org" lifecycle chaincode queryapproved -C "$CHANNEL" -n "$CC" --sequence 1 >/dev/null 2>&1 && continue
    peer_cli "$org" lifecycle chaincode approveformyorg -C "$CHANNEL" -n "$CC" -v 1.0 --sequence 1 \
      --package-id "$(cat "$OUT/package-$org/package-id")" --signature-policy "$POLICY" --waitForEvent=false $(orderer_args) >>"$LOGS/peer-cli.log" 2>&1
  done
  # A peer's first blocks on a channel it just joined came ~30 s after the orderers wrote them
  # (its BFT block source switched once): wait for the ledger, not for the CLI's 30 s event wait.
  ready() { ! peer_cli org1 lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$CC" -v 1.0 --sequence 1 --signature-policy "$POLICY" --output json | grep -q false; }
  wait_until "both approvals on $CHANNEL" 120 "" ready
  log "commit"
  peer_cli org1 lifecycle chaincode commit -C "$CHANNEL" -n "$CC" -v 1.0 --sequence 1 --signature-policy "$POLICY" \
    --waitForEvent=false $(orderer_args) $(all_peer_args) >>"$LOGS/peer-cli.log" 2>&1
  wait_until "the commit on $CHANNEL" 120 "" peer_cli org1 lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC"
fi

log "the members, submitted by each org's admin"
members='{"function":"Governance:SetMembers","Args":["{\"members\":[\"Org1MSP\",\"Org2MSP\"]}"]}'
for org in org1 org2; do
  peer_cli "$org" chaincode invoke -C "$CHANNEL" -n "$CC" -c "$members" --waitForEvent --waitForEventTimeout 120s \
    $(orderer_args) $(all_peer_args) >>"$LOGS/peer-cli.log" 2>&1
done

for org in org1 org2; do
  log "$org: a gateway configured from the peer's address, TLS root and enrolled identities"
  dir=$OUT/gateway-$org
  mkdir -p "$dir/state"
  for role in admin vendor auditor; do [[ -f $dir/$role.token ]] || openssl rand -hex 32 >"$dir/$role.token"; done
  node -e '
    const { createHash } = require("crypto");
    const { readFileSync } = require("fs");
    const [msp, org, port, crypto, dir] = process.argv.slice(1);
    const id = (role) => ({ name: `${org}-${role}`, role, certPath: `${crypto}/${org}/users/${role}/msp/signcerts/cert.pem`,
      keyPath: `${crypto}/${org}/users/${role}/msp/keystore/key.pem`,
      tokenSha256: createHash("sha256").update(readFileSync(`${dir}/${role}.token`, "utf8").trim()).digest("hex") });
    const peerPort = org === "org1" ? 7051 : 9051;
    console.log(JSON.stringify({ mspId: msp, host: "127.0.0.1", port: Number(port), channel: "deploy", chaincode: "device-registry",
      peer: { endpoint: `127.0.0.1:${peerPort}`, hostAlias: "localhost", tlsRootCertPath: `${crypto}/${org}/msp/tlscacerts/ca.pem` },
      identities: ["admin", "vendor", "auditor"].map(id), relayIdentity: `${org}-auditor`, stateDir: `${dir}/state` }, null, 2));
  ' "${MSP[$org]}" "$org" "${GATEWAY_PORT[$org]}" "$CRYPTO" "$dir" | write_private "$dir/gateway.json"
  start_process "deploy-gateway-$org" "${GATEWAY_PORT[$org]}" -- env IOTREG_GATEWAY_CONFIG="$dir/gateway.json" node "$REPO_DIR/gateway-app/dist/server.js"
  wait_until "deploy-gateway-$org readiness" 60 "deploy-gateway-$org" http_ok "http://127.0.0.1:${GATEWAY_PORT[$org]}/readyz"
done

node -e '
  const { readFileSync } = require("fs");
  const [dir, ...ports] = process.argv.slice(1);
  const orgs = {};
  for (const [msp, org, port] of [["Org1MSP", "org1", ports[0]], ["Org2MSP", "org2", ports[1]]]) {
    const token = (role) => readFileSync(`${dir}/gateway-${org}/${role}.token`, "utf8").trim();
    orgs[msp] = { gateway: `http://127.0.0.1:${port}`, tokens: { admin: token("admin"), vendor: token("vendor"), auditor: token("auditor") } };
  }
  console.log(JSON.stringify({ channel: "deploy", chaincode: "device-registry", orgs }, null, 2));
' "$OUT" "${GATEWAY_PORT[org1]}" "${GATEWAY_PORT[org2]}" | write_private "$OUT/clients.json"

log "deployed on $CHANNEL; testing"
IOTREG_CLIENTS=$OUT/clients.json npx jest --runInBand test/topologies/deploy.test.ts --selectProjects topologies
