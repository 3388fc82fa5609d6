// ports::SpeechToText on CMU PocketSphinx (Debian's 0.8+5prealpha library
// and its US English model), in process.
//
// Transcribe splits the audio into utterances at silences with a simple
// energy detector (10 ms frames; speech = frames 12 dB above the buffer's
// noise floor, its 10th-percentile frame, and above -50 dBFS; gaps under
// 0.3 s bridged, runs under 60 ms dropped, 0.25 s of context either side,
// utterances over 20 s cut at their quietest frame). Each utterance is
// decoded as a whole (cepstral mean over exactly it), and word times come
// from the best path's segmentation: frame index / -frate plus the
// utterance's offset. The library's own silence removal is off (it drops
// frames and so shifts word times), and each call starts a new stream
// (fresh noise estimate), so a result depends only on its input. Fillers
// (<s>, </s>, <sil>, [NOISE], [SPEECH], ++...++) are dropped and alternate
// pronunciations ("read(2)") are reported by their word ("read").
//
// The library's logging (stderr by default) is switched off for the whole
// process when the first instance opens (err_set_logfp(NULL)).
//
// Thread-compatible: one instance per thread; instances are independent.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "ports/speech_to_text.h"

namespace vtp::adapters {

class PocketSphinxStt final : public ports::SpeechToText {
 public:
  static constexpr const char* kDefaultModelDir = "/usr/share/pocketsphinx/model/en-us";

  // `model_dir` holds the acoustic model (en-us/), the language model
  // (en-us.lm.bin) and the dictionary (cmudict-en-us.dict), as Debian's
  // pocketsphinx-en-us installs them. A missing directory or file is
  // kNotFound naming it; a model the library refuses is kInternal. Loading
  // takes about 0.4 s and 150 MB.
  static StatusOr<std::unique_ptr<PocketSphinxStt>> Open(
      const std::string& model_dir = kDefaultModelDir);

  ~PocketSphinxStt() override;
  PocketSphinxStt(const PocketSphinxStt&) = delete;
  PocketSphinxStt& operator=(const PocketSphinxStt&) = delete;

  // {"en"}.
  std::vector<std::string> Languages() const override;

  // `pcm`: mono 16-bit at ports::kSpeechSampleRate. `language`: "en", any
  // "en-XX" / "en_XX" tag, or "eng" (ISO 639-2, as containers tag streams);
  // anything else is kInvalidArgument. A decoder failure is kInternal.
  StatusOr<std::vector<ports::RecognizedWord>> Transcribe(const std::vector<int16_t>& pcm,
                                                          const std::string& language) override;

 private:
  struct Impl;
  explicit PocketSphinxStt(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vtp::adapters
