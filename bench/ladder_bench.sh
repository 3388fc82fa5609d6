#!/usr/bin/env bash
# Ladder benchmark: `vtp run` against one ffmpeg CLI process encoding the
# same H.264 ladder (split + scale + libx264 preset medium CRF 23 per rung with
# vtp's maxrate/bufsize/profile, 2 s closed GOPs, no scene-cut, AAC 128k
# stereo). Measures CPU-seconds (user+sys of the whole process tree), wall
# time and peak memory of the whole process tree (VmRSS summed over the root
# and all descendants, sampled every 50 ms), one run at a time.
#
# usage: bench/ladder_bench.sh [--reps N] [--inputs LIST] [--corpus-file PATH]
#   --reps N         repetitions per tool and input (env REPS, default 1);
#                    the table shows each tool's least disturbed run
#   --inputs LIST    comma-separated: gen1080p, corpus, or paths to media
#                    files (env INPUTS, default "gen1080p,corpus")
#   --corpus-file F  the corpus input (env CORPUS_FILE, default
#                    ../shared/corpus/bbb_720p_h264main_aac51.mp4)
# env: VTP (default build/vtp), VTP_ARGS (extra `vtp run` options),
#      PYTHON (default python3), RESULTS_DIR (default bench/results),
#      WAIT_IDLE (before each run, wait up to this many seconds for the
#      machine to go idle; default 120, 0 disables)
# Results: a table on stdout, plus ladder_<stamp>.{json,md} and every run's
# raw measurements/commands under RESULTS_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

REPS=${REPS:-1}
INPUTS=${INPUTS:-gen1080p,corpus}
CORPUS_FILE=${CORPUS_FILE:-$ROOT/../shared/corpus/bbb_720p_h264main_aac51.mp4}
VTP=${VTP:-$ROOT/build/vtp}
VTP_ARGS=${VTP_ARGS:-}
PYTHON=${PYTHON:-python3}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench/results}
WAIT_IDLE=${WAIT_IDLE:-120}

while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --inputs) INPUTS=$2; shift 2 ;;
    --corpus-file) CORPUS_FILE=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "ladder_bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "ladder_bench: $*" >&2; exit 1; }
for tool in ffmpeg ffprobe "$PYTHON"; do
  command -v "$tool" >/dev/null || die "$tool not found (run: make deps; python3 is needed too)"
done
[ -x "$VTP" ] || die "no vtp binary at $VTP (run: make build, or set VTP=path)"
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps must be a positive integer"

mkdir -p "$RESULTS_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR=$RESULTS_DIR/ladder_$STAMP
mkdir -p "$RUN_DIR"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vtp-ladder-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# (a) 20 s of 1080p30 testsrc2 with temporal grain, made once with a
# high-quality x264 encode (CRF 16, capped at a camera-like 50 Mb/s) plus a
# stereo tone.
GEN1080=$RESULTS_DIR/gen_1080p30_noise_20s.mp4
make_gen1080p() {
  [ -s "$GEN1080" ] && return 0
  echo "ladder_bench: generating $GEN1080 (once; takes a few minutes)" >&2
  ffmpeg -hide_banner -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=20,noise=alls=20:allf=t,format=yuv420p" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
    -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=20" \
    -filter_complex "[1:a][2:a]join=inputs=2:channel_layout=stereo[a]" \
    -map 0:v -map "[a]" \
    -c:v libx264 -preset medium -crf 16 -maxrate 50M -bufsize 100M -g 60 \
    -c:a aac -b:a 192k -movflags +faststart "$GEN1080.tmp.mp4"
  mv "$GEN1080.tmp.mp4" "$GEN1080"
}

# vtp's H.264 ladder (src/domain/ladder.cc): short side, maxrate, bufsize,
# profile; rungs at or below the source's short side.
LADDER=(
  "240 400k 800k main"
  "360 800k 1600k main"
  "480 1400k 2800k high"
  "720 3M 6M high"
  "1080 6M 12M high"
  "2160 16M 32M high"
)

