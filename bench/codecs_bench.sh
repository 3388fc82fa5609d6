#!/usr/bin/env bash
# Codecs benchmark (issue 4): per codec and rung, what vtp's H.264, HEVC
# (libx265), VP9 (libvpx-vp9) and AV1 (libsvtav1) ladders cost and deliver.
# For each input: one `vtp run --codecs h264,hevc,vp9,av1 --workers 1`, then
#   - CPU: each codec's transcode tasks (tasks.cpu_ms in DATA/vtp.db; one task
#     per chunk encodes every rung of its codec), per output second; per rung
#     an estimate (the task's CPU split by pixels, as `vtp report` does);
#   - bitrate: segment bytes / playlist duration, per rendition;
#   - quality: each rendition decoded, scaled to the source size (bicubic),
#     against the source with libavfilter's psnr and ssim filters;
#   - baseline: per codec, one ffmpeg CLI process doing the same encodes with
#     the same encoder settings and threads (read back from vtp's transcode
#     task), CPU-s of its process tree (bench/proc_tree_rss.py).
#
# usage: bench/codecs_bench.sh [--inputs LIST] [--corpus-file PATH]
#   --inputs LIST    comma-separated: gen1080p, corpus, or paths to media
#                    files (env INPUTS, default "gen1080p,corpus")
#   --corpus-file F  the corpus input (env CORPUS_FILE, default
#                    ../shared/corpus/bbb_720p_h264main_aac51.mp4)
# env: VTP (default build/vtp), CODECS (default h264,hevc,vp9,av1),
#      CLIP_SECONDS (seconds of the generated clip used, 2..10, even;
#      default 10), BASELINE
#      (1: run the ffmpeg CLI baseline, default 1), PYTHON (default python3),
#      RESULTS_DIR (default bench/results), WAIT_IDLE (before each measured
#      run, wait up to this many seconds for an idle machine; default 20)
# Results: tables on stdout, plus codecs_<stamp>.{json,md} and the raw
# measurements and exact commands in codecs_<stamp>/ under RESULTS_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

INPUTS=${INPUTS:-gen1080p,corpus}
CORPUS_FILE=${CORPUS_FILE:-$ROOT/../shared/corpus/bbb_720p_h264main_aac51.mp4}
VTP=${VTP:-$ROOT/build/vtp}
CODECS=${CODECS:-h264,hevc,vp9,av1}
CLIP_SECONDS=${CLIP_SECONDS:-10}
BASELINE=${BASELINE:-1}
PYTHON=${PYTHON:-python3}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
WAIT_IDLE=${WAIT_IDLE:-20}

while [ $# -gt 0 ]; do
  case "$1" in
    --inputs) INPUTS=$2; shift 2 ;;
    --corpus-file) CORPUS_FILE=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "codecs_bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "codecs_bench: $*" >&2; exit 1; }
for tool in ffmpeg ffprobe "$PYTHON"; do
  command -v "$tool" >/dev/null || die "$tool not found (run: make deps; python3 is needed too)"
done
[ -x "$VTP" ] || die "no vtp binary at $VTP (run: make build, or set VTP=path)"
VTP=$(cd "$(dirname "$VTP")" && pwd)/$(basename "$VTP")
[[ "$CLIP_SECONDS" =~ ^(2|4|6|8|10)$ ]] || die "CLIP_SECONDS must be 2, 4, 6, 8 or 10"

mkdir -p "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$RESULTS_DIR/codecs_$STAMP
mkdir -p "$RUN_DIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vtp-codecs-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# (a) 10 s of 1080p30: left half testsrc2 (moving graphics, sharp edges,
# text), right half a Mandelbrot zoom (fine detail that changes every frame),
# light temporal grain (noise alls=6) over both; made once with x264 CRF 14,
# keyframes every 2 s, no audio (~160 Mb/s: the grain and the fractal are
# costly). CLIP_SECONDS < 10 cuts its first seconds by stream copy (no
# re-encode; even values only, so the cut falls on a keyframe). The quality
# reference is the file vtp is given.
GEN10=$RESULTS_DIR/gen_1080p30_mix_10s.mp4
GEN1080=$RESULTS_DIR/gen_1080p30_mix_${CLIP_SECONDS}s.mp4
make_gen1080p() {
  if [ ! -s "$GEN10" ]; then
    echo "codecs_bench: generating $GEN10 (once; ~6 CPU-minutes)" >&2
    ffmpeg -hide_banner -nostdin -loglevel error -y \
      -f lavfi -i "testsrc2=size=960x1080:rate=30:duration=10" \
      -f lavfi -i "mandelbrot=size=960x1080:rate=30:maxiter=256:end_scale=0.002:end_pts=10" \
      -filter_complex "[0:v][1:v]hstack=inputs=2,trim=duration=10,noise=alls=6:allf=t,format=yuv420p[v]" \
      -map "[v]" -c:v libx264 -preset medium -crf 14 -g 60 -movflags +faststart "$GEN10.tmp.mp4"
    mv "$GEN10.tmp.mp4" "$GEN10"
  fi
  if [ ! -s "$GEN1080" ]; then
    ffmpeg -hide_banner -nostdin -loglevel error -y -i "$GEN10" -t "$CLIP_SECONDS" -c copy \
      -movflags +faststart "$GEN1080.tmp.mp4"
    mv "$GEN1080.tmp.mp4" "$GEN1080"
  fi
}

