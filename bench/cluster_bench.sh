#!/usr/bin/env bash
# End-to-end batch throughput in distributed mode (issue 7): a batch of
# short synthetic videos uploaded through the API to a local cluster
# (PostgreSQL + Redis + s3rver on loopback, one `vtp serve --workers 0`, W
# `vtp worker` processes), timed from the first upload to the last video
# ready; then the same batch on an embedded `vtp serve --workers W` (SQLite,
# local files) as the baseline, in the same run. Prints a markdown table.
#
# usage: bench/cluster_bench.sh [VIDEOS] [WORKER_COUNTS]   (default: 6 "1 2 4")
# env: VTP (default build/vtp), WORK (default a temp dir), PG_PORT,
#      REDIS_PORT, S3_PORT (defaults in bench/cluster_common.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VTP=${VTP:-build/vtp}
VIDEOS=${1:-6}
COUNTS=${2:-"1 2 4"}
WORK=${WORK:-$(mktemp -d /tmp/vtp-cluster-bench.XXXXXX)}
# PostgreSQL runs as the postgres user when we are root: it must reach WORK.
chmod 755 "$WORK"
. bench/cluster_common.sh
trap cluster_stop EXIT

make_clips "$VIDEOS" "$WORK/clips"
CLIPS=("$WORK"/clips/clip*.mp4)
SECONDS_OF_MEDIA=0
for c in "${CLIPS[@]}"; do
  d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$c")
  SECONDS_OF_MEDIA=$(python3 -c "print($SECONDS_OF_MEDIA + $d)")
done

now() { date +%s.%N; }

embedded_run() {
  local w=$1 data="$WORK/embedded-$w"
  rm -rf "$data"
  mkdir -p "$data"
  local token
  token=$("$VTP" keys create --data "$data" --creator bench --role admin 2>/dev/null)
  env -u VTP_CONFIG "$VTP" serve --data "$data" --listen 127.0.0.1:0 --workers "$w" --chunk-workers "$w" \
    >"$WORK/embedded-$w.out" 2>"$WORK/embedded-$w.err" &
  local pid=$!
  wait_port "$WORK/embedded-$w.out" "$pid" "$WORK/embedded-$w.err"
  local port=$PORT
  local t0 ids
  t0=$(now)
  mapfile -t ids < <(upload_all "$port" "$token" "${CLIPS[@]}")
  wait_ready "$port" "$token" 1800 "${ids[@]}"
  local t1
  t1=$(now)
  assert_ready "$port" "$token" "cluster_bench: embedded" "${ids[@]}"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  python3 -c "print(f'{$t1 - $t0:.1f}')"
}

# Runs in this shell (not a $(...) subshell): the processes it starts must
# stay in CLUSTER_PIDS for cluster_stop. Sets CLUSTER_WALL.
cluster_run() {
  local w=$1
  cluster_stop
  rm -rf "$WORK/pg" "$WORK/redis" "$WORK/s3" "$WORK/data"
  cluster_servers
  unset TOKEN
  cluster_serve "serve-$w" --chunk-workers "$w"
  for i in $(seq "$w"); do cluster_worker "worker-$w-$i"; done
  local t0 ids
  t0=$(now)
  mapfile -t ids < <(upload_all "$PORT" "$TOKEN" "${CLIPS[@]}")
  wait_ready "$PORT" "$TOKEN" 1800 "${ids[@]}"
  local t1
  t1=$(now)
  assert_ready "$PORT" "$TOKEN" "cluster_bench: distributed" "${ids[@]}"
  CLUSTER_WALL=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
}

echo "# cluster_bench: $VIDEOS videos, ${SECONDS_OF_MEDIA%.*} s of 640x360 media in all"
echo
echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| workers | embedded wall s | distributed wall s | distributed / embedded | distributed videos/min | media s per wall s |"
echo "|---|---|---|---|---|---|"
for w in $COUNTS; do
  e=$(embedded_run "$w")
  cluster_run "$w" >/dev/null
  d=$CLUSTER_WALL
  python3 - "$w" "$e" "$d" "$VIDEOS" "$SECONDS_OF_MEDIA" <<'PY'
import sys
w, e, d, n, media = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
print(f"| {w} | {e:.1f} | {d:.1f} | {d / e:.2f} | {n * 60 / d:.1f} | {media / d:.2f} |")
PY
done
echo
echo "- load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
