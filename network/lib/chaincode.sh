# Chaincodes as a service: one package per chaincode and org (its connection.json names that
# org's server), installed, approved by each org, committed, then served by one Node process per
# org. Approve and commit only happen once: later code changes need only a restart of the
# servers, since the package holds no code.

# The rows of CHAINCODE_SERVERS that serve chaincode $1.
servers_of() {
  local row process cc rest
  for row in "${CHAINCODE_SERVERS[@]}"; do
    read -r process cc rest <<<"$row"
    [[ $cc == "$1" ]] && echo "$row"
  done
  return 0
}

package_dir() { echo "$RUNTIME/chaincode/$1/$2"; }

# package_chaincode CC ORG PORT: ORG's package of CC, made by `npm run package`'s script with the
# address of ORG's chaincode server and ORG's ccaas TLS root.
package_chaincode() {
  local cc=$1 org=$2 port=$3 dir label
  dir=$(package_dir "$cc" "$org")
  [[ -f $dir/package.tar.gz ]] && return 0
  label="${cc//-/_}_${CHAINCODE_VERSION}_$org"
  "$REPO_DIR/scripts/package.sh" --address "$(org_host "$org"):$port" --label "$label" \
    --tls-root-cert "$CRYPTO/$org/ccaas/tls/tlscacerts/ca.pem" --out "$dir/src" >/dev/null || die "packaging $cc for $org failed"
  mv "$dir/src/$label.tar.gz" "$dir/package.tar.gz"
}

package_id() {
  FABRIC_CFG_PATH=$CONFIG/peer "$FABRIC_BIN/peer" lifecycle chaincode calculatepackageid "$(package_dir "$1" "$2")/package.tar.gz"
}

chaincode_committed() {
  peer_cli org1 lifecycle chaincode querycommitted -C "$CHANNEL" -n "$1" >/dev/null 2>&1
}

# Endorsement by every peer, for the peer CLI's commit and invoke.
all_peer_args() {
  local row name org msp port rest
  for row in "${PEERS[@]}"; do
    read -r name org msp port rest <<<"$row"
    printf '%s\n' --peerAddresses "$(org_host "$org"):$port" --tlsRootCertFiles "$CRYPTO/$org/msp/tlscacerts/ca.pem"
  done
}

deploy_chaincode() {
  local cc=$1 process module org port id
  while read -r process _ module org port; do
    package_chaincode "$cc" "$org" "$port"
    id=$(package_id "$cc" "$org")
    if ! peer_cli "$org" lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$id"; then
      peer_cli "$org" lifecycle chaincode install "$(package_dir "$cc" "$org")/package.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 \
        || die "install of $cc on $org failed (log: $LOGS/peer-cli.log)"
    fi
  done < <(servers_of "$cc")
  chaincode_committed "$cc" && return 0
  while read -r process _ module org port; do
    approve_chaincode "$org" "$cc" 1 "$(package_id "$cc" "$org")"
  done < <(servers_of "$cc")
  # Approvals reach the peers through blocks; commit once both orgs' approvals are visible.
  wait_until "approvals of $cc" 60 "" commit_ready "$cc"
  through_orderers "commit of $cc" chaincode_committed "$cc" -- \
    peer_cli org1 lifecycle chaincode commit -C "$CHANNEL" -n "$cc" -v "$CHAINCODE_VERSION" --sequence 1 $(all_peer_args)
  wait_until "commit of $cc" 60 "" chaincode_committed "$cc"
}

# approve_chaincode ORG CC SEQUENCE PACKAGE_ID: ORG's approval, until the peer shows it (the
# orderers of a new channel may still be electing their first leader: through_orderers).
approve_chaincode() {
  local org=$1 cc=$2 sequence=$3 id=$4
  through_orderers "approval of $cc by $org" approved "$org" "$cc" "$sequence" -- \
    peer_cli "$org" lifecycle chaincode approveformyorg -C "$CHANNEL" -n "$cc" -v "$CHAINCODE_VERSION" \
    --sequence "$sequence" --package-id "$id"
}

