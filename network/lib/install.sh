# Puts the pinned Fabric release and Fabric CA into the git-ignored cache ($FABRIC_HOME), once.
#
# Fabric v$FABRIC_VERSION comes from the first of these that exists:
#   1. the cache, filled by an earlier run;
#   2. release binaries already installed: the folder FABRIC_BIN_DIR names, else `peer` on PATH,
#      if they report the pinned version (the release archive's bin/ and config/ side by side, as
#      Fabric's install script lays them out); they are linked, not copied;
#   3. the release's source archive with vendored dependencies, FABRIC_SRC_ARCHIVE or
#      ../shared/fabric/fabric-$FABRIC_VERSION-src.tar.gz beside the checkout, checked against
#      FABRIC_SRC_SHA256 and built offline (-mod=vendor, no proxy).
# Fabric CA is built with `go install` from the module proxy, pinned in network/tools/fabric-ca.

FABRIC_TOOLS=(peer orderer osnadmin configtxgen)
CA_TOOLS=(fabric-ca-server fabric-ca-client)
# The two files of the release's sampleconfig that the nodes start from (nodes.sh).
FABRIC_CONFIG_FILES=(core.yaml orderer.yaml)

fabric_src_archive() { printf '%s' "${FABRIC_SRC_ARCHIVE:-$REPO_DIR/../shared/fabric/fabric-$FABRIC_VERSION-src.tar.gz}"; }

# reports_fabric_version DIR: the peer and orderer in DIR are the pinned release.
reports_fabric_version() {
  "$1/peer" version 2>/dev/null | grep -qx "  *Version: $FABRIC_VERSION" &&
    "$1/orderer" version 2>/dev/null | grep -qx "  *Version: $FABRIC_VERSION"
}

fabric_present() {
  local f
  for f in "${FABRIC_TOOLS[@]}"; do [[ -x $FABRIC_BIN/$f ]] || return 1; done
  for f in "${FABRIC_CONFIG_FILES[@]}"; do [[ -f $FABRIC_SAMPLECONFIG/$f ]] || return 1; done
  reports_fabric_version "$FABRIC_BIN"
}

ca_present() { local f; for f in "${CA_TOOLS[@]}"; do [[ -x $FABRIC_BIN/$f ]] || return 1; done; }

# installed_fabric_dir: the folder of already-installed release binaries at the pinned version,
# FABRIC_BIN_DIR when set, else the folder of `peer` on PATH.
installed_fabric_dir() {
  local dir=${FABRIC_BIN_DIR:-}
  if [[ -z $dir ]] && command -v peer >/dev/null 2>&1; then dir=$(dirname "$(command -v peer)"); fi
  [[ -n $dir ]] && reports_fabric_version "$dir" && printf '%s' "$dir"
}

link_installed_fabric() {
  local dir=$1 cfg=${FABRIC_CFG_PATH:-$1/../config} f
  for f in "${FABRIC_CONFIG_FILES[@]}"; do
    [[ -f $cfg/$f ]] || die "Fabric $FABRIC_VERSION binaries found in $dir, but not their $f (looked in $cfg; set FABRIC_CFG_PATH to the release's config folder)"
  done
  for f in "${FABRIC_TOOLS[@]}"; do
    [[ -x $dir/$f ]] || die "Fabric $FABRIC_VERSION binaries found in $dir, but not $f"
    ln -sf "$(cd "$dir" && pwd)/$f" "$FABRIC_BIN/$f"
  done
  for f in "${FABRIC_CONFIG_FILES[@]}"; do cp "$cfg/$f" "$FABRIC_SAMPLECONFIG/$f"; done
  log "using the installed Fabric $FABRIC_VERSION binaries in $dir"
}

