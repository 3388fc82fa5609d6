// The subtitle model every parser produces and every writer consumes.
// Times are integer milliseconds on the presentation timeline of the
// output (0 = the first frame of the published video).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtp::subtitle {

struct Cue {
  int64_t start_ms = 0;
  int64_t end_ms = 0;     // > start_ms
  std::string text;       // UTF-8 WebVTT cue text; lines joined by '\n'
  std::string id;         // optional WebVTT cue identifier ("" = none)
  std::string settings;   // optional WebVTT cue settings ("line:90%")
  bool operator==(const Cue&) const = default;
};

// One recognized word, as a speech-to-text engine reports it.
struct TimedWord {
  std::string text;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool operator==(const TimedWord&) const = default;
};

}  // namespace vtp::subtitle
