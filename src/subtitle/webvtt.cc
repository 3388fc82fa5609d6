#include "subtitle/webvtt.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <utility>

#include "subtitle/timing.h"

namespace vtp::subtitle {
namespace {

constexpr int64_t kMpegTsWrap = int64_t{1} << 33;  // 33-bit PTS (ISO/IEC 13818-1)

void AppendCue(const Cue& cue, std::string* out) {
  if (!cue.id.empty()) *out += cue.id + "\n";
  *out += internal::FormatWebVttTime(cue.start_ms);
  *out += " --> ";
  *out += internal::FormatWebVttTime(cue.end_ms);
  if (!cue.settings.empty()) *out += " " + cue.settings;
  *out += "\n" + cue.text + "\n\n";
}

// The index spliced into a validated pattern; nullopt if the pattern is not
// one "%d"/"%0Nd" plus literal text and "%%". Hand-rolled rather than
// snprintf so a caller's pattern can never act as a format string.
std::optional<std::string> FormatName(std::string_view pattern, size_t index) {
  std::string out;
  int conversions = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    std::string_view spec = pattern.substr(i + 1);
    if (spec.starts_with('%')) {
      out += '%';
      ++i;
      continue;
    }
    size_t width = 0;
    if (spec.size() >= 3 && spec[0] == '0' && spec[1] >= '1' && spec[1] <= '9' && spec[2] == 'd') {
      width = static_cast<size_t>(spec[1] - '0');
      i += 3;
    } else if (spec.starts_with('d')) {
      i += 1;
    } else {
      return std::nullopt;
    }
    const std::string digits = std::to_string(index);
    out += std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
    ++conversions;
  }
  if (conversions != 1) return std::nullopt;
  return out;
}

bool ValidBoundaries(const std::vector<int64_t>& starts, int64_t end_ms) {
  if (starts.empty() || starts.front() < 0 || end_ms <= starts.back()) return false;
  return std::adjacent_find(starts.begin(), starts.end(),
                            [](int64_t a, int64_t b) { return b <= a; }) == starts.end();
}

std::string SegmentHeader(int64_t mpegts_90k) {
  return "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:" + std::to_string(mpegts_90k) +
         ",LOCAL:00:00:00.000\n\n";
}

}  // namespace

std::string WriteWebVtt(const std::vector<Cue>& cues) {
  std::string out = "WEBVTT\n\n";
  for (const Cue& cue : cues) AppendCue(cue, &out);
  return out;
}

std::vector<VttSegment> SegmentWebVtt(const std::vector<Cue>& cues,
                                      const std::vector<int64_t>& segment_starts_ms,
                                      int64_t end_ms, int64_t mpegts_90k,
                                      std::string_view name_pattern) {
  if (!ValidBoundaries(segment_starts_ms, end_ms)) return {};
  if (mpegts_90k < 0 || mpegts_90k >= kMpegTsWrap) return {};
  if (!FormatName(name_pattern, 0)) return {};

  // Cue indices by start (stable, so equal starts keep the caller's order);
  // `active` holds the ones started before the current segment's end that
  // have not yet ended, which keeps this linear in cues + segments plus
  // the repeats of long cues.
  std::vector<size_t> order(cues.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cues[a].start_ms < cues[b].start_ms; });
  std::vector<size_t> active;
  size_t next = 0;

  const std::string header = SegmentHeader(mpegts_90k);
  std::vector<VttSegment> segments;
  segments.reserve(segment_starts_ms.size());
  for (size_t k = 0; k < segment_starts_ms.size(); ++k) {
    const int64_t begin = segment_starts_ms[k];
    const int64_t end = k + 1 < segment_starts_ms.size() ? segment_starts_ms[k + 1] : end_ms;
    while (next < order.size() && cues[order[next]].start_ms < end) active.push_back(order[next++]);
    std::erase_if(active, [&](size_t c) { return cues[c].end_ms <= begin; });
    std::string text = header;
    for (size_t c : active) AppendCue(cues[c], &text);
    segments.push_back({*FormatName(name_pattern, k), static_cast<double>(end - begin) / 1000.0,
                        std::move(text)});
  }
  return segments;
}

}  // namespace vtp::subtitle
