# One Fabric CA per organisation issues every identity and TLS certificate of that organisation.
# Identities carry their NodeOU type (peer, orderer, admin, client) and, for the gateway's
# identities, the certificate attribute `role` that the chaincode authorizes by.
# Secrets (bootstrap passwords, enrollment secrets) live in files only its owner can read
# (test-network.sh sets umask 077) and reach fabric-ca-server and fabric-ca-client through their
# environment, never their command line, which any local user can read in /proc.

ca_row() {
  local row
  for row in "${CAS[@]}"; do [[ $row == "$1 "* ]] && { printf '%s' "$row"; return; }; done
  die "unknown CA $1"
}

start_cas() {
  local row name msp port ops home org
  for row in "${CAS[@]}"; do
    read -r name msp port ops <<<"$row"
    org=$(org_of "$name")
    home=$CRYPTO/$name/server
    mkdir -p "$home"
    [[ -f $home/bootstrap.secret ]] || openssl rand -hex 16 >"$home/bootstrap.secret"
    FABRIC_CA_SERVER_BOOT="admin:$(cat "$home/bootstrap.secret")" \
      start_process "$name" "$port" "$ops" -- "$FABRIC_BIN/fabric-ca-server" start --home "$home" \
      --port "$port" --address "$(org_address "$org")" --ca.name "$name" --csr.cn "$name" --csr.hosts "$(org_tls_hosts "$org")" \
      --tls.enabled --operations.listenaddress "$(org_address "$org"):$ops"
  done
  for row in "${CAS[@]}"; do
    read -r name msp port ops <<<"$row"
    wait_until "$name health" 30 "$name" http_ok "http://$(org_address "$(org_of "$name")"):$ops/healthz"
  done
}

# ca_client CA ARGS...: runs fabric-ca-client against CA as that CA's bootstrap admin.
ca_client() {
  local name=$1; shift
  local home=$CRYPTO/$name
  "$FABRIC_BIN/fabric-ca-client" "$@" --home "$home/registrar" --tls.certfiles "$home/server/ca-cert.pem"
}

# ca_enroll CA USER SECRET_FILE ARGS...: `fabric-ca-client enroll` as USER, its secret passed in
# the environment (the enrollment URL carries it).
ca_enroll() {
  local name msp port ops user=$2 secret_file=$3
  read -r name msp port ops <<<"$(ca_row "$1")"
  shift 3
  FABRIC_CA_CLIENT_URL="https://$user:$(cat "$secret_file")@$(org_address "$(org_of "$name")"):$port" ca_client "$name" enroll "$@"
}

enroll_registrar() {
  local ca=$1
  [[ -f $CRYPTO/$ca/registrar/msp/signcerts/cert.pem ]] && return 0
  ca_enroll "$ca" admin "$CRYPTO/$ca/server/bootstrap.secret" >/dev/null 2>&1 \
    || die "cannot enroll the bootstrap admin of $ca (log: $LOGS/$ca.log)"
}

# Gives an enrolled MSP folder fixed file names, so nothing later has to guess which file is the key.
normalize_msp() {
  local msp=$1 keys sub cert
  keys=("$msp"/keystore/*)
  ((${#keys[@]} == 1)) || die "expected one key in $msp/keystore, found ${#keys[@]}"
  [[ ${keys[0]} == "$msp/keystore/key.pem" ]] || mv "${keys[0]}" "$msp/keystore/key.pem"
  for sub in cacerts tlscacerts; do
    [[ -d $msp/$sub ]] || continue
    for cert in "$msp/$sub"/*.pem; do
      [[ -f $cert && $cert != */ca.pem ]] && mv "$cert" "$msp/$sub/ca.pem"
    done
  done
}

write_node_ous() {
  cat >"$1/config.yaml" <<YAML
NodeOUs:
  Enable: true
  ClientOUIdentifier: { Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: client }
  PeerOUIdentifier: { Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: peer }
  AdminOUIdentifier: { Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: admin }
  OrdererOUIdentifier: { Certificate: cacerts/ca.pem, OrganizationalUnitIdentifier: orderer }
YAML
}

