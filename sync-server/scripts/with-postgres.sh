#!/usr/bin/env bash
# with-postgres.sh CMD [ARGS...]
#
# Starts a throwaway PostgreSQL cluster (Debian's postgresql package) in a temporary directory on
# a free loopback port, exports VRS_TEST_POSTGRES_URL=postgres://USER@127.0.0.1:PORT/postgres,
# runs CMD, then stops the cluster and removes it whatever happens. Exits with CMD's status.
#
# PostgreSQL refuses to run as root: when run as root the cluster belongs to the `postgres`
# user (created by the Debian package), and CMD still runs as the caller.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 64
fi

find_bin_dir() {
  if [[ -n "${VRS_PG_BIN:-}" ]]; then echo "$VRS_PG_BIN"; return; fi
  local candidate
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then echo "$candidate"; return; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  return 1
}

if ! bin_dir=$(find_bin_dir); then
  echo "with-postgres.sh: PostgreSQL server binaries not found (apt-get install postgresql); running without it" >&2
  exec "$@"
fi

as_db_user=()
db_user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  db_user=postgres
  if ! id "$db_user" >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin "$db_user"
  fi
  as_db_user=(runuser -u "$db_user" --)
fi

cluster_dir=$(mktemp -d "${TMPDIR:-/tmp}/vrs-pg.XXXXXX")
chmod 755 "$cluster_dir"
[[ $(id -u) -eq 0 ]] && chown "$db_user" "$cluster_dir"

cleanup() {
  local status=$?
  if [[ -f "$cluster_dir/data/postmaster.pid" ]]; then
    "${as_db_user[@]}" "$bin_dir/pg_ctl" -D "$cluster_dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$cluster_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: bind port 0 and read what the kernel chose.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)))

"${as_db_user[@]}" "$bin_dir/initdb" -D "$cluster_dir/data" -U "$db_user" --auth=trust \
  --encoding=UTF8 --locale=C.UTF-8 >"$cluster_dir/initdb.log" 2>&1 || {
  cat "$cluster_dir/initdb.log" >&2
  exit 1
}
# fsync stays on: the tests check durable commits. Sockets only in the cluster directory.
"${as_db_user[@]}" "$bin_dir/pg_ctl" -D "$cluster_dir/data" -l "$cluster_dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $cluster_dir -c max_connections=300" start >/dev/null || {
  cat "$cluster_dir/server.log" >&2
  exit 1
}

export VRS_TEST_POSTGRES_URL="postgres://$db_user@127.0.0.1:$port/postgres"
echo "with-postgres.sh: PostgreSQL ($("$bin_dir/postgres" --version | awk '{print $3}')) at $VRS_TEST_POSTGRES_URL" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
