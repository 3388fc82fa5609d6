// Subtitle clock values: parsing the three file syntaxes and writing the
// WebVTT one. Internal to src/subtitle.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::subtitle::internal {

// Latest time any cue may start or end: 24 h. Real subtitle files are far
// shorter; the bound keeps hostile values away from overflow.
inline constexpr int64_t kMaxTimestampMs = int64_t{24} * 3600 * 1000;

enum class ClockSyntax {
  kSrt,     // H:MM:SS,mmm  1-3 hour digits, ',' or '.', exactly 3 ms digits
  kWebVtt,  // [H:]MM:SS.mmm  hours optional (1-3 digits), '.', 3 ms digits
  kAss,     // H:MM:SS.ff  1-3 hour digits, 1-3 fraction digits (decimal)
};

// The clock value in milliseconds, or nullopt if s is not exactly one
// timestamp of that syntax (minutes and seconds must be below 60). Not
// range-checked against kMaxTimestampMs.
std::optional<int64_t> ParseClock(std::string_view s, ClockSyntax syntax);

// "HH:MM:SS.mmm" (hours at least two digits). Negative values are written
// as 00:00:00.000.
std::string FormatWebVttTime(int64_t ms);

// A parsed "start --> end[ rest]" line.
struct TimingLine {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string_view rest;  // what follows the end time, trimmed (WebVTT settings)
};

// Parses a timing line (line_no for the error text). Errors, all
// "line N: ...": missing "-->", malformed timestamp "<text>", timestamp
// beyond 24 hours, end not after start.
StatusOr<TimingLine> ParseTimingLine(std::string_view line, int line_no, ClockSyntax syntax);

// Checks a parsed cue interval: both within kMaxTimestampMs (quoting the
// original text) and end > start.
Status CheckCueTimes(int64_t start_ms, std::string_view start_text, int64_t end_ms,
                     std::string_view end_text, int line_no);

}  // namespace vtp::subtitle::internal
