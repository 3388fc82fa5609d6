#include "adapters/pocketsphinx_stt.h"

#include <pocketsphinx.h>
#include <sphinxbase/err.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string_view>

namespace vtp::adapters {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// Utterance detection. All lengths in 10 ms frames.

constexpr int kFrameMs = 10;
// A frame is speech when its energy is this far above the noise floor (the
// 10th percentile of the buffer's frame energies)...
constexpr double kAboveFloorDb = 12.0;
// ...and above this absolute level (mean square of int16 samples, in dB:
// 40 dB = RMS 100 = -50 dBFS), so digital silence and faint hiss are
// never speech.
constexpr double kMinSpeechDb = 40.0;
// Silences shorter than this do not split an utterance.
constexpr size_t kBridgeFrames = 30;
// Speech runs shorter than this (clicks) are ignored.
constexpr size_t kMinSpeechFrames = 6;
// Context kept before and after each utterance (less when the gap to the
// neighbour is shorter than twice this).
constexpr size_t kPadFrames = 25;
// Longer utterances decode worse and slower: cut them at their quietest
// frame past half this length.
constexpr size_t kMaxUtteranceFrames = 2000;

struct Span {
  size_t begin;  // frames, [begin, end)
  size_t end;
};

std::vector<double> FrameEnergiesDb(const std::vector<int16_t>& pcm, size_t frame_len) {
  size_t frames = (pcm.size() + frame_len - 1) / frame_len;
  std::vector<double> db(frames);
  for (size_t f = 0; f < frames; ++f) {
    size_t a = f * frame_len;
    size_t b = std::min(pcm.size(), a + frame_len);
    double sum = 0;
    for (size_t i = a; i < b; ++i) sum += static_cast<double>(pcm[i]) * pcm[i];
    db[f] = 10.0 * std::log10(sum / static_cast<double>(b - a) + 1.0);
  }
  return db;
}

// Cuts `s` into pieces of at most kMaxUtteranceFrames. Each cut goes where
// the energy averaged over 0.2 s is lowest in the second half of the
// allowed window: a pause between words, not a stop consonant inside one.
// `prefix[i]` is the sum of the first i frame energies.
void SplitLong(const std::vector<double>& prefix, Span s, std::vector<Span>& out) {
  constexpr size_t kHalfWindow = 10;
  const size_t frames = prefix.size() - 1;
  auto smoothed = [&](size_t f) {
    size_t a = f > kHalfWindow ? f - kHalfWindow : 0;
    size_t b = std::min(frames, f + kHalfWindow + 1);
    return (prefix[b] - prefix[a]) / static_cast<double>(b - a);
  };
  while (s.end - s.begin > kMaxUtteranceFrames) {
    size_t lo = s.begin + kMaxUtteranceFrames / 2;
    size_t hi = s.begin + kMaxUtteranceFrames;
    size_t cut = lo;
    double best = smoothed(lo);
    for (size_t f = lo + 1; f < hi; ++f) {
      double e = smoothed(f);
      if (e < best) {
        best = e;
        cut = f;
      }
    }
    out.push_back({s.begin, cut});
    s.begin = cut;
  }
  out.push_back(s);
}

std::vector<Span> FindUtterances(const std::vector<double>& db) {
  std::vector<Span> spans;
  if (db.empty()) return spans;
  std::vector<double> sorted = db;
  size_t k = sorted.size() / 10;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(k), sorted.end());
  const double threshold = std::max(kMinSpeechDb, sorted[k] + kAboveFloorDb);

