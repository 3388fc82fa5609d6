#!/usr/bin/env bash
# Starts or stops a private PostgreSQL 15 cluster (Debian's postgresql-15) on
# 127.0.0.1 for the local cluster demo and hand testing: trust auth for the
# superuser "postgres", a database "vtp", fsync off (a throwaway cluster).
#
#   scripts/dev/postgres.sh start DIR PORT   # prints postgresql://postgres@127.0.0.1:PORT/vtp
#   scripts/dev/postgres.sh stop DIR [PORT]
#   scripts/dev/postgres.sh restart DIR      # fast stop + start, same port and data
#
# DIR holds the cluster (DIR/data), its log and its unix socket. Idempotent:
# start of a running cluster says so and prints the URL; stop of a stopped one
# succeeds. As root, initdb and postgres run as the `postgres` OS user (they
# refuse root), so DIR is chowned to it.
set -euo pipefail

BIN=/usr/lib/postgresql/15/bin

usage() {
  echo "usage: $0 start DIR PORT | stop DIR [PORT] | restart DIR" >&2
  exit 2
}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=postgres --regid=postgres --init-groups "$@"
  else
    "$@"
  fi
}

url() { echo "postgresql://postgres@127.0.0.1:$(cat "$1/port")/vtp"; }

running() { [ -f "$1/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1; }

launch() {
  local dir="$1" port
  port="$(cat "$dir/port")"
  # A unix socket path holds at most 107 bytes; long DIRs use /tmp's.
  local sock="$dir"
  [ "${#dir}" -le 90 ] || sock=/tmp
  (cd "$dir" && as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start) || { echo "postgres.sh: postgres did not start; log:" >&2; tail -n 20 "$dir/postgres.log" >&2; exit 1; }
}

start() {
  local dir="$1" port="$2"
  [ -x "$BIN/initdb" ] || { echo "postgres.sh: $BIN missing: run scripts/install-deps.sh (postgresql-15)" >&2; exit 1; }
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  if running "$dir"; then
    echo "postgres.sh: already running: $(url "$dir")"
    return 0
  fi
  echo "$port" >"$dir/port"
  [ "$(id -u)" -ne 0 ] || chown -R postgres:postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    (cd "$dir" && as_pg "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C --no-sync --no-instructions >"$dir/initdb.log" 2>&1) ||
      { echo "postgres.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
  fi
  launch "$dir"
  "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'vtp'" | grep -q 1 ||
    "$BIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE DATABASE vtp"
  echo "postgres.sh: listening: $(url "$dir")"
}

stop() {
  local dir="$1"
  if ! running "$dir"; then
    echo "postgres.sh: not running ($dir)"
    return 0
  fi
  as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 -s stop
  echo "postgres.sh: stopped ($dir)"
}

restart() {
  local dir="$1"
  [ -f "$dir/port" ] || { echo "postgres.sh: no cluster in $dir" >&2; exit 1; }
  dir="$(cd "$dir" && pwd)"
  stop "$dir"
  launch "$dir"
  echo "postgres.sh: restarted: $(url "$dir")"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -ge 2 ] && [ $# -le 3 ] || usage; stop "$2" ;;
  restart) [ $# -eq 2 ] || usage; restart "$2" ;;
  *) usage ;;
esac