# Builds FFMPEG_CMD for input $1 (landscape, square pixels) writing to dir $2.
ffmpeg_ladder_cmd() {
  local in=$1 out=$2 w h fps gop split="" graph="" i=0
  IFS=x read -r w h < <(ffprobe -v error -select_streams v:0 \
    -show_entries stream=width,height -of csv=p=0:s=x "$in")
  fps=$(ffprobe -v error -select_streams v:0 -show_entries stream=r_frame_rate -of csv=p=0 "$in")
  gop=$(awk -v f="$fps" 'BEGIN { split(f, a, "/"); g = 2 * a[1] / (a[2] ? a[2] : 1); printf "%d", g + 0.5 }')
  FFMPEG_CMD=(ffmpeg -hide_banner -nostdin -loglevel error -y -i "$in")
  local encodes=() rung short maxrate bufsize profile width
  for rung in "${LADDER[@]}"; do
    read -r short maxrate bufsize profile <<<"$rung"
    [ "$short" -le "$h" ] || continue
    # Width as vtp computes it: even, nearest to short * aspect.
    width=$(awk -v s="$short" -v w="$w" -v h="$h" 'BEGIN { printf "%d", int(s * w / h / 2 + 0.5) * 2 }')
    split+="[s$i]"
    graph+=";[s$i]scale=$width:$short:flags=bicubic,format=yuv420p,setsar=1[v$i]"
    encodes+=(-map "[v$i]" -an -c:v libx264 -preset medium -crf 23 -profile:v "$profile"
              -maxrate "$maxrate" -bufsize "$bufsize" -g "$gop" -keyint_min "$gop"
              -sc_threshold 0 -force_key_frames "expr:gte(t,n_forced*2)"
              -x264-params open-gop=0 "$out/${short}p.mp4")
    i=$((i + 1))
  done
  RUNGS=$i
  FFMPEG_CMD+=(-filter_complex "[0:v]split=$i$split$graph" "${encodes[@]}")
  if [ -n "$(ffprobe -v error -select_streams a:0 -show_entries stream=index -of csv=p=0 "$in")" ]; then
    FFMPEG_CMD+=(-map 0:a:0 -vn -c:a aac -b:a 128k -ac 2 "$out/audio.mp4")
  fi
}

measure() {  # measure OUT.json COMMAND...
  local out=$1; shift
  sync
  "$PYTHON" "$ROOT/bench/proc_tree_rss.py" --interval 0.05 --wait-idle "$WAIT_IDLE" --out "$out" -- "$@" \
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
  ffmpeg_ladder_cmd "$file" "$WORK/ffmpeg-out"
  printf '%q ' "${FFMPEG_CMD[@]}" >"$RUN_DIR/$name.ffmpeg-command.sh"
  read -r -a vtp_extra <<<"$VTP_ARGS"
  # A fresh data directory per run: each rep is a new job (ingest included),
  # never a resume of the previous one.
  # The same work as the ffmpeg command: the H.264 ladder and one AAC 128k
  # rendition, no loudness pass, no Opus, no thumbnails (those have their own
  # benchmarks: bench/audio_bench.sh, bench/thumbnails_bench.sh).
  vtp_cmd=("$VTP" run "$file" -o "$WORK/vtp-out" --data "$WORK/vtp-data" --force --quiet --json
           --audio-aac 128 --audio-opus none --no-surround --loudness off --no-thumbnails "${vtp_extra[@]}")
  printf '%q ' "${vtp_cmd[@]}" >"$RUN_DIR/$name.vtp-command.sh"
  for rep in $(seq 1 "$REPS"); do
    echo "ladder_bench: $name ($RUNGS rungs) rep $rep/$REPS: vtp" >&2
    rm -rf "$WORK/vtp-out" "$WORK/vtp-data"
    measure "$RUN_DIR/$name.vtp.$rep.json" "${vtp_cmd[@]}" >"$RUN_DIR/$name.vtp-summary.$rep.json"
    echo "ladder_bench: $name ($RUNGS rungs) rep $rep/$REPS: ffmpeg" >&2
    rm -rf "$WORK/ffmpeg-out"; mkdir -p "$WORK/ffmpeg-out"
    measure "$RUN_DIR/$name.ffmpeg.$rep.json" "${FFMPEG_CMD[@]}"
  done
  echo "$name $RUNGS $file" >>"$RUN_DIR/inputs.txt"
done
rm -rf "$WORK/vtp-out" "$WORK/ffmpeg-out"

# Machine facts, then the table.
{
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "mem_gib=$(awk '/MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)"
  echo "ffmpeg=$(ffmpeg -version | head -1 | cut -d' ' -f3)"
  echo "repo_head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "vtp_binary=$VTP (built $(date -u -r "$VTP" +%Y-%m-%dT%H:%MZ))"
  echo "load_before=$LOAD_BEFORE"
} >"$RUN_DIR/machine.txt"

"$PYTHON" "$ROOT/bench/ladder_report.py" "$RUN_DIR" "$RESULTS_DIR/ladder_$STAMP"
