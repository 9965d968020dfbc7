#!/usr/bin/env bash
# Regenerates the synthetic orderer organisation of the unit tests: a CA of our own (whose key,
# unlike the live network's, the tests hold), so they can sign forged blocks with certificates
# that CA issued. Run from this folder; the outputs are committed.
set -euo pipefail
cd "$(dirname "$0")"
ec() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key.pem"; }
ec ca
openssl req -x509 -new -key ca.key.pem -sha256 -days 36500 -subj "/O=Synthetic/OU=Fabric/CN=ca-orderer" -out ca.pem
issue() { # name OU
  ec "$1"
  openssl req -new -key "$1.key.pem" -subj "/O=Synthetic/OU=$2/CN=$1" -out "$1.csr"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key.pem -CAcreateserial -sha256 -days 36500 -out "$1.pem" 2>/dev/null
  rm "$1.csr"
}
for n in 0 1 2 3; do issue "orderer$n" orderer; done
issue orderer9 orderer       # issued by the orderer CA, with the orderer role, but no consenter
issue orderer-admin admin    # issued by the orderer CA, without the orderer role
rm -f ca.srl