approved() {
  peer_cli "$1" lifecycle chaincode queryapproved -C "$CHANNEL" -n "$2" --sequence "$3" >/dev/null 2>&1
}

commit_ready() {
  local readiness
  readiness=$(peer_cli org1 lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$1" \
    -v "$CHAINCODE_VERSION" --sequence 1 --output json 2>/dev/null) || return 1
  ! grep -q false <<<"$readiness"
}

build_node_workspaces() {
  if [[ ! -d $REPO_DIR/node_modules ]]; then
    log "installing Node dependencies (npm ci)"
    (cd "$REPO_DIR" && npm ci --no-audit --no-fund >>"$LOGS/npm.log" 2>&1) || die "npm ci failed (log: $LOGS/npm.log)"
  fi
  # npm run build: tsc --build, then the web console the gateways serve (console/build.mjs)
  (cd "$REPO_DIR" && npm run -s build >>"$LOGS/tsc.log" 2>&1) || die "TypeScript build failed (log: $LOGS/tsc.log)"
}

# start_chaincode_server PROCESS: one row of CHAINCODE_SERVERS, by its process name.
start_chaincode_server() {
  local want=$1 row process cc module org port
  for row in "${CHAINCODE_SERVERS[@]}"; do
    read -r process cc module org port <<<"$row"
    [[ $process == "$want" ]] || continue
    local tls=$CRYPTO/$org/ccaas/tls
    # fabric-shim's own server mode loads the contracts from the module's package.json main.
    start_process "$process" "$port" -- "$REPO_DIR/node_modules/.bin/fabric-chaincode-node" server \
      --chaincode-address "$(org_address "$org"):$port" --chaincode-id "$(package_id "$cc" "$org")" \
      --chaincode-tls-cert-file "$tls/signcerts/cert.pem" --chaincode-tls-key-file "$tls/keystore/key.pem" \
      --module-path "$REPO_DIR/$module"
    wait_until "$process listening" 30 "$process" port_in_use "$port" "$org"
  done
}

start_chaincode_servers() {
  local process
  while read -r process _; do start_chaincode_server "$process"; done < <(servers_of "$1")
}

# The consortium's member list (firmware votes count against it). The chaincode applies a list only
# once every org it concerns has submitted it, so each gateway org's admin submits the same list;
# submitting it again is a no-op, so `up` can be repeated.
record_members() {
  local msps=() orgs=() row org msp port
  for row in "${GATEWAYS[@]}"; do read -r org msp port <<<"$row"; msps+=("$msp"); orgs+=("$org"); done
  members_recorded "${msps[@]}" && return 0
  local args
  args=$(node -e 'console.log(JSON.stringify({function: "Governance:SetMembers", Args: [JSON.stringify({members: process.argv.slice(1)})]}))' "${msps[@]}")
  for org in "${orgs[@]}"; do
    through_orderers "$org's submission of the consortium members" false -- \
      peer_cli "$org" chaincode invoke -C "$CHANNEL" -n "$CHAINCODE_NAME" -c "$args" --waitForEvent $(all_peer_args)
  done
  members_recorded "${msps[@]}" || die "the consortium members were not recorded (log: $LOGS/peer-cli.log)"
}

# members_recorded MSP...: the chaincode's member list is exactly these MSP IDs.
members_recorded() {
  local answer
  answer=$(peer_cli org1 chaincode query -C "$CHANNEL" -n "$CHAINCODE_NAME" \
    -c '{"function":"Governance:GetMembers","Args":["{}"]}' 2>/dev/null) || return 1
  node -e '
    const [answer, ...want] = process.argv.slice(1);
    const have = JSON.parse(answer).members ?? [];
    process.exit(JSON.stringify([...have].sort()) === JSON.stringify([...want].sort()) ? 0 : 1);
  ' "$answer" "$@"
}
