#!/usr/bin/env bash
# Start a throwaway PostgreSQL (Debian's package) on a loopback port for the tests.
# Usage: source scripts/postgres.sh  -> sets ROOST_TEST_POSTGRES and stops the cluster on exit.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing postgresql (Debian)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/roost-test-pg.XXXXXX)
pgport=${ROOST_TEST_PG_PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
if ! "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
  cat "$pgdir/log" >&2
  exit 1
fi
"${as_pg[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U postgres roost_test
stop_postgres() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap stop_postgres EXIT
export ROOST_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$pgport/roost_test"
echo "PostgreSQL for tests: $ROOST_TEST_POSTGRES" >&2
