# A new member joins the running consortium: `./test-network.sh add-org Org<N>MSP` (N >= 3).
#
# What the consortium does, in order:
#   1. the new org's CA, identities and TLS certificates (on its own host with --topology hosts);
#   2. a channel configuration update that adds the org (its MSP, policies and anchor peer) to the
#      Application group, signed by a majority of the current members' admins (the group's Admins
#      policy is MAJORITY Admins), the last of them submitting it;
#   3. its peer starts and joins the channel from the genesis block, pulling every block since;
#   4. its peer installs the chaincode package that names its own chaincode server, its admin
#      approves the committed definition for the org, and the server starts;
#   5. its gateway starts, clients.json gains it, and every member (the new one too) submits the
#      new member list to the chaincode (Governance:SetMembers), so firmware votes count against it.
#
# The endorsement policy: unchanged in form, and that is the consortium's decision. The chaincode
# definition names no policy of its own, so it uses the channel's /Channel/Application/Endorsement,
# MAJORITY Endorsement: once the org is in the Application group, a transaction needs the peers of
# any 2 of the 3 members (a majority of the members as it stands, never one org alone). Lifecycle
# (LifecycleEndorsement) and channel administration (Admins) follow the same MAJORITY rule, so the
# next change of the consortium takes 2 of 3 too. No chaincode redefinition (sequence) is needed.

# org_ports N: the new org's ports, in the pattern Org1 (N=1) and Org2 (N=2) follow:
# CA, CA operations, peer, peer chaincode, peer operations, chaincode server, gateway.
org_ports() {
  local n=$1
  echo "$((7054 + 100 * n)) $((7055 + 100 * n)) $((7051 + 2000 * (n - 1))) $((7052 + 2000 * (n - 1))) $((9443 + 100 * (n - 1))) $((7999 + 2000 * (n - 1))) $((7080 + 2000 * (n - 1)))"
}

# member_orgs: the org key (org1, ...) and MSP ID of every peer org, one per line.
member_orgs() {
  local row org msp
  for row in "${GATEWAYS[@]}"; do
    read -r org msp _ <<<"$row"
    echo "$org $msp"
  done
}

add_org() {
  local msp=${1:-} n
  [[ $msp =~ ^Org([0-9]+)MSP$ ]] || die "add-org takes an MSP ID of the form Org<N>MSP (e.g. Org3MSP)"
  n=${BASH_REMATCH[1]}
  ((n >= 3)) || die "Org1MSP and Org2MSP are the founding members"
  local org=org$n
  [[ -f $CHANNEL_BLOCK ]] && chaincode_committed "$CHAINCODE_NAME" || die "no running network with the chaincode committed: run ./test-network.sh up first"
  local started=$SECONDS
  if ! member_orgs | grep -q " $msp$"; then
    local ca_port ca_ops peer_port cc_port peer_ops server_port gateway_port
    read -r ca_port ca_ops peer_port cc_port peer_ops server_port gateway_port <<<"$(org_ports "$n")"
    # Baseline (benchmark) chaincode servers are not part of the consortium's application.
    cat >>"$ADDED_ORGS_FILE" <<ROWS
# $msp, added $(date -u +%FT%TZ) by ./test-network.sh add-org
CAS+=("ca-$org $msp $ca_port $ca_ops")
PEERS+=("peer0.$org $org $msp $peer_port $cc_port $peer_ops")
CHAINCODE_SERVERS+=("chaincode-$org $CHAINCODE_NAME chaincode $org $server_port")
GATEWAYS+=("$org $msp $gateway_port")
ROWS
    # shellcheck source=/dev/null
    source "$ADDED_ORGS_FILE"
  fi
  local peer_row
  peer_row=$(for row in "${PEERS[@]}"; do [[ $row == "peer0.$org "* ]] && echo "$row"; done)

  log "$msp: host, certificate authority, identities"
  hosts_network_up
  start_toxiproxy   # with the wan topology: the new org's proxies to the orderers
  start_cas
  enroll_peer_org "$peer_row"

  log "$msp: channel configuration update, signed by a majority of the members"
  org_in_channel "$msp" || add_org_to_channel "$org" "$msp" "$peer_row"
  wait_until "the channel configuration with $msp at every orderer" 60 "" org_in_channel "$msp"

  log "$msp: peer joins $CHANNEL"
  start_peer "peer0.$org"
  wait_peer_healthy "peer0.$org"
  if ! peer_cli "$org" channel getinfo -c "$CHANNEL" >/dev/null 2>&1; then
    peer_cli "$org" channel join -b "$CHANNEL_BLOCK" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "peer0.$org could not join $CHANNEL (log: $LOGS/peer-cli.log)"
  fi
  wait_until "peer0.$org to catch up and find the other peers" 120 "peer0.$org" gossip_converged

  log "$msp: chaincode $CHAINCODE_NAME"
  join_chaincode "$org"
  start_chaincode_server "chaincode-$org"

  log "$msp: gateway, and the member list the firmware votes count against"
  start_gateway "$org"
  write_clients_json
  record_members
  log "$msp joined in $((SECONDS - started))s; endorsement: any $(majority_of "$(member_orgs | wc -l)") of $(member_orgs | wc -l) members (MAJORITY Endorsement)"
}

majority_of() { echo $(($1 / 2 + 1)); }

