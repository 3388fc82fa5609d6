#include "subtitle/parse.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "subtitle/formats.h"
#include "subtitle/text_util.h"

namespace vtp::subtitle {
namespace internal {

Status CueList::Add(Cue cue, int line_no) {
  if (cue.text.empty()) return Status::Ok();
  if (cues_.size() >= static_cast<size_t>(kMaxCues)) {
    return LineError(line_no, "more than " + std::to_string(kMaxCues) + " cues");
  }
  cues_.push_back(std::move(cue));
  return Status::Ok();
}

StatusOr<std::vector<Cue>> CueList::Finish() && {
  if (cues_.empty()) return LineError(1, "no cues found");
  return std::move(cues_);
}

Status CheckCueTextSize(size_t source_bytes, int line_no) {
  if (source_bytes <= kMaxCueTextBytes) return Status::Ok();
  return LineError(line_no,
                   "cue text is longer than " + std::to_string(kMaxCueTextBytes) + " bytes");
}

}  // namespace internal

namespace {

// Trailing whitespace off every line, blank lines out.
std::string TidyLines(std::string_view text) {
  std::string out;
  for (std::string_view line : internal::SplitLines(text)) {
    if (line.empty()) continue;
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

StatusOr<std::vector<Cue>> ParseText(SubtitleFormat format, std::string_view text) {
  switch (format) {
    case SubtitleFormat::kSrt: return internal::ParseSrtText(text);
    case SubtitleFormat::kWebVtt: return internal::ParseWebVttText(text);
    case SubtitleFormat::kAss: return internal::ParseAssText(text);
  }
  return Internal("unknown subtitle format");
}

}  // namespace

StatusOr<std::vector<Cue>> ParseSrt(std::string_view text) {
  ASSIGN_OR_RETURN(const std::string decoded, DecodeSubtitleText(text));
  return internal::ParseSrtText(decoded);
}

StatusOr<std::vector<Cue>> ParseWebVtt(std::string_view text) {
  ASSIGN_OR_RETURN(const std::string decoded, DecodeSubtitleText(text));
  return internal::ParseWebVttText(decoded);
}

StatusOr<std::vector<Cue>> ParseAss(std::string_view text) {
  ASSIGN_OR_RETURN(const std::string decoded, DecodeSubtitleText(text));
  return internal::ParseAssText(decoded);
}

StatusOr<SubtitleFormat> DetectSubtitleFormat(std::string_view bytes, std::string_view filename) {
  auto decoded = DecodeSubtitleText(bytes);
  if (decoded.ok()) return internal::DetectFormatOfText(*decoded, filename);
  // Undecodable bytes still get a verdict (from the ASCII they hold, or the
  // extension), so the parser can then report the encoding error by line.
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  return internal::DetectFormatOfText(bytes, filename);
}

StatusOr<std::vector<Cue>> ParseSubtitles(std::string_view bytes, std::string_view filename) {
  ASSIGN_OR_RETURN(const std::string text, DecodeSubtitleText(bytes));
  if (internal::Trim(text).empty()) return internal::LineError(1, "the file is empty (no cues)");
  StatusOr<SubtitleFormat> format = internal::DetectFormatOfText(text, filename);
  if (!format.ok()) return internal::LineError(1, format.status().message());
  ASSIGN_OR_RETURN(std::vector<Cue> cues, ParseText(*format, text));
  return Normalize(std::move(cues));
}

std::vector<Cue> Normalize(std::vector<Cue> cues) {
  for (Cue& cue : cues) cue.text = TidyLines(cue.text);
  std::erase_if(cues, [](const Cue& c) { return c.text.empty(); });
  std::stable_sort(cues.begin(), cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  std::set<std::tuple<int64_t, int64_t, std::string>> seen;
  std::vector<Cue> out;
  out.reserve(cues.size());
  for (Cue& cue : cues) {
    if (seen.emplace(cue.start_ms, cue.end_ms, cue.text).second) out.push_back(std::move(cue));
  }
  return out;
}

}  // namespace vtp::subtitle
