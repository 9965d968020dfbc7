#!/usr/bin/env bash
# The test network's one entry point: a Fabric v3 network with BFT ordering as native
# processes (3 CAs, 4 orderers, 2 peers, 2 chaincode servers, 2 REST gateways), on 127.0.0.1 or,
# with `up --topology hosts`, one network namespace per organisation (network/lib/topology.sh).
set -euo pipefail
# Keys, secrets, tokens and ledgers: everything this script writes is its owner's alone.
umask 077

source "$(dirname "${BASH_SOURCE[0]}")/network/env.sh"
for lib in common topology wan install ca nodes channel chaincode gateways watchdog orgs; do source "$NETWORK_DIR/lib/$lib.sh"; done

usage() {
  cat <<USAGE
usage: ./test-network.sh COMMAND

  up [--topology T]    install what is missing, start everything, deploy, write network/runtime/clients.json;
                       T: loopback (default, all on 127.0.0.1), hosts (one network namespace, address
                       and hostname per organisation) or wan (loopback, orderer links through
                       Toxiproxy); kept for later commands until clean
  down                 stop every process it started (ledgers and identities are kept); with the hosts
                       topology, also remove its namespaces and bridge
  clean                down, then remove all generated state (crypto, ledgers, logs, tokens)
  status               each process and its health, the live channel's consensus, the chaincode, the gateways
  leader               the orderer SmartBFT follows as leader now (as f+1 orderers report it)
  orderers             each orderer's block height, the leader it follows and the requests waiting in its
                       pool ("down" if it does not answer)
  restart COMPONENT    stop and start one process (e.g. orderer2, peer0.org1, chaincode-org1, gateway-org2)
  kill COMPONENT       kill -9 one process, as a crash would
  logs COMPONENT       follow one process's log
  stacks ORDERER       write an orderer's goroutine stacks (Go pprof) to network/runtime/logs/ORDERER.stacks.txt
  components           list the component names
  ops-url NODE         the operations endpoint (health, metrics, version) of an orderer or a peer
  wan on|off|show      (wan topology) put the WAN profile's latency and jitter on the orderer links, or remove it
  cut ORDERER          (wan topology) nobody reaches ORDERER any more (what it sends still arrives)
  cut PEER [one-way]   (wan topology) PEER's org reaches no orderer; one-way: its traffic arrives, none comes back
  heal NAME            (wan topology) undo cut
  add-org Org<N>MSP    a new member joins the running consortium (N >= 3): its CA, peer, chaincode
                       server and gateway, a channel update signed by a majority of the members,
                       the chaincode approved for it, the firmware voting members updated
  baseline             deploy and serve the baseline chaincode (one putState per transaction), the
                       benchmark's ceiling; after a down, it runs again only after this command
USAGE
}

components() {
  local row name
  for row in "${CAS[@]}"; do read -r name _ <<<"$row"; echo "$name"; done
  if wan; then echo toxiproxy; fi
  for row in "${ORDERERS[@]}" "${PEERS[@]}"; do read -r name _ <<<"$row"; echo "$name"; done
  for row in "${CHAINCODE_SERVERS[@]}"; do read -r name _ <<<"$row"; echo "$name"; done
  for row in "${GATEWAYS[@]}"; do read -r name _ <<<"$row"; echo "gateway-$name"; done
  echo bft-watchdog
}

start_component() {
  case $1 in
    ca-*) start_cas ;;
    toxiproxy) start_toxiproxy ;;
    orderer*) restart_orderer "$1" ;;
    peer*) start_peer "$1"; wait_peer_healthy "$1" ;;
    chaincode-*|baseline-*) start_chaincode_server "$1" ;;
    gateway-*) start_gateway "${1#gateway-}" ;;
    bft-watchdog) start_watchdog ;;
    *) die "unknown component $1 (see: ./test-network.sh components)" ;;
  esac
}

known_component() { components | grep -x "$1" >/dev/null || die "unknown component '$1' (see: ./test-network.sh components)"; }

up() {
  require_commands go node npm openssl curl ss tar setsid
  case ${1:-} in
    --topology) choose_topology "${2:-}" ;;
    --topology=*) choose_topology "${1#--topology=}" ;;
    '') ;;
    *) die "up takes only --topology loopback|hosts" ;;
  esac
  local started=$SECONDS
  mkdir -p "$LOGS" "$PIDS"
  chmod -R go= "$RUNTIME"   # also what an older version of this script wrote with wider modes
  install_binaries
  build_node_workspaces
  prepare_node_config
  hosts_network_up
  log "starting certificate authorities"; start_cas
  log "enrolling identities"; enroll_all
  start_toxiproxy
  log "starting 4 BFT orderers and the peers"; start_orderers; start_peers
  log "channel $CHANNEL"; create_channel
  start_watchdog   # from the first block on: a new channel's orderers can wedge too
  wait_until "the peers to find each other through gossip" 90 "" gossip_converged
  log "chaincode $CHAINCODE_NAME"; deploy_chaincode "$CHAINCODE_NAME"; start_chaincode_servers "$CHAINCODE_NAME"; record_members
  log "gateways"; start_gateways
  log "up in $((SECONDS - started))s ($(topology) topology)"
  local row org msp port
  for row in "${GATEWAYS[@]}"; do
    read -r org msp port <<<"$row"
    printf '  %-8s gateway %s  (OpenAPI: /openapi.json, console: %s/console/)\n' "$msp" "$(gateway_url "$org")" "$(gateway_url "$org")"
  done
  [[ $(topology) == loopback ]] || printf '  HTTPS: each gateway certificate is signed by the org CA named as "ca" in clients.json\n'
  printf '  tokens per org and role: %s\n' "$RUNTIME/clients.json"
}

