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


}  // namespace vtp::media
