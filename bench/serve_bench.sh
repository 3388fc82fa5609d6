#!/usr/bin/env bash
# `vtp serve` under load (issue 6): 1,000 Server-Sent-Events subscribers plus
# 500 status requests/s (open loop) for 30 s, while the server's one local
# worker transcodes the watched videos and one more clip is uploaded in the
# middle of the run. Prints serve_load's JSON summary (bench/serve_load.cc)
# and saves it to RESULTS_DIR/serve_<stamp>.json.
#
# usage: bench/serve_bench.sh [extra serve_load options...]
# env: VTP, SERVE_LOAD (binaries; default BUILD_DIR/vtp and BUILD_DIR/serve_load,
#      built with `cmake --build BUILD_DIR --target vtp serve_load` first),
#      BUILD_DIR (default build), SUBSCRIBERS (1000), RATE (status requests/s,
#      500), DURATION (s, 30), CONNECTIONS (status keep-alive pool, 64),
#      THREADS (serve --threads, 4), WORKERS (serve --workers, 1), WATCH
#      (videos uploaded before the run and watched, 2), CLIP_SECONDS (20) and
#      CLIP_SIZE (1280x720) of the generated test clip, UPLOAD_AT (seconds into
#      the load for the extra upload, 5; -1: none), EXTRA_FILE (what that
#      upload sends; default the clip, e.g. a big zero file made with
#      fallocate to load the upload path), WORK_DIR (default: a new
#      directory under /tmp, removed afterwards unless KEEP=1), RESULTS_DIR
#      (default bench/results), SERVE_ARGS (more `vtp serve` options),
#      WAIT_IDLE (first wait up to this many seconds for the machine to be
#      under 10% busy; default 120, 0 disables).
# Exit status: non-zero only when the setup fails; the targets (no errors,
# status p99 <= 50 ms) are in the JSON ("targets") and docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

case "${1:-}" in
  -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-500}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-4}
WORKERS=${WORKERS:-1}
WATCH=${WATCH:-2}
CLIP_SECONDS=${CLIP_SECONDS:-20}
CLIP_SIZE=${CLIP_SIZE:-1280x720}
UPLOAD_AT=${UPLOAD_AT:-5}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}

if [ -z "${VTP:-}" ] || [ -z "${SERVE_LOAD:-}" ]; then
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >&2
  fi
  cmake --build "$BUILD_DIR" --target vtp serve_load >&2
fi
VTP=${VTP:-$BUILD_DIR/vtp}
SERVE_LOAD=${SERVE_LOAD:-$BUILD_DIR/serve_load}
for b in "$VTP" "$SERVE_LOAD"; do [ -x "$b" ] || { echo "serve_bench: no binary at $b" >&2; exit 1; }; done
for t in ffmpeg curl jq; do command -v $t >/dev/null || { echo "serve_bench: needs $t" >&2; exit 1; }; done

# 1,000 streams + the pool need more descriptors than the usual 1024, in the
# server and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $((SUBSCRIBERS + CONNECTIONS + 200)) ] ||
  echo "serve_bench: warning: ulimit -n $(ulimit -n) is low for $SUBSCRIBERS subscribers" >&2

WAIT_IDLE=${WAIT_IDLE:-120}
if [ "$WAIT_IDLE" != 0 ]; then
  waited=$(python3 -c 'import sys; sys.path.insert(0, "bench"); import proc_tree_rss as p; print(p.wait_idle(float(sys.argv[1])))' "$WAIT_IDLE")
  echo "serve_bench: waited ${waited} s for an idle machine (limit $WAIT_IDLE s)" >&2
fi
if [ -n "${WORK_DIR:-}" ]; then mkdir -p "$WORK_DIR"; WORK=$WORK_DIR; else WORK=$(mktemp -d /tmp/vtp-serve-bench.XXXXXX); fi
DATA=$WORK/data
rm -rf "$DATA"
SERVE_PID=
cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" != 1 ] && [ -z "${WORK_DIR:-}" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

CLIP=$WORK/clip_${CLIP_SIZE}_${CLIP_SECONDS}s.mp4
if [ ! -f "$CLIP" ]; then
  echo "serve_bench: generating $CLIP" >&2
  ffmpeg -hide_banner -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=$CLIP_SIZE:rate=30:duration=$CLIP_SECONDS" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$CLIP_SECONDS" \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k -shortest "$CLIP"
fi

