# One REST gateway per member org, each with its org's CA-enrolled identities behind bearer
# tokens. Tokens are made once and kept across restarts; gateways get only their hashes. Tokens
# go from file to file, never through a command line.

# token_file NAME: the path of NAME's token, made on first use.
token_file() {
  local file=$RUNTIME/tokens/$1
  mkdir -p "$RUNTIME/tokens"
  [[ -f $file ]] || openssl rand -hex 32 >"$file"
  printf '%s' "$file"
}


write_gateway_config() {
  local org=$1 msp=$2 port=$3 peer_port row name o rest
  for row in "${PEERS[@]}"; do
    read -r name o _ peer_port rest <<<"$row"
    [[ $o == "$org" ]] && break
  done
  local identities=() role dir
  for role in "${GATEWAY_ROLES[@]}"; do
    dir=$CRYPTO/$org/users/$role
    identities+=("$org-$role" "$role" "$dir/msp/signcerts/cert.pem" "$dir/msp/keystore/key.pem" "$(token_file "$org-$role")")
  done
  mkdir -p "$RUNTIME/gateway-$org"
  # The peer is dialled by address, so that tools outside the org's namespace (rebuild, the tests)
  # reach it too; TLS checks the name its certificate carries.
  local alias tls=
  alias=$(org_host "$org")
  [[ $(topology) == hosts ]] || alias=localhost
  [[ $(topology) != hosts ]] || tls="$CRYPTO/$org/gateway/tls/signcerts/cert.pem,$CRYPTO/$org/gateway/tls/keystore/key.pem"
  node -e '
    const { createHash } = require("crypto");
    const { readFileSync } = require("fs");
    const [mspId, listen, port, peerEndpoint, alias, tls, ca, stateDir, channel, chaincode, relay, ...ids] = process.argv.slice(1);
    const identities = [];
    for (let i = 0; i < ids.length; i += 5) {
      const [name, role, certPath, keyPath, tokenFile] = ids.slice(i, i + 5);
      const token = readFileSync(tokenFile, "utf8").trim();
      identities.push({ name, role, certPath, keyPath, tokenSha256: createHash("sha256").update(token).digest("hex") });
    }
    // IOTREG_READ_MODEL_POSTGRES: the read models in PostgreSQL, database <that URL>_<org>, instead of SQLite.
    const postgres = process.env.IOTREG_READ_MODEL_POSTGRES;
    const config = { mspId, host: listen, port: Number(port), channel, chaincode,
      peer: { endpoint: peerEndpoint, hostAlias: alias, tlsRootCertPath: ca },
      identities, relayIdentity: relay, stateDir,
      ...(postgres ? { readModel: { postgresUrl: `${postgres}_${stateDir.split("/").at(-2).replace("gateway-", "")}` } } : {}) };
    if (tls) config.tls = { certPath: tls.split(",")[0], keyPath: tls.split(",")[1] };
    process.stdout.write(JSON.stringify(config, null, 2));
  ' "$msp" "$(org_address "$org")" "$port" "$(org_address "$org"):$peer_port" "$alias" "$tls" "$CRYPTO/$org/msp/tlscacerts/ca.pem" \
    "$RUNTIME/gateway-$org/state" "$CHANNEL" "$CHAINCODE_NAME" "$org-auditor" "${identities[@]}" |
    write_private "$RUNTIME/gateway-$org/config.json"
}

# gateway_url ORG: where ORG's gateway answers: plain HTTP on loopback, HTTPS on the org's address
# otherwise (its certificate names that address and the org's hostname).
gateway_url() {
  local port
  port=$(gateway_port "$1")
  if [[ $(topology) != hosts ]]; then echo "http://127.0.0.1:$port"; else echo "https://$(org_address "$1"):$port"; fi
}
gateway_port() { local row org msp port; for row in "${GATEWAYS[@]}"; do read -r org msp port <<<"$row"; [[ $org == "$1" ]] && echo "$port"; done; }
gateway_ca() { if [[ $(topology) == hosts ]]; then echo "$CRYPTO/$1/msp/tlscacerts/ca.pem"; fi; }
gateway_curl_args() { if [[ $(topology) == hosts ]]; then echo --cacert "$(gateway_ca "$1")"; fi; }

start_gateway() {
  local want=$1 row org msp port
  for row in "${GATEWAYS[@]}"; do
    read -r org msp port <<<"$row"
    [[ $org == "$want" ]] || continue
    write_gateway_config "$org" "$msp" "$port"
    start_process "gateway-$org" "$port" -- env IOTREG_GATEWAY_CONFIG="$RUNTIME/gateway-$org/config.json" \
      node "$REPO_DIR/gateway-app/dist/server.js"
    wait_until "gateway-$org readiness" 60 "gateway-$org" http_ok $(gateway_curl_args "$org") "$(gateway_url "$org")/readyz"
  done
}

start_gateways() {
  local row org
  for row in "${GATEWAYS[@]}"; do read -r org _ <<<"$row"; start_gateway "$org"; done
  write_clients_json
}

# network/runtime/clients.json: where each org's gateway is and the tokens of its identities,
# {"channel", "chaincode", "orgs": {"<MSP>": {"gateway": URL, "ca"?: PEM file, "tokens": {"<role>": token}}}}
# ("ca": the root that signed an HTTPS gateway's certificate, with the hosts topology), as the
# CLI, the tests and the benchmark read it (the REST interface itself: docs/api.md).
write_clients_json() {
  local args=() row org msp port role
  for row in "${GATEWAYS[@]}"; do
    read -r org msp port <<<"$row"
    args+=("$msp" "$(gateway_url "$org")" "$(gateway_ca "$org")")
    for role in "${GATEWAY_ROLES[@]}"; do args+=("$role=$(token_file "$org-$role")"); done
    args+=(--)
  done
  node -e '
    const { readFileSync } = require("fs");
    const [channel, chaincode, ...rest] = process.argv.slice(1);
    const orgs = {};
    while (rest.length) {
      const [msp, gateway, ca] = rest.splice(0, 3);
      const tokens = {};
      for (let item = rest.shift(); item !== "--"; item = rest.shift()) {
        const [role, tokenFile] = item.split("=");
        tokens[role] = readFileSync(tokenFile, "utf8").trim();
      }
      orgs[msp] = ca ? { gateway, ca, tokens } : { gateway, tokens };
    }
    process.stdout.write(JSON.stringify({ channel, chaincode, orgs }, null, 2) + "\n");
  ' "$CHANNEL" "$CHAINCODE_NAME" "${args[@]}" | write_private "$RUNTIME/clients.json"
}
