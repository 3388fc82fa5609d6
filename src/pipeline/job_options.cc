#include "pipeline/job_options.h"

#include <algorithm>
#include <regex>

#include "pipeline/json_codec.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;

bool Unique(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return std::adjacent_find(v.begin(), v.end()) == v.end();
}

bool AllIn(const std::vector<int>& v, int lo, int hi) {
  for (int x : v) {
    if (x < lo || x > hi) return false;
  }
  return true;
}

}  // namespace

nlohmann::json ToJson(const JobOptions& o) {
  json j = {{"source", o.source}, {"source_sha256", o.source_sha256}, {"source_ext", o.source_ext},
          {"output_dir", o.output_dir}, {"replace_output", o.replace_output},
          {"segment_seconds", o.segment_seconds}, {"gop_seconds", o.gop_seconds},
          {"chunk_workers", o.chunk_workers}, {"max_chunks", o.max_chunks},
          {"encoder_threads", o.encoder_threads}, {"x264_preset", o.x264_preset},
          {"limits", LimitsToJson(o.limits)}, {"audio", o.audio},
          {"thumbnails", o.thumbnails}, {"subtitles", o.subtitles},
          {"captions_language", o.captions_language}, {"codecs", o.codecs}, {"keep_hdr", o.keep_hdr},
          {"manifest_version", o.manifest_version}};
  // Written only when on, so the options of clear jobs read as before.
  if (o.drm.enabled()) j["drm"] = o.drm;
  return j;
}

StatusOr<JobOptions> JobOptionsFromJson(const nlohmann::json& j) {
  try {
    JobOptions o;
    o.source = j.at("source");
    o.source_sha256 = j.at("source_sha256");
    o.source_ext = j.at("source_ext");
    o.output_dir = j.at("output_dir");
    o.replace_output = j.at("replace_output");
    o.segment_seconds = j.at("segment_seconds");
    o.gop_seconds = j.at("gop_seconds");
    o.chunk_workers = j.at("chunk_workers");
    o.max_chunks = j.at("max_chunks");
    o.encoder_threads = j.at("encoder_threads");
    o.x264_preset = j.at("x264_preset");
    o.limits = LimitsFromJson(j.at("limits"));
    // Absent in rows written before these options existed: the defaults.
    o.audio = j.value("audio", AudioOptions{});
    o.thumbnails = j.value("thumbnails", ThumbnailOptions{});
    o.subtitles = j.value("subtitles", std::vector<SubtitleUpload>{});
    o.captions_language = j.value("captions_language", "");
    o.codecs = j.value("codecs", std::vector<std::string>{"h264"});
    o.keep_hdr = j.value("keep_hdr", true);
    o.manifest_version = j.value("manifest_version", 1);
    o.drm = j.value("drm", DrmOptions{});
    // Stored options are read back by every planning pass: a row edited by
    // hand (or by an older, laxer vtp) must not steer paths or encoders.
    RETURN_IF_ERROR(ValidateJobOptions(o).WithContext("stored job options"));
    return o;
  } catch (const json::exception& e) {
    return InvalidArgument(std::string("malformed job options: ") + e.what());
  }
}

Status ValidateJobOptions(const JobOptions& o) {
  const AudioOptions& a = o.audio;
  if (a.aac_kbps.empty()) return InvalidArgument("audio: at least one AAC bitrate is needed (HLS MPEG-TS plays only AAC)");
  if (a.aac_kbps.size() > 8 || a.opus_kbps.size() > 8) return InvalidArgument("audio: at most 8 bitrates per codec");
  if (!AllIn(a.aac_kbps, 16, 512)) return InvalidArgument("audio: AAC bitrates must be 16..512 kb/s");
  if (!AllIn(a.opus_kbps, 16, 512)) return InvalidArgument("audio: Opus bitrates must be 16..512 kb/s");
  if (!Unique(a.aac_kbps) || !Unique(a.opus_kbps)) return InvalidArgument("audio: a bitrate is listed twice");
  if (a.surround_kbps < 64 || a.surround_kbps > 1024) return InvalidArgument("audio: 5.1 bitrate must be 64..1024 kb/s");
  if (!(a.target_lufs >= -40 && a.target_lufs <= -5)) return InvalidArgument("audio: loudness target must be -40..-5 LUFS");
  if (!(a.true_peak_dbtp >= -9 && a.true_peak_dbtp <= 0)) return InvalidArgument("audio: true peak must be -9..0 dBTP");
  const ThumbnailOptions& t = o.thumbnails;
  if (!(t.still_interval >= 1 && t.still_interval <= 3600)) return InvalidArgument("thumbnails: still interval must be 1..3600 s");
  if (!(t.sprite_interval >= 0.5 && t.sprite_interval <= 600)) return InvalidArgument("thumbnails: sprite interval must be 0.5..600 s");
  if (t.sprite_cols < 1 || t.sprite_cols > 20 || t.sprite_rows < 1 || t.sprite_rows > 20) {
    return InvalidArgument("thumbnails: sprite grid must be 1x1..20x20");
  }
  if (t.sprite_width < 32 || t.sprite_width > 640) return InvalidArgument("thumbnails: sprite tile width must be 32..640");
  if (t.poster_seconds > 12 * 3600.0) return InvalidArgument("thumbnails: poster position beyond 12 hours");
  static const std::regex kLang("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*");
  std::vector<std::string> seen;
  for (const auto& s : o.subtitles) {
    if (!std::regex_match(s.language, kLang)) {
      return InvalidArgument("subtitle language '" + s.language + "' is not a language tag such as en or pt-BR");
    }
    for (const auto& l : seen) {
      if (l == s.language) return InvalidArgument("two subtitle files for language '" + s.language + "'");
    }
    seen.push_back(s.language);
  }
  if (o.subtitles.size() > 32) return InvalidArgument("at most 32 subtitle files");
  if (!o.captions_language.empty() && o.captions_language != "en") {
    return InvalidArgument("captions: speech-to-text has an English model only (--captions en)");
  }
  if (o.manifest_version < 1 || o.manifest_version > 1000) return InvalidArgument("manifest_version must be 1..1000");
  RETURN_IF_ERROR(ValidateDrmOptions(o.drm));
  return ValidateCodecs(o.codecs);
}

Status ValidateCodecs(const std::vector<std::string>& codecs) {
  std::vector<std::string> seen;
  for (const auto& c : codecs) {
    if (VideoCodecRank(c) == kVideoCodecs.size()) {
      return InvalidArgument("codecs: unknown video codec '" + c + "' (h264, hevc, vp9, av1)");
    }
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) return InvalidArgument("codecs: '" + c + "' is listed twice");
    seen.push_back(c);
  }
  if (std::find(seen.begin(), seen.end(), "h264") == seen.end()) {
    return InvalidArgument("codecs: h264 is required (every video gets the H.264 ladder, which plays everywhere)");
  }
  return Status::Ok();
}

}  // namespace vtp::pipeline