# shellcheck source=bench/serve_common.sh
. "$(dirname "$0")/serve_common.sh"
# shellcheck disable=SC2086
start_serve serve_bench --rate 100000 --burst 100000 ${SERVE_ARGS:-}
echo "serve_bench: vtp serve pid $SERVE_PID on $BASE (--threads $THREADS --workers $WORKERS)" >&2

# Upload FILE (one POST /videos/upload + one tus PATCH); prints the video id.
upload() {
  local file=$1 title=$2 size resp vid url code
  size=$(stat -c %s "$file")
  resp=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/videos/upload" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"filename\":\"$(basename "$file")\",\"content_type\":\"video/mp4\",\"file_size_bytes\":$size,\"title\":\"$title\"}")
  vid=$(jq -r .video_id <<<"$resp")
  url=$(jq -r .upload_url <<<"$resp")
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH "$url" -H "Authorization: Bearer $TOKEN" \
    -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
    -H 'Expect:' -T "$file")
  [ "$code" = 204 ] || { echo "serve_bench: PATCH of $file answered $code" >&2; return 1; }
  echo "$vid"
}

VIDEOS=()
for i in $(seq 1 "$WATCH"); do VIDEOS+=("$(upload "$CLIP" "watched $i")"); done
IDS=$(IFS=,; echo "${VIDEOS[*]}")
echo "serve_bench: watching $IDS" >&2

MARK=$WORK/load-started
rm -f "$MARK"
EXTRA_LOG=$WORK/extra-upload.txt
if [ "$UPLOAD_AT" != -1 ]; then
  (
    for _ in $(seq 1 600); do [ -e "$MARK" ] && break; sleep 0.1; done
    sleep "$UPLOAD_AT"
    t0=$(date +%s.%N)
    vid=$(upload "${EXTRA_FILE:-$CLIP}" "uploaded during the run")
    echo "$vid uploaded $(date +%s.%N) started $t0" >"$EXTRA_LOG"
  ) &
  EXTRA_PID=$!
fi

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/serve_$(date -u +%Y%m%dT%H%M%SZ).json
"$SERVE_LOAD" --port "$PORT" --key "$TOKEN" --videos "$IDS" --subscribers "$SUBSCRIBERS" --rate "$RATE" \
  --duration "$DURATION" --connections "$CONNECTIONS" --pid "$SERVE_PID" --mark-file "$MARK" "$@" >"$OUT.tmp"
[ -z "${EXTRA_PID:-}" ] || wait "$EXTRA_PID" || echo "serve_bench: the extra upload failed" >&2

# What the worker was doing: status of each video at the end.
STATES=$(for v in "${VIDEOS[@]}" $( [ -f "$EXTRA_LOG" ] && cut -d' ' -f1 "$EXTRA_LOG"); do
  curl -sS "$BASE/api/v1/videos/$v/status" -H "Authorization: Bearer $TOKEN" | jq -c '{video_id, status, percent, transcode: .pipeline_progress.transcode}'
done | jq -s -c .)
jq --argjson states "$STATES" \
  --arg machine "$(uname -srm), nproc $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
  --arg commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg clip "$CLIP_SIZE ${CLIP_SECONDS}s testsrc2 + sine, x264 veryfast + AAC" \
  --arg extra "$(cat "$EXTRA_LOG" 2>/dev/null || echo none)${EXTRA_FILE:+ ($(stat -c %s "$EXTRA_FILE") bytes from $EXTRA_FILE)}" \
  --argjson threads "$THREADS" --argjson workers "$WORKERS" \
  '. + {machine: $machine, commit: $commit, serve: {threads: $threads, workers: $workers}, clip: $clip,
        extra_upload: $extra, videos_at_end: $states}' "$OUT.tmp" >"$OUT"
rm -f "$OUT.tmp"
jq . "$OUT"
jq -r '"serve_bench: status p50/p90/p99/max \(.status.latency_ms.p50)/\(.status.latency_ms.p90)/\(.status.latency_ms.p99)/\(.status.latency_ms.max) ms, \(.status.achieved_rate)/s, errors \(.status.errors); SSE open \(.sse.open_min_during_load)..\(.sse.open_at_end), events \(.sse.events), errors \(.sse.errors); serve RSS \(.server.start_mib)/\(.server.max_mib)/\(.server.end_mib) MiB"' "$OUT" >&2
echo "serve_bench: saved $OUT" >&2
