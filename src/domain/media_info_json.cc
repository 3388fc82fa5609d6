#include "domain/media_info_json.h"

#include <cstdio>
#include <initializer_list>
#include <stdexcept>

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
         {"attached_picture", s.attached_picture},
         {"packets", s.packets}};
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

template <typename E>
E EnumFrom(const std::string& name, std::string_view (*to_name)(E), std::initializer_list<E> all, E fallback) {
  for (E e : all) {
    if (to_name(e) == name) return e;
  }
  return fallback;
}

Rational RationalFrom(const json& j) {
  std::string text = j.get<std::string>();
  Rational r;
  if (std::sscanf(text.c_str(), "%lld/%lld", reinterpret_cast<long long*>(&r.num),
                  reinterpret_cast<long long*>(&r.den)) != 2) {
    throw std::invalid_argument("bad rational '" + text + "'");
  }
  return r;
}

GopInfo GopFrom(const json& j) {
  GopInfo g;
  g.keyframe_times = j.at("keyframe_times").get<std::vector<double>>();
  g.max_gop_seconds = j.at("max_gop_seconds");
  g.avg_gop_seconds = j.at("avg_gop_seconds");
  g.open_gop = j.at("open_gop");
  g.open_gop_known = j.at("open_gop_known");
  return g;
}

VideoInfo VideoFrom(const json& j);

AudioInfo AudioFrom(const json& j) {
  return AudioInfo{j.at("sample_rate"), j.at("channels"), j.at("channel_layout"),
                   j.at("sample_format")};
}

StreamInfo StreamFrom(const json& j) {
  StreamInfo s;
  s.index = j.at("index");
  s.kind = EnumFrom<StreamKind>(j.at("kind"), StreamKindName,
                                {StreamKind::kVideo, StreamKind::kAudio, StreamKind::kSubtitle,
                                 StreamKind::kData, StreamKind::kAttachment},
                                StreamKind::kUnknown);
  s.codec = j.at("codec");
  s.profile = j.at("profile");
  s.level = j.at("level");
  s.bit_rate = j.at("bit_rate");
  s.start_time = j.at("start_time");
  s.duration = j.at("duration");
  s.language = j.at("language");
  s.title = j.at("title");
  s.is_default = j.at("default");
  s.decodable = j.at("decodable");
  s.attached_picture = j.at("attached_picture");
  s.packets = j.value("packets", int64_t{-1});
  if (j.contains("video")) s.video = VideoFrom(j.at("video"));
  if (j.contains("audio")) s.audio = AudioFrom(j.at("audio"));
  return s;
}

VideoInfo VideoFrom(const json& j) {
  VideoInfo v;
  v.width = j.at("width");
  v.height = j.at("height");
  v.display_width = j.at("display_width");
  v.display_height = j.at("display_height");
  v.rotation = j.at("rotation");
  v.pixel_format = j.at("pixel_format");
  v.bit_depth = j.at("bit_depth");
  v.color_primaries = j.at("color_primaries");
  v.color_transfer = j.at("color_transfer");
  v.color_matrix = j.at("color_matrix");
  v.color_range = j.at("color_range");
  v.hdr = EnumFrom<HdrType>(j.at("hdr"), HdrTypeName,
                            {HdrType::kSdr, HdrType::kHdr10, HdrType::kHlg, HdrType::kDolbyVision},
                            HdrType::kSdr);
  v.variable_frame_rate = j.at("variable_frame_rate");
  v.field_order = EnumFrom<FieldOrder>(
      j.at("field_order"), FieldOrderName,
      {FieldOrder::kProgressive, FieldOrder::kTopFirst, FieldOrder::kBottomFirst},
      FieldOrder::kUnknown);
  v.frame_count = j.at("frame_count");
  v.gop = GopFrom(j.at("gop"));
  v.sample_aspect_ratio = RationalFrom(j.at("sample_aspect_ratio"));
  v.avg_frame_rate = RationalFrom(j.at("avg_frame_rate"));
  v.real_frame_rate = RationalFrom(j.at("real_frame_rate"));
  v.dolby_vision_profile = j.at("dolby_vision_profile").is_null() ? -1 : j.at("dolby_vision_profile").get<int>();
  return v;
}

}  // namespace

StatusOr<MediaInfo> MediaInfoFromJson(const nlohmann::json& j) {
  try {
    MediaInfo info;
    info.path = j.at("path");
    info.container = j.at("container");
    info.container_long = j.at("container_long");
    info.file_size = j.at("file_size");
    info.duration = j.at("duration");
    info.start_time = j.at("start_time");
    info.bit_rate = j.at("bit_rate");
    info.primary_video = j.at("primary_video");
    info.primary_audio = j.at("primary_audio");
    for (const auto& s : j.at("streams")) info.streams.push_back(StreamFrom(s));
    info.warnings = j.at("warnings").get<std::vector<std::string>>();
    auto bad = [&](int i) { return i >= static_cast<int>(info.streams.size()); };
    if (bad(info.primary_video) || bad(info.primary_audio)) {
      return InvalidArgument("media info names a primary stream that does not exist");
    }
    return info;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed media info JSON: ") + e.what());
  }
}

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
