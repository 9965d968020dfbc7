# The `iot` channel: genesis block from configtx.yaml, joined by every orderer through the
# channel participation API and by every peer.

CHANNEL_BLOCK=$RUNTIME/channel/$CHANNEL.block

# network/config/configtx.yaml with this topology's hostnames in place of @ORDERER_HOST@,
# @ORG1_HOST@, @ORG2_HOST@, the ports that reach each orderer (its proxy's with the wan topology)
# and its crypto paths made absolute, for configtxgen.
render_configtx() {
  mkdir -p "$CONFIG/configtx"
  local row port ports=()
  for row in "${ORDERERS[@]}"; do
    read -r _ _ port _ <<<"$row"
    ports+=(-e "s#@ORDERER_HOST@:$port\"#@ORDERER_HOST@:$(orderer_dial_port "$port")\"#" -e "s#Port: $port\$#Port: $(orderer_dial_port "$port")#")
  done
  sed "${ports[@]}" -e "s#@ORDERER_HOST@#$(org_host orderer)#g" -e "s#@ORG1_HOST@#$(org_host org1)#g" -e "s#@ORG2_HOST@#$(org_host org2)#g" \
    -e "s#\.\./runtime/crypto/#$CRYPTO/#g" "$NETWORK_DIR/config/configtx.yaml" >"$CONFIG/configtx/configtx.yaml"
}

# peer_cli ORG ARGS...: the peer CLI as ORG's admin, talking to ORG's first peer.
peer_cli() {
  local want=$1 row name org msp port rest
  shift
  for row in "${PEERS[@]}"; do
    read -r name org msp port rest <<<"$row"
    [[ $org == "$want" ]] && break
  done
  FABRIC_CFG_PATH=$CONFIG/peer FABRIC_LOGGING_SPEC=WARN \
    CORE_PEER_LOCALMSPID=$msp \
    CORE_PEER_MSPCONFIGPATH=$CRYPTO/$org/users/admin/msp \
    CORE_PEER_ADDRESS="$(org_host "$org"):$port" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE=$CRYPTO/$org/msp/tlscacerts/ca.pem \
    in_org "$org" "$FABRIC_BIN/peer" "$@"
}

# orderer_args [N]: the peer CLI's flags that send a transaction to the Nth orderer (the first by
# default).
orderer_args() {
  local port
  read -r _ _ port _ <<<"${ORDERERS[${1:-0}]}"
  printf '%s\n' -o "$(org_host orderer):$(orderer_dial_port "$port")" --tls --cafile "$CRYPTO/orderer-org/msp/tlscacerts/ca.pem"
}

osnadmin_cli() {
  local admin=$1; shift
  local tls=$CRYPTO/orderer-org/admin/tls
  in_org orderer "$FABRIC_BIN/osnadmin" channel "$@" -o "$(org_host orderer):$admin" --ca-file "$tls/tlscacerts/ca.pem" \
    --client-cert "$tls/signcerts/cert.pem" --client-key "$tls/keystore/key.pem"
}

osnadmin_answers() { osnadmin_cli "$1" list 2>/dev/null | grep -q '^Status: '; }

create_channel() {
  if [[ ! -f $CHANNEL_BLOCK ]]; then
    mkdir -p "$(dirname "$CHANNEL_BLOCK")"
    render_configtx
    "$FABRIC_BIN/configtxgen" -configPath "$CONFIG/configtx" -profile IotChannel \
      -channelID "$CHANNEL" -outputBlock "$CHANNEL_BLOCK" >>"$LOGS/configtxgen.log" 2>&1 \
      || die "configtxgen failed (log: $LOGS/configtxgen.log)"
  fi
  local row name id port admin ops joining=()
  for row in "${ORDERERS[@]}"; do
    read -r name id port admin ops <<<"$row"
    # A restarted orderer opens its admin port only after its BFT chain has synced.
    wait_until "$name's channel participation API" 60 "$name" osnadmin_answers "$admin"
    # osnadmin exits 0 whatever the HTTP status: a member answers 200.
    osnadmin_cli "$admin" list --channelID "$CHANNEL" 2>/dev/null | grep -q '^Status: 200' || joining+=("$name $admin")
  done
  # Every orderer joins at once: one that joins seconds before the others starts complaining about
  # a leader it cannot reach, and on a loaded host the views of a new channel then failed to converge.
  local pids=() entry
  for entry in "${joining[@]}"; do
    read -r name admin <<<"$entry"
    osnadmin_cli "$admin" join --channelID "$CHANNEL" --config-block "$CHANNEL_BLOCK" >>"$LOGS/osnadmin.log" 2>&1 &
    pids+=($!)
  done
  local i
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || die "${joining[$i]%% *} could not join $CHANNEL (log: $LOGS/osnadmin.log)"
  done
  local org
  for row in "${PEERS[@]}"; do
    read -r name org _ <<<"$row"
    peer_cli "$org" channel getinfo -c "$CHANNEL" >/dev/null 2>&1 && continue
    peer_cli "$org" channel join -b "$CHANNEL_BLOCK" >>"$LOGS/peer-cli.log" 2>&1 \
      || die "$name could not join $CHANNEL (log: $LOGS/peer-cli.log)"
  done
}

