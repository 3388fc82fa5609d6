# Sourced by bench/cluster_bench.sh and bench/cluster_soak.sh: a local
# distributed-mode cluster (PostgreSQL, Redis, s3rver on loopback) under
# $WORK, its cluster.toml, API servers and workers.
#
#   cluster_servers          starts PostgreSQL, Redis and s3rver; writes $WORK/cluster.toml
#   cluster_serve NAME ...   `vtp serve --config` (no local workers); sets PORT, TOKEN, LAST_PID
#   wait_port OUT PID ERR    waits for a `vtp serve`'s "listening on" line; sets PORT
#   cluster_worker NAME      one `vtp worker --config` in the background; sets LAST_PID
#                            (call it in this shell, not in $(...), so cluster_stop sees it)
#   cluster_stop             stops everything this file started
#   make_clips N DIR         N short synthetic clips (differing lengths)
#   upload_all PORT TOKEN FILE...   prints one video id per file
#   wait_ready PORT TOKEN TIMEOUT_S ID...   returns when all are ready/failed
#   assert_ready PORT TOKEN LABEL ID...      exits unless all are ready
# needs VTP, WORK; ports from PG_PORT, REDIS_PORT, S3_PORT.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_PORT=${PG_PORT:-55440}
REDIS_PORT=${REDIS_PORT:-56390}
S3_PORT=${S3_PORT:-59010}
CLUSTER_PIDS=()

cluster_servers() {
  "$ROOT/scripts/dev/postgres.sh" start "$WORK/pg" "$PG_PORT" >/dev/null
  "$ROOT/scripts/dev/redis.sh" start "$WORK/redis" "$REDIS_PORT" >/dev/null
  "$ROOT/scripts/dev/s3rver.sh" start "$WORK/s3" "$S3_PORT" vtp >/dev/null
  cat >"$WORK/cluster.toml" <<TOML
data_dir = "$WORK/data"
[metadata]
url = "postgres://postgres@127.0.0.1:$PG_PORT/postgres"
[queue]
url = "redis://127.0.0.1:$REDIS_PORT/0"
[events]
url = "redis://127.0.0.1:$REDIS_PORT/0"
[blobs]
url = "s3://vtp?endpoint=http://127.0.0.1:$S3_PORT&region=us-east-1"
TOML
  export VTP_S3_ACCESS_KEY_ID=S3RVER VTP_S3_SECRET_ACCESS_KEY=S3RVER
}

# Waits for the "listening on" line a `vtp serve` (PID) writes to OUT; sets
# PORT. Exits, showing ERR, when the server dies or stays silent for 30 s.
wait_port() {
  local out=$1 pid=$2 err=$3
  PORT=
  for _ in $(seq 1 300); do
    PORT=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$out" | head -n1)
    [ -n "$PORT" ] && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$err" >&2; exit 1; }
    sleep 0.1
  done
  echo "$out: the server did not report its port" >&2
  exit 1
}

cluster_serve() {
  local name=$1
  shift
  TOKEN=${TOKEN:-$("$VTP" keys create --config "$WORK/cluster.toml" --creator bench --role admin 2>/dev/null)}
  "$VTP" serve --config "$WORK/cluster.toml" --listen 127.0.0.1:0 --workers 0 "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" &
  LAST_PID=$!
  CLUSTER_PIDS+=("$LAST_PID")
  wait_port "$WORK/$name.out" "$LAST_PID" "$WORK/$name.err"
}

cluster_worker() {
  "$VTP" worker --config "$WORK/cluster.toml" >>"$WORK/$1.log" 2>&1 &
  LAST_PID=$!
  CLUSTER_PIDS+=("$LAST_PID")
}

cluster_stop() {
  for pid in "${CLUSTER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${CLUSTER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  CLUSTER_PIDS=()
  "$ROOT/scripts/dev/s3rver.sh" stop "$WORK/s3" >/dev/null || true
  "$ROOT/scripts/dev/redis.sh" stop "$WORK/redis" >/dev/null || true
  "$ROOT/scripts/dev/postgres.sh" stop "$WORK/pg" >/dev/null || true
}

make_clips() {
  local n=$1 dir=$2
  mkdir -p "$dir"
  for i in $(seq 0 $((n - 1))); do
    local f="$dir/clip$i.mp4" d=$((4 + i % 4))
    [ -s "$f" ] && continue
    ffmpeg -hide_banner -nostdin -loglevel error -y \
      -f lavfi -i "testsrc2=size=640x360:rate=30:duration=$d" \
      -f lavfi -i "sine=frequency=$((300 + 50 * i)):duration=$d" \
      -c:v libx264 -preset veryfast -g 30 -c:a aac -shortest "$f"
  done
}

upload_all() {
  local port=$1 token=$2
  shift 2
  for f in "$@"; do "$ROOT/scripts/dev/upload.sh" "http://127.0.0.1:$port" "$token" "$f"; done
}

video_status() {
  curl -fsS -H "Authorization: Bearer $2" "http://127.0.0.1:$1/api/v1/videos/$3/status" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("status",""))' 2>/dev/null || echo unknown
}

# Exits (saying LABEL) unless every ID is ready.
assert_ready() {
  local port=$1 token=$2 label=$3
  shift 3
  for v in "$@"; do
    [ "$(video_status "$port" "$token" "$v")" = ready ] || { echo "$label: $v not ready" >&2; exit 1; }
  done
}

wait_ready() {
  local port=$1 token=$2 timeout=$3
  shift 3
  local deadline=$((SECONDS + timeout))
  while [ $SECONDS -lt $deadline ]; do
    local pending=0
    for v in "$@"; do
      case "$(video_status "$port" "$token" "$v")" in ready|failed) ;; *) pending=$((pending + 1)) ;; esac
    done
    [ $pending -eq 0 ] && return 0
    sleep 0.5
  done
  return 1
}