build_fabric_from_source() {
  local archive=$1 sum work started=$SECONDS tools=() f
  require_commands go sha256sum tar
  sum=$(sha256sum "$archive" | cut -d' ' -f1)
  [[ $sum == "$FABRIC_SRC_SHA256" ]] ||
    die "$archive has SHA-256 $sum, expected $FABRIC_SRC_SHA256 (network/env.sh): not the Fabric $FABRIC_VERSION source archive"
  log "building Fabric $FABRIC_VERSION from $archive (checksum verified; offline, vendored dependencies)"
  work=$(mktemp -d "$FABRIC_HOME/src.XXXXXX")
  tar xzf "$archive" -C "$work" --strip-components=1
  for f in "${FABRIC_TOOLS[@]}"; do tools+=("./cmd/$f"); done
  # The release's go.mod names the Go version it needs; GOTOOLCHAIN=local refuses to download another.
  (cd "$work" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=vendor CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION -X github.com/hyperledger/fabric/common/metadata.CommitSHA=${FABRIC_COMMIT:0:7}" \
    -o "$FABRIC_BIN/" "${tools[@]}") ||
    die "building Fabric $FABRIC_VERSION from source failed (needs Go >= $(sed -n 's/^go //p' "$work/go.mod"); have $(go env GOVERSION))"
  for f in "${FABRIC_CONFIG_FILES[@]}"; do cp "$work/sampleconfig/$f" "$FABRIC_SAMPLECONFIG/$f"; done
  rm -rf "$work"
  log "Fabric $FABRIC_VERSION built in $((SECONDS - started))s into $FABRIC_BIN"
}

install_fabric() {
  fabric_present && return 0
  mkdir -p "$FABRIC_BIN" "$FABRIC_SAMPLECONFIG"
  local dir archive
  archive=$(fabric_src_archive)
  if [[ -n ${FABRIC_BIN_DIR:-} ]] && ! reports_fabric_version "$FABRIC_BIN_DIR"; then
    die "FABRIC_BIN_DIR=$FABRIC_BIN_DIR: its peer and orderer are not Fabric $FABRIC_VERSION"
  fi
  if dir=$(installed_fabric_dir); then
    link_installed_fabric "$dir"
  elif [[ -f $archive ]]; then
    build_fabric_from_source "$archive"
  else
    die "Fabric $FABRIC_VERSION is needed and none was found. Provide one of:
  - the release binaries: FABRIC_BIN_DIR=/path/to/fabric/bin (with ../config beside it), or peer $FABRIC_VERSION on PATH
    (the release archive hyperledger-fabric-linux-amd64-$FABRIC_VERSION.tar.gz has both);
  - the source archive with vendored dependencies, SHA-256 $FABRIC_SRC_SHA256:
    FABRIC_SRC_ARCHIVE=/path/to/fabric-$FABRIC_VERSION-src.tar.gz, or put it at $archive"
  fi
  reports_fabric_version "$FABRIC_BIN" ||
    die "$FABRIC_BIN/peer reports '$("$FABRIC_BIN/peer" version 2>&1 | grep Version:)', expected $FABRIC_VERSION"
}

install_fabric_ca() {
  ca_present && return 0
  require_commands go
  log "building Fabric CA $FABRIC_CA_VERSION with go install (first run only)"
  mkdir -p "$FABRIC_BIN"
  (cd "$NETWORK_DIR/tools/fabric-ca" && GOFLAGS=-mod=mod GOBIN=$FABRIC_BIN go install tool) ||
    die "go install of Fabric CA failed (module pins: network/tools/fabric-ca/go.mod)"
}

# configtxlator, only for channel configuration updates (`add-org`): built from the same checked
# source archive into the same folder, beside a cache made before it was needed.
install_configtxlator() {
  [[ -x $FABRIC_BIN/configtxlator ]] && return 0
  local archive work sum
  archive=$(fabric_src_archive)
  if [[ -n ${FABRIC_BIN_DIR:-} && -x $FABRIC_BIN_DIR/configtxlator ]]; then
    ln -sf "$(cd "$FABRIC_BIN_DIR" && pwd)/configtxlator" "$FABRIC_BIN/configtxlator"
    return 0
  fi
  [[ -f $archive ]] || die "configtxlator $FABRIC_VERSION is needed for channel updates: put it in $FABRIC_BIN, or provide the source archive ($archive)"
  sum=$(sha256sum "$archive" | cut -d' ' -f1)
  [[ $sum == "$FABRIC_SRC_SHA256" ]] || die "$archive has SHA-256 $sum, expected $FABRIC_SRC_SHA256"
  log "building configtxlator $FABRIC_VERSION from $archive (first channel update only)"
  work=$(mktemp -d "$FABRIC_HOME/src.XXXXXX")
  tar xzf "$archive" -C "$work" --strip-components=1
  (cd "$work" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=vendor CGO_ENABLED=0 go build -trimpath -buildvcs=false \
    -ldflags "-X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION" \
    -o "$work/configtxlator" ./cmd/configtxlator) || die "building configtxlator failed"
  # Moved in whole: another checkout sharing this cache never sees half a binary.
  mv "$work/configtxlator" "$FABRIC_BIN/configtxlator"
  rm -rf "$work"
}

install_binaries() {
  install_fabric
  install_fabric_ca
}
