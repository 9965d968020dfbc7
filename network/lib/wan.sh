# The wan topology: the loopback network with every connection to an orderer (orderer to orderer,
# peer to orderer, CLI to orderer) through Toxiproxy, a fault-injection TCP proxy, so that latency,
# jitter and partitions can be put on those links while the network runs.
#
# One proxy per orderer for the cluster, listening on the orderer's port + WAN_PORT_OFFSET: the
# channel's consenter mapping and orderer endpoints name these proxies (channel.sh renders them).
# And one proxy per peer org and orderer (named orgN-ordererM, on the orderer's port +
# WAN_PORT_OFFSET + 1000·N): each peer is told to dial those instead of the channel's endpoints
# (peer.deliveryclient.addressOverrides, which Fabric's gateway honours for submits too), so an
# org's links to the orderers can be cut while the orderers still talk to each other.
#
# A proxy carries the traffic INTO its orderer, so a region's latency is on its proxies: a message
# from orderer A to B waits B's latency, B's answer on another stream waits A's. `wan on` puts
# WAN_PROFILE's latency and jitter on both directions of every proxy into an orderer (a call into
# B costs twice B's one-way latency), `wan off` removes them.
#   cut ORDERER            closes every proxy into ORDERER: nobody reaches it, while what it sends
#                          still arrives (an asymmetric partition);
#   cut peer0.orgN         closes orgN's proxies: its peer reaches no orderer (submits, blocks);
#   cut peer0.orgN one-way orgN's peer still reaches the orderers, but nothing comes back (a
#                          Toxiproxy timeout toxic on what flows back): its submits are ordered,
#                          its peer receives no block;
#   heal NAME              undoes any of these.

TOXIPROXY_VERSION=2.12.0   # pinned with its checksums in network/tools/toxiproxy/go.mod
TOXIPROXY_BIN=$REPO_DIR/.cache/toxiproxy-$TOXIPROXY_VERSION/bin
TOXIPROXY_API=127.0.0.1:8474
WAN_PORT_OFFSET=10000
# Four regions, one orderer in each: name, one-way latency (ms), jitter (ms).
WAN_PROFILE=(
  "orderer0 40 10"
  "orderer1 70 15"
  "orderer2 110 20"
  "orderer3 150 25"
)

wan() { [[ $(topology) == wan ]]; }

# orderer_dial_port PORT: the port that reaches the orderer listening on PORT.
orderer_dial_port() { if wan; then echo $(($1 + WAN_PORT_OFFSET)); else echo "$1"; fi; }

install_toxiproxy() {
  [[ -x $TOXIPROXY_BIN/server ]] && return 0
  require_commands go
  log "building Toxiproxy $TOXIPROXY_VERSION with go install (first run only)"
  mkdir -p "$TOXIPROXY_BIN"
  (cd "$NETWORK_DIR/tools/toxiproxy" && GOFLAGS=-mod=mod GOBIN=$TOXIPROXY_BIN go install tool) ||
    die "go install of Toxiproxy failed (module pins: network/tools/toxiproxy/go.mod)"
}

# toxi METHOD PATH [JSON]: one call to Toxiproxy's HTTP API.
toxi() {
  local args=(-fs --max-time 5 -X "$1" "http://$TOXIPROXY_API$2")
  [[ -n ${3:-} ]] && args+=(-H 'Content-Type: application/json' -d "$3")
  curl "${args[@]}"
}

start_toxiproxy() {
  wan || return 0
  install_toxiproxy
  start_process toxiproxy "${TOXIPROXY_API#*:}" -- "$TOXIPROXY_BIN/server" -host "${TOXIPROXY_API%:*}" -port "${TOXIPROXY_API#*:}"
  wait_until "toxiproxy" 30 toxiproxy http_ok "http://$TOXIPROXY_API/version"
  local row name port org proxies=()
  for row in "${ORDERERS[@]}"; do
    read -r name _ port _ <<<"$row"
    proxies+=("{\"name\":\"$name\",\"listen\":\"127.0.0.1:$(orderer_dial_port "$port")\",\"upstream\":\"127.0.0.1:$port\",\"enabled\":true}")
    for org in $(wan_peer_orgs); do
      proxies+=("{\"name\":\"$org-$name\",\"listen\":\"127.0.0.1:$(org_orderer_port "$org" "$port")\",\"upstream\":\"127.0.0.1:$port\",\"enabled\":true}")
    done
  done
  # populate creates the proxies, or leaves alone those that exist as given.
  toxi POST /populate "[$(IFS=,; echo "${proxies[*]}")]" >/dev/null || die "toxiproxy refused the orderer proxies"
}

wan_peer_orgs() { local row org; for row in "${PEERS[@]}"; do read -r _ org _ <<<"$row"; echo "$org"; done; }

