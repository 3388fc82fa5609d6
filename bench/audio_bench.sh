#!/usr/bin/env bash
# Audio benchmark (issue 5): the cost of vtp's audio step against the ffmpeg
# CLI doing the same work, in the same run.
#
# Work: 60 s of 48 kHz stereo (pink noise + tone), EBU R128 two-pass
# normalisation to -16 LUFS / -1 dBTP, six outputs (AAC-LC 64/128/192,
# Opus 64/96/128).
#  - vtp: TranscodeAudioTrack (media/audio.h), via the AudioTrackBench case
#    of an existing media_tests binary (it prints CPU seconds; also a
#    peaky input 30 LU under the target, where the limiter and post-encode
#    verification work).
#  - ffmpeg CLI: pass 1 `loudnorm=print_format=json` to /dev/null, pass 2
#    loudnorm (linear, with the measured values) -> asplit=6 -> six encoders
#    (loudnorm runs at 192 kHz, so aresample=48000 before the encoders).
#    CPU = user + sys of both passes (/usr/bin/time).
#
# usage: bench/audio_bench.sh
# env: BUILD_DIR (default build) holding tests/media_tests (built first with
#      `ninja -C build media_tests`).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BUILD_DIR:-build}/tests/media_tests
[ -x "$BIN" ] || { echo "audio_bench: no $BIN; build it with: ninja -C ${BUILD_DIR:-build} media_tests" >&2; exit 1; }

echo "== vtp TranscodeAudioTrack"
"$BIN" --gtest_filter='AudioTrackBench.*' 2>&1 | grep -E 'CPU-s|LUFS' || true

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
in=$tmp/in.wav
ffmpeg -nostdin -v error -f lavfi -i anoisesrc=color=pink:amplitude=0.3:seed=11:sample_rate=48000:duration=60 \
  -f lavfi -i sine=frequency=440:sample_rate=48000:duration=60 \
  -filter_complex "[0][1]amix=inputs=2,pan=stereo|c0=c0|c1=0.7*c0+0.3*c1" -c:a pcm_s16le "$in"
cpu() { awk '{print $1 + $2}' "$1"; }
/usr/bin/time -f '%U %S' -o "$tmp/t1" ffmpeg -nostdin -hide_banner -i "$in" \
  -af loudnorm=I=-16:TP=-1:LRA=11:print_format=json -f null - 2>"$tmp/p1"
m() { grep "\"$1\"" "$tmp/p1" | sed 's/.*: "\(.*\)".*/\1/'; }
ln="loudnorm=I=-16:TP=-1:LRA=11:linear=true:measured_I=$(m input_i):measured_TP=$(m input_tp):measured_LRA=$(m input_lra):measured_thresh=$(m input_thresh),aresample=48000"
/usr/bin/time -f '%U %S' -o "$tmp/t2" ffmpeg -nostdin -v error -i "$in" \
  -filter_complex "[0:a]$ln,asplit=6[a][b][c][d][e][f]" \
  -map '[a]' -c:a aac -b:a 64k "$tmp/a64.m4a" -map '[b]' -c:a aac -b:a 128k "$tmp/a128.m4a" \
  -map '[c]' -c:a aac -b:a 192k "$tmp/a192.m4a" -map '[d]' -c:a libopus -b:a 64k "$tmp/o64.webm" \
  -map '[e]' -c:a libopus -b:a 96k "$tmp/o96.webm" -map '[f]' -c:a libopus -b:a 128k "$tmp/o128.webm"
p1=$(cpu "$tmp/t1"); p2=$(cpu "$tmp/t2")
echo "== ffmpeg CLI (same input, same six outputs)"
echo "    pass 1 ${p1} CPU-s, pass 2 ${p2} CPU-s, total $(awk "BEGIN{print $p1 + $p2}") CPU-s"
echo "    output loudness (ebur128 of the AAC 128k file):"
ffmpeg -nostdin -hide_banner -i "$tmp/a128.m4a" -af ebur128=peak=true -f null - 2>&1 | grep -E '^\s+(I|Peak):' | sed 's/^/     /'
