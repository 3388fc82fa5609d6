// Thumbnails: a poster image, keyframe stills, seek-preview sprite sheets and
// the WebVTT thumbnails track, from one decode pass over the video. Values in,
// files out; no libav type appears here.
//
// Time. "Output time" t is source time minus origin_seconds (the video's first
// frame is t = 0), as everywhere in the pipeline. The picture shown for a time
// T is the frame on screen at T: the last decoded frame whose timestamp is at
// or before T (the first frame when T precedes it; the last frame when T is
// past the end of the stream). Comparisons are exact, in ticks of the
// stream's time base. Frames without a timestamp or with one already seen are
// dropped, as in the transcode path.
//
// Pictures. Every picture gets the transcode path's conditioning
// (media/conditioning.h: bwdif for interlaced sources, Hable tone mapping of
// HDR to SDR BT.709, display rotation) and is then scaled (bicubic, accurate
// rounding, bit-exact swscale) to square pixels at the display aspect ratio
// (coded width × SAR, then rotated). No output is larger than the source's
// display width; widths are rounded down to even numbers and heights follow
// the aspect ratio, rounded to even. Only picked frames are converted;
// every other frame is just decoded.
//
// Colour. JPEGs are JFIF: full-range BT.601 4:2:0 (yuv420p with the JPEG
// colour-range flag; the decoder output's matrix is converted, e.g. BT.709 HD
// video, so hues are right in browsers, which decode JPEG as BT.601). WebP is
// VP8's limited-range BT.601 4:2:0. The source matrix comes from
// conditioning.color_matrix, else the stream's tag, else the guess players
// such as mpv make (BT.709 from 1280 wide or 720 high, BT.601 below; the
// ffmpeg CLI assumes BT.601 for every untagged stream, so its thumbnails of
// untagged HD video differ in hue).
//
// Quality. jpeg_quality (1..100) follows libjpeg's scale. libavcodec's mjpeg
// encoder has one knob, qscale (2..31, lower is better), whose quantiser is
// the MPEG-1 intra matrix × qscale / 8 (mean step 4.13 × qscale); libjpeg
// quality q quantises with the JPEG Annex K tables × S/100, S = 5000/q below
// 50 and 200 - 2q from 50 (mean step 0.579 × S). Equal mean steps give
// qscale = round(0.14 × S), clamped to 2..31: q 80 -> 6, 75 -> 7, 90 -> 3,
// 50 -> 14, 92..100 -> 2, 1..22 -> 31 (JpegQscale below). WebP uses
// jpeg_quality as libwebp's own 0..100 quality.
//
// Files in out_dir (created if missing; each written under a temporary name
// and renamed):
//   poster_<w>.jpg, poster_<w>.webp  one pair per poster width, <w> the
//                      actual pixel width, in poster_widths order
//   thumb_NNN.jpg      still k (k = 0, 1, ...) shows T = k × still_interval,
//                      for every T < duration: ceil(duration / interval)
//                      stills (a still at T = duration would show the frame
//                      after the end). NNN = k + 1, at least three digits,
//                      numbered from 001 like the seed's thumbnails.
//   sprite_NNN.jpg     sprite sheet s (0-based in SpriteLayout) is
//                      sprite_<s + 1>.jpg, from 001. Tile i shows
//                      T = i × sprite_interval (its cue's start).
//   thumbnails.vtt     WriteThumbnailVtt of the layout, cue text
//                      "sprite_NNN.jpg#xywh=x,y,w,h" relative to out_dir.
// Intervals are taken in whole milliseconds (rounded). A zero interval or an
// empty poster_widths turns that output off.
//
// Determinism: single-threaded encoders with AV_CODEC_FLAG_BITEXACT (no
// version string in the JPEG), bit-exact swscale, no time or randomness in
// any decision: the same input and job give byte-identical files.
//
// Errors: kNotFound / kNotMedia / kCorruptInput from opening the input (see
// demuxer.h), kNoDecodableStream when it has no video stream,
// kInvalidArgument for a bad job, kCorruptInput when no frame decodes,
// kIo when a file cannot be written.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"
#include "domain/sprite_layout.h"
#include "media/transcode.h"