down() {
  local name
  for name in $(components | tac); do stop_process "$name"; done
  hosts_network_down
  log "stopped (state kept in $RUNTIME)"
}

status() {
  local name pid health ops version
  echo "topology: $(topology)"
  printf '%-16s %-8s %-10s %s\n' COMPONENT PID STATE VERSION
  for name in $(components); do
    if is_running "$name"; then pid=$(pid_of "$name"); health=running; else pid=-; health=stopped; fi
    version=
    case $name in
      orderer* | peer*) ops=$(ops_url "$name") ;;
      *) ops= ;;
    esac
    if [[ $health == running && -n $ops ]]; then
      http_ok "$ops/healthz" && health=healthy || health=unhealthy
      # The operations endpoint reports the running binary's release, e.g. {"Version":"3.1.5",...}.
      version=$(curl -fs --max-time 2 "$ops/version" | sed -n 's/.*"Version":"\([^"]*\)".*/Fabric \1/p')
    fi
    printf '%-16s %-8s %-10s %s\n' "$name" "$pid" "$health" "$version"
  done
  echo "channel $CHANNEL (from the live channel configuration):"
  channel_consensus || true
  local leader
  leader=$(bft_leader) && echo "  BFT leader: $leader" || echo "  BFT leader: unknown (fewer than f+1 orderers agree)"
  bft_orderers | while read -r name height leader pending; do
    printf '    %-12s height %-8s follows %-10s pending %s\n' "$name" "$height" "$leader" "$pending"
  done
  echo "chaincodes:"
  local cc
  for cc in "$CHAINCODE_NAME" "$BASELINE_NAME"; do
    peer_cli org1 lifecycle chaincode querycommitted -C "$CHANNEL" -n "$cc" 2>/dev/null | sed 's/^/  /' || echo "  $cc: not committed"
  done
  echo "gateways:"
  local row org msp port
  for row in "${GATEWAYS[@]}"; do
    read -r org msp port <<<"$row"
    http_ok $(gateway_curl_args "$org") "$(gateway_url "$org")/readyz" && health=ready || health="not ready"
    printf '  %-8s %s  %s  %s\n' "$msp" "$(gateway_url "$org")" "$health" "$(read_model_status "$org")"
  done
}

# The gateway's read model as its /readyz reports it: "read model: height H, lag L blocks (state)".
read_model_status() {
  # shellcheck disable=SC2046 # gateway_curl_args gives several words
  curl -s --max-time 2 $(gateway_curl_args "$1") "$(gateway_url "$1")/readyz" 2>/dev/null | node -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
      try {
        const m = JSON.parse(text).readModel;
        if (m) process.stdout.write(`read model: height ${m.height}, lag ${m.lag} blocks (${m.state})`);
      } catch {}
    });' || true
}

command=${1:-}
case $command in
  up) shift; up "$@" ;;
  down) down ;;
  clean) down; rm -rf "$RUNTIME"; log "removed $RUNTIME" ;;
  status) status ;;
  leader) bft_leader || die "fewer than f+1 running orderers agree on a BFT leader" ;;
  orderers) bft_orderers ;;
  restart) known_component "${2:-}"; stop_process "$2"; start_component "$2" ;;
  kill) known_component "${2:-}"; stop_process "$2" KILL ;;
  logs) known_component "${2:-}"; tail -n 50 -F "$LOGS/$2.log" ;;
  stacks)
    [[ ${2:-} == orderer* ]] && known_component "$2" || die "stacks takes an orderer's name (see: ./test-network.sh components)"
    curl -fs --max-time 10 "$(orderer_profile_url "$2")/debug/pprof/goroutine?debug=2" >"$LOGS/$2.stacks.txt" ||
      die "$2 does not answer on its profiling port"
    echo "$LOGS/$2.stacks.txt" ;;
  components) components ;;
  ops-url)
    [[ ${2:-} == orderer* || ${2:-} == peer* ]] && known_component "$2" || die "ops-url takes an orderer's or a peer's name"
    ops_url "$2" ;;
  add-org) add_org "${2:-}" ;;
  wan) wan_profile "${2:-show}" ;;
  cut) known_component "${2:-}"; cut_link "$2" "${3:-}" ;;
  heal) known_component "${2:-}"; heal_link "$2" ;;
  watchdog-loop) watchdog_loop ;;   # run by `up` as the bft-watchdog component
  baseline) log "chaincode $BASELINE_NAME"; deploy_chaincode "$BASELINE_NAME"; start_chaincode_servers "$BASELINE_NAME" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
