// ASS/SSA reading. The format's reference is the "Sub Station Alpha v4.00+
// Script Format" document and libass's behaviour: the [Events] section's
// Format line names the columns of every Dialogue line, Text is always the
// last column and is the only one that may contain commas.
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "subtitle/cue_text.h"
#include "subtitle/formats.h"
#include "subtitle/text_util.h"
#include "subtitle/timing.h"

namespace vtp::subtitle {
namespace internal {
namespace {

// Where the columns we need sit in a Dialogue line.
struct EventColumns {
  size_t start = 1;
  size_t end = 2;
  size_t count = 10;  // Text is the last column: count - 1
  // Positions, in the standard layout, of the margin columns a shortened
  // Format line leaves out (see StandardLayoutFits).
  std::vector<size_t> omitted_margins;
};

// ASS v4+ default: Layer, Start, End, Style, Name, MarginL, MarginR,
// MarginV, Effect, Text (SSA's Marked sits where Layer is).
constexpr std::string_view kStandardNames[] = {"layer",   "start",   "end",     "style",  "name",
                                               "marginl", "marginr", "marginv", "effect", "text"};
constexpr size_t kStandardCount = std::size(kStandardNames);

// Splits s at the first `fields - 1` commas; the last piece keeps the rest.
// Fewer pieces than `fields` means the line was short.
std::vector<std::string_view> SplitFields(std::string_view s, size_t fields) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < fields) {
    const size_t comma = s.find(',');
    if (comma == std::string_view::npos) break;
    out.push_back(s.substr(0, comma));
    s.remove_prefix(comma + 1);
  }
  out.push_back(s);
  return out;
}

std::string_view AfterColon(std::string_view line) { return line.substr(line.find(':') + 1); }

// When `names` is the standard column list with some columns left out
// (same order), the standard positions of the left-out margin columns;
// otherwise none.
std::vector<size_t> OmittedMargins(const std::vector<std::string_view>& names) {
  std::vector<size_t> omitted;
  size_t k = 0;
  for (size_t pos = 0; pos < kStandardCount; ++pos) {
    if (k < names.size() && AsciiLower(names[k]) == kStandardNames[pos]) {
      ++k;
    } else if (kStandardNames[pos].starts_with("margin")) {
      omitted.push_back(pos);
    }
  }
  if (k != names.size()) return {};  // not a subsequence of the standard
  return omitted;
}

StatusOr<EventColumns> ParseFormatLine(std::string_view line, int line_no) {
  std::vector<std::string_view> names;
  std::string_view rest = AfterColon(line);
  while (true) {
    const size_t comma = rest.find(',');
    names.push_back(Trim(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  EventColumns cols;
  cols.count = names.size();
  bool has_start = false;
  bool has_end = false;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string name = AsciiLower(names[i]);
    if (name == "start") {
      cols.start = i;
      has_start = true;
    } else if (name == "end") {
      cols.end = i;
      has_end = true;
    }
  }
  if (!has_start || !has_end || AsciiLower(names.back()) != "text") {
    return LineError(line_no, "the [Events] Format line must name Start and End and end with Text");
  }
  cols.omitted_margins = OmittedMargins(names);
  return cols;
}

// FFmpeg writes Dialogue lines in the standard layout whatever the header's
// Format line says, so .ass files extracted from Matroska tracks whose
// private header lists fewer columns carry the standard columns anyway
// (",Olly,,,,,Text" under "Format: Layer, Start, End, Style, Name,
// Text"). Read the standard way when a line has all ten columns and the
// margins the Format line omits hold margins (empty or digits); a text
// that happened to start with such numbers is far less likely.
bool StandardLayoutFits(std::string_view body, const EventColumns& cols) {
  if (cols.omitted_margins.empty()) return false;
  const std::vector<std::string_view> fields = SplitFields(body, kStandardCount);
  if (fields.size() < kStandardCount) return false;
  for (size_t pos : cols.omitted_margins) {
    const std::string_view margin = Trim(fields[pos]);
    if (!margin.empty() && !IsAllDigits(margin)) return false;
  }
  return true;
}

StatusOr<Cue> ParseDialogue(std::string_view line, const EventColumns& format_cols, int line_no) {
  const std::string_view body = AfterColon(line);
  const EventColumns standard;
  const EventColumns& cols = StandardLayoutFits(body, format_cols) ? standard : format_cols;
  const std::vector<std::string_view> fields = SplitFields(body, cols.count);
  if (fields.size() < cols.count) {
    return LineError(line_no, "Dialogue line has " + std::to_string(fields.size()) +
                                  " fields, the Format line names " + std::to_string(cols.count));
  }
  const std::string_view start_text = Trim(fields[cols.start]);
  const std::string_view end_text = Trim(fields[cols.end]);
  const auto start = ParseClock(start_text, ClockSyntax::kAss);
  if (!start) return LineError(line_no, "malformed timestamp \"" + std::string(start_text) + "\"");
  const auto end = ParseClock(end_text, ClockSyntax::kAss);
  if (!end) return LineError(line_no, "malformed timestamp \"" + std::string(end_text) + "\"");
  RETURN_IF_ERROR(CheckCueTimes(*start, start_text, *end, end_text, line_no));
  const std::string_view source = fields.back();
  RETURN_IF_ERROR(CheckCueTextSize(source.size(), line_no));
  Cue cue;
  cue.start_ms = *start;
  cue.end_ms = *end;
  cue.text = AssToCueText(source, OverrideDialect::kAss);
  return cue;
}

class AssParser {
 public:
  explicit AssParser(std::string_view text) : lines_(SplitLines(text)) {}

  StatusOr<std::vector<Cue>> Run() && {
    for (size_t i = 0; i < lines_.size(); ++i) {
      RETURN_IF_ERROR(ReadLine(TrimLeft(lines_[i]), static_cast<int>(i) + 1));
    }
    if (!saw_events_) return LineError(1, "no [Events] section");
    return std::move(cues_).Finish();
  }

 private:
  Status ReadLine(std::string_view line, int line_no) {
    if (line.starts_with('[')) {
      in_events_ = AsciiLower(line) == "[events]";
      saw_events_ = saw_events_ || in_events_;
      return Status::Ok();
    }
    if (!in_events_) return Status::Ok();
    if (StartsWithNoCase(line, "Format:")) {
      ASSIGN_OR_RETURN(columns_, ParseFormatLine(line, line_no));
    } else if (StartsWithNoCase(line, "Dialogue:")) {
      ASSIGN_OR_RETURN(Cue cue, ParseDialogue(line, columns_, line_no));
      RETURN_IF_ERROR(cues_.Add(std::move(cue), line_no));
    }
    return Status::Ok();  // Comment:, Picture:, Sound:, Command: ...
  }

  std::vector<std::string_view> lines_;
  EventColumns columns_;  // the standard layout until a Format line
  bool in_events_ = false;
  bool saw_events_ = false;
  CueList cues_;
};

}  // namespace

StatusOr<std::vector<Cue>> ParseAssText(std::string_view text) { return AssParser(text).Run(); }

}  // namespace internal

namespace {

// libavcodec's event: ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,
// Effect,Text. Before FFmpeg 5.0 (and in .ass files) the Dialogue line's
// Layer,Start,End,Style,Name,MarginL,MarginR,MarginV,Effect,Text.
constexpr size_t kEventFields = 9;
constexpr size_t kDialogueFields = 10;

}  // namespace

std::string AssEventText(std::string_view event) {
  std::string_view body = internal::TrimLeft(event);
  size_t fields = kEventFields;
  if (internal::StartsWithNoCase(body, "Dialogue:")) {
    body = internal::AfterColon(body);
    fields = kDialogueFields;
  }
  const std::vector<std::string_view> parts = internal::SplitFields(body, fields);
  if (parts.size() < fields) return "";
  return internal::AssToCueText(parts.back(), internal::OverrideDialect::kAss);
}

}  // namespace vtp::subtitle