# enroll CA NAME TYPE DIR [ATTRS] [tls]: registers NAME once, then enrolls its signing identity
# into DIR/msp and, with "tls", a TLS certificate for the CA's organisation's host into DIR/tls.
enroll() {
  local ca=$1 name=$2 type=$3 dir=$4 attrs=${5:-} tls=${6:-}
  local secret_file=$CRYPTO/$ca/secrets/$name
  mkdir -p "$(dirname "$secret_file")" "$dir"
  if [[ ! -f $secret_file ]]; then
    openssl rand -hex 16 >"$secret_file.new"
    local args=(register --id.name "$name" --id.type "$type")
    [[ -n $attrs ]] && args+=(--id.attrs "$attrs")
    FABRIC_CA_CLIENT_ID_SECRET=$(cat "$secret_file.new") ca_client "$ca" "${args[@]}" >/dev/null 2>&1 \
      || die "cannot register $name at $ca (log: $LOGS/$ca.log; if its secret was removed by hand, run ./test-network.sh clean)"
    mv "$secret_file.new" "$secret_file"
  fi
  if [[ ! -f $dir/msp/signcerts/cert.pem ]]; then
    ca_enroll "$ca" "$name" "$secret_file" --mspdir "$dir/msp" --csr.cn "$name" >/dev/null 2>&1 \
      || die "cannot enroll $name at $ca"
    normalize_msp "$dir/msp"
    write_node_ous "$dir/msp"
  fi
  if [[ $tls == tls && ! -f $dir/tls/signcerts/cert.pem ]]; then
    ca_enroll "$ca" "$name" "$secret_file" --mspdir "$dir/tls" --csr.cn "$name" \
      --enrollment.profile tls --csr.hosts "$(org_tls_hosts "${ca#ca-}")" >/dev/null 2>&1 \
      || die "cannot enroll a TLS certificate for $name at $ca"
    normalize_msp "$dir/tls"
  fi
}

# The verifying MSP of an organisation, as channel configuration refers to it.
write_org_msp() {
  local ca=$1 org_dir=$2
  mkdir -p "$org_dir/msp/cacerts" "$org_dir/msp/tlscacerts"
  cp "$CRYPTO/$ca/server/ca-cert.pem" "$org_dir/msp/cacerts/ca.pem"
  cp "$CRYPTO/$ca/server/ca-cert.pem" "$org_dir/msp/tlscacerts/ca.pem"
  write_node_ous "$org_dir/msp"
}

enroll_all() {
  local row name id port admin ops org msp pport ccport
  enroll_registrar ca-orderer
  write_org_msp ca-orderer "$CRYPTO/orderer-org"
  for row in "${ORDERERS[@]}"; do
    read -r name id port admin ops <<<"$row"
    enroll ca-orderer "$name" orderer "$CRYPTO/orderer-org/$name" "" tls
  done
  enroll ca-orderer orderer-admin admin "$CRYPTO/orderer-org/admin" "" tls

  for row in "${PEERS[@]}"; do enroll_peer_org "$row"; done
}

# enroll_peer_org PEER_ROW: the verifying MSP, the peer, the chaincode server and the gateway's
# identities of a peer's organisation.
enroll_peer_org() {
  local name org msp pport ccport ops
  read -r name org msp pport ccport ops <<<"$1"
  local ca=ca-$org
  enroll_registrar "$ca"
  write_org_msp "$ca" "$CRYPTO/$org"
  enroll "$ca" "$name" peer "$CRYPTO/$org/$name" "" tls
  enroll "$ca" "$org-ccaas" client "$CRYPTO/$org/ccaas" "" tls
  local role type
  for role in "${GATEWAY_ROLES[@]}"; do
    type=client
    [[ $role == admin ]] && type=admin
    enroll "$ca" "$org-$role" "$type" "$CRYPTO/$org/users/$role" "role=$role:ecert"
  done
  # Off this host's loopback the gateway serves HTTPS (bearer tokens cross a network).
  if [[ $(topology) == hosts ]]; then enroll "$ca" "$org-gateway" client "$CRYPTO/$org/gateway" "" tls; fi
}