# org_orderer_port ORG PORT: where ORG's peer reaches the orderer listening on PORT.
org_orderer_port() { echo $(($2 + WAN_PORT_OFFSET + 1000 * ${1#org})); }

# The proxies that carry traffic into orderer NAME: the cluster's and each org's.
proxies_into() { echo "$1"; local org; for org in $(wan_peer_orgs); do echo "$org-$1"; done; }
proxies_of_org() { local row name; for row in "${ORDERERS[@]}"; do read -r name _ <<<"$row"; echo "$1-$name"; done; }

# wan_overrides ORG: the peer setting that sends ORG's orderer traffic through ORG's proxies.
wan_overrides() {
  local row port items=() ca=$CRYPTO/orderer-org/msp/tlscacerts/ca.pem
  for row in "${ORDERERS[@]}"; do
    read -r _ _ port _ <<<"$row"
    items+=("{from: '127.0.0.1:$(orderer_dial_port "$port")', to: '127.0.0.1:$(org_orderer_port "$1" "$port")', caCertsFile: '$ca'}")
  done
  (IFS=,; echo "[${items[*]}]")
}

# wan_profile on|off|show
wan_profile() {
  wan || die "the WAN profile needs the wan topology (./test-network.sh clean; ./test-network.sh up --topology wan)"
  local row name latency jitter stream
  case ${1:-show} in
    on)
      local proxy
      for row in "${WAN_PROFILE[@]}"; do
        read -r name latency jitter <<<"$row"
        for proxy in $(proxies_into "$name"); do
          for stream in upstream downstream; do
            toxi DELETE "/proxies/$proxy/toxics/wan-$stream" >/dev/null 2>&1 || true
            toxi POST "/proxies/$proxy/toxics" \
              "{\"name\":\"wan-$stream\",\"type\":\"latency\",\"stream\":\"$stream\",\"attributes\":{\"latency\":$latency,\"jitter\":$jitter}}" >/dev/null ||
              die "could not add latency to the proxy $proxy"
          done
        done
      done
      log "WAN profile on: one-way latency into $(for row in "${WAN_PROFILE[@]}"; do read -r name latency jitter <<<"$row"; printf '%s %s±%s ms, ' "$name" "$latency" "$jitter"; done | sed 's/, $//')" ;;
    off)
      local proxy
      for row in "${WAN_PROFILE[@]}"; do
        read -r name _ <<<"$row"
        for proxy in $(proxies_into "$name"); do
          for stream in upstream downstream; do toxi DELETE "/proxies/$proxy/toxics/wan-$stream" >/dev/null 2>&1 || true; done
        done
      done
      log "WAN profile off" ;;
    show)
      local proxy
      for row in "${ORDERERS[@]}"; do
        read -r name _ <<<"$row"
        for proxy in $(proxies_into "$name"); do toxi GET "/proxies/$proxy"; echo; done
      done | node -e '
          for (const line of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) {
            const p = JSON.parse(line);
            const toxics = p.toxics.map((t) => t.type === "latency" ? `${t.stream} ${t.attributes.latency}±${t.attributes.jitter} ms` : `${t.stream} ${t.type}`);
            console.log(`${p.name.padEnd(16)} ${p.listen} -> ${p.upstream}  ${p.enabled ? "open" : "CUT"}  ${toxics.join(", ") || "no toxics"}`);
          }' ;;
    *) die "wan takes on, off or show" ;;
  esac
}

# cut NAME [one-way], heal NAME: see the top of this file. Closing a proxy drops its connections.
cut_link() {
  wan || die "cut needs the wan topology"
  local name=$1 mode=${2:-} proxy proxies
  case $name in
    orderer*) [[ -z $mode ]] || die "an orderer is cut both ways"; proxies=$(proxies_into "$name") ;;
    peer0.*) proxies=$(proxies_of_org "${name#peer0.}") ;;
    *) die "cut takes an orderer or a peer" ;;
  esac
  for proxy in $proxies; do
    if [[ $mode == one-way ]]; then
      toxi POST "/proxies/$proxy/toxics" '{"name":"cut-back","type":"timeout","stream":"downstream","attributes":{"timeout":0}}' >/dev/null ||
        die "could not cut $proxy one way"
    else
      [[ -z $mode ]] || die "cut NAME [one-way]"
      toxi POST "/proxies/$proxy" '{"enabled":false}' >/dev/null || die "no proxy $proxy"
    fi
  done
}

heal_link() {
  wan || die "heal needs the wan topology"
  local proxies proxy
  case $1 in
    orderer*) proxies=$(proxies_into "$1") ;;
    peer0.*) proxies=$(proxies_of_org "${1#peer0.}") ;;
    *) die "heal takes an orderer or a peer" ;;
  esac
  for proxy in $proxies; do
    toxi DELETE "/proxies/$proxy/toxics/cut-back" >/dev/null 2>&1 || true
    toxi POST "/proxies/$proxy" '{"enabled":true}' >/dev/null || die "no proxy $proxy"
  done
}
