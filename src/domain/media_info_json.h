// Presentations of a MediaInfo: the JSON document `vtp probe --json` prints
// and the short ffprobe-like text summary `vtp probe` prints. Pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp {

// Stable lowercase names used in JSON and text: "video", "hdr10",
// "dolby_vision", "top_first", ...
std::string_view StreamKindName(StreamKind kind);
std::string_view HdrTypeName(HdrType hdr);
std::string_view FieldOrderName(FieldOrder order);

// "30000/1001".
std::string RationalText(Rational r);

// One object with snake_case keys mirroring the MediaInfo fields. Enums are
// strings (names above); every Rational `x` becomes "x": "num/den" plus
// "x_value": num/den as a number; dolby_vision_profile is null when absent;
// "video"/"audio" objects appear only on streams of that kind; top level
// also carries "audio_only".
nlohmann::json ToJson(const MediaInfo& info);

// The inverse of ToJson (the probe task's result read back by the planner):
// MediaInfoFromJson(ToJson(x)) == x field for field. kInvalidArgument for a
// document ToJson could not have written.
StatusOr<MediaInfo> MediaInfoFromJson(const nlohmann::json& j);

// Multi-line summary: container line, one line per stream ("*" marks the
// primary streams) and a GOP line under each video stream. Ends in '\n'.
std::string ToText(const MediaInfo& info);

}  // namespace vtp
