// The transcode steps' work, run inside worker processes. Values in, files
// out; no libav type appears here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/ladder.h"
#include "domain/media_info.h"

namespace vtp::media {

// How every rendition's pictures are prepared before scaling.
struct PictureConditioning {
  bool deinterlace = false;
  int rotation = 0;          // clockwise degrees to apply
  bool tonemap_to_sdr = false;  // HDR10/HLG/Dolby Vision source
  std::string color_transfer;   // source tags, used for tone mapping input
  std::string color_primaries;
  std::string color_matrix;
};

struct VideoChunkJob {
  std::string chunk_path;     // split output (chunk timeline)
  Rational time_base;         // of the chunk file
  Rational frame_rate;        // average frame rate, for rate control
  int64_t origin = 0;         // pts of the first frame of the whole video
  int64_t start = 0;          // frames with start <= pts < end are this chunk's
  int64_t end = 0;            // INT64_MAX for the last chunk
  int64_t last_frame_duration = 0;  // fallback duration of the final frame
  std::vector<int64_t> keyframe_forces;  // absolute pts; IDR at first frame >= each
  PictureConditioning conditioning;
  std::vector<VideoRendition> renditions;
  std::vector<std::string> outputs;  // one packet file per rendition
  int encoder_threads = 1;   // x264 threads per rung
  int top_rung_threads = 2;  // x264 threads for the largest rung
};

struct ChunkResult {
  int64_t frames = 0;  // frames encoded per rendition
  // Per rendition: pts - dts of the first packet (the encoder's reordering
  // delay, in the chunk time base).
  std::vector<int64_t> delays;
};

// Decodes the chunk once and encodes every rendition. Output timestamps are
// relative to `origin` (the first frame of the video is pts 0).
StatusOr<ChunkResult> TranscodeVideoChunk(const VideoChunkJob& job);

struct AudioJob {
  std::string input_path;
  int stream_index = -1;
  double origin_seconds = 0;   // source time that becomes output time 0
  double max_seconds = 0;      // trim to this length (0 = no trim)
  int bitrate = 128000;
  int sample_rate = 48000;
  int channels = 2;
  std::string output;          // packet file
};

struct AudioResult {
  int64_t samples = 0;
  int64_t priming = 0;  // encoder delay in samples (AAC: 1024)
};

// Decodes the whole audio stream, resamples, downmixes and encodes AAC-LC.
// Output timestamps are in 1/sample_rate, shifted by +priming so they are
// never negative; the packager removes the shift. No loudness normalisation:
// this is TranscodeAudioTrack (media/audio.h) with one AAC output and
// normalize = false, kept until its caller moves to TranscodeAudioTrack.
StatusOr<AudioResult> TranscodeAudio(const AudioJob& job);

}  // namespace vtp::media
