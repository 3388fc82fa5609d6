// The per-format parsers on already decoded text (UTF-8, LF line breaks),
// and what they share. Internal to src/subtitle; parse.h is the contract.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "subtitle/cue.h"
#include "subtitle/parse.h"

namespace vtp::subtitle::internal {

StatusOr<std::vector<Cue>> ParseSrtText(std::string_view text);
StatusOr<std::vector<Cue>> ParseWebVttText(std::string_view text);
StatusOr<std::vector<Cue>> ParseAssText(std::string_view text);
StatusOr<SubtitleFormat> DetectFormatOfText(std::string_view text, std::string_view filename);

// Collects a parser's cues and enforces the limits every format shares.
class CueList {
 public:
  // Appends the cue unless its text is empty; fails once kMaxCues would be
  // exceeded (line_no is the cue's timing line).
  Status Add(Cue cue, int line_no);
  // The cues, or "line 1: no cues found".
  StatusOr<std::vector<Cue>> Finish() &&;

 private:
  std::vector<Cue> cues_;
};

// "line N: cue text is longer than 4096 bytes" if source_bytes is over
// kMaxCueTextBytes.
Status CheckCueTextSize(size_t source_bytes, int line_no);

}  // namespace vtp::subtitle::internal
