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
  // Each rendition names its encoder (VideoRendition::encoder: libx264,
  // libx265, libvpx-vp9, libsvtav1, libaom-av1, h264_nvenc, hevc_nvenc).
  // The planner gives one chunk task the renditions of one codec; HDR
  // renditions (10-bit, source PQ/HLG and BT.2020 kept) need
  // conditioning.tonemap_to_sdr == false.
  std::vector<VideoRendition> renditions;
  std::vector<std::string> outputs;  // one packet file per rendition
  int encoder_threads = 1;   // encoder threads per rung (0: the encoder's own choice)
  int top_rung_threads = 2;  // encoder threads for the largest rung
};

struct ChunkResult {
  int64_t frames = 0;  // frames encoded per rendition
  // Per rendition: pts - dts of the first packet (the encoder's reordering
  // delay, in the chunk time base).
  std::vector<int64_t> delays;
};

// Decodes the chunk once and encodes every rendition. Output timestamps are
// relative to `origin` (the first frame of the video is pts 0). Keyframes
// (IDR / AV1 key frames) fall exactly on the first frame at or after each
// keyframe force and on the chunk's first frame, nowhere else. The same job
// gives byte-identical packet files. Errors: kInvalidArgument for a
// rendition its encoder cannot produce as described; kEncodeFailed for
// an encoder this machine lacks (e.g. NVENC without a GPU), naming it.
StatusOr<ChunkResult> TranscodeVideoChunk(const VideoChunkJob& job);


}  // namespace vtp::media