# org_in_channel MSP: the channel configuration, as the orderers serve it, has MSP as a member.
org_in_channel() {
  local tmp found=1
  tmp=$(mktemp -d)
  if peer_cli org1 channel fetch config "$tmp/config.block" -c "$CHANNEL" $(orderer_args) >/dev/null 2>&1; then
    "$FABRIC_BIN/configtxlator" proto_decode --type common.Block --input "$tmp/config.block" |
      jq -e --arg msp "$1" '.data.data[0].payload.data.config.channel_group.groups.Application.groups | has($msp)' >/dev/null && found=0
  fi
  rm -rf "$tmp"
  return $found
}

# add_org_to_channel ORG MSP PEER_ROW: computes the update that adds MSP's group (MSP definition,
# Readers/Writers/Admins/Endorsement policies, anchor peer) to the Application group, has the
# first majority of current members' admins sign it, and submits it.
add_org_to_channel() {
  local org=$1 msp=$2 peer_port work
  read -r _ _ _ peer_port _ <<<"$3"
  install_configtxlator
  work=$RUNTIME/channel/add-$org
  mkdir -p "$work"
  cat >"$work/configtx.yaml" <<YAML
Organizations:
  - Name: $msp
    ID: $msp
    MSPDir: $CRYPTO/$org/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')" }
      Writers: { Type: Signature, Rule: "OR('$msp.admin', '$msp.client')" }
      Admins: { Type: Signature, Rule: "OR('$msp.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('$msp.peer')" }
    AnchorPeers:
      - { Host: "$(org_host "$org")", Port: $peer_port }
YAML
  "$FABRIC_BIN/configtxgen" -configPath "$work" -printOrg "$msp" >"$work/org.json" 2>>"$LOGS/configtxgen.log" ||
    die "configtxgen could not print $msp (log: $LOGS/configtxgen.log)"

  peer_cli org1 channel fetch config "$work/config.block" -c "$CHANNEL" $(orderer_args) >>"$LOGS/peer-cli.log" 2>&1 ||
    die "cannot fetch the configuration of $CHANNEL (log: $LOGS/peer-cli.log)"
  local lator=$FABRIC_BIN/configtxlator
  "$lator" proto_decode --type common.Block --input "$work/config.block" | jq '.data.data[0].payload.data.config' >"$work/config.json"
  jq --arg msp "$msp" --slurpfile org "$work/org.json" '.channel_group.groups.Application.groups[$msp] = $org[0]' \
    "$work/config.json" >"$work/modified.json"
  "$lator" proto_encode --type common.Config --input "$work/config.json" --output "$work/config.pb"
  "$lator" proto_encode --type common.Config --input "$work/modified.json" --output "$work/modified.pb"
  "$lator" compute_update --channel_id "$CHANNEL" --original "$work/config.pb" --updated "$work/modified.pb" --output "$work/update.pb"
  "$lator" proto_decode --type common.ConfigUpdate --input "$work/update.pb" |
    jq --arg ch "$CHANNEL" '{payload: {header: {channel_header: {channel_id: $ch, type: 2}}, data: {config_update: .}}}' >"$work/envelope.json"
  "$lator" proto_encode --type common.Envelope --input "$work/envelope.json" --output "$work/update.tx"

  # MAJORITY Admins of the members before the change: the first ones sign, the last submits
  # (`peer channel update` adds its own signature).
  local signers=() line members
  while read -r line; do signers+=("${line%% *}"); done < <(member_orgs | grep -v " $msp$")
  members=${#signers[@]}
  signers=("${signers[@]:0:$(majority_of "$members")}")
  local signer
  for signer in "${signers[@]:0:$((${#signers[@]} - 1))}"; do
    peer_cli "$signer" channel signconfigtx -f "$work/update.tx" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "$signer's admin could not sign the update (log: $LOGS/peer-cli.log)"
  done
  peer_cli "${signers[-1]}" channel update -c "$CHANNEL" -f "$work/update.tx" $(orderer_args) >>"$LOGS/peer-cli.log" 2>&1 ||
    die "the channel update adding $msp was refused (log: $LOGS/peer-cli.log)"
  log "update adding $msp signed by the admins of ${signers[*]} ($(majority_of "$members") of $members members)"
}

# join_chaincode ORG: ORG installs its package of the chaincode and approves, for itself, the
# definition the channel has committed (same sequence, version and policy; its own package).
join_chaincode() {
  local org=$1 cc=$CHAINCODE_NAME port id sequence
  port=$(for row in "${CHAINCODE_SERVERS[@]}"; do read -r p c _ o pt <<<"$row"; [[ $c == "$cc" && $o == "$org" ]] && echo "$pt"; done)
  package_chaincode "$cc" "$org" "$port"
  id=$(package_id "$cc" "$org")
  if ! peer_cli "$org" lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$id"; then
    peer_cli "$org" lifecycle chaincode install "$(package_dir "$cc" "$org")/package.tar.gz" >>"$LOGS/peer-cli.log" 2>&1 ||
      die "install of $cc on $org failed (log: $LOGS/peer-cli.log)"
  fi
  sequence=$(peer_cli "$org" lifecycle chaincode querycommitted -C "$CHANNEL" -n "$cc" -O json | jq -r .sequence)
  approve_chaincode "$org" "$cc" "$sequence" "$id"
  wait_until "$org's approval of $cc" 30 "" approved_by "$org"
}

approved_by() {
  local msp
  msp=$(for row in "${GATEWAYS[@]}"; do read -r o m _ <<<"$row"; [[ $o == "$1" ]] && echo "$m"; done)
  peer_cli "$1" lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CHAINCODE_NAME" -O json |
    jq -e --arg m "$msp" '.approvals[$m] == true' >/dev/null
}