# Prints the consensus type and the consenters as the live channel configuration has them.
channel_consensus() {
  local tmp
  tmp=$(mktemp -d)
  peer_cli org1 channel fetch config "$tmp/config.block" -c "$CHANNEL" $(orderer_args) >/dev/null 2>&1 \
    || { rm -rf "$tmp"; echo "  (channel config not readable)"; return 1; }
  (cd "$REPO_DIR" && node "$NETWORK_DIR/lib/channel-consensus.js" "$tmp/config.block")
  rm -rf "$tmp"
}

# One line per orderer: NAME HEIGHT LEADER PENDING, from its own metrics (PENDING: requests in
# its SmartBFT request pool, not yet ordered); "NAME down - -" when it does not answer. A lagging
# orderer may still follow an earlier leader.
bft_orderers() {
  local row name id port admin ops metrics height leader pending
  for row in "${ORDERERS[@]}"; do
    read -r name id port admin ops <<<"$row"
    if metrics=$(curl -fs --max-time 2 "$(ops_url "$name")/metrics"); then
      height=$(channel_metric ledger_blockchain_height <<<"$metrics")
      leader=$(channel_metric consensus_BFT_leader_id <<<"$metrics")
      pending=$(channel_metric consensus_smartbft_pool_count_of_elements <<<"$metrics")
      echo "$name ${height:--} $(orderer_with_id "${leader:--}") ${pending:--}"
    else
      echo "$name down - -"
    fi
  done
}

# through_orderers WHAT CHECK... -- COMMAND...: COMMAND, a peer CLI transaction, sent with each
# orderer's flags in turn until it succeeds or CHECK (a command) holds. The peer CLI sends to one
# orderer only, and one may be wedged (the watchdog restarts it) or, on a new channel, outside the
# view the others agree on (its pool keeps the request and nothing orders it); the CLI waits about
# 30 s for the commit, and a wait that timed out may still have committed, so CHECK comes first.
through_orderers() {
  local what=$1 n check=()
  shift
  while [[ $1 != -- ]]; do check+=("$1"); shift; done
  shift
  for n in "${!ORDERERS[@]}"; do
    "${check[@]}" && return 0
    "$@" $(orderer_args "$n") >>"$LOGS/peer-cli.log" 2>&1 && return 0
    log "$what through ${ORDERERS[$n]%% *} not confirmed; trying the next orderer"
    sleep 5
  done
  "${check[@]}" || die_ordering "$what failed"
}

# die_ordering MESSAGE: stops `up` after a write through the orderers failed, showing why: the
# peer CLI's last lines and each orderer's height, leader and pending requests.
die_ordering() {
  grep -v 'keepalive ping interval' "$LOGS/peer-cli.log" 2>/dev/null | tail -n 15 >&2
  printf 'orderers (name height leader pending):\n%s\n' "$(bft_orderers)" >&2
  die "$1 (log: $LOGS/peer-cli.log)"
}

# The value of a channel's metric in a Prometheus text exposition read from stdin.
channel_metric() {
  sed -n "s/^$1{channel=\"$CHANNEL\"} \([0-9]*\)$/\1/p"
}

orderer_with_id() {
  local row name id
  for row in "${ORDERERS[@]}"; do
    read -r name id _ <<<"$row"
    [[ $id == "$1" ]] && { echo "$name"; return; }
  done
  echo -
}

# The orderer SmartBFT follows as leader now: the one at least f+1 orderers report, so that at
# least one correct node follows it (the first to answer may be lagging behind a view change).
bft_leader() {
  local f=$(((${#ORDERERS[@]} - 1) / 3)) votes leader
  read -r votes leader < <(bft_orderers | awk '$3 != "-" { print $3 }' | sort | uniq -c | sort -rn) || return 1
  [[ ${votes:-0} -gt $f ]] && echo "$leader"
}

# True once every peer's gossip knows every other peer on the channel: until then the gateways'
# discovery finds no set of peers that satisfies the endorsement policy.
gossip_converged() {
  local row name org msp port cc ops known
  for row in "${PEERS[@]}"; do
    read -r name org msp port cc ops <<<"$row"
    known=$(curl -fs --max-time 2 "$(ops_url "$name")/metrics" \
      | channel_metric gossip_membership_total_peers_known)
    [[ ${known:-0} -ge $((${#PEERS[@]} - 1)) ]] || return 1
  done
}
