#!/usr/bin/env bash
# Demo: makes a 12 s sample clip from ffmpeg's built-in test sources, runs
# `vtp run` on it and says how to look at the HLS and DASH output.
# Idempotent: the sample is generated only when missing; the output is
# rebuilt every time. Needs ffmpeg and a built vtp (`make demo` does both).
# env: VTP (default build/vtp), DEMO_DIR (default demo-out), PORT (8000)
set -euo pipefail
cd "$(dirname "$0")/.."

VTP=${VTP:-build/vtp}
DEMO_DIR=${DEMO_DIR:-demo-out}
PORT=${PORT:-8000}
SAMPLE=$DEMO_DIR/sample-tracks.mp4
SUBS=$DEMO_DIR/sample.fr.srt
OUT=$DEMO_DIR/output

command -v ffmpeg >/dev/null || { echo "demo: ffmpeg not found (run: make deps)" >&2; exit 1; }
[ -x "$VTP" ] || { echo "demo: no vtp binary at $VTP (run: make build)" >&2; exit 1; }
mkdir -p "$DEMO_DIR"

if [ ! -s "$SAMPLE" ]; then
  echo "demo: generating $SAMPLE (12 s, 1280x720 30 fps, H.264, English speech + a tone track)"
  # testsrc2 (moving colour pattern with a frame counter) with a Mandelbrot
  # zoom gliding over it. Audio track 1 (English): synthesized speech, for
  # the speech-to-text captions. Track 2: a 440 Hz tone on the left and a
  # 660 Hz tone on the right, both beeping once a second (handy to check A/V
  # sync), much louder than the speech: loudness normalisation evens them.
  ffmpeg -hide_banner -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=12" \
    -f lavfi -i "mandelbrot=size=320x180:rate=30" \
    -f lavfi -i "flite=text='Welcome to the video transcoding pipeline. This sample has two audio tracks, subtitles in French, and captions made by speech recognition.':voice=slt,apad=whole_dur=12,aresample=48000" \
    -f lavfi -i "sine=frequency=440:beep_factor=4:sample_rate=48000:duration=12" \
    -f lavfi -i "sine=frequency=660:beep_factor=3:sample_rate=48000:duration=12" \
    -filter_complex "[0:v][1:v]overlay=x='(W-w)*(0.5+0.45*sin(t*0.9))':y='(H-h)*(0.5+0.45*cos(t*0.6))':shortest=1,format=yuv420p[v];[2:a]pan=stereo|c0=c0|c1=c0[speech];[3:a][4:a]join=inputs=2:channel_layout=stereo:map=0.0-FL|1.0-FR,volume=4[tones]" \
    -map "[v]" -map "[speech]" -map "[tones]" -t 12 \
    -c:v libx264 -preset veryfast -crf 18 -g 60 -c:a aac -b:a 192k \
    -metadata:s:a:0 language=eng -metadata:s:a:0 title=English \
    -metadata:s:a:1 language=zxx -metadata:s:a:1 title="Test tones" \
    -movflags +faststart "$SAMPLE.tmp.mp4"
  mv "$SAMPLE.tmp.mp4" "$SAMPLE"
else
  echo "demo: reusing $SAMPLE"
fi
cat >"$SUBS" <<'SRT'
1
00:00:00,500 --> 00:00:04,000
Bienvenue dans la chaîne de transcodage vidéo.

2
00:00:04,500 --> 00:00:09,000
Cet exemple a deux pistes audio,
des sous-titres en français et des légendes automatiques.
SRT

# The job's durable state (SQLite queue, stored original, work areas) lives
# beside the demo output, so `make clean` takes it too. A second `make demo`
# finds the job already done and prints its result at once.
DATA="$DEMO_DIR/vtp-data"
echo "demo: $VTP run $SAMPLE -o $OUT --force --data $DATA --subtitle fr:$SUBS --captions en"
"$VTP" run "$SAMPLE" -o "$OUT" --force --data "$DATA" --subtitle "fr:$SUBS" --captions en
echo "demo: job status: $VTP status --data $DATA"
"$VTP" status --data "$DATA"

# A static file server that adds CORS headers, so that web players on other
# origins (the hls.js and Shaka Player demo pages) may fetch from it. Every
# segment is its own file, so no Range support is needed.
cat >"$DEMO_DIR/serve.py" <<'EOF'
import functools, http.server, os, sys
port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "output")
class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".m3u8": "application/vnd.apple.mpegurl", ".mpd": "application/dash+xml",
                      ".m4s": "video/iso.segment", ".mp4": "video/mp4", ".ts": "video/mp2t"}
    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Private-Network", "true")
        super().end_headers()
    def do_OPTIONS(self):
        self.send_response(204)
        self.send_header("Access-Control-Allow-Headers", "*")
        self.end_headers()
print(f"serving {root} on http://localhost:{port}/ (Ctrl-C to stop)")
http.server.ThreadingHTTPServer(("", port), functools.partial(Handler, directory=root)).serve_forever()
EOF

URL=http://localhost:$PORT
ABS_OUT=$(cd "$OUT" && pwd)
cat <<EOF

Output in $OUT/:
  HLS, CMAF fMP4 segments:  $OUT/manifest.m3u8
  HLS, MPEG-TS segments:    $OUT/manifest_ts.m3u8
  DASH:                     $OUT/manifest.mpd
  renditions:               $OUT/h264/<rung>/, $OUT/audio/<track>/<rendition>/
  thumbnails:               $OUT/thumbnails/ (poster, stills, sprites + thumbnails.vtt)
  subtitles:                $OUT/subtitles/fr.vtt (uploaded), $OUT/subtitles/en-auto.vtt (speech to text)

Serve it over HTTP (in another terminal):
  python3 $DEMO_DIR/serve.py $PORT
  # plain 'cd $OUT && python3 -m http.server $PORT' also works for ffplay,
  # but sends no CORS headers, which the web players below need.

Play it:
  ffplay $URL/manifest.m3u8
  ffplay $URL/manifest_ts.m3u8
  ffplay $URL/manifest.mpd
  Safari (native HLS):  $URL/manifest.m3u8
  hls.js demo:          https://hlsjs.video-dev.org/demo/?src=$URL/manifest.m3u8
  Shaka Player demo:    https://shaka-player-demo.appspot.com/demo/#asset=$URL/manifest.mpd
  (a browser may ask to allow the page to reach devices on your local network)

Inspect it:
  ffprobe -v error -show_entries stream=codec_name,profile,width,height,channels:stream_tags=variant_bitrate -of compact $OUT/manifest.m3u8
  ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags -of csv=p=0 $OUT/h264/240p/playlist.m3u8 | grep K   # keyframes, every 2 s
  ffprobe -v error -show_entries stream=codec_name,width,height -of compact $ABS_OUT/manifest.mpd
  # (ffmpeg 5.1's DASH reader needs an absolute path or a URL for the MPD)
EOF
