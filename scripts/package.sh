#!/usr/bin/env bash
# `npm run package`: the device-registry chaincode as a Fabric chaincode-as-a-service package, for a
# peer of a network the registry is deployed onto (docs/deploy.md). The package holds no code, only
# where the peer reaches the chaincode server (connection.json) and the builder type (metadata.json),
# so it is built byte for byte the same from the same options: tar and gzip carry no times or
# owners, and the package ID (label:SHA-256 of the file) is printed and written beside it.
# The chaincode server and the gateway run from the container images deploy/*.Dockerfile build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  cat <<USAGE
usage: npm run package -- [options]
  --address HOST:PORT     where the peer dials the chaincode server (default device-registry:9999)
  --label LABEL           the package label (default device-registry_<version>)
  --tls-root-cert FILE    PEM of the CA that signed the chaincode server's TLS certificate; the peer
                          then requires TLS and checks the server against it (the default, and FILE
                          is required)
  --no-tls                the peer dials the chaincode server without TLS (a private network only)
  --client-cert FILE --client-key FILE
                          the peer presents this certificate to the server (mutual TLS; the server
                          then needs --chaincode-tls-client-cacert-file)
  --out DIR               where to write (default build/package)
USAGE
}

version=$(node -p 'require("./chaincode/package.json").version')
address=device-registry:9999 label=device-registry_$version out=build/package
root_cert= tls=true client_cert= client_key=
while (($#)); do
  case $1 in
    --address) address=${2:?}; shift 2 ;;
    --label) label=${2:?}; shift 2 ;;
    --tls-root-cert) root_cert=${2:?}; shift 2 ;;
    --no-tls) tls=false; shift ;;
    --client-cert) client_cert=${2:?}; shift 2 ;;
    --client-key) client_key=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
fail() { echo "package: $*" >&2; exit 2; }
[[ $address =~ ^[A-Za-z0-9.-]+:[0-9]{1,5}$ ]] || fail "--address must be HOST:PORT, got '$address'"
[[ $label =~ ^[A-Za-z0-9][A-Za-z0-9_.+-]*$ ]] || fail "--label must match [A-Za-z0-9][A-Za-z0-9_.+-]* (Fabric's rule), got '$label'"
if [[ $tls == true ]]; then
  [[ -n $root_cert ]] || fail "--tls-root-cert FILE is required (or --no-tls)"
  grep -q 'BEGIN CERTIFICATE' "$root_cert" 2>/dev/null || fail "$root_cert is not a PEM certificate"
fi
[[ -n $client_cert && -z $client_key || -z $client_cert && -n $client_key ]] && fail "--client-cert and --client-key go together"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node -e '
  const fs = require("fs");
  const [address, tls, rootCert, clientCert, clientKey, file] = process.argv.slice(1);
  const read = (f) => (f ? fs.readFileSync(f, "utf8") : undefined);
  const connection = { address, dial_timeout: "10s", tls_required: tls === "true" };
  if (tls === "true") {
    connection.client_auth_required = Boolean(clientCert);
    connection.root_cert = read(rootCert);
    if (clientCert) Object.assign(connection, { client_cert: read(clientCert), client_key: read(clientKey) });
  }
  fs.writeFileSync(file, JSON.stringify(connection, null, 2) + "\n");
' "$address" "$tls" "$root_cert" "$client_cert" "$client_key" "$work/connection.json"
printf '{"type":"ccaas","label":"%s"}\n' "$label" >"$work/metadata.json"
reproducible_tgz() { local dir=$1 file=$2; shift 2; tar -C "$dir" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u=rw,go=r -cf - "$@" | gzip -n >"$file"; }
reproducible_tgz "$work" "$work/code.tar.gz" connection.json
reproducible_tgz "$work" "$out/$label.tar.gz" metadata.json code.tar.gz
cp "$work/connection.json" "$work/metadata.json" "$out/"
chmod 600 "$out/connection.json" # may hold a client key
package_id="$label:$(sha256sum "$out/$label.tar.gz" | cut -d' ' -f1)"
echo "$package_id" >"$out/package-id"
echo "$out/$label.tar.gz"
echo "package ID: $package_id"
