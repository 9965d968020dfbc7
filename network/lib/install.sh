# Builds the pinned Fabric and Fabric CA binaries with `go install` into a git-ignored cache.
# The go.mod files under network/tools pin each release with checksums; a later run reuses both
# the binaries and Go's module and build caches.

FABRIC_TOOLS=(peer orderer osnadmin configtxgen)
CA_TOOLS=(fabric-ca-server fabric-ca-client)

binaries_present() {
  local tool
  for tool in "${FABRIC_TOOLS[@]}" "${CA_TOOLS[@]}"; do [[ -x $FABRIC_BIN/$tool ]] || return 1; done
}

install_binaries() {
  binaries_present && return 0
  require_commands go
  log "building Fabric $FABRIC_VERSION and Fabric CA $FABRIC_CA_VERSION with go install (first run only: several minutes)"
  mkdir -p "$FABRIC_BIN"
  local started=$SECONDS
  # The version string is what `peer version` prints; a module build has no release stamp.
  (cd "$NETWORK_DIR/tools/fabric" && GOFLAGS=-mod=mod GOBIN=$FABRIC_BIN \
    go install -ldflags "-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION" tool) \
    || die "go install of Fabric failed (module pins: network/tools/fabric/go.mod)"
  (cd "$NETWORK_DIR/tools/fabric-ca" && GOFLAGS=-mod=mod GOBIN=$FABRIC_BIN go install tool) \
    || die "go install of Fabric CA failed (module pins: network/tools/fabric-ca/go.mod)"
  "$FABRIC_BIN/peer" version | grep -qF "Version: $FABRIC_VERSION" \
    || die "built peer reports $("$FABRIC_BIN/peer" version | grep Version:), expected $FABRIC_VERSION"
  go version -m "$FABRIC_BIN/peer" | grep -qF "github.com/hyperledger/fabric	$FABRIC_MODULE_VERSION" \
    || die "built peer is not from the pinned module $FABRIC_MODULE_VERSION"
  log "Fabric binaries built in $((SECONDS - started))s into $FABRIC_BIN"
}

# The sample core.yaml and orderer.yaml of the pinned release: every setting this network needs
# is then given as an environment override where the process starts.
fabric_sampleconfig() {
  local dir
  dir=$(cd "$NETWORK_DIR/tools/fabric" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric) \
    || die "cannot locate the Fabric module source (run: cd network/tools/fabric && go mod download)"
  printf '%s/sampleconfig' "$dir"
}
