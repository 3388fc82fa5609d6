#include "subtitle/timing.h"

#include <algorithm>
#include <cstdio>

#include "subtitle/text_util.h"

namespace vtp::subtitle::internal {
namespace {

constexpr int kMaxHourDigits = 3;

// Reads a run of 1..max_digits decimal digits from s at *pos.
std::optional<int64_t> ReadDigits(std::string_view s, size_t* pos, size_t min_digits,
                                  size_t max_digits, size_t* count = nullptr) {
  size_t n = 0;
  int64_t value = 0;
  while (*pos + n < s.size() && s[*pos + n] >= '0' && s[*pos + n] <= '9') {
    if (n == max_digits) return std::nullopt;
    value = value * 10 + (s[*pos + n] - '0');
    ++n;
  }
  if (n < min_digits) return std::nullopt;
  *pos += n;
  if (count != nullptr) *count = n;
  return value;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

bool IsFractionSeparator(char c, ClockSyntax syntax) {
  return c == '.' || (c == ',' && syntax == ClockSyntax::kSrt);
}

// Counts the ':'-separated fields before the fraction, so WebVTT's optional
// hours can be told apart from minutes.
int ColonCount(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), ':'));
}

std::optional<int64_t> ReadFraction(std::string_view s, size_t* pos, ClockSyntax syntax) {
  if (*pos >= s.size() || !IsFractionSeparator(s[*pos], syntax)) return std::nullopt;
  ++*pos;
  const size_t min_digits = syntax == ClockSyntax::kAss ? 1 : 3;
  size_t digits = 0;
  auto value = ReadDigits(s, pos, min_digits, 3, &digits);
  if (!value) return std::nullopt;
  // ASS writes centiseconds; the fraction is decimal whatever its length.
  for (size_t d = digits; d < 3; ++d) *value *= 10;
  return value;
}

}  // namespace

std::optional<int64_t> ParseClock(std::string_view s, ClockSyntax syntax) {
  size_t pos = 0;
  int64_t hours = 0;
  const bool has_hours = syntax != ClockSyntax::kWebVtt || ColonCount(s) == 2;
  if (has_hours) {
    auto h = ReadDigits(s, &pos, 1, kMaxHourDigits);
    if (!h || !Expect(s, &pos, ':')) return std::nullopt;
    hours = *h;
  }
  auto minutes = ReadDigits(s, &pos, 2, 2);
  if (!minutes || *minutes >= 60 || !Expect(s, &pos, ':')) return std::nullopt;
  auto seconds = ReadDigits(s, &pos, 2, 2);
  if (!seconds || *seconds >= 60) return std::nullopt;
  auto millis = ReadFraction(s, &pos, syntax);
  if (!millis || pos != s.size()) return std::nullopt;
  return ((hours * 60 + *minutes) * 60 + *seconds) * 1000 + *millis;
}

std::string FormatWebVttTime(int64_t ms) {
  ms = std::max<int64_t>(ms, 0);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld.%03lld",
                static_cast<long long>(ms / 3'600'000), static_cast<long long>(ms / 60'000 % 60),
                static_cast<long long>(ms / 1000 % 60), static_cast<long long>(ms % 1000));
  return buf;
}

Status CheckCueTimes(int64_t start_ms, std::string_view start_text, int64_t end_ms,
                     std::string_view end_text, int line_no) {
  if (start_ms > kMaxTimestampMs) {
    return LineError(line_no, "timestamp \"" + std::string(start_text) + "\" is beyond 24 hours");
  }
  if (end_ms > kMaxTimestampMs) {
    return LineError(line_no, "timestamp \"" + std::string(end_text) + "\" is beyond 24 hours");
  }
  if (end_ms <= start_ms) {
    return LineError(line_no, "cue ends (" + std::string(end_text) +
                                  ") before or when it starts (" + std::string(start_text) + ")");
  }
  return Status::Ok();
}

StatusOr<TimingLine> ParseTimingLine(std::string_view line, int line_no, ClockSyntax syntax) {
  const size_t arrow = line.find("-->");
  if (arrow == std::string_view::npos) {
    return LineError(line_no, "missing \"-->\" between start and end time");
  }
  const std::string_view start_text = Trim(line.substr(0, arrow));
  std::string_view after = TrimLeft(line.substr(arrow + 3));
  size_t end_len = 0;
  while (end_len < after.size() && !IsSpace(after[end_len])) ++end_len;
  const std::string_view end_text = after.substr(0, end_len);

  const auto start = ParseClock(start_text, syntax);
  if (!start) return LineError(line_no, "malformed timestamp \"" + std::string(start_text) + "\"");
  const auto end = ParseClock(end_text, syntax);
  if (!end) return LineError(line_no, "malformed timestamp \"" + std::string(end_text) + "\"");
  RETURN_IF_ERROR(CheckCueTimes(*start, start_text, *end, end_text, line_no));
  return TimingLine{*start, *end, Trim(after.substr(end_len))};
}

}  // namespace vtp::subtitle::internal
