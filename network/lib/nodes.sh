# Orderers and peers as native processes: the release's sample core.yaml/orderer.yaml, with
# only the settings this network needs given as environment overrides.

# INFO, less what logs every request: this Fabric warns about certificate expiry on every
# cluster message, and gRPC servers log every call. Change live through /logspec on each
# node's operations port.
ORDERER_LOGGING_SPEC=INFO:orderer.common.cluster.step=ERROR:comm.grpc.server=WARNING:orderer.common.broadcast=ERROR
PEER_LOGGING_SPEC=INFO:comm.grpc.server=WARNING

prepare_node_config() {
  mkdir -p "$CONFIG/orderer" "$CONFIG/peer"
  cp "$FABRIC_SAMPLECONFIG/orderer.yaml" "$CONFIG/orderer/orderer.yaml"
  # An empty environment override is ignored, and a Docker endpoint fails the peer's health
  # check on machines without Docker: blank it in the file itself.
  sed 's#^\( *endpoint:\) unix:///var/run/docker.sock#\1 ""#' "$FABRIC_SAMPLECONFIG/core.yaml" >"$CONFIG/peer/core.yaml"
  grep -q 'endpoint: ""' "$CONFIG/peer/core.yaml" || die "could not blank vm.endpoint in core.yaml"
}

start_orderer() {
  local name=$1 id port admin ops row dir
  for row in "${ORDERERS[@]}"; do [[ $row == "$name "* ]] && read -r name id port admin ops <<<"$row"; done
  [[ -n ${port:-} ]] || die "unknown orderer $1"
  dir=$CRYPTO/orderer-org/$name
  local address
  address=$(org_address orderer)
  local ca=$dir/tls/tlscacerts/ca.pem tls_cert=$dir/tls/signcerts/cert.pem tls_key=$dir/tls/keystore/key.pem
  mkdir -p "$DATA/$name"
  start_process "$name" "$port" "$admin" "$ops" -- env \
    FABRIC_CFG_PATH="$CONFIG/orderer" \
    FABRIC_LOGGING_SPEC="$ORDERER_LOGGING_SPEC" \
    ORDERER_GENERAL_LISTENADDRESS="$address" \
    ORDERER_GENERAL_LISTENPORT="$port" \
    ORDERER_GENERAL_LOCALMSPID=OrdererMSP \
    ORDERER_GENERAL_LOCALMSPDIR="$dir/msp" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_CERTIFICATE="$tls_cert" \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$tls_key" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$ca]" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$tls_cert" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$tls_key" \
    ORDERER_GENERAL_CLUSTER_ROOTCAS="[$ca]" \
    ORDERER_FILELEDGER_LOCATION="$DATA/$name/ledger" \
    ORDERER_CONSENSUS_WALDIR="$DATA/$name/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$DATA/$name/snapshot" \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_ADMIN_LISTENADDRESS="$address:$admin" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_CERTIFICATE="$tls_cert" \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$tls_key" \
    ORDERER_ADMIN_TLS_ROOTCAS="[$ca]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$ca]" \
    ORDERER_OPERATIONS_LISTENADDRESS="$address:$ops" \
    ORDERER_GENERAL_PROFILE_ENABLED=true \
    ORDERER_GENERAL_PROFILE_ADDRESS="$address:$(orderer_profile_port "$name")" \
    ORDERER_METRICS_PROVIDER=prometheus \
    "$FABRIC_BIN/orderer"
}

