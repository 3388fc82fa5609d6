#!/usr/bin/env bash
# Engine queue-dispatch benchmark (issue 3): no-op tasks through the embedded
# queue (SqliteStore, one WAL file; worker processes each with their own
# connection), plus InMemoryStore (threads) for comparison. It measures the
# queue's dispatch path (Lease -> Complete), which every task of the engine
# goes through; the scheduler's planning per task is not included.
#
# usage: bench/engine_bench.sh [engine_bench options...]
#   With no options runs the default matrix (about 1.5-2 minutes):
#   closed loop N=20000 with W=1,2,4 (synchronous NORMAL), N=5000 W=2 (FULL);
#   open loop R=1000,3000,5000 tasks/s x W=1,2,4 (NORMAL), R=1000 W=2 (FULL); one
#   shared connection (threads) and InMemoryStore rows for comparison.
#   `bench/engine_bench.sh --help` lists the options (e.g. --quick).
# env: ENGINE_BENCH (binary; default BUILD_DIR/engine_bench, built with
#      `cmake --build BUILD_DIR --target engine_bench` first), BUILD_DIR
#      (default build), WAIT_IDLE (seconds to wait for an idle machine
#      before starting; default 120, 0 disables), RESULTS_DIR (default
#      bench/results; the table is also saved there as engine_<stamp>.md).
# Exit status: non-zero only on errors; speed targets live in
# docs/benchmarks.md, not here.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
WAIT_IDLE=${WAIT_IDLE:-120}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}

HELP=0
case "${1:-}" in
  -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; HELP=1 ;;
esac

if [ -n "${ENGINE_BENCH:-}" ]; then
  BIN=$ENGINE_BENCH
else
  if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >&2
  fi
  cmake --build "$BUILD_DIR" --target engine_bench >&2
  BIN=$BUILD_DIR/engine_bench
fi
[ -x "$BIN" ] || { echo "engine_bench: no binary at $BIN" >&2; exit 1; }
if [ "$HELP" = 1 ]; then
  echo
  exec "$BIN" --help
fi

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/engine_$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "<!-- $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), nproc $(nproc),"
  echo "     commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) -->"
} >"$OUT"
"$BIN" --wait-idle "$WAIT_IDLE" "$@" | tee -a "$OUT"
echo "engine_bench: table saved to $OUT" >&2
