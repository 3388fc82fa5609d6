#!/usr/bin/env bash
# Starts or stops a local S3-compatible server (s3rver from npm, installed by
# scripts/install-npm.sh) on 127.0.0.1 for tests and demos, with a bucket.
#
#   scripts/dev/s3rver.sh start DIR PORT [BUCKET]   # BUCKET defaults to vtp
#   scripts/dev/s3rver.sh stop DIR
#
# DIR holds the objects (DIR/data), the pid file and the log. Credentials are
# s3rver's fixed pair: access key S3RVER, secret key S3RVER. s3rver checks
# the access key but not SigV4 signatures. Point vtp or the AWS CLI at
# http://127.0.0.1:PORT, e.g.
#   AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
#     aws --endpoint-url http://127.0.0.1:PORT s3 ls s3://vtp/
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

usage() {
  echo "usage: $0 start DIR PORT [BUCKET] | stop DIR" >&2
  exit 2
}

start() {
  local dir="$1" port="$2" bucket="${3:-vtp}"
  if [ ! -f "$ROOT/tests/node/node_modules/s3rver/package.json" ]; then
    echo "s3rver.sh: s3rver is not installed: run scripts/install-npm.sh" >&2
    exit 1
  fi
  mkdir -p "$dir"
  if [ -f "$dir/s3rver.pid" ] && kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null; then
    echo "s3rver.sh: already running (pid $(cat "$dir/s3rver.pid"))" >&2
    exit 1
  fi
  node --openssl-legacy-provider "$ROOT/tests/node/s3rver_start.mjs" --dir "$dir/data" --port "$port" \
    --bucket "$bucket" >"$dir/s3rver.out" 2>"$dir/s3rver.log" </dev/null &
  echo $! >"$dir/s3rver.pid"
  # The launcher prints one JSON line once it listens.
  for _ in $(seq 100); do
    if [ -s "$dir/s3rver.out" ]; then
      echo "s3rver.sh: listening: $(cat "$dir/s3rver.out") bucket $bucket"
      return 0
    fi
    if ! kill -0 "$(cat "$dir/s3rver.pid")" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "s3rver.sh: s3rver did not start; log:" >&2
  cat "$dir/s3rver.log" >&2
  exit 1
}

stop() {
  local dir="$1"
  [ -f "$dir/s3rver.pid" ] || { echo "s3rver.sh: not running (no $dir/s3rver.pid)"; return 0; }
  local pid
  pid="$(cat "$dir/s3rver.pid")"
  kill "$pid" 2>/dev/null || true
  rm -f "$dir/s3rver.pid" "$dir/s3rver.out"
  echo "s3rver.sh: stopped pid $pid"
}

case "${1:-}" in
  start) [ $# -ge 3 ] || usage; start "$2" "$3" "${4:-}" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
