#!/usr/bin/env bash
# Local cluster demo (distributed mode on one machine): starts PostgreSQL,
# Redis and an S3 server (s3rver) on loopback, writes a cluster.toml, starts
# one `vtp serve` (API + orchestrator, no local workers) and three
# `vtp worker` processes against it, uploads a generated sample through the
# API (straight to S3 with presigned part URLs) and waits until the video is
# ready. Everything lives under CLUSTER_DIR; `scripts/cluster-demo.sh stop`
# stops it all.
#
# env: VTP (default build/vtp), CLUSTER_DIR (default demo-out/cluster),
#      PG_PORT (55432), REDIS_PORT (56379), S3_PORT (59000), API_PORT (8090)
set -euo pipefail
cd "$(dirname "$0")/.."

VTP=${VTP:-build/vtp}
WORK=${CLUSTER_DIR:-demo-out/cluster}
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
S3_PORT=${S3_PORT:-59000}
API_PORT=${API_PORT:-8090}
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
# PostgreSQL runs as the postgres user when we are root: it must reach WORK.
chmod 755 "$WORK"
. bench/cluster_common.sh

if [ "${1:-}" = "stop" ]; then
  for f in "$WORK"/pids/*.pid; do
    [ -f "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  cluster_stop
  exit 0
fi

command -v ffmpeg >/dev/null || { echo "cluster-demo: ffmpeg not found (run: make deps)" >&2; exit 1; }
[ -x "$VTP" ] || { echo "cluster-demo: no vtp binary at $VTP (run: make build)" >&2; exit 1; }

cluster_servers
echo "cluster-demo: PostgreSQL :$PG_PORT, Redis :$REDIS_PORT, s3rver :$S3_PORT; config $WORK/cluster.toml"
make_clips 1 "$WORK/clips"
SAMPLE="$WORK/clips/clip0.mp4"

mkdir -p "$WORK/pids"
cluster_serve serve --listen "127.0.0.1:$API_PORT"
echo "$LAST_PID" >"$WORK/pids/serve.pid"
for i in 1 2 3; do
  cluster_worker "worker$i"
  echo "$LAST_PID" >"$WORK/pids/worker$i.pid"
done

echo "cluster-demo: uploading $SAMPLE"
VIDEO=$(scripts/dev/upload.sh "http://127.0.0.1:$PORT" "$TOKEN" "$SAMPLE")
echo "cluster-demo: video $VIDEO; waiting for it to be ready"
wait_ready "$PORT" "$TOKEN" 600 "$VIDEO" || true
STATUS=$(video_status "$PORT" "$TOKEN" "$VIDEO")
echo "cluster-demo: status $STATUS"
echo "cluster-demo: HLS http://127.0.0.1:$PORT/media/$VIDEO/manifest.m3u8, DASH .../manifest.mpd"
echo "cluster-demo: API key (admin): $TOKEN"
echo "cluster-demo: originals in S3:"
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
  aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3 ls --recursive s3://vtp/originals/ || true
echo "cluster-demo: still running; stop with: scripts/cluster-demo.sh stop"
[ "$STATUS" = "ready" ]
