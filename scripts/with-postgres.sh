#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server (Debian's package) on a loopback port, and
# stops and removes the server whatever the command did. The command finds it in
# IOTREG_TEST_POSTGRES_URL (the unit tests) and IOTREG_READ_MODEL_POSTGRES (./test-network.sh up
# puts each gateway's read model in database readmodel_<org>). Usage:
#   scripts/with-postgres.sh npx jest gateway-app/src/readmodel --selectProjects unit
#   scripts/with-postgres.sh bash -c './test-network.sh up && npx jest test/read-model.test.ts ...; ./test-network.sh down'
# Installs the package when it is missing (apt-get, through sudo unless root). PGPORT (default
# 55432) moves the port. `npm test` (scripts/test-all.sh) runs the read model's unit tests with it.
set -euo pipefail

port=${PGPORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [[ -z $bin || ! -x $bin/initdb ]]; then
  [[ $(id -u) == 0 ]] || sudo=sudo
  ${sudo:-} apt-get update -qq && ${sudo:-} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

dir=$(mktemp -d /tmp/iotreg-pg.XXXXXX)
# PostgreSQL refuses to run as root: the server runs as the package's postgres user.
as_pg=()
if [[ $(id -u) == 0 ]]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
stop() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U iotreg --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
for db in readmodel readmodel_org1 readmodel_org2; do
  "${as_pg[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U iotreg "$db"
done

export IOTREG_TEST_POSTGRES_URL="postgres://iotreg@127.0.0.1:$port/readmodel"
# For ./test-network.sh up: each gateway's read model in readmodel_<org> (network/lib/gateways.sh).
export IOTREG_READ_MODEL_POSTGRES=$IOTREG_TEST_POSTGRES_URL
"$@"