start_peer() {
  local name=$1 org msp port ccport ops row dir
  for row in "${PEERS[@]}"; do [[ $row == "$name "* ]] && read -r name org msp port ccport ops <<<"$row"; done
  [[ -n ${port:-} ]] || die "unknown peer $1"
  dir=$CRYPTO/$org/$name
  local address host WAN_OVERRIDES=
  address=$(org_address "$org") host=$(org_host "$org")
  if wan; then WAN_OVERRIDES=$(wan_overrides "$org"); fi
  mkdir -p "$DATA/$name"
  # No Docker here: an empty VM endpoint, and chaincode only through the ccaas external builder.
  start_process "$name" "$port" "$ccport" "$ops" -- env \
    FABRIC_CFG_PATH="$CONFIG/peer" \
    FABRIC_LOGGING_SPEC="$PEER_LOGGING_SPEC" \
    CORE_PEER_ID="$name" \
    CORE_PEER_ADDRESS="$host:$port" \
    CORE_PEER_LISTENADDRESS="$address:$port" \
    CORE_PEER_CHAINCODEADDRESS="$host:$ccport" \
    CORE_PEER_CHAINCODELISTENADDRESS="$address:$ccport" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$host:$port" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$host:$port" \
    CORE_PEER_GOSSIP_USELEADERELECTION=false \
    CORE_PEER_GOSSIP_ORGLEADER=true \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s \
    CORE_PEER_LOCALMSPID="$msp" \
    CORE_PEER_MSPCONFIGPATH="$dir/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$dir/tls/signcerts/cert.pem" \
    CORE_PEER_TLS_KEY_FILE="$dir/tls/keystore/key.pem" \
    CORE_PEER_TLS_ROOTCERT_FILE="$dir/tls/tlscacerts/ca.pem" \
    CORE_PEER_FILESYSTEMPATH="$DATA/$name" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$DATA/$name/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="$address:$ops" \
    CORE_METRICS_PROVIDER=prometheus \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: $NETWORK_DIR/ccaas}]" \
    ${WAN_OVERRIDES:+CORE_PEER_DELIVERYCLIENT_ADDRESSOVERRIDES="$WAN_OVERRIDES"} \
    "$FABRIC_BIN/peer" node start
}

# node_field TABLE_ROWS... -- NAME COLUMN: column COLUMN (1-based) of NAME's row in a node table.
node_field() {
  local rows=() row fields
  while [[ $1 != -- ]]; do rows+=("$1"); shift; done
  local name=$2 column=$3
  for row in "${rows[@]}"; do
    if [[ $row == "$name "* ]]; then
      read -ra fields <<<"$row"
      echo "${fields[$((column - 1))]}"
      return 0
    fi
  done
  die "unknown node $name"
}
orderer_ops_port() { node_field "${ORDERERS[@]}" -- "$1" 5; }
peer_ops_port() { node_field "${PEERS[@]}" -- "$1" 6; }
# Go's pprof, on the orderer's address: `./test-network.sh stacks ORDERER` reads an orderer's goroutines from it.
orderer_profile_port() { echo $((6060 + $(node_field "${ORDERERS[@]}" -- "$1" 2))); }

# wait_orderer_healthy NAME, wait_peer_healthy NAME: until its operations endpoint reports healthy.
# ops_url NAME: the operations endpoint (health, metrics, version) of orderer or peer NAME.
ops_url() {
  local port
  case $1 in orderer*) port=$(orderer_ops_port "$1") ;; *) port=$(peer_ops_port "$1") ;; esac
  echo "http://$(org_address "$(org_of "$1")"):$port"
}
orderer_profile_url() { echo "http://$(org_address orderer):$(orderer_profile_port "$1")"; }
wait_orderer_healthy() { wait_until "$1 health" 60 "$1" http_ok "$(ops_url "$1")/healthz"; }
wait_peer_healthy() { wait_until "$1 health" 60 "$1" http_ok "$(ops_url "$1")/healthz"; }

# restart_orderer NAME: starts one stopped orderer and waits until it is healthy.
restart_orderer() {
  start_orderer "$1"
  wait_orderer_healthy "$1"
}

start_orderers() {
  local row name
  for row in "${ORDERERS[@]}"; do read -r name _ <<<"$row"; start_orderer "$name"; done
  for row in "${ORDERERS[@]}"; do
    read -r name _ <<<"$row"
    wait_orderer_healthy "$name"
  done
}

start_peers() {
  local row name
  for row in "${PEERS[@]}"; do read -r name _ <<<"$row"; start_peer "$name"; done
  for row in "${PEERS[@]}"; do
    read -r name _ <<<"$row"
    wait_peer_healthy "$name"
  done
}
