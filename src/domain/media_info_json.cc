#include "domain/media_info_json.h"

#include <cstdio>

namespace vtp {
namespace {

using nlohmann::json;

void PutRational(json& j, const std::string& key, Rational r) {
  j[key] = RationalText(r);
  j[key + "_value"] = r.ToDouble();
}

json GopJson(const GopInfo& gop) {
  return json{{"keyframe_times", gop.keyframe_times},
              {"keyframe_count", gop.keyframe_times.size()},
              {"max_gop_seconds", gop.max_gop_seconds},
              {"avg_gop_seconds", gop.avg_gop_seconds},
              {"open_gop", gop.open_gop},
              {"open_gop_known", gop.open_gop_known}};
}

json VideoJson(const VideoInfo& v) {
  json j{{"width", v.width},
         {"height", v.height},
         {"display_width", v.display_width},
         {"display_height", v.display_height},
         {"rotation", v.rotation},
         {"pixel_format", v.pixel_format},
         {"bit_depth", v.bit_depth},
         {"color_primaries", v.color_primaries},
         {"color_transfer", v.color_transfer},
         {"color_matrix", v.color_matrix},
         {"color_range", v.color_range},
         {"hdr", HdrTypeName(v.hdr)},
         {"variable_frame_rate", v.variable_frame_rate},
         {"field_order", FieldOrderName(v.field_order)},
         {"frame_count", v.frame_count},
         {"gop", GopJson(v.gop)}};
  PutRational(j, "sample_aspect_ratio", v.sample_aspect_ratio);
  PutRational(j, "avg_frame_rate", v.avg_frame_rate);
  PutRational(j, "real_frame_rate", v.real_frame_rate);
  j["dolby_vision_profile"] =
      v.dolby_vision_profile < 0 ? json(nullptr) : json(v.dolby_vision_profile);
  return j;
}

json AudioJson(const AudioInfo& a) {
  return json{{"sample_rate", a.sample_rate},
              {"channels", a.channels},
              {"channel_layout", a.channel_layout},
              {"sample_format", a.sample_format}};
}

json StreamJson(const StreamInfo& s) {
  json j{{"index", s.index},
         {"kind", StreamKindName(s.kind)},
         {"codec", s.codec},
         {"profile", s.profile},
         {"level", s.level},
         {"bit_rate", s.bit_rate},
         {"start_time", s.start_time},
         {"duration", s.duration},
         {"language", s.language},
         {"title", s.title},
         {"default", s.is_default},
         {"decodable", s.decodable},
         {"attached_picture", s.attached_picture}};
  if (s.video) j["video"] = VideoJson(*s.video);
  if (s.audio) j["audio"] = AudioJson(*s.audio);
  return j;
}

std::string Format(const char* fmt, double value) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), fmt, value);
  return buf;
}

std::string SizeText(int64_t bytes) {
  if (bytes >= 1000 * 1000) return Format("%.2f MB", static_cast<double>(bytes) / 1e6);
  if (bytes >= 1000) return Format("%.1f kB", static_cast<double>(bytes) / 1e3);
  return std::to_string(bytes) + " B";
}

std::string CommonSuffix(const StreamInfo& s) {
  std::string out;
  if (s.bit_rate > 0) out += ", " + std::to_string(s.bit_rate / 1000) + " kb/s";
  if (!s.language.empty()) out += ", lang " + s.language;
  if (!s.title.empty()) out += ", \"" + s.title + "\"";
  if (s.is_default) out += ", default";
  bool media = s.kind == StreamKind::kVideo || s.kind == StreamKind::kAudio;
  if (media && !s.decodable) out += ", NO DECODER";
  return out;
}

std::string VideoText(const VideoInfo& v) {
  std::string out = std::to_string(v.width) + "x" + std::to_string(v.height);
  if (v.sample_aspect_ratio.num != v.sample_aspect_ratio.den) {
    out += " [SAR " + RationalText(v.sample_aspect_ratio) + "]";
  }
  if (v.rotation != 0) out += ", rotate " + std::to_string(v.rotation) + " cw";
  out += " -> display " + std::to_string(v.display_width) + "x" + std::to_string(v.display_height);
  out += ", " + (v.pixel_format.empty() ? std::string("?") : v.pixel_format) + " " +
         std::to_string(v.bit_depth) + "-bit";
  out += ", " + v.color_primaries + "/" + v.color_transfer + "/" + v.color_matrix + " " +
         v.color_range + ", " + std::string(HdrTypeName(v.hdr));
  if (v.dolby_vision_profile >= 0)
    out += " (Dolby Vision profile " + std::to_string(v.dolby_vision_profile) + ")";
  out += ", " + Format("%.3f", v.avg_frame_rate.ToDouble()) + " fps (r " +
         RationalText(v.real_frame_rate) + ")" + (v.variable_frame_rate ? " VFR" : " CFR");
  out += ", " + std::string(FieldOrderName(v.field_order));
  out += ", " + std::to_string(v.frame_count) + " frames";
  return out;
}

