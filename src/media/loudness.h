// Loudness: the project's own EBU R128 / ITU-R BS.1770-4 meter and the
// normalisation targets. Public: no libav type appears here.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace vtp::media {

struct LoudnessStats {
  double integrated_lufs = 0;
  double true_peak_dbtp = 0;  // kSilentPeakDbtp when every sample is zero
  double lra_lu = 0;
  bool silent = false;  // integrated below the -70 LUFS gate: nothing to measure
  // The mix that was measured, as a channel count (see MeasureLoudness's
  // mix_channels); AudioTrackJob::measured applies only to outputs with
  // this many channels.
  int channels = 0;
};

// What a digital zero reads as true peak (instead of -infinity).
inline constexpr double kSilentPeakDbtp = -150.0;
// ebur128's absolute gate; an integrated loudness at or below it is "silent".
inline constexpr double kLoudnessGateLufs = -70.0;

// EBU R128 / ITU-R BS.1770-4 over the stream (optionally the window
// [origin_seconds, origin_seconds+max_seconds), max 0 = to the end), via
// libavfilter ebur128 (peak=true: true peak from 4x oversampling) at the
// stream's own sample rate: this is the project's own meter, also used by
// tests to check outputs.
//
// `path` is a media file, or a vtp packet file (stream_index 0), e.g. an
// encoded output of TranscodeAudioTrack.
// `mix_channels`: 0 measures the stream as decoded (BS.1770 channel weights:
// surrounds +1.5 dB, LFE excluded); 1, 2 or 6 measures it after the same
// downmix/upmix TranscodeAudioTrack applies for an output with that many
// channels (libswresample's matrix: ITU-R BS.775 stereo downmix with LFE
// dropped; mono to both sides at -3 dB), which is what normalising such an
// output needs.
StatusOr<LoudnessStats> MeasureLoudness(const std::string& path, int stream_index,
                                        double origin_seconds = 0, double max_seconds = 0,
                                        int mix_channels = 0);

// MeasureLoudness for several mixes of the same window with ONE decode; one
// result per entry of `mix_channels`, in order.
StatusOr<std::vector<LoudnessStats>> MeasureLoudnessMixes(const std::string& path,
                                                          int stream_index,
                                                          double origin_seconds,
                                                          double max_seconds,
                                                          const std::vector<int>& mix_channels);

struct LoudnessTarget {
  double integrated_lufs = -16;
  double true_peak_dbtp = -1;
  // Informational: normalisation is linear (one gain plus a true-peak
  // limiter), so the programme's own loudness range is kept, never
  // compressed towards this value.
  double lra_lu = 11;
  // The largest gain ever applied: a very quiet track (a noise floor, a
  // room tone) is raised by at most this much instead of to the target.
  double max_gain_db = 20;
};

// Streaming (the default): -16 LUFS, -1 dBTP.
inline constexpr LoudnessTarget kStreamingLoudness{-16, -1, 11, 20};
// Broadcast (EBU R128): -23 LUFS, -1 dBTP.
inline constexpr LoudnessTarget kBroadcastLoudness{-23, -1, 20, 20};

}  // namespace vtp::media