  // Runs of speech frames, silences under kBridgeFrames bridged.
  std::vector<Span> runs;
  for (size_t f = 0; f < db.size(); ++f) {
    if (db[f] < threshold) continue;
    if (!runs.empty() && f - runs.back().end < kBridgeFrames) {
      runs.back().end = f + 1;
    } else {
      runs.push_back({f, f + 1});
    }
  }
  std::vector<Span> kept;
  for (const Span& r : runs) {
    if (r.end - r.begin >= kMinSpeechFrames) kept.push_back(r);
  }
  std::vector<double> prefix(db.size() + 1, 0.0);
  for (size_t f = 0; f < db.size(); ++f) prefix[f + 1] = prefix[f] + db[f];
  // Context either side, never into the neighbour's share of the gap.
  for (size_t i = 0; i < kept.size(); ++i) {
    size_t before = kept[i].begin - (i == 0 ? 0 : kept[i - 1].end);
    size_t after = (i + 1 < kept.size() ? kept[i + 1].begin : db.size()) - kept[i].end;
    size_t pad_before = std::min<size_t>(kPadFrames, i == 0 ? before : before / 2);
    size_t pad_after = std::min<size_t>(kPadFrames, i + 1 == kept.size() ? after : after / 2);
    SplitLong(prefix, {kept[i].begin - pad_before, kept[i].end + pad_after}, spans);
  }
  return spans;
}

// ---------------------------------------------------------------------------
// Words.

// Fillers and non-speech tokens of the model: <s>, </s>, <sil>, [NOISE],
// [SPEECH], ++BREATH++ and the like.
bool IsFiller(std::string_view w) {
  if (w.empty()) return true;
  if (w.front() == '<' || w.front() == '[') return true;
  if (w.size() >= 2 && w.substr(0, 2) == "++") return true;
  return false;
}

// "read(2)" -> "read".
std::string BaseWord(std::string_view w) {
  if (w.size() > 2 && w.back() == ')') {
    size_t open = w.rfind('(');
    if (open != std::string_view::npos && open > 0) {
      std::string_view digits = w.substr(open + 1, w.size() - open - 2);
      bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
        return c >= '0' && c <= '9';
      });
      if (numeric) w = w.substr(0, open);
    }
  }
  std::string out(w);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsEnglish(const std::string& language) {
  std::string l;
  for (char c : language) l += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  if (l == "en" || l == "eng") return true;
  return l.size() > 3 && l.substr(0, 2) == "en" && (l[2] == '-' || l[2] == '_');
}

void SilenceLibraryLogging() {
  static std::once_flag once;
  std::call_once(once, [] { err_set_logfp(nullptr); });
}

Status RequirePath(const fs::path& p, bool directory) {
  std::error_code ec;
  bool ok = directory ? fs::is_directory(p, ec) : fs::is_regular_file(p, ec);
  if (!ok) {
    return NotFound(std::string("speech model ") + (directory ? "directory" : "file") +
                    " not found: " + p.string());
  }
  return Status::Ok();
}

struct DecoderDeleter {
  void operator()(ps_decoder_t* ps) const { ps_free(ps); }
};
struct ConfigDeleter {
  void operator()(cmd_ln_t* c) const { cmd_ln_free_r(c); }
};

}  // namespace

struct PocketSphinxStt::Impl {
  std::unique_ptr<ps_decoder_t, DecoderDeleter> ps;
  int frame_rate = 100;  // -frate: feature frames per second

  Status DecodeUtterance(const int16_t* samples, size_t n, int64_t offset_ms,
                         std::vector<ports::RecognizedWord>& out) {
    if (ps_start_utt(ps.get()) < 0) return Internal("pocketsphinx: ps_start_utt failed");
    // The whole utterance in one call: batch cepstral mean over exactly it.
    int searched = ps_process_raw(ps.get(), samples, n, 0, 1);
    int ended = ps_end_utt(ps.get());
    if (searched < 0 || ended < 0) return Internal("pocketsphinx: decoding an utterance failed");
    for (ps_seg_t* seg = ps_seg_iter(ps.get()); seg != nullptr; seg = ps_seg_next(seg)) {
      const char* word = ps_seg_word(seg);
      if (word == nullptr || IsFiller(word)) continue;
      int sf = 0;
      int ef = 0;
      ps_seg_frames(seg, &sf, &ef);
      ports::RecognizedWord w;
      w.text = BaseWord(word);
      w.start_ms = offset_ms + int64_t{sf} * 1000 / frame_rate;
      w.end_ms = offset_ms + (int64_t{ef} + 1) * 1000 / frame_rate;
      if (!out.empty()) w.start_ms = std::max(w.start_ms, out.back().end_ms);
      if (w.end_ms <= w.start_ms) w.end_ms = w.start_ms + 1;
      if (!w.text.empty()) out.push_back(std::move(w));
    }
    return Status::Ok();
  }
};

