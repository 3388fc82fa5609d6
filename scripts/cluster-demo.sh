#!/usr/bin/env bash
# Local cluster demo (distributed mode on one machine): starts PostgreSQL,
# Redis and an S3 server (s3rver) on loopback, writes a cluster.toml, starts
# one `vtp serve` (API + orchestrator, no local workers) and three
# `vtp worker` processes against it, uploads a generated sample through the
# API and waits until the video is ready. Everything lives under
# CLUSTER_DIR; `scripts/cluster-demo.sh stop` stops it all.
#
# env: VTP (default build/vtp), CLUSTER_DIR (default demo-out/cluster),
#      PG_PORT (55432), REDIS_PORT (56379), S3_PORT (59000), API_PORT (8090)
set -euo pipefail
cd "$(dirname "$0")/.."

VTP=${VTP:-build/vtp}
DIR=${CLUSTER_DIR:-demo-out/cluster}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
S3_PORT=${S3_PORT:-59000}
API_PORT=${API_PORT:-8090}
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

stop_all() {
  for f in "$DIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  scripts/dev/s3rver.sh stop "$DIR/s3" || true
  scripts/dev/redis.sh stop "$DIR/redis" || true
  scripts/dev/postgres.sh stop "$DIR/pg" || true
}

if [ "${1:-}" = "stop" ]; then
  stop_all
  exit 0
fi

command -v ffmpeg >/dev/null || { echo "cluster-demo: ffmpeg not found (run: make deps)" >&2; exit 1; }
[ -x "$VTP" ] || { echo "cluster-demo: no vtp binary at $VTP (run: make build)" >&2; exit 1; }

scripts/dev/postgres.sh start "$DIR/pg" "$PG_PORT"
scripts/dev/redis.sh start "$DIR/redis" "$REDIS_PORT"
scripts/dev/s3rver.sh start "$DIR/s3" "$S3_PORT" vtp 2>/dev/null ||
  scripts/dev/s3rver.sh start "$DIR/s3" "$S3_PORT" vtp

cat >"$DIR/cluster.toml" <<TOML
# Written by scripts/cluster-demo.sh. Secrets come from the environment:
# VTP_S3_ACCESS_KEY_ID / VTP_S3_SECRET_ACCESS_KEY (s3rver's fixed pair).
data_dir = "$DIR/data"

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

SAMPLE="$DIR/sample.mp4"
if [ ! -s "$SAMPLE" ]; then
  ffmpeg -hide_banner -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=8" \
    -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=8" \
    -c:v libx264 -preset veryfast -g 60 -c:a aac -shortest "$SAMPLE.tmp.mp4"
  mv "$SAMPLE.tmp.mp4" "$SAMPLE"
fi

mkdir -p "$DIR/pids" "$DIR/logs"
KEY=$("$VTP" keys create --config "$DIR/cluster.toml" --creator demo --role admin --name cluster-demo 2>/dev/null | head -1)
"$VTP" serve --config "$DIR/cluster.toml" --listen "127.0.0.1:$API_PORT" --workers 0 \
  >"$DIR/logs/serve.log" 2>&1 &
echo $! >"$DIR/pids/serve.pid"
for i in 1 2 3; do
  "$VTP" worker --config "$DIR/cluster.toml" >"$DIR/logs/worker$i.log" 2>&1 &
  echo $! >"$DIR/pids/worker$i.pid"
done
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$API_PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

echo "cluster-demo: uploading $SAMPLE"
VIDEO=$(scripts/dev/upload.sh "http://127.0.0.1:$API_PORT" "$KEY" "$SAMPLE")
echo "cluster-demo: video $VIDEO; waiting for it to be ready"
for _ in $(seq 600); do
  STATUS=$(curl -fsS -H "Authorization: Bearer $KEY" "http://127.0.0.1:$API_PORT/api/v1/videos/$VIDEO" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
  [ "$STATUS" = "ready" ] || [ "$STATUS" = "failed" ] && break
  sleep 1
done
echo "cluster-demo: status $STATUS"
echo "cluster-demo: HLS http://127.0.0.1:$API_PORT/media/$VIDEO/manifest.m3u8, DASH .../manifest.mpd"
echo "cluster-demo: originals in S3:"
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
  aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 ls --recursive s3://vtp/originals/ || true
echo "cluster-demo: still running; stop with: scripts/cluster-demo.sh stop"
[ "$STATUS" = "ready" ]
