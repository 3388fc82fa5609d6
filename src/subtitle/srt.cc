// SubRip has no specification; what players accept is the reference. The
// parser follows the common shape (number, timing line, text lines, blank
// line) and tolerates the deviations real files carry (see parse.h).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "subtitle/cue_text.h"
#include "subtitle/formats.h"
#include "subtitle/text_util.h"
#include "subtitle/timing.h"

namespace vtp::subtitle::internal {
namespace {

bool HasArrow(std::string_view line) { return line.find("-->") != std::string_view::npos; }

class SrtParser {
 public:
  explicit SrtParser(std::string_view text) : lines_(SplitLines(text)) {}

  StatusOr<std::vector<Cue>> Run() && {
    size_t i = 0;
    while (i < lines_.size()) {
      if (lines_[i].empty()) {
        ++i;
        continue;
      }
      ASSIGN_OR_RETURN(i, ReadBlock(i));
    }
    RETURN_IF_ERROR(FinishCue());
    return std::move(cues_).Finish();
  }

 private:
  struct PendingCue {
    int line = 0;  // 1-based line of the timing line
    TimingLine timing;
    std::string source;  // raw text lines joined by '\n'
  };

  bool IsTimingLine(size_t i) const {
    return i < lines_.size() && HasArrow(lines_[i]) &&
           ParseTimingLine(lines_[i], 0, ClockSyntax::kSrt).ok();
  }

  // Inside a cue's text: does line i begin the next cue (a blank line was
  // left out)? Only a well-formed timing line, or a number right before
  // one, counts, so text that merely contains "-->" stays text.
  bool StartsNextCue(size_t i) const {
    return IsTimingLine(i) || (IsNumber(i) && IsTimingLine(i + 1));
  }

  bool IsNumber(size_t i) const { return IsAllDigits(TrimLeft(lines_[i])); }

  // End of the text lines that start at `begin`.
  size_t TextEnd(size_t begin) const {
    size_t end = begin;
    while (end < lines_.size() && !lines_[end].empty() && !StartsNextCue(end)) ++end;
    return end;
  }

  // A block starts at non-blank line i; returns the index after what it used.
  StatusOr<size_t> ReadBlock(size_t i) {
    size_t timing = i;
    if (!HasArrow(lines_[i])) {
      const bool numbered = i + 1 < lines_.size() && HasArrow(lines_[i + 1]);
      // After a blank line, text that is neither a number nor a timing
      // line continues the cue before it (a stray blank line inside a cue).
      if (!numbered && !IsNumber(i) && pending_) return AppendText(i, TextEnd(i));
      timing = IsNumber(i) || numbered ? i + 1 : i;
    }
    const std::string_view line = timing < lines_.size() ? lines_[timing] : std::string_view();
    ASSIGN_OR_RETURN(TimingLine parsed,
                     ParseTimingLine(line, static_cast<int>(timing) + 1, ClockSyntax::kSrt));
    RETURN_IF_ERROR(FinishCue());
    pending_ = PendingCue{static_cast<int>(timing) + 1, parsed, {}};
    return AppendText(timing + 1, TextEnd(timing + 1));
  }

  // Adds lines [begin, end) to the pending cue's text.
  StatusOr<size_t> AppendText(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (!pending_->source.empty()) pending_->source += '\n';
      pending_->source += lines_[i];
      RETURN_IF_ERROR(CheckCueTextSize(pending_->source.size(), pending_->line));
    }
    return end;
  }

  Status FinishCue() {
    if (!pending_) return Status::Ok();
    PendingCue p = std::move(*pending_);
    pending_.reset();
    if (Trim(p.source).empty()) return LineError(p.line, "cue has no text");
    Cue cue;
    cue.start_ms = p.timing.start_ms;
    cue.end_ms = p.timing.end_ms;
    cue.text = AssToCueText(p.source, OverrideDialect::kSrt);
    return cues_.Add(std::move(cue), p.line);
  }

  std::vector<std::string_view> lines_;
  std::optional<PendingCue> pending_;
  CueList cues_;
};

}  // namespace

StatusOr<std::vector<Cue>> ParseSrtText(std::string_view text) {
  return SrtParser(text).Run();
}

}  // namespace vtp::subtitle::internal
