# The wan topology: the loopback network with every connection to an orderer (orderer to orderer,
# peer to orderer, CLI to orderer) through Toxiproxy, a fault-injection TCP proxy, so that latency,
# jitter and partitions can be put on those links while the network runs.
#
# One proxy per orderer, listening on the orderer's port + WAN_PORT_OFFSET; the channel's
# consenter mapping and orderer endpoints name the proxies (channel.sh renders them), so
# everything that dials an orderer goes through its proxy. A proxy carries all traffic INTO its
# orderer, so a region's latency is on its proxy: a message from A to B waits B's latency, B's
# answer on another stream waits A's. `wan on` puts WAN_PROFILE's latencies and jitter on both
# directions of each proxy (a call into B costs twice B's one-way latency), `wan off` removes
# them; `cut ORDERER` closes its proxy (nobody reaches it, what it sends still arrives: an
# asymmetric partition), `heal ORDERER` opens it again.

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
  local row name port proxies=()
  for row in "${ORDERERS[@]}"; do
    read -r name _ port _ <<<"$row"
    proxies+=("{\"name\":\"$name\",\"listen\":\"127.0.0.1:$(orderer_dial_port "$port")\",\"upstream\":\"127.0.0.1:$port\",\"enabled\":true}")
  done
  # populate creates the proxies, or leaves alone those that exist as given.
  toxi POST /populate "[$(IFS=,; echo "${proxies[*]}")]" >/dev/null || die "toxiproxy refused the orderer proxies"
}

# wan_profile on|off|show
wan_profile() {
  wan || die "the WAN profile needs the wan topology (./test-network.sh clean; ./test-network.sh up --topology wan)"
  local row name latency jitter stream
  case ${1:-show} in
    on)
      for row in "${WAN_PROFILE[@]}"; do
        read -r name latency jitter <<<"$row"
        for stream in upstream downstream; do
          toxi DELETE "/proxies/$name/toxics/wan-$stream" >/dev/null 2>&1 || true
          toxi POST "/proxies/$name/toxics" \
            "{\"name\":\"wan-$stream\",\"type\":\"latency\",\"stream\":\"$stream\",\"attributes\":{\"latency\":$latency,\"jitter\":$jitter}}" >/dev/null ||
            die "could not add latency to $name's proxy"
        done
      done
      log "WAN profile on: one-way latency into orderer0..3 ${WAN_PROFILE[*]//orderer/} (ms, ± jitter)" ;;
    off)
      for row in "${WAN_PROFILE[@]}"; do
        read -r name _ <<<"$row"
        for stream in upstream downstream; do toxi DELETE "/proxies/$name/toxics/wan-$stream" >/dev/null 2>&1 || true; done
      done
      log "WAN profile off" ;;
    show)
      for row in "${ORDERERS[@]}"; do
        read -r name _ <<<"$row"
        toxi GET "/proxies/$name" | node -e '
          const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
          const toxics = p.toxics.map((t) => `${t.name} ${t.attributes.latency ?? ""}±${t.attributes.jitter ?? ""}ms`).join(", ");
          console.log(`${p.name} ${p.listen} -> ${p.upstream} ${p.enabled ? "open" : "CUT"} ${toxics || "no toxics"}`);'
      done ;;
    *) die "wan takes on, off or show" ;;
  esac
}

# cut_orderer NAME, heal_orderer NAME: close or open NAME's proxy (existing connections drop).
cut_orderer() {
  wan || die "cut needs the wan topology"
  toxi POST "/proxies/$1" '{"enabled":false}' >/dev/null || die "no proxy for $1"
}
heal_orderer() {
  wan || die "heal needs the wan topology"
  toxi POST "/proxies/$1" '{"enabled":true}' >/dev/null || die "no proxy for $1"
}
