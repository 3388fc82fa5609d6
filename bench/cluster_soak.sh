#!/usr/bin/env bash
# Distributed-mode soak (issue 7): the chaos test's faults, for longer and at
# random. A local cluster (PostgreSQL + Redis + s3rver, two `vtp serve`, three
# `vtp worker`) processes waves of uploads while, every few seconds, a random
# worker is SIGKILLed or SIGTERMed (preemption) and restarted, and now and
# then Redis is flushed and restarted or PostgreSQL restarted. At the end it
# checks what the chaos test checks: every video ready, outputs identical to
# an embedded run of the same clips, no dead letter, no task left running or
# leased, every original in S3 with its upload's SHA-256.
#
# usage: bench/cluster_soak.sh [MINUTES] [VIDEOS_PER_WAVE]   (default 10, 4)
# env: VTP (default build/vtp), WORK (default a temp dir), SEED (random seed)
# Exit status 0 only when every check passed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VTP=${VTP:-build/vtp}
MINUTES=${1:-10}
PER_WAVE=${2:-4}
WORK=${WORK:-$(mktemp -d /tmp/vtp-cluster-soak.XXXXXX)}
RANDOM=${SEED:-$$}
# PostgreSQL runs as the postgres user when we are root: it must reach WORK.
chmod 755 "$WORK"
. bench/cluster_common.sh
trap cluster_stop EXIT

make_clips "$PER_WAVE" "$WORK/clips"
CLIPS=("$WORK"/clips/clip*.mp4)
sha() { sha256sum "$1" | cut -d' ' -f1; }
tree_digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1; }

echo "cluster_soak: embedded baseline of ${#CLIPS[@]} clips"
EMB="$WORK/embedded"
mkdir -p "$EMB"
ETOKEN=$("$VTP" keys create --data "$EMB" --creator soak --role admin 2>/dev/null)
env -u VTP_CONFIG "$VTP" serve --data "$EMB" --listen 127.0.0.1:0 --workers 2 --chunk-workers 2 >"$WORK/emb.out" 2>"$WORK/emb.err" &
EPID=$!
wait_port "$WORK/emb.out" "$EPID" "$WORK/emb.err"
EPORT=$PORT
mapfile -t EIDS < <(upload_all "$EPORT" "$ETOKEN" "${CLIPS[@]}")
wait_ready "$EPORT" "$ETOKEN" 1800 "${EIDS[@]}"
declare -A EXPECTED
for i in "${!CLIPS[@]}"; do EXPECTED[$i]=$(tree_digest "$EMB/public/${EIDS[$i]}"); done
kill "$EPID"; wait "$EPID" 2>/dev/null || true

echo "cluster_soak: cluster up; chaos for $MINUTES min"
cluster_servers
cluster_serve api-a --chunk-workers 2
PORT_A=$PORT
cluster_serve api-b --chunk-workers 2
PORT_B=$PORT
WPIDS=()
for i in 0 1 2; do cluster_worker "worker$i"; WPIDS[$i]=$LAST_PID; done

declare -a IDS CLIP_OF
upload_wave() {
  local port=$1 i
  for i in "${!CLIPS[@]}"; do
    IDS+=("$("$ROOT/scripts/dev/upload.sh" "http://127.0.0.1:$port" "$TOKEN" "${CLIPS[$i]}")")
    CLIP_OF+=("$i")
  done
}

# Signals worker N and starts a new one in its place (in this shell: the
# new pid must reach CLUSTER_PIDS).
restart_worker() {
  kill -"$1" "${WPIDS[$2]}" 2>/dev/null || true
  wait "${WPIDS[$2]}" 2>/dev/null || true
  cluster_worker "worker$2"
  WPIDS[$2]=$LAST_PID
}

declare -A COUNT
END=$((SECONDS + MINUTES * 60))
WAVE=0
while [ $SECONDS -lt $END ]; do
  if [ $((WAVE % 6)) -eq 0 ]; then upload_wave $([ $((WAVE % 12)) -eq 0 ] && echo "$PORT_A" || echo "$PORT_B"); fi
  WAVE=$((WAVE + 1))
  sleep $((3 + RANDOM % 6))
  w=$((RANDOM % 3))
  case $((RANDOM % 10)) in
    0) scripts/dev/redis.sh flush "$WORK/redis" >/dev/null; scripts/dev/redis.sh stop "$WORK/redis" >/dev/null
       scripts/dev/redis.sh start "$WORK/redis" "$REDIS_PORT" >/dev/null; a="redis flush+restart" ;;
    1) scripts/dev/postgres.sh restart "$WORK/pg" >/dev/null; a="postgres restart" ;;
    2|3|4) restart_worker TERM "$w"; a="SIGTERM worker" ;;
    *) restart_worker KILL "$w"; a="SIGKILL worker" ;;
  esac
  COUNT[$a]=$(( ${COUNT[$a]:-0} + 1 ))
done
echo "cluster_soak: chaos done ($(for k in "${!COUNT[@]}"; do printf '%s x%s; ' "$k" "${COUNT[$k]}"; done)); waiting for ${#IDS[@]} videos"
wait_ready "$PORT_A" "$TOKEN" 1800 "${IDS[@]}" || { echo "cluster_soak: FAIL: videos not finished" >&2; exit 1; }

FAIL=0
for n in "${!IDS[@]}"; do
  v=${IDS[$n]} i=${CLIP_OF[$n]}
  s=$(video_status "$PORT_B" "$TOKEN" "$v")
  [ "$s" = ready ] || { echo "FAIL: $v is $s"; FAIL=1; continue; }
  [ "$(tree_digest "$WORK/data/public/$v")" = "${EXPECTED[$i]}" ] || { echo "FAIL: $v differs from embedded"; FAIL=1; }
  meta=$(AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
    aws --endpoint-url "http://127.0.0.1:$S3_PORT" s3api head-object --bucket vtp --key "originals/$v/original.mp4" \
    --query 'Metadata.sha256' --output text 2>/dev/null || echo missing)
  [ "$meta" = "$(sha "${CLIPS[$i]}")" ] || { echo "FAIL: original of $v: $meta"; FAIL=1; }
done
DEAD=$("$VTP" dlq list --config "$WORK/cluster.toml" 2>/dev/null | grep -c . || true)
[ "$DEAD" -eq 0 ] || { echo "FAIL: $DEAD dead letters"; FAIL=1; }
LEASED=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atc \
  "SELECT count(*) FROM tasks WHERE state = 'running' OR lease_owner <> ''" 2>/dev/null || echo '?')
[ "$LEASED" = 0 ] || { echo "FAIL: $LEASED tasks running or leased"; FAIL=1; }
echo "cluster_soak: ${#IDS[@]} videos, $MINUTES min, chaos: $(for k in "${!COUNT[@]}"; do printf '%s x%s; ' "$k" "${COUNT[$k]}"; done)"
[ $FAIL -eq 0 ] && echo "cluster_soak: PASS" || echo "cluster_soak: FAIL"
exit $FAIL