namespace vtp::media {

struct ThumbnailJob {
  std::string input_path;
  int stream_index = -1;            // -1: libavformat's best video stream
  double origin_seconds = 0;        // source time that is output time 0 (the video's first frame)
  double duration_seconds = 0;      // output duration (video length); <= 0: the container's
                                    // duration less origin_seconds
  PictureConditioning conditioning; // rotation, deinterlace, tonemap_to_sdr + colour tags
  Rational sar{0, 1};               // sample aspect ratio; num <= 0: the stream's own
                                    // (container, else codec), as Probe reads it

  // Poster. poster_seconds < 0 (default): searched near P = 10% of the
  // duration, at most 30 s (see "Poster selection" below). poster_seconds >=
  // 0: exactly the frame on screen at that time (clamped into the video), no
  // search: an explicit choice is honoured as given.
  double poster_seconds = -1;
  std::vector<int> poster_widths = {1280, 640, 320};  // never upscale: a width above the
                                    // source's is replaced by the source width (once)
  // Stills every still_interval seconds (thumb_001.jpg ...), JPEG, still_width wide.
  double still_interval = 10;
  int still_width = 640;
  // Sprites: one tile every sprite_interval seconds, sprite_cols x sprite_rows per
  // sheet, tiles sprite_tile_width wide (height from the aspect ratio, even), JPEG.
  double sprite_interval = 2;
  int sprite_tile_width = 160;
  int sprite_cols = 5;
  int sprite_rows = 5;
  int jpeg_quality = 80;            // libjpeg-style 1..100, see "Quality" above
  std::string out_dir;
  int decoder_threads = 1;          // 1: all work on the caller's thread, like every
                                    // other task (parallelism comes from workers); 0: auto
};

// ---------------------------------------------------------------------------
// Poster selection.
//
// Candidates (PosterSchedule): inside the window [P - H, P + H] (H = 5% of the
// duration, clamped to 2..10 s; clipped to the video) one every 250 ms; before
// the window one per second from t = 0; after it one per second until the end.
// Each candidate's frame (the frame on screen at its time) is reduced to a
// 64x64 full-range luma grid (area average) and measured (AnalyzeLumaGrid):
// mean luma, standard deviation, edge energy (mean |horizontal| + |vertical|
// neighbour difference) and the mean absolute difference (MAD) to the
// previous candidate's grid. HDR candidates are measured on their coded
// (PQ/HLG) values, which are perceptual, so the same thresholds apply.
//
// A candidate is good when it is
//   exposed   kMinMeanLuma <= mean <= kMaxMeanLuma (not near-black/white),
//   detailed  stddev >= kMinStddev (not a flat or blank picture), and
//   stable    against the candidate before and the one after it: mean luma
//             changes by at most max(kFadeAbs, kFadeRel × the larger mean)
//             (fades in/out, exposure ramps) and MAD <= kMaxMad (cuts,
//             fast dissolves, whip pans: mid-transition blur).
// Soft transitions (dissolves, slow fades) change too little between two
// candidates to trip these limits; a blended or faded picture has less edge
// energy than either end of the transition, which the score below penalises.
// Choice (PosterChooser::Choose):
//   1. the good window candidate with the highest score
//      edge × (1 - 0.5 × |t - P| / H) (sharp, and near the default position);
//   2. else the good candidate outside the window nearest to P (the last good
//      one before the window or the first good one after it; the analysis
//      after the window stops at the first good one);
//   3. else (nothing good anywhere) the candidate passing the most of the
//      three checks, then with the most edge energy, then nearest to P.
// Ties go to the earlier candidate. Only the frames that can still win are
// kept while decoding (PosterChooser::Retained), at most five.
constexpr double kMinMeanLuma = 24;
constexpr double kMaxMeanLuma = 232;
constexpr double kMinStddev = 10;
constexpr double kFadeAbs = 4;
constexpr double kFadeRel = 0.06;
constexpr double kMaxMad = 40;
constexpr int kPosterGrid = 64;

struct PosterStats {
  double mean = 0;       // 0..255, full range
  double stddev = 0;
  double edge = 0;
  double mad_prev = -1;  // MAD to the previous candidate's grid; < 0 when none
};

// Measures a kPosterGrid-style luma grid; `prev` (same width, height and
// stride) may be null.
PosterStats AnalyzeLumaGrid(const uint8_t* grid, int width, int height, int stride,
                            const uint8_t* prev);

struct PosterCandidate {
  int64_t ms = 0;          // output time the candidate stands for
  bool in_window = false;
  // Filled by PosterChooser::Add / settled when the next one arrives or at Finish:
  bool analysed = false;
  bool settled = false;
  PosterStats stats;
  bool exposed = false, detailed = false, stable = false;
  bool good() const { return settled && exposed && detailed && stable; }
  double score = 0;        // edge weighted by closeness to P (window candidates)
};

struct PosterSchedule {
  int64_t target_ms = 0;                 // P
  int64_t window_start_ms = 0, window_end_ms = 0;
  bool explicit_position = false;        // poster_seconds was given: one candidate
  std::vector<PosterCandidate> candidates;  // in time order
};

// The candidates for a video of `duration_ms`; `requested_ms` < 0 for the
// default search, else the one explicit position (clamped to the video).
PosterSchedule MakePosterSchedule(int64_t duration_ms, int64_t requested_ms);

class PosterChooser {
 public:
  explicit PosterChooser(PosterSchedule schedule);

