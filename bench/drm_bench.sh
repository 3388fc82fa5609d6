#!/usr/bin/env bash
# DRM benchmark (issue 8): Common Encryption of packaged renditions.
#  - vtp: the drm step's encryptor (domain/cenc_fragment.h) over the top
#    rung's init + segments, cenc and cbcs, in memory (build/drm_bench);
#    and the whole drm step of a `vtp run --drm cenc` job (every rendition,
#    fMP4 + HLS AES-128 TS, files read and written), from the task table.
#  - ffmpeg CLI, same run, same input: `-c copy -encryption_scheme
#    cenc-aes-ctr` of the same rendition (a remux that also encrypts; its
#    output is not playable, see platform facts, but the AES work is the
#    same), and a plain `-c copy` remux (the floor).
# CPU = user + sys (/usr/bin/time).
# usage: bench/drm_bench.sh   (env BUILD_DIR (build), INPUT (a media file;
#        default 20 s of 1080p30 testsrc2 at ~8 Mb/s), REPEATS (3))
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD_DIR:-build}
for f in "$B/vtp" "$B/drm_bench"; do
  [ -x "$f" ] || { echo "drm_bench: no $f; build it with: ninja -C $B vtp drm_bench" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
in=${INPUT:-}
if [ -z "$in" ]; then
  in=$tmp/in.mp4
  ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1920x1080:rate=30 -f lavfi -i sine=f=440:sample_rate=48000 \
    -t 20 -c:v libx264 -preset veryfast -b:v 8M -g 60 -c:a aac "$in"
fi
keys=$tmp/keys.json
echo '{"keys":[{"label":"video","kid":"00112233445566778899aabbccddeeff","key":"0123456789abcdef0123456789abcdef"},
{"label":"audio","kid":"ffeeddccbbaa99887766554433221100","key":"fedcba9876543210fedcba9876543210"}]}' > "$keys"
echo "input: $in"
echo "machine: $(nproc) CPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
"$B/vtp" run "$in" -o "$tmp/out" --data "$tmp/data" --quiet --no-thumbnails --preset veryfast \
  --drm cenc --drm-keys "$keys" --keep-work
top=$(du -s "$tmp"/data/work/*/clear/h264/* | sort -n | tail -1 | cut -f2)  # the largest rung
echo "top rung: $(basename "$top"), $(cat "$top"/*.m4s | wc -c) bytes of segments"
echo "== vtp"
"$B/drm_bench" "$top" "${REPEATS:-3}"
read -r wall_ms cpu_ms < <(sqlite3 -separator ' ' "$tmp/data/vtp.db" "select duration_ms, cpu_ms from tasks where step = 'drm'")
job_cpu=$(sqlite3 "$tmp/data/vtp.db" "select sum(cpu_ms) from tasks")
echo "vtp drm step (every rendition, fMP4 + TS, files read and written): $wall_ms ms wall, $cpu_ms ms CPU"
echo "    the whole job: $job_cpu ms CPU; the drm step is $(awk -v a="$cpu_ms" -v b="$job_cpu" 'BEGIN{printf "%.2f", 100*a/b}')% of it"
echo "    bytes encrypted by the step: $(find "$tmp/out" -name '*.m4s' -o -name '*.ts' -o -name 'init.mp4' | xargs cat | wc -c)"
echo "== ffmpeg CLI (same rendition)"
cat "$top/init.mp4" "$top"/segment_*.m4s > "$tmp/joined.mp4"
run() {
  /usr/bin/time -f '%U %S %e' -o "$tmp/t" "$@" >/dev/null 2>&1
  awk '{printf "%.3f CPU-s, %.3f s wall", $1 + $2, $3}' "$tmp/t"
}
echo "    copy + cenc-aes-ctr: $(run ffmpeg -nostdin -y -i "$tmp/joined.mp4" -c copy -encryption_scheme cenc-aes-ctr \
  -encryption_key 0123456789abcdef0123456789abcdef -encryption_kid 00112233445566778899aabbccddeeff \
  -movflags +frag_keyframe+empty_moov -f mp4 "$tmp/ff_enc.mp4")"
echo "    copy only (floor):   $(run ffmpeg -nostdin -y -i "$tmp/joined.mp4" -c copy -movflags +frag_keyframe+empty_moov -f mp4 "$tmp/ff_copy.mp4")"