std::string GopText(const GopInfo& g) {
  std::string out = "      gop: " + std::to_string(g.keyframe_times.size()) + " keyframes, max " +
                    Format("%.3f", g.max_gop_seconds) + " s, avg " +
                    Format("%.3f", g.avg_gop_seconds) + " s, ";
  out += !g.open_gop_known ? "open/closed unknown" : (g.open_gop ? "open" : "closed");
  return out + "\n";
}

std::string StreamText(const StreamInfo& s, bool primary) {
  std::string out = "  #" + std::to_string(s.index) + " " + std::string(StreamKindName(s.kind)) +
                    (primary ? "*" : "") + ": " + s.codec;
  if (!s.profile.empty()) out += " (" + s.profile + ")";
  if (s.attached_picture) out += ", attached picture";
  if (s.video) out += ", " + VideoText(*s.video);
  if (s.audio) {
    const AudioInfo& a = *s.audio;
    out += ", " + std::to_string(a.sample_rate) + " Hz, " + std::to_string(a.channels) + " ch" +
           (a.channel_layout.empty() ? "" : " (" + a.channel_layout + ")") + ", " + a.sample_format;
  }
  out += CommonSuffix(s) + "\n";
  if (s.video && !s.attached_picture) out += GopText(s.video->gop);
  return out;
}

}  // namespace

std::string_view StreamKindName(StreamKind kind) {
  switch (kind) {
    case StreamKind::kVideo:
      return "video";
    case StreamKind::kAudio:
      return "audio";
    case StreamKind::kSubtitle:
      return "subtitle";
    case StreamKind::kData:
      return "data";
    case StreamKind::kAttachment:
      return "attachment";
    case StreamKind::kUnknown:
      break;
  }
  return "unknown";
}

std::string_view HdrTypeName(HdrType hdr) {
  switch (hdr) {
    case HdrType::kSdr:
      return "sdr";
    case HdrType::kHdr10:
      return "hdr10";
    case HdrType::kHlg:
      return "hlg";
    case HdrType::kDolbyVision:
      return "dolby_vision";
  }
  return "sdr";
}

std::string_view FieldOrderName(FieldOrder order) {
  switch (order) {
    case FieldOrder::kProgressive:
      return "progressive";
    case FieldOrder::kTopFirst:
      return "top_first";
    case FieldOrder::kBottomFirst:
      return "bottom_first";
    case FieldOrder::kUnknown:
      break;
  }
  return "unknown";
}

std::string RationalText(Rational r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

nlohmann::json ToJson(const MediaInfo& info) {
  json streams = json::array();
  for (const StreamInfo& s : info.streams) streams.push_back(StreamJson(s));
  return json{{"path", info.path},
              {"container", info.container},
              {"container_long", info.container_long},
              {"file_size", info.file_size},
              {"duration", info.duration},
              {"start_time", info.start_time},
              {"bit_rate", info.bit_rate},
              {"primary_video", info.primary_video},
              {"primary_audio", info.primary_audio},
              {"audio_only", info.audio_only()},
              {"streams", streams},
              {"warnings", info.warnings}};
}

std::string ToText(const MediaInfo& info) {
  std::string out = info.path + ": " + info.container;
  if (!info.container_long.empty()) out += " (" + info.container_long + ")";
  out += ", " + SizeText(info.file_size) + "\n";
  out += "  duration " + Format("%.3f", info.duration) + " s, start " +
         Format("%.3f", info.start_time) + " s, bitrate " + std::to_string(info.bit_rate / 1000) +
         " kb/s, " + std::to_string(info.streams.size()) + " stream(s)\n";
  for (size_t i = 0; i < info.streams.size(); ++i) {
    int idx = static_cast<int>(i);
    out += StreamText(info.streams[i], idx == info.primary_video || idx == info.primary_audio);
  }
  for (const auto& w : info.warnings) out += "  warning: " + w + "\n";
  return out;
}

}  // namespace vtp
