#include <optional>
#include <string>
#include <vector>

#include "subtitle/formats.h"
#include "subtitle/text_util.h"

namespace vtp::subtitle::internal {
namespace {

// W3C WebVTT §4.1: "WEBVTT" then end of line, space or tab.
bool HasWebVttHeader(std::string_view text) {
  if (!text.starts_with("WEBVTT")) return false;
  return text.size() == 6 || text[6] == ' ' || text[6] == '\t' || text[6] == '\n' ||
         text[6] == '\r';
}

bool IsAssSectionHeader(std::string_view line) {
  const std::string lower = AsciiLower(Trim(line));
  return lower == "[script info]" || lower == "[v4+ styles]" || lower == "[v4 styles]" ||
         lower == "[events]";
}

// First non-blank line index, or lines.size().
size_t FirstNonBlank(const std::vector<std::string_view>& lines) {
  size_t i = 0;
  while (i < lines.size() && Trim(lines[i]).empty()) ++i;
  return i;
}

bool LooksLikeSrt(const std::vector<std::string_view>& lines, size_t first) {
  if (first >= lines.size()) return false;
  if (lines[first].find("-->") != std::string_view::npos) return true;
  return IsAllDigits(Trim(lines[first])) && first + 1 < lines.size() &&
         lines[first + 1].find("-->") != std::string_view::npos;
}

bool HasDialogueLine(const std::vector<std::string_view>& lines) {
  for (std::string_view line : lines) {
    if (StartsWithNoCase(TrimLeft(line), "Dialogue:")) return true;
  }
  return false;
}

std::optional<SubtitleFormat> FormatOfExtension(std::string_view filename) {
  const size_t dot = filename.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string ext = AsciiLower(filename.substr(dot + 1));
  if (ext == "srt") return SubtitleFormat::kSrt;
  if (ext == "vtt" || ext == "webvtt") return SubtitleFormat::kWebVtt;
  if (ext == "ass" || ext == "ssa") return SubtitleFormat::kAss;
  return std::nullopt;
}

}  // namespace

StatusOr<SubtitleFormat> DetectFormatOfText(std::string_view text, std::string_view filename) {
  if (HasWebVttHeader(text)) return SubtitleFormat::kWebVtt;
  const std::vector<std::string_view> lines = SplitLines(text);
  const size_t first = FirstNonBlank(lines);
  if (first < lines.size() && IsAssSectionHeader(lines[first])) return SubtitleFormat::kAss;
  if (LooksLikeSrt(lines, first)) return SubtitleFormat::kSrt;
  if (HasDialogueLine(lines)) return SubtitleFormat::kAss;
  if (auto by_name = FormatOfExtension(filename)) return *by_name;
  return InvalidArgument("unrecognised subtitle format (expected SRT, WebVTT or ASS/SSA)");
}

}  // namespace vtp::subtitle::internal
