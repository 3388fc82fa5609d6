// Decoded audio as plain samples, for analysis (speech to text): no libav
// type crosses this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vtp::media {

// Decodes audio stream `stream_index` of `path`, downmixes it to mono,
// resamples it to `sample_rate` and returns signed 16-bit samples.
//
// Sample 0 is source time `origin_seconds` (the video's first frame, as
// for TranscodeAudioTrack): audio that starts later is preceded by silence,
// audio before the origin is dropped, and timestamp gaps are filled with
// silence (aresample async=1, first_pts=0). `max_seconds` > 0 stops after
// that much output; 0 decodes to the end of the stream.
//
// Errors: kNotFound / kNotMedia from opening the file; kInvalidArgument
// when the stream is not audio or the rate is not positive; kInternal for
// an index out of range; kUnsupportedCodec when there is no decoder;
// kCorruptInput when no frame decodes.
StatusOr<std::vector<int16_t>> DecodeMonoPcm(const std::string& path, int stream_index,
                                             int sample_rate, double origin_seconds = 0,
                                             double max_seconds = 0);

}  // namespace vtp::media
