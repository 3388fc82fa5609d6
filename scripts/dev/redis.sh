#!/usr/bin/env bash
# Starts or stops a private Redis (Debian's redis-server) on 127.0.0.1 for
# tests and the local cluster demo: no persistence (vtp's Redis is a
# dispatcher and cache; PostgreSQL is the source of truth).
#
#   scripts/dev/redis.sh start DIR PORT    # prints redis://127.0.0.1:PORT/0
#   scripts/dev/redis.sh stop DIR
#   scripts/dev/redis.sh flush DIR         # FLUSHALL (what the chaos test does)
#
# DIR holds the pid file and the log. Idempotent: start of a running server
# says so and succeeds.
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | flush DIR" >&2
  exit 2
}

start() {
  local dir="$1" port="$2"
  command -v redis-server >/dev/null || { echo "redis.sh: redis-server missing: run scripts/install-deps.sh" >&2; exit 1; }
  mkdir -p "$dir"
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    echo "redis.sh: already running: redis://127.0.0.1:$(cat "$dir/redis.port")/0"
    return 0
  fi
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  echo "$port" >"$dir/redis.port"
  for _ in $(seq 100); do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      echo "redis.sh: listening: redis://127.0.0.1:$port/0"
      return 0
    fi
    sleep 0.1
  done
  echo "redis.sh: redis-server did not start; log:" >&2
  cat "$dir/redis.log" >&2
  exit 1
}

stop() {
  local dir="$1"
  [ -f "$dir/redis.pid" ] || { echo "redis.sh: not running (no $dir/redis.pid)"; return 0; }
  local pid
  pid="$(cat "$dir/redis.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/redis.pid"
  echo "redis.sh: stopped pid $pid"
}

flush() {
  redis-cli -p "$(cat "$1/redis.port")" flushall
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  flush) [ $# -eq 2 ] || usage; flush "$2" ;;
  *) usage ;;
esac
