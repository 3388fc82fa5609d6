// WebVTT reading after W3C WebVTT §6.1 ("WebVTT parser algorithm"), with
// two deliberate differences: a block without "-->" and a cue without text
// are errors here rather than silently skipped, because a file that needs
// them is almost always damaged and the user should hear about it.
#include <string>
#include <utility>
#include <vector>

#include "subtitle/formats.h"
#include "subtitle/text_util.h"
#include "subtitle/timing.h"

namespace vtp::subtitle::internal {
namespace {

bool HasArrow(std::string_view line) { return line.find("-->") != std::string_view::npos; }

// §4.1: "WEBVTT" alone or followed by a space or tab.
bool IsHeaderLine(std::string_view line) {
  if (!line.starts_with("WEBVTT")) return false;
  return line.size() == 6 || line[6] == ' ' || line[6] == '\t';
}

// NOTE (§4.1 comments), STYLE (§4.3) and REGION (§4.4) blocks: the keyword
// alone or followed by whitespace.
bool IsSkippedBlock(std::string_view line) {
  for (std::string_view keyword : {"NOTE", "STYLE", "REGION"}) {
    if (line.starts_with(keyword) &&
        (line.size() == keyword.size() || IsSpace(line[keyword.size()]))) {
      return true;
    }
  }
  return false;
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i])) {
      while (i < s.size() && IsSpace(s[i])) ++i;
      if (i < s.size() && !out.empty()) out += ' ';
      continue;
    }
    out += s[i++];
  }
  return out;
}

class WebVttParser {
 public:
  explicit WebVttParser(std::string_view text) : lines_(SplitLines(text)) {}

  StatusOr<std::vector<Cue>> Run() && {
    if (!IsHeaderLine(lines_[0])) return LineError(1, "missing WEBVTT header");
    size_t i = 1;
    // The header block; a "-->" line means the first cue came without the
    // blank line before it.
    while (i < lines_.size() && !lines_[i].empty() && !HasArrow(lines_[i])) ++i;
    while (i < lines_.size()) {
      if (lines_[i].empty()) {
        ++i;
        continue;
      }
      ASSIGN_OR_RETURN(i, ReadBlock(i));
    }
    return std::move(cues_).Finish();
  }

 private:
  size_t BlockEnd(size_t i) const {
    while (i < lines_.size() && !lines_[i].empty()) ++i;
    return i;
  }

  // Reads the block at non-blank line i; returns the index after it.
  StatusOr<size_t> ReadBlock(size_t i) {
    if (IsSkippedBlock(lines_[i])) return BlockEnd(i);
    Cue cue;
    size_t timing = i;
    if (!HasArrow(lines_[i])) {
      cue.id = std::string(lines_[i]);
      timing = i + 1;
      if (timing >= lines_.size() || lines_[timing].empty()) {
        return LineError(static_cast<int>(i) + 1, "missing \"-->\" (a cue needs a timing line)");
      }
    }
    const int line_no = static_cast<int>(timing) + 1;
    ASSIGN_OR_RETURN(const TimingLine parsed,
                     ParseTimingLine(lines_[timing], line_no, ClockSyntax::kWebVtt));
    cue.start_ms = parsed.start_ms;
    cue.end_ms = parsed.end_ms;
    cue.settings = CollapseSpaces(parsed.rest);
    // §6.1: cue text ends at a blank line or at a line holding "-->".
    size_t end = timing + 1;
    while (end < lines_.size() && !lines_[end].empty() && !HasArrow(lines_[end])) {
      if (!cue.text.empty()) cue.text += '\n';
      cue.text += lines_[end++];
      RETURN_IF_ERROR(CheckCueTextSize(cue.text.size(), line_no));
    }
    if (end == timing + 1) return LineError(line_no, "cue has no text");
    RETURN_IF_ERROR(cues_.Add(std::move(cue), line_no));
    return end;
  }

  std::vector<std::string_view> lines_;
  CueList cues_;
};

}  // namespace

StatusOr<std::vector<Cue>> ParseWebVttText(std::string_view text) {
  return WebVttParser(text).Run();
}

}  // namespace vtp::subtitle::internal
