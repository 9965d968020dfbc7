# device-registry as chaincode-as-a-service: one package per org (its connection.json names
# that org's chaincode server), installed, approved by each org, committed, then served by one
# Node process per org. Approve and commit only happen once: later code changes need only a
# restart of the servers, since the package holds no code.

chaincode_label() { printf '%s_%s_%s' "${CHAINCODE_NAME//-/_}" "$CHAINCODE_VERSION" "$1"; }

package_chaincode() {
  local org=$1 port=$2 dir=$RUNTIME/chaincode/$1
  [[ -f $dir/package.tar.gz ]] && return 0
  mkdir -p "$dir/src"
  node -e '
    const fs = require("fs");
    const [address, rootCert, out] = process.argv.slice(1);
    fs.writeFileSync(out, JSON.stringify({ address, dial_timeout: "10s", tls_required: true,
      client_auth_required: false, root_cert: fs.readFileSync(rootCert, "utf8") }, null, 2));
  ' "127.0.0.1:$port" "$CRYPTO/$org/ccaas/tls/tlscacerts/ca.pem" "$dir/src/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$(chaincode_label "$org")" >"$dir/src/metadata.json"
  tar -C "$dir/src" -czf "$dir/src/code.tar.gz" connection.json
  tar -C "$dir/src" -czf "$dir/package.tar.gz" metadata.json code.tar.gz
}

package_id() { FABRIC_CFG_PATH=$CONFIG/peer "$FABRIC_BIN/peer" lifecycle chaincode calculatepackageid "$RUNTIME/chaincode/$1/package.tar.gz"; }

chaincode_committed() {
  peer_cli org1 lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CHAINCODE_NAME" >/dev/null 2>&1
}

deploy_chaincode() {
  local row org msp port
  for row in "${CHAINCODE_SERVERS[@]}"; do
    read -r org msp port <<<"$row"
    package_chaincode "$org" "$port"
    local id
    id=$(package_id "$org")
    if ! peer_cli "$org" lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$id"; then
      peer_cli "$org" lifecycle chaincode install "$RUNTIME/chaincode/$org/package.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 \
        || die "install of $CHAINCODE_NAME on $org failed (log: $LOGS/peer-cli.log)"
    fi
  done
  chaincode_committed && return 0
  for row in "${CHAINCODE_SERVERS[@]}"; do
    read -r org msp port <<<"$row"
    peer_cli "$org" lifecycle chaincode approveformyorg -C "$CHANNEL" -n "$CHAINCODE_NAME" \
      -v "$CHAINCODE_VERSION" --sequence 1 --package-id "$(package_id "$org")" $(orderer_args) \
      >>"$LOGS/peer-cli.log" 2>&1 || die "$org could not approve $CHAINCODE_NAME (log: $LOGS/peer-cli.log)"
  done
  local peers=() name pport rest
  for row in "${PEERS[@]}"; do
    read -r name org msp pport rest <<<"$row"
    peers+=(--peerAddresses "127.0.0.1:$pport" --tlsRootCertFiles "$CRYPTO/$org/msp/tlscacerts/ca.pem")
  done
  # Approvals reach the peers through blocks; commit once both orgs' approvals are visible.
  wait_until "approvals of $CHAINCODE_NAME" 30 "" commit_ready
  peer_cli org1 lifecycle chaincode commit -C "$CHANNEL" -n "$CHAINCODE_NAME" -v "$CHAINCODE_VERSION" \
    --sequence 1 $(orderer_args) "${peers[@]}" >>"$LOGS/peer-cli.log" 2>&1 \
    || die "commit of $CHAINCODE_NAME failed (log: $LOGS/peer-cli.log)"
  wait_until "commit of $CHAINCODE_NAME" 30 "" chaincode_committed
}

commit_ready() {
  local readiness
  readiness=$(peer_cli org1 lifecycle chaincode checkcommitreadiness -C "$CHANNEL" -n "$CHAINCODE_NAME" \
    -v "$CHAINCODE_VERSION" --sequence 1 --output json 2>/dev/null) || return 1
  ! grep -q false <<<"$readiness"
}

build_node_workspaces() {
  if [[ ! -d $REPO_DIR/node_modules ]]; then
    log "installing Node dependencies (npm ci)"
    (cd "$REPO_DIR" && npm ci --no-audit --no-fund >>"$LOGS/npm.log" 2>&1) || die "npm ci failed (log: $LOGS/npm.log)"
  fi
  (cd "$REPO_DIR" && npx tsc --build >>"$LOGS/tsc.log" 2>&1) || die "TypeScript build failed (log: $LOGS/tsc.log)"
}

start_chaincode_server() {
  local want=$1 row org msp port
  for row in "${CHAINCODE_SERVERS[@]}"; do
    read -r org msp port <<<"$row"
    [[ $org == "$want" ]] || continue
    local tls=$CRYPTO/$org/ccaas/tls
    # fabric-shim's own server mode loads the contracts from chaincode/package.json's main.
    start_process "chaincode-$org" "$port" -- "$REPO_DIR/node_modules/.bin/fabric-chaincode-node" server \
      --chaincode-address "127.0.0.1:$port" --chaincode-id "$(package_id "$org")" \
      --chaincode-tls-cert-file "$tls/signcerts/cert.pem" --chaincode-tls-key-file "$tls/keystore/key.pem" \
      --module-path "$REPO_DIR/chaincode"
    wait_until "chaincode-$org listening" 30 "chaincode-$org" port_in_use "$port"
  done
}

start_chaincode_servers() {
  local row org
  for row in "${CHAINCODE_SERVERS[@]}"; do read -r org _ <<<"$row"; start_chaincode_server "$org"; done
}

# The consortium's member list, recorded once by the chaincode (firmware votes count against it).
record_members() {
  local members=() row org msp port
  for row in "${CHAINCODE_SERVERS[@]}"; do read -r org msp port <<<"$row"; members+=("\"$msp\""); done
  local request
  request=$(printf '{"members":[%s]}' "$(IFS=,; echo "${members[*]}")")
  local answer
  answer=$(peer_cli org1 chaincode query -C "$CHANNEL" -n "$CHAINCODE_NAME" \
    -c "{\"function\":\"Governance:GetMembers\",\"Args\":[\"{}\"]}" 2>/dev/null) || true
  [[ $answer == *Org* ]] && return 0
  local peers=() name pport rest
  for row in "${PEERS[@]}"; do
    read -r name org msp pport rest <<<"$row"
    peers+=(--peerAddresses "127.0.0.1:$pport" --tlsRootCertFiles "$CRYPTO/$org/msp/tlscacerts/ca.pem")
  done
  local args
  args=$(node -e 'console.log(JSON.stringify({function: "Governance:SetMembers", Args: [process.argv[1]]}))' "$request")
  peer_cli org1 chaincode invoke -C "$CHANNEL" -n "$CHAINCODE_NAME" -c "$args" --waitForEvent \
    $(orderer_args) "${peers[@]}" >>"$LOGS/peer-cli.log" 2>&1 \
    || die "recording the consortium members failed (log: $LOGS/peer-cli.log)"
}
