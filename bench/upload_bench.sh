#!/usr/bin/env bash
# Upload memory benchmark (issue 6): one tus PATCH of SIZE bytes each (default
# 256 MiB, then 2 GiB) to `vtp serve`, with the server's VmRSS sampled every
# 0.25 s (bench/pid_rss.py) — the claim to show is that the server's memory
# does not grow with the upload's size (bodies are streamed to disk in 64 KiB
# pieces). Local baselines on the same disk: a plain copy of the same file
# (`cp --sparse=never` + sync) and `dd bs=8M oflag=dsync` (a flush every
# 8 MiB, as the server commits an upload's offset every 8 MiB).
#
# The upload bytes are zeros (fallocate), so the pipeline that starts after
# each upload fails at its probe — irrelevant here. `vtp serve` has no
# "no workers" mode (--workers 0 means the default), so WORKERS=1 runs.
#
# usage: bench/upload_bench.sh
# env: VTP (binary; default BUILD_DIR/vtp, built first), BUILD_DIR (default
#      build), SIZES (default "256M 2G": sizes for fallocate -l), THREADS
#      (serve --threads, 4), WORKERS (1), WORK_DIR (default: a new directory
#      under /tmp; needs about 3x the largest size free: source file, part
#      file and stored original), RESULTS_DIR (default bench/results), KEEP=1
#      keeps the data directory (the big files are always removed),
#      WAIT_IDLE (first wait up to this many seconds for the machine to be
#      under 10% busy; default 120, 0 disables).
# Output: one JSON line per size, also saved to RESULTS_DIR/upload_<stamp>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

case "${1:-}" in
  -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
SIZES=${SIZES:-256M 2G}
THREADS=${THREADS:-4}
WORKERS=${WORKERS:-1}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}

if [ -z "${VTP:-}" ]; then
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >&2
  fi
  cmake --build "$BUILD_DIR" --target vtp >&2
fi
VTP=${VTP:-$BUILD_DIR/vtp}
[ -x "$VTP" ] || { echo "upload_bench: no binary at $VTP" >&2; exit 1; }
for t in curl jq python3 fallocate; do command -v $t >/dev/null || { echo "upload_bench: needs $t" >&2; exit 1; }; done

WAIT_IDLE=${WAIT_IDLE:-120}
if [ "$WAIT_IDLE" != 0 ]; then
  waited=$(python3 -c 'import sys; sys.path.insert(0, "bench"); import proc_tree_rss as p; print(p.wait_idle(float(sys.argv[1])))' "$WAIT_IDLE")
  echo "upload_bench: waited ${waited} s for an idle machine (limit $WAIT_IDLE s)" >&2
fi
if [ -n "${WORK_DIR:-}" ]; then mkdir -p "$WORK_DIR"; WORK=$WORK_DIR; else WORK=$(mktemp -d /tmp/vtp-upload-bench.XXXXXX); fi
DATA=$WORK/data
rm -rf "$DATA"
df -h "$WORK" >&2
SERVE_PID=
cleanup() {
  if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
  fi
  rm -f "$WORK"/src_* "$WORK"/copy_*
  if [ "${KEEP:-0}" = 1 ]; then
    # Keep the small files, never the big ones.
    find "$DATA" -type f -size +16M -delete 2>/dev/null || true
  elif [ -z "${WORK_DIR:-}" ]; then
    rm -rf "$WORK"
  else
    rm -rf "$DATA"
  fi
}
trap cleanup EXIT

# shellcheck source=bench/serve_common.sh
. "$(dirname "$0")/serve_common.sh"
# shellcheck disable=SC2086
start_serve upload_bench
echo "upload_bench: vtp serve pid $SERVE_PID on $BASE" >&2

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/upload_$(date -u +%Y%m%dT%H%M%SZ).json
: >"$OUT"
for size in $SIZES; do
  src=$WORK/src_$size
  fallocate -l "$size" "$src"
  bytes=$(stat -c %s "$src")
  sync
  # Local baseline: the same bytes copied on the same disk, flushed.
  rm -f "$WORK/copy_$size"
  t0=$(date +%s.%N)
  cp --sparse=never "$src" "$WORK/copy_$size"
  sync "$WORK/copy_$size"
  t1=$(date +%s.%N)
  rm -f "$WORK/copy_$size"
  cp_s=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
  # The same with a flush every 8 MiB, the server's durability cadence
  # (UploadConfig::commit_every_bytes: fsync + offset commit per 8 MiB).
  t0=$(date +%s.%N)
  dd if="$src" of="$WORK/copy_$size" bs=8M oflag=dsync status=none
  t1=$(date +%s.%N)
  rm -f "$WORK/copy_$size"
  dd_s=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")

  resp=$(curl -sS --fail-with-body -X POST "$BASE/api/v1/videos/upload" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"filename\":\"zeros_$size.mp4\",\"content_type\":\"video/mp4\",\"file_size_bytes\":$bytes}")
  url=$(jq -r .upload_url <<<"$resp")
  vid=$(jq -r .video_id <<<"$resp")
  sync
  sleep 1
  # One PATCH with the whole file, streamed from disk by curl.
  python3 bench/pid_rss.py --pid "$SERVE_PID" --interval 0.25 --watch "$DATA/uploads/*.part" \
    --out "$WORK/rss_$size.json" -- \
    curl -sS -o /dev/null -X PATCH "$url" -H "Authorization: Bearer $TOKEN" \
    -H 'Tus-Resumable: 1.0.0' -H 'Upload-Offset: 0' -H 'Content-Type: application/offset+octet-stream' \
    -H 'Expect:' -T "$src" \
    -w '{"http_code":%{http_code},"size_upload":%{size_upload},"time_total":%{time_total},"time_pretransfer":%{time_pretransfer},"time_starttransfer":%{time_starttransfer}}'
  sleep 1
  rss_after=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$SERVE_PID/status")
  jq -c --arg size "$size" --argjson bytes "$bytes" --argjson cp_s "$cp_s" --argjson dd_s "$dd_s" --arg vid "$vid" \
    --argjson rss_after "$rss_after" \
    '(.stdout | fromjson) as $c
     | {size: $size, bytes: $bytes, video_id: $vid, http_code: $c.http_code,
        patch_seconds: .wall_seconds,
        body_received_at_seconds: .watch_full_at_seconds,
        finalize_seconds: (if .watch_full_at_seconds then (.wall_seconds - .watch_full_at_seconds) else null end),
        mib_per_s_whole_patch: ($bytes / 1048576 / .wall_seconds),
        mib_per_s_body: (if .watch_full_at_seconds then ($bytes / 1048576 / .watch_full_at_seconds) else null end),
        cp_seconds: $cp_s, cp_mib_per_s: ($bytes / 1048576 / $cp_s),
        dd_dsync_8m_seconds: $dd_s, dd_dsync_8m_mib_per_s: ($bytes / 1048576 / $dd_s),
        rss_start_kb, rss_max_kb, rss_end_kb, rss_1s_after_kb: $rss_after,
        rss_growth_kb: (.rss_max_kb - .rss_start_kb), samples: (.samples | length)}' \
    "$WORK/rss_$size.json" | tee -a "$OUT"
  cp "$WORK/rss_$size.json" "${OUT%.json}_rss_$size.json"
  rm -f "$src"
  # The stored original (zeros) is not needed any more.
  find "$DATA/blobs" -type f -size +16M -delete 2>/dev/null || true
done
echo "upload_bench: saved $OUT" >&2
