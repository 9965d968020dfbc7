# Everything the network scripts need to know, in one place: versions, paths and the node table.
# Sourced by test-network.sh. Addresses and hostnames come from the topology (network/lib/topology.sh):
# 127.0.0.1 by default, one network namespace per organisation with `up --topology hosts`.

# Pinned releases. Fabric is the v3.1.5 release: its binaries are used where they are already
# installed at that version, else built offline from the release's source archive (checked against
# FABRIC_SRC_SHA256); network/lib/install.sh says where it looks. Fabric CA comes from the Go module
# proxy, pinned with its checksums in network/tools/fabric-ca/go.mod.
FABRIC_VERSION=3.1.5
FABRIC_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc
FABRIC_SRC_SHA256=eef0a2c316c0768255fcb7e3b4f406be8fc09694ec3da19d27d71bffa497c31e
FABRIC_CA_VERSION=1.5.22

CHANNEL=iot
CHAINCODE_NAME=device-registry
# One putState per transaction: the benchmark's ceiling, deployed only by `./test-network.sh baseline`.
BASELINE_NAME=baseline
CHAINCODE_VERSION=1.0

NETWORK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$NETWORK_DIR")
# Everything a network generates; IOTREG_RUNTIME keeps a second network's state apart (the topology
# and add-org tests use their own).
RUNTIME=${IOTREG_RUNTIME:-$NETWORK_DIR/runtime}
CRYPTO=$RUNTIME/crypto
DATA=$RUNTIME/data
LOGS=$RUNTIME/logs
PIDS=$RUNTIME/pids
CONFIG=$RUNTIME/config
# Built or linked binaries and the release's sample configuration (git-ignored unless moved).
FABRIC_HOME=${FABRIC_HOME:-$REPO_DIR/.cache/fabric-$FABRIC_VERSION-ca-$FABRIC_CA_VERSION}
FABRIC_BIN=$FABRIC_HOME/bin
FABRIC_SAMPLECONFIG=$FABRIC_HOME/config

# Certificate authorities: name, MSP ID, port, operations port.
CAS=(
  "ca-orderer OrdererMSP 7054 7055"
  "ca-org1 Org1MSP 7154 7155"
  "ca-org2 Org2MSP 7254 7255"
)

# BFT orderers: name, consenter ID, port (clients and cluster), admin port, operations port.
ORDERERS=(
  "orderer0 1 7050 7053 8443"
  "orderer1 2 7150 7153 8543"
  "orderer2 3 7250 7253 8643"
  "orderer3 4 7350 7353 8743"
)

# Peers: name, org, MSP ID, port, chaincode port, operations port.
PEERS=(
  "peer0.org1 org1 Org1MSP 7051 7052 9443"
  "peer0.org2 org2 Org2MSP 9051 9052 9543"
)

# Chaincode servers, one per chaincode and peer org: process name, chaincode, Node module (from
# the repo root), org, port.
CHAINCODE_SERVERS=(
  "chaincode-org1 device-registry chaincode org1 7999"
  "chaincode-org2 device-registry chaincode org2 9999"
  "baseline-org1 baseline bench/baseline-chaincode org1 7998"
  "baseline-org2 baseline bench/baseline-chaincode org2 9998"
)

# Gateways: org, MSP ID, port.
GATEWAYS=(
  "org1 Org1MSP 7080"
  "org2 Org2MSP 9080"
)

# The hosts topology's addresses: $HOSTS_SUBNET.0/24 on a bridge, one per organisation's namespace.
# 198.18.0.0/15 is set aside for network tests (RFC 2544), so it collides with no real LAN.
HOSTS_SUBNET=${IOTREG_HOSTS_SUBNET:-198.18.0}

# Identities each peer org enrolls for its gateway: one per role the chaincode knows.
GATEWAY_ROLES=(admin vendor auditor)

# Organisations added to the running consortium (`./test-network.sh add-org`) append their rows
# to the tables above here, so every later command knows their processes.
ADDED_ORGS_FILE=$RUNTIME/added-orgs.sh
# shellcheck source=/dev/null
if [[ -f $ADDED_ORGS_FILE ]]; then source "$ADDED_ORGS_FILE"; fi
