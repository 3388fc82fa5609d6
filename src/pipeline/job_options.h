// What a video is submitted with: stored as VideoRecord::options_json and
// read back by the planner for every task it parameterises. Fields added
// after the first release are optional in JSON (older rows keep working and
// get the defaults below).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/ladder.h"
#include "domain/media_info.h"
#include "pipeline/drm_options.h"

namespace vtp::pipeline {

// Audio renditions of every audio track, and their loudness.
struct AudioOptions {
  std::vector<int> aac_kbps = {64, 128, 192};   // AAC-LC stereo
  std::vector<int> opus_kbps = {64, 96, 128};   // Opus stereo (CMAF only)
  bool surround = true;     // a 5.1 AAC rendition when the track has >= 6 channels
  int surround_kbps = 384;
  bool normalize = true;    // EBU R128, two passes
  double target_lufs = -16;     // -16 streaming, -23 broadcast (EBU R128)
  double true_peak_dbtp = -1;
};

struct ThumbnailOptions {
  bool enabled = true;
  double poster_seconds = -1;  // < 0: 10% into the video, at most 30 s
  double still_interval = 10;
  double sprite_interval = 2;
  int sprite_cols = 5;
  int sprite_rows = 5;
  int sprite_width = 160;
};

// A subtitle file given with the job (`--subtitle en:file.srt`). Stored with
// the original under originals/<video>/subtitles/ by ingest.
struct SubtitleUpload {
  std::string language;  // BCP 47 tag, e.g. "en", "pt-BR"
  std::string source;    // path as submitted (read once, by ingest)
  std::string sha256;
  std::string ext;       // "srt", "vtt", "ass"
};

// JSON: one key per field, named as the field; a key missing from a stored
// row reads as the field's default (options added later keep old rows valid).
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AudioOptions, aac_kbps, opus_kbps, surround, surround_kbps,
                                                normalize, target_lufs, true_peak_dbtp)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ThumbnailOptions, enabled, poster_seconds, still_interval,
                                                sprite_interval, sprite_cols, sprite_rows, sprite_width)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SubtitleUpload, language, source, sha256, ext)

struct JobOptions {
  std::string source;         // the upload as submitted (read once, by ingest)
  std::string source_sha256;  // its checksum at submission
  std::string source_ext;     // "mp4": the original's key suffix
  std::string output_dir;     // where publish puts the result
  bool replace_output = false;
  double segment_seconds = 4.0;
  double gop_seconds = 2.0;
  int chunk_workers = 1;      // parallelism the chunk plan is cut for
  int max_chunks = 0;
  int encoder_threads = 1;
  std::string x264_preset = "medium";
  ProbeLimits limits;
  AudioOptions audio;
  ThumbnailOptions thumbnails;
  std::vector<SubtitleUpload> subtitles;
  std::string captions_language;  // speech-to-text captions; "" = none
  // Video codecs of the ladder, from kVideoCodecs; always includes "h264"
  // (tier 1: every upload plays everywhere). Tier upgrades add to it.
  std::vector<std::string> codecs = {"h264"};
  // HDR sources keep 10-bit HDR in the HEVC, VP9 and AV1 renditions (H.264
  // is always tone-mapped to SDR); false tone-maps every codec.
  bool keep_hdr = true;
  // 1 for the first publication; each tier upgrade (codecs added to a
  // published video) adds one. Versions > 1 publish by merging into the
  // output (nothing a player may be streaming is replaced or removed) and
  // also write the masters as manifest_v<N>.m3u8 / manifest_v<N>.mpd.
  int manifest_version = 1;
  // Common Encryption, HLS AES-128 and key management (docs/drm.md).
  DrmOptions drm;
};


nlohmann::json ToJson(const JobOptions& o);
// Parses and validates (ValidateJobOptions).
StatusOr<JobOptions> JobOptionsFromJson(const nlohmann::json& j);

// kInvalidArgument naming the field for values no job can run with.
Status ValidateJobOptions(const JobOptions& o);
// kInvalidArgument unless `codecs` are distinct members of kVideoCodecs
// including "h264".
Status ValidateCodecs(const std::vector<std::string>& codecs);

// The loudness targets `--loudness` accepts.
inline constexpr double kStreamingLufs = -16;
inline constexpr double kBroadcastLufs = -23;

}  // namespace vtp::pipeline