PocketSphinxStt::PocketSphinxStt(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PocketSphinxStt::~PocketSphinxStt() = default;

StatusOr<std::unique_ptr<PocketSphinxStt>> PocketSphinxStt::Open(const std::string& model_dir) {
  const fs::path dir(model_dir);
  const fs::path hmm = dir / "en-us";
  const fs::path lm = dir / "en-us.lm.bin";
  const fs::path dict = dir / "cmudict-en-us.dict";
  RETURN_IF_ERROR(RequirePath(dir, true));
  RETURN_IF_ERROR(RequirePath(hmm, true));
  // Every file the library needs is checked first, so a missing one is a
  // kNotFound naming it: the library would only say so in its (silenced)
  // log, and some of its loaders end the process (E_FATAL) on errors.
  for (const char* f : {"mdef", "means", "variances", "transition_matrices", "noisedict"}) {
    RETURN_IF_ERROR(RequirePath(hmm / f, false));
  }
  RETURN_IF_ERROR(RequirePath(lm, false));
  RETURN_IF_ERROR(RequirePath(dict, false));

  SilenceLibraryLogging();
  const std::string hmm_s = hmm.string();
  const std::string lm_s = lm.string();
  const std::string dict_s = dict.string();
  std::unique_ptr<cmd_ln_t, ConfigDeleter> config(
      cmd_ln_init(nullptr, ps_args(), 1, "-hmm", hmm_s.c_str(), "-lm", lm_s.c_str(), "-dict",
                  dict_s.c_str(),
                  // The library's own silence removal drops frames, which
                  // shifts every word time after them; utterances are cut
                  // here instead.
                  "-remove_silence", "no", static_cast<const char*>(nullptr)));
  if (!config) return Internal("pocketsphinx: invalid configuration for " + model_dir);
  auto impl = std::make_unique<Impl>();
  impl->ps.reset(ps_init(config.get()));  // keeps its own reference to config
  if (!impl->ps) return Internal("pocketsphinx: cannot load the speech model in " + model_dir);
  long frate = cmd_ln_int_r(ps_get_config(impl->ps.get()), "-frate");
  if (frate <= 0) return Internal("pocketsphinx: bad -frate " + std::to_string(frate));
  impl->frame_rate = static_cast<int>(frate);
  return std::unique_ptr<PocketSphinxStt>(new PocketSphinxStt(std::move(impl)));
}

std::vector<std::string> PocketSphinxStt::Languages() const { return {"en"}; }

StatusOr<std::vector<ports::RecognizedWord>> PocketSphinxStt::Transcribe(
    const std::vector<int16_t>& pcm, const std::string& language) {
  if (!IsEnglish(language)) {
    return InvalidArgument("speech to text: unsupported language '" + language +
                           "' (PocketSphinx model: en)");
  }
  std::vector<ports::RecognizedWord> words;
  // A fresh stream per call: the noise estimate starts over, so a result
  // never depends on what this instance transcribed before.
  if (ps_start_stream(impl_->ps.get()) < 0) return Internal("pocketsphinx: ps_start_stream failed");
  const size_t frame_len = static_cast<size_t>(ports::kSpeechSampleRate) * kFrameMs / 1000;
  const std::vector<double> db = FrameEnergiesDb(pcm, frame_len);
  for (const Span& u : FindUtterances(db)) {
    size_t a = u.begin * frame_len;
    size_t b = std::min(pcm.size(), u.end * frame_len);
    if (b <= a) continue;
    int64_t offset_ms = static_cast<int64_t>(u.begin) * kFrameMs;
    RETURN_IF_ERROR(impl_->DecodeUtterance(pcm.data() + a, b - a, offset_ms, words));
  }
  return words;
}

}  // namespace vtp::adapters
