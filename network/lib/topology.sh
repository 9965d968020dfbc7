# Where each organisation's nodes run, and by which name and address the others reach them.
#
#   loopback (default)  every process on 127.0.0.1 in this host's network, as before.
#   hosts               one Linux network namespace per organisation (iotreg-orderer, iotreg-org1,
#                       ...), each with its own address on a bridge this script creates (iotreg0,
#                       $HOSTS_SUBNET.0/24) and its own hostname (orderer.iotreg.test,
#                       org1.iotreg.test, ...), resolved inside every namespace through
#                       /etc/netns/<namespace>/hosts (ip netns exec mounts it over /etc/hosts).
#                       TLS certificates name those hostnames; nodes dial each other by them.
#   wan                 loopback, with every connection to an orderer through Toxiproxy, for
#                       latency and partitions (network/lib/wan.sh).
#
# The topology is chosen at the first `up` (--topology) and recorded in $RUNTIME/topology, so later
# commands act on the same network; another topology needs `clean` first (the channel's genesis
# block and every certificate name the addresses).

TOPOLOGY_FILE=$RUNTIME/topology
TOPOLOGIES=(loopback hosts wan)
HOSTS_BRIDGE=iotreg0
HOSTS_DOMAIN=iotreg.test

TOPOLOGY=loopback
if [[ -f $TOPOLOGY_FILE ]]; then TOPOLOGY=$(cat "$TOPOLOGY_FILE"); fi
topology() { echo "$TOPOLOGY"; }

# choose_topology NAME: records NAME for this runtime folder, or fails if it holds another one.
choose_topology() {
  local want=$1 have
  printf '%s\n' "${TOPOLOGIES[@]}" | grep -qx "$want" || die "unknown topology '$want' (one of: ${TOPOLOGIES[*]})"
  if [[ -f $TOPOLOGY_FILE ]]; then
    have=$(cat "$TOPOLOGY_FILE")
    [[ $have == "$want" ]] || die "$RUNTIME holds a $have network; run ./test-network.sh clean first, or set IOTREG_RUNTIME to another folder"
  elif [[ $want != loopback && -d $RUNTIME/crypto ]]; then
    die "$RUNTIME holds a loopback network; run ./test-network.sh clean first, or set IOTREG_RUNTIME to another folder"
  fi
  mkdir -p "$RUNTIME"
  echo "$want" >"$TOPOLOGY_FILE"
  TOPOLOGY=$want
}

# The organisations that own hosts: the orderer org, then each peer org (added ones too).
topology_orgs() {
  local row org seen=" orderer "
  echo orderer
  for row in "${PEERS[@]}"; do
    read -r _ org _ <<<"$row"
    [[ $seen == *" $org "* ]] && continue
    seen+="$org "
    echo "$org"
  done
}

# org_address ORG: the IP address ORG's processes listen on.
org_address() {
  [[ $(topology) == hosts ]] || { echo 127.0.0.1; return; }
  local i=0 org
  for org in $(topology_orgs); do
    [[ $org == "$1" ]] && { echo "$HOSTS_SUBNET.$((10 + i))"; return; }
    i=$((i + 1))
  done
  die "no host for organisation $1"
}

# org_host ORG: the name other nodes dial ORG's nodes by, as their TLS certificates name it.
org_host() {
  if [[ $(topology) == hosts ]]; then echo "$1.$HOSTS_DOMAIN"; else echo 127.0.0.1; fi
}

# The names a TLS certificate of ORG's nodes must carry.
org_tls_hosts() {
  if [[ $(topology) == hosts ]]; then echo "$(org_host "$1"),$(org_address "$1"),localhost,127.0.0.1"; else echo 127.0.0.1,localhost; fi
}

org_namespace() { echo "iotreg-$1"; }

# in_org ORG COMMAND...: runs COMMAND on ORG's host (inside its namespace with the hosts topology).
in_org() {
  local org=$1; shift
  if [[ $(topology) == hosts && -n $org ]]; then ip netns exec "$(org_namespace "$org")" "$@"; else "$@"; fi
}

# in_org_prefix ORG: the words that put a command on ORG's host (none with the loopback topology).
in_org_prefix() {
  if [[ $(topology) == hosts && -n $1 ]]; then echo ip netns exec "$(org_namespace "$1")"; fi
}

# org_of NAME: the organisation whose host runs process NAME (empty: this host, e.g. the watchdog).
org_of() {
  local name=$1 row n o
  case $name in
    ca-*) echo "${name#ca-}" ;;
    orderer*) echo orderer ;;
    gateway-*) echo "${name#gateway-}" ;;
    peer*)
      for row in "${PEERS[@]}"; do read -r n o _ <<<"$row"; [[ $n == "$name" ]] && { echo "$o"; return; }; done ;;
    *)
      for row in "${CHAINCODE_SERVERS[@]}"; do
        read -r n _ _ o _ <<<"$row"
        [[ $n == "$name" ]] && { echo "$o"; return; }
      done ;;
  esac
  return 0
}

# Creates the bridge, one namespace per organisation with a veth pair into it, and each
# namespace's hosts file. Idempotent: `up` after `down` makes the same network again.
hosts_network_up() {
  [[ $(topology) == hosts ]] || return 0
  require_commands ip
  [[ $(id -u) == 0 ]] || die "the hosts topology creates network namespaces: run as root"
  if ! ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1; then
    ip link add "$HOSTS_BRIDGE" type bridge
    ip addr add "$HOSTS_SUBNET.1/24" dev "$HOSTS_BRIDGE"
  fi
  ip link set "$HOSTS_BRIDGE" up
  local org ns hosts_file
  hosts_file=$(mktemp)
  printf '127.0.0.1 localhost\n' >"$hosts_file"
  for org in $(topology_orgs); do printf '%s %s\n' "$(org_address "$org")" "$(org_host "$org")" >>"$hosts_file"; done
  for org in $(topology_orgs); do
    ns=$(org_namespace "$org")
    if ! ip netns list | grep -qw "^$ns"; then
      ip netns add "$ns"
      ip link add "$ns" type veth peer name eth0 netns "$ns"
      ip link set "$ns" master "$HOSTS_BRIDGE" up
      ip -n "$ns" addr add "$(org_address "$org")/24" dev eth0
      ip -n "$ns" link set lo up
      ip -n "$ns" link set eth0 up
    fi
    mkdir -p "/etc/netns/$ns"
    install -m 644 "$hosts_file" "/etc/netns/$ns/hosts"
  done
  rm -f "$hosts_file"
}

# Removes what hosts_network_up made (after `down` stopped every process in it).
hosts_network_down() {
  [[ $(topology) == hosts ]] || return 0
  local org ns
  for org in $(topology_orgs); do
    ns=$(org_namespace "$org")
    ip netns list | grep -qw "^$ns" && ip netns delete "$ns"
    rm -rf "/etc/netns/$ns"
  done
  ip link show "$HOSTS_BRIDGE" >/dev/null 2>&1 && ip link delete "$HOSTS_BRIDGE"
  return 0
}
