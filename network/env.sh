# Everything the network scripts need to know, in one place: versions, paths and the node table.
# Sourced by test-network.sh; every address is on 127.0.0.1.

# Pinned releases. Fabric's module path has no /v3 suffix, so v3 is pinned by its release
# commit's pseudo-version; network/tools/go.mod holds both pins with their checksums.
FABRIC_VERSION=3.1.1
FABRIC_CA_VERSION=1.5.22

CHANNEL=iot
CHAINCODE_NAME=device-registry
CHAINCODE_VERSION=1.0

NETWORK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$NETWORK_DIR")
RUNTIME=$NETWORK_DIR/runtime
CRYPTO=$RUNTIME/crypto
DATA=$RUNTIME/data
LOGS=$RUNTIME/logs
PIDS=$RUNTIME/pids
CONFIG=$RUNTIME/config
FABRIC_BIN=$REPO_DIR/.cache/fabric-$FABRIC_VERSION/bin

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

# Chaincode servers (one per peer org) and gateways: org, MSP ID, port.
CHAINCODE_SERVERS=(
  "org1 Org1MSP 7999"
  "org2 Org2MSP 9999"
)
GATEWAYS=(
  "org1 Org1MSP 7080"
  "org2 Org2MSP 9080"
)

# Identities each peer org enrolls for its gateway: one per role the chaincode knows.
GATEWAY_ROLES=(admin vendor auditor)
