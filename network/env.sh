# Everything the network scripts need to know, in one place: versions, paths and the node table.
# Sourced by test-network.sh; every address is on 127.0.0.1.

# Pinned releases. Fabric's module path has no /v3 suffix, so Fabric is pinned by a commit's
# pseudo-version. The module proxy these machines reach refuses every v3.1 commit (403 "This module
# version is not available"), so the pin is the newest v3 commit it serves: Fabric main of
# 2023-04-05 (FABRIC_VER 3.0.0, SmartBFT, BFT-aware gateway). network/tools/*/go.mod hold the pins
# with their checksums; install.sh checks the built binaries against them.
FABRIC_VERSION=3.0.0-dev+695dd57e01c2
FABRIC_MODULE_VERSION=v1.4.0-rc1.0.20230405174026-695dd57e01c2
FABRIC_CA_VERSION=1.5.22

CHANNEL=iot
CHAINCODE_NAME=device-registry
# One putState per transaction: the benchmark's ceiling, deployed only by `./test-network.sh baseline`.
BASELINE_NAME=baseline
CHAINCODE_VERSION=1.0

NETWORK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$NETWORK_DIR")
RUNTIME=$NETWORK_DIR/runtime
CRYPTO=$RUNTIME/crypto
DATA=$RUNTIME/data
LOGS=$RUNTIME/logs
PIDS=$RUNTIME/pids
CONFIG=$RUNTIME/config
FABRIC_BIN=$REPO_DIR/.cache/fabric-${FABRIC_MODULE_VERSION##*-}-ca-$FABRIC_CA_VERSION/bin

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

# Identities each peer org enrolls for its gateway: one per role the chaincode knows.
GATEWAY_ROLES=(admin vendor auditor)