measure() {  # measure OUT.json COMMAND...
  local out=$1; shift
  sync
  "$PYTHON" "$ROOT/bench/proc_tree_rss.py" --interval 0.5 --wait-idle "$WAIT_IDLE" --out "$out" -- "$@" \
    || die "command failed (see $out): $*"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
IFS=, read -r -a input_list <<<"$INPUTS"
for name in "${input_list[@]}"; do
  case "$name" in
    gen1080p) make_gen1080p; file=$GEN1080 ;;
    corpus) file=$CORPUS_FILE ;;
    *) file=$name; name=$(basename "${name%.*}") ;;
  esac
  [ -s "$file" ] || die "input $name: $file not found"
  file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
  out=$WORK/$name-vtp-out data=$WORK/$name-vtp-data
  # A fresh data directory; one worker so that each task's CPU is its own.
  # Audio reduced to one AAC rendition, no thumbnails: the video is what is
  # measured (the other steps are in the per-task figures, not the table).
  vtp_cmd=("$VTP" run "$file" -o "$out" --data "$data" --force --quiet --json --workers 1
           --codecs "$CODECS" --audio-aac 128 --audio-opus none --no-surround
           --loudness off --no-thumbnails)
  printf '%q ' "${vtp_cmd[@]}" >"$RUN_DIR/$name.vtp-command.sh"
  echo "codecs_bench: $name: vtp run --codecs $CODECS (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  measure "$RUN_DIR/$name.vtp.json" "${vtp_cmd[@]}" >"$RUN_DIR/$name.vtp-summary.json"
  video_id=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["video_id"])' "$RUN_DIR/$name.vtp-summary.json")
  "$PYTHON" "$ROOT/bench/codecs_report.py" collect "$data" "$video_id" "$out" "$RUN_DIR/$name.vtp-result.json"
  # `vtp report` (per-codec cost and break-even at its default prices), if
  # this build has it; the tables use its prices, else the same defaults.
  "$VTP" report "$video_id" --json --data "$data" >"$RUN_DIR/$name.vtp-report.json" 2>/dev/null \
    || { echo "codecs_bench: vtp report unavailable; using default prices" >&2; : >"$RUN_DIR/$name.vtp-report.json"; }

  echo "codecs_bench: $name: quality (psnr, ssim vs the source)" >&2
  mkdir -p "$WORK/q"
  "$PYTHON" "$ROOT/bench/codecs_report.py" quality "$RUN_DIR/$name.vtp-result.json" "$file" "$out" "$WORK/q" \
    "$RUN_DIR/$name.quality.json"

  if [ "$BASELINE" = 1 ]; then
    bl_out=$WORK/$name-ffmpeg-out
    mkdir -p "$bl_out" "$RUN_DIR/$name.ffmpeg-out"
    "$PYTHON" "$ROOT/bench/codecs_report.py" baseline-cmds "$RUN_DIR/$name.vtp-result.json" "$file" "$bl_out" "$RUN_DIR/$name."
    IFS=, read -r -a codec_list <<<"$CODECS"
    for codec in "${codec_list[@]}"; do
      echo "codecs_bench: $name: ffmpeg CLI baseline, $codec (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
      measure "$RUN_DIR/$name.ffmpeg-$codec.json" bash "$RUN_DIR/$name.$codec.ffmpeg-command.sh"
      for o in "$bl_out"/"$codec"_*.mp4; do
        stat -c %s "$o" >"$RUN_DIR/$name.ffmpeg-out/$(basename "$o").bytes"
      done
      rm -f "$bl_out"/"$codec"_*.mp4
    done
  fi
  echo "$name $file" >>"$RUN_DIR/inputs.txt"
  rm -rf "$out" "$data"
done

{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "nproc=$(nproc)"
  lscpu | head -n 20 | sed 's/^/lscpu: /'
  echo "mem_gib=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
  echo "ffmpeg=$(ffmpeg -version | head -1 | cut -d' ' -f3)"
  echo "encoders=$(dpkg-query -W -f '${Package} ${Version}; ' libx264-164 libx265-199 libvpx7 libsvtav1enc1 2>/dev/null || echo unknown)"
  echo "repo_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "vtp_binary=$VTP (built $(date -u -r "$VTP" +%Y-%m-%dT%H:%MZ))"
  echo "load_before=$LOAD_BEFORE"
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RUN_DIR/machine.txt"

"$PYTHON" "$ROOT/bench/codecs_report.py" report "$RUN_DIR" "$RESULTS_DIR/codecs_$STAMP"
