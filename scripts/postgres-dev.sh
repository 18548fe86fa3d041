#!/usr/bin/env bash
# A throwaway local PostgreSQL for trying the app and for BetterDb.Bench: `scripts/postgres-dev.sh [PORT] [DIR]`.
# Debian's postgresql binaries (the package is installed when missing), loopback only, trust auth, default
# durability (fsync and synchronous_commit on: figures measured on it are honest ones). DIR is the data directory;
# an existing one is started again. Prints the connection string of database `betterdb` and how to stop it.
set -euo pipefail
port="${1:-55432}"
dir="${2:-/tmp/betterdb-pg-$port}"
[[ "$port" =~ ^[0-9]+$ ]] || { echo "usage: $0 [PORT] [DIR]" >&2; exit 2; }
dir="$(realpath -m "$dir")"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r b; do [[ -x "$b/postgres" ]] && echo "$b"; done | tail -n 1; }
bin="$(find_bin)"
if [[ -z "$bin" ]]; then
  [[ $EUID -eq 0 ]] || { echo "PostgreSQL is not installed: run 'apt-get install postgresql' as root." >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null; }
  bin="$(find_bin)"
  # The package starts its own cluster on 5432; this script's server is the one to use.
  for v in /usr/lib/postgresql/*; do pg_ctlcluster "$(basename "$v")" main stop 2>/dev/null || true; done
fi

# The server refuses to run as root: as root, everything that touches DIR runs as the postgres user.
as_pg=()
if [[ $EUID -eq 0 ]]; then as_pg=(runuser -u postgres --); fi

running() { [[ -f "$dir/PG_VERSION" ]] && "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; }
if running; then
  echo "already running in $dir"
else
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use: give another PORT" >&2; exit 1; fi
  if [[ ! -f "$dir/PG_VERSION" ]]; then
    mkdir -p "$dir"
    [[ $EUID -eq 0 ]] && chown postgres:postgres "$dir"
    chmod 700 "$dir"
    "${as_pg[@]}" test -w "$dir" || { echo "$dir is not writable by user $("${as_pg[@]}" id -un) (are its parents traversable?)" >&2; exit 1; }
    out="$("${as_pg[@]}" "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --no-instructions 2>&1)" || { echo "$out" >&2; exit 1; }
    # Loopback TCP and a socket in DIR only; durability settings stay PostgreSQL's defaults.
    printf "listen_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n" "${dir//\'/\'\'}" | "${as_pg[@]}" tee -a "$dir/postgresql.conf" >/dev/null
  fi
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir" -o "-p $port" -l "$dir/log" -w -t 60 start >/dev/null \
    || { tail -n 20 "$dir/log" >&2; exit 1; }
fi
port="$(sed -n 4p "$dir/postmaster.pid")"  # the running server's port (it may have been started on another one)
psql=("${as_pg[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atq -v ON_ERROR_STOP=1)
[[ -n "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'betterdb'")" ]] || "${psql[@]}" -c 'CREATE DATABASE betterdb'

echo "PostgreSQL $("${psql[@]}" -c 'SHOW server_version') on 127.0.0.1:$port, data in $dir (log: $dir/log)"
echo "connection string: Host=127.0.0.1;Port=$port;Username=postgres;Database=betterdb"
echo "  the app: BetterDb__Storage__Provider=postgres BetterDb__Storage__ConnectionString='Host=127.0.0.1;Port=$port;Username=postgres;Database=betterdb'"
echo "stop: ${as_pg[*]}${as_pg:+ }$bin/pg_ctl -D $dir -m fast stop   (then rm -rf $dir to throw it away)"
