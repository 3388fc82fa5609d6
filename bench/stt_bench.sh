#!/usr/bin/env bash
# Speech-to-text benchmark (issue 5): word error rate and real-time factor
# of PocketSphinxStt (src/adapters/pocketsphinx_stt.h) on speech with a
# known transcript. It builds nothing: it runs the PocketSphinx tests of an
# existing adapters_tests binary, which print one "stt-bench" line per
# transcription, and turns those lines into a table.
#
# usage: bench/stt_bench.sh [--quick]
#   default  every input: the test sentences, a 143-word flite passage in
#            each flite voice (slt, kal16, awb, rms, kal), the corpus's JFK
#            and GRID speech (../shared/corpus), 72 s of E-AC-3 voice
#            prompts (speed only; no verified transcript), model load time.
#            About 2 minutes of CPU on one core.
#   --quick  only the inputs the regular test suite runs (about 15 s).
# env: BUILD_DIR (default build) holding tests/adapters_tests, built first
#      with `ninja -C BUILD_DIR adapters_tests`; ADAPTERS_TESTS (the binary,
#      overrides BUILD_DIR); RESULTS_DIR (default bench/results; the table
#      is also saved there as stt_<stamp>.md).
# Columns: audio_s (input length), cpu_s (thread CPU time of Transcribe,
# model load excluded), rtf = cpu_s / audio_s, wer (subtitle::WordErrorRate:
# lower-cased, punctuation stripped) with substitutions/deletions/insertions.
# The audio comes from the ffmpeg CLI as 16 kHz mono s16le (decode time is
# not counted). CPU time is per thread, but a busy machine still slows it
# through shared caches: compare runs on an idle machine.
# Exit status: non-zero when a test fails or the binary is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BIN=${ADAPTERS_TESTS:-$BUILD_DIR/tests/adapters_tests}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}

FILTER='PocketSphinxStt*'
case "${1:-}" in
  -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --quick) FILTER='PocketSphinxSttTest.*' ;;
  "") ;;
  *) echo "stt_bench: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
[ -x "$BIN" ] || {
  echo "stt_bench: no test binary at $BIN; build it with: ninja -C $BUILD_DIR adapters_tests" >&2
  exit 1
}

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
status=0
"$BIN" --gtest_filter="$FILTER" >"$LOG" 2>&1 || status=$?

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/stt_$(date -u +%Y%m%dT%H%M%SZ).md
{
  echo "<!-- $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -srm), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg),"
  echo "     commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown) -->"
  echo
  echo "| input | audio s | CPU s | RTF | ref words | WER | S | D | I |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk '
    $1 == "stt-bench" && $2 ~ /^input=/ {
      delete f
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f["input"], f["audio_s"],
             f["cpu_s"], f["rtf"], f["ref_words"], f["wer"],
             ("S" in f ? f["S"] : "-"), ("D" in f ? f["D"] : "-"), ("I" in f ? f["I"] : "-")
    }
    $1 == "stt-bench" && $2 == "model_load" { load = $3 " " $4 }
    END { if (load != "") printf "\nmodel load: %s\n", load }
  ' "$LOG"
} | tee "$OUT"
echo "stt_bench: table saved to $OUT" >&2
if [ "$status" != 0 ]; then
  grep -E '^\[  FAILED  \]|Failure' "$LOG" >&2 || true
  echo "stt_bench: adapters_tests failed (exit $status)" >&2
fi
exit "$status"