  // Whether candidate `i` is still worth analysing (false once the window has
  // a good candidate or one was found after it; for every i past the end).
  bool Wants(size_t i) const;
  // Records candidate `i`'s measurements; candidates come in order, i equal
  // to the number added so far (anything else is ignored and returns false).
  bool Add(size_t i, const PosterStats& stats);
  // Settles the last candidate (no successor).
  void Finish();
  // Candidates that may still be chosen: every other frame can be released.
  std::vector<size_t> Retained() const;
  // The chosen candidate, or -1 when none was added.
  int Choose() const;

  size_t added() const { return added_; }
  const PosterSchedule& schedule() const { return s_; }

 private:
  void Settle(size_t i, bool has_next);
  int BestInWindow() const;
  int LastGoodBefore() const;
  int FirstGoodAfter() const;
  int BestFallback() const;
  bool PairStable(size_t a, size_t b) const;

  PosterSchedule s_;
  size_t added_ = 0;
  bool finished_ = false;
};

// libjpeg quality (1..100) to the mjpeg encoder's qscale (2..31); see "Quality".
int JpegQscale(int quality);

// ---------------------------------------------------------------------------

struct ThumbnailResult {
  double poster_seconds = 0;  // output time of the chosen poster frame
  std::vector<std::string> posters, stills, sprites;  // file names relative to out_dir
  std::string vtt;            // "thumbnails.vtt", or "" without sprites
  SpriteLayout layout;        // tile_w/tile_h are the real tile size
  int tile_width = 0, tile_height = 0;
  int still_width = 0, still_height = 0;
  // Every poster candidate examined, with its verdict (diagnostics, tests).
  std::vector<PosterCandidate> poster_candidates;
  int poster_candidate = -1;  // index of the chosen one in poster_candidates
  int64_t frames_decoded = 0;
  int64_t frames_converted = 0;  // frames scaled for stills, sprites and the poster
};

StatusOr<ThumbnailResult> GenerateThumbnails(const ThumbnailJob& job);

}  // namespace vtp::media
