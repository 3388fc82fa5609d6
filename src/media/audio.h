// The audio media layer: one source track, decoded once, loudness-normalised
// and encoded to any number of outputs (codec x bitrate x channel count).
// Public: no libav type appears here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "media/loudness.h"

namespace vtp::media {

struct AudioOutput {
  std::string codec;  // "aac" (AAC-LC, native encoder) or "opus" (libopus)
  int bitrate = 0;    // bits/s; 0 = 64 kb/s per channel (aac), 48 kb/s per channel (opus)
  int channels = 2;   // 1, 2 or 6 (5.1); 6 only when the source has >= 6 channels
  std::string output;  // packet file (PacketWriter)
};

struct AudioTrackJob {
  std::string input_path;
  int stream_index = -1;
  double origin_seconds = 0;  // source time that becomes output time 0
  double max_seconds = 0;     // trim to this length (0 = no trim)
  int sample_rate = 48000;    // of AAC outputs; Opus is always 48 kHz
  bool normalize = true;
  LoudnessTarget target;
  // Pass-1 result (MeasureLoudness over the same window with mix_channels =
  // the outputs' channel count); used for the outputs whose channel count is
  // measured->channels, every other mix is measured here. Absent: measured here.
  std::optional<LoudnessStats> measured;
  std::vector<AudioOutput> outputs;
  // With normalize: measure (decoding its packet file) every encoded output
  // whose pre-encoding true peak is within 4 dB of the target - the codec's
  // own overshoot, up to ~3 dB at 64-128 kb/s, could take it over - which
  // includes every output the limiter works on, and re-encode, at most
  // twice, one whose true peak is above the target or whose loudness is more
  // than 0.5 LU off, correcting its gain and limiter by what was measured.
  bool verify = true;
};

struct AudioOutputResult {
  int64_t samples = 0;  // samples encoded, at sample_rate
  // Encoder delay in samples: AAC 1024, Opus 312 (Opus also records it as
  // the OpusHead pre-skip, which decoders drop by themselves).
  int64_t priming = 0;
  int sample_rate = 0;  // of this output (its packet time base is 1/sample_rate)
  double gain_db = 0;   // gain applied to this output's mix
  // The encoded output as MeasureLoudness reads it, when it was verified.
  std::optional<LoudnessStats> loudness;
  // How often it was encoded: 2-3 when verification re-encoded it (the
  // file holds the best encode: true peak at or under the target first,
  // then the smallest loudness error).
  int encodes = 1;
};

struct AudioTrackResult {
  LoudnessStats input;  // pass 1, for the first output's mix (default when !normalize)
  double gain_db = 0;   // gain applied to the first output's mix
  std::vector<AudioOutputResult> outputs;  // one per job output, in order
};

// Pass 2: decodes the stream ONCE, applies the normalisation, splits, and
// encodes every output. Pass 1 (measurement, one decode for every mix) runs
// first unless job.measured covers every output or normalize is false.
//
// Output timestamps are relative to origin_seconds (aresample async: the
// start is padded or trimmed, timestamp gaps filled with silence), trimmed
// to max_seconds, in 1/sample_rate and shifted by +priming so they are never
// negative. Encoders are single-threaded and bitexact: the same job gives
// byte-identical packet files.
//
// Normalisation (per mix, i.e. per output channel count): gain = target -
// measured integrated loudness (none when silent, at most max_gain_db); a
// lookahead limiter at 4x the sample rate holds true peaks 2 dB under the
// target for the codec's own overshoot (the gain is then raised by up to
// 0.3 dB for the loudness the limiter takes); verification fixes what remains.
StatusOr<AudioTrackResult> TranscodeAudioTrack(const AudioTrackJob& job);

}  // namespace vtp::media
