#!/usr/bin/env bash
# Thumbnails benchmark (issue 5): vtp's thumbnails step against the ffmpeg
# CLI in the same run, on 60 s of 1080p30 H.264 (testsrc2, 6 Mb/s).
#  - vtp: GenerateThumbnails with the defaults (posters at 1280/640/320 in
#    JPEG and WebP, stills every 10 s, 5x5 sprite sheets of 160 px tiles
#    every 2 s, the WebVTT track), via the ThumbnailsBench case of an
#    existing media_tests binary (one decode pass, one thread).
#  - ffmpeg CLI: the sprites alone, `-vf fps=1/2,scale=160:-2,tile=5x5`,
#    single-threaded and default-threaded; and a decode-only pass (the floor).
#    CPU = user + sys (/usr/bin/time).
# usage: bench/thumbnails_bench.sh   (env BUILD_DIR, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/tests/media_tests
[ -x "$BIN" ] || { echo "thumbnails_bench: no $BIN; build it with: ninja -C ${BUILD_DIR:-build} media_tests" >&2; exit 1; }
log=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$log"' EXIT
echo "== vtp"
"$BIN" --gtest_filter='ThumbnailsBench.*' >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E 'CPU-s' "$log"
in=$(sed -n 's/^ *input: //p' "$log")
run() {
  /usr/bin/time -f '%U %S %M' -o "$tmp/t" "$@" >/dev/null 2>&1
  awk '{printf "%.2f CPU-s, max RSS %d MB", $1 + $2, $3 / 1024}' "$tmp/t"
}
echo "== ffmpeg CLI"
echo "    sprites, -threads 1:       $(run ffmpeg -nostdin -threads 1 -i "$in" -vf fps=1/2,scale=160:-2,tile=5x5 "$tmp/a_%03d.jpg")"
echo "    sprites, default threads:  $(run ffmpeg -nostdin -i "$in" -vf fps=1/2,scale=160:-2,tile=5x5 "$tmp/b_%03d.jpg")"
echo "    decode only, -threads 1:   $(run ffmpeg -nostdin -threads 1 -i "$in" -f null -)"
