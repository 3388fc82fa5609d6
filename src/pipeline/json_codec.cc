#include "pipeline/json_codec.h"

#include <climits>

namespace vtp::pipeline {

using nlohmann::json;

json RationalToJson(Rational r) { return json::array({r.num, r.den}); }
Rational RationalFromJson(const json& j) { return {j.at(0).get<int64_t>(), j.at(1).get<int64_t>()}; }

json RenditionToJson(const VideoRendition& r) {
  return {{"name", r.name},       {"codec", r.codec},     {"width", r.width},
          {"height", r.height},   {"maxrate", r.maxrate}, {"bufsize", r.bufsize},
          {"crf", r.crf},         {"preset", r.preset},   {"profile", r.profile},
          {"level", r.level},     {"encoder", r.encoder}, {"bit_depth", r.bit_depth},
          {"hdr", r.hdr}};
}

VideoRendition RenditionFromJson(const json& j) {
  VideoRendition r;
  r.name = j.at("name");
  r.codec = j.at("codec");
  r.width = j.at("width");
  r.height = j.at("height");
  r.maxrate = j.at("maxrate");
  r.bufsize = j.at("bufsize");
  r.crf = j.at("crf");
  r.preset = j.at("preset");
  r.profile = j.at("profile");
  r.level = j.at("level");
  // Absent in tasks planned before other codecs existed: H.264 8-bit.
  r.encoder = j.value("encoder", "libx264");
  r.bit_depth = j.value("bit_depth", 8);
  r.hdr = j.value("hdr", false);
  return r;
}

json ConditioningToJson(const media::PictureConditioning& c) {
  return {{"deinterlace", c.deinterlace},         {"rotation", c.rotation},
          {"tonemap_to_sdr", c.tonemap_to_sdr},   {"color_transfer", c.color_transfer},
          {"color_primaries", c.color_primaries}, {"color_matrix", c.color_matrix}};
}

media::PictureConditioning ConditioningFromJson(const json& j) {
  media::PictureConditioning c;
  c.deinterlace = j.at("deinterlace");
  c.rotation = j.at("rotation");
  c.tonemap_to_sdr = j.at("tonemap_to_sdr");
  c.color_transfer = j.at("color_transfer");
  c.color_primaries = j.at("color_primaries");
  c.color_matrix = j.at("color_matrix");
  return c;
}

namespace {
json OptionalEnd(int64_t v) { return v == INT64_MAX ? json(nullptr) : json(v); }
int64_t EndFromJson(const json& j) { return j.is_null() ? INT64_MAX : j.get<int64_t>(); }
json OptionalStart(int64_t v) { return v == INT64_MIN ? json(nullptr) : json(v); }
int64_t StartFromJson(const json& j) { return j.is_null() ? INT64_MIN : j.get<int64_t>(); }
}  // namespace

json PlanToJson(const SegmentPlan& p) {
  json chunks = json::array();
  for (const auto& c : p.chunks) {
    chunks.push_back({{"index", c.index}, {"first_segment", c.first_segment},
                      {"end_segment", c.end_segment}, {"start", c.start},
                      {"end", OptionalEnd(c.end)}, {"decode_from", OptionalStart(c.decode_from)}});
  }
  return {{"time_base", RationalToJson(p.time_base)}, {"origin", p.origin},
          {"segment_starts", p.segment_starts}, {"keyframe_forces", p.keyframe_forces},
          {"chunks", chunks}};
}

SegmentPlan PlanFromJson(const json& j) {
  SegmentPlan p;
  p.time_base = RationalFromJson(j.at("time_base"));
  p.origin = j.at("origin");
  p.segment_starts = j.at("segment_starts").get<std::vector<int64_t>>();
  p.keyframe_forces = j.at("keyframe_forces").get<std::vector<int64_t>>();
  for (const auto& c : j.at("chunks")) {
    Chunk k;
    k.index = c.at("index");
    k.first_segment = c.at("first_segment");
    k.end_segment = c.at("end_segment");
    k.start = c.at("start");
    k.end = EndFromJson(c.at("end"));
    k.decode_from = StartFromJson(c.at("decode_from"));
    p.chunks.push_back(k);
  }
  return p;
}

json LimitsToJson(const ProbeLimits& l) {
  return {{"max_width", l.max_width}, {"max_height", l.max_height}, {"max_pixels", l.max_pixels},
          {"max_duration_seconds", l.max_duration_seconds}, {"max_streams", l.max_streams},
          {"max_file_size", l.max_file_size}};
}

ProbeLimits LimitsFromJson(const json& j) {
  return {j.at("max_width"), j.at("max_height"), j.at("max_pixels"),
          j.at("max_duration_seconds"), j.at("max_streams"), j.at("max_file_size")};
}

json TrackToJson(const media::PackagedTrack& t) {
  json segs = json::array();
  for (const auto& s : t.segments) {
    segs.push_back({{"start", s.start}, {"duration", s.duration}, {"seconds", s.seconds},
                    {"fmp4_bytes", s.fmp4_bytes}, {"ts_bytes", s.ts_bytes},
                    {"fmp4_name", s.fmp4_name}, {"ts_name", s.ts_name}});
  }
  return {{"codec", t.codec},           {"codec_config", t.codec_config},
          {"timescale", t.timescale},   {"presentation_offset", t.presentation_offset},
          {"width", t.width},
          {"height", t.height},         {"sample_rate", t.sample_rate},
          {"channels", t.channels},     {"init_bytes", t.init_bytes},
          {"packets", t.packets},       {"init_name", t.init_name},
          {"segments", segs}};
}

media::PackagedTrack TrackFromJson(const json& j) {
  media::PackagedTrack t;
  t.codec = j.at("codec");
  t.codec_config = j.at("codec_config").get<std::vector<uint8_t>>();
  t.timescale = j.at("timescale");
  t.presentation_offset = j.at("presentation_offset");
  t.width = j.at("width");
  t.height = j.at("height");
  t.sample_rate = j.at("sample_rate");
  t.channels = j.at("channels");
  t.init_bytes = j.at("init_bytes");
  t.packets = j.at("packets");
  t.init_name = j.at("init_name");
  for (const auto& s : j.at("segments")) {
    media::PackagedSegment seg;
    seg.start = s.at("start");
    seg.duration = s.at("duration");
    seg.seconds = s.at("seconds");
    seg.fmp4_bytes = s.at("fmp4_bytes");
    seg.ts_bytes = s.at("ts_bytes");
    seg.fmp4_name = s.at("fmp4_name");
    seg.ts_name = s.at("ts_name");
    t.segments.push_back(seg);
  }
  return t;
}

}  // namespace vtp::pipeline
