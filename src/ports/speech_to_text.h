// Port: speech to text. The captions step hands it mono 16-bit PCM at
// kSpeechSampleRate and gets words with their times back, so a stronger
// engine can replace the shipped one (PocketSphinxStt) without touching the
// pipeline.
//
// Contract for every adapter:
//  - Words come back in time order, times in milliseconds from sample 0,
//    start_ms < end_ms, no overlaps.
//  - Fillers and non-speech tokens (silence, noise, breath markers) are not
//    words and are never returned.
//  - Silence or an empty buffer yields an empty list, not an error.
//  - An unsupported language is kInvalidArgument naming it; a missing model
//    is kNotFound naming the path it looked for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vtp::ports {

inline constexpr int kSpeechSampleRate = 16000;

struct RecognizedWord {
  std::string text;  // lower-case, as the engine's dictionary spells it
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

class SpeechToText {
 public:
  virtual ~SpeechToText() = default;
  // Languages this engine has a model for ("en").
  virtual std::vector<std::string> Languages() const = 0;
  virtual StatusOr<std::vector<RecognizedWord>> Transcribe(const std::vector<int16_t>& pcm,
                                                           const std::string& language) = 0;
};

}  // namespace vtp::ports
