// The split step: index the video stream's keyframes, then stream-copy it
// (no re-encode) into one file per chunk of a SegmentPlan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"
#include "domain/segment_plan.h"

namespace vtp::media {

// Timing of one video stream, in the "chunk timeline": the stream's own
// time base shifted by `offset` so that no timestamp is negative (the chunk
// files cannot carry negative times).
struct VideoIndex {
  int stream_index = -1;
  Rational time_base;
  int64_t offset = 0;         // added to every source timestamp
  int64_t first_pts = 0;      // earliest presentation time
  int64_t end_pts = 0;        // end of the last frame
  int64_t packets = 0;
  double frame_rate = 0;      // average, frames per second
  std::vector<int64_t> keyframes;  // presentation times, sorted
};

// Reads every packet of `stream_index` (no decoding).
StatusOr<VideoIndex> IndexVideo(const std::string& path, int stream_index);

struct ChunkFile {
  int index = 0;
  std::string path;
  int64_t packets = 0;
  int64_t bytes = 0;
};

// Writes `dir`/chunk_NNN.nut for every chunk of `plan` (whose times are in
// the chunk timeline of `index`). Each file starts at the chunk's
// decode_from keyframe and ends after the first keyframe at or past the
// chunk's end, plus that keyframe's leading pictures.
StatusOr<std::vector<ChunkFile>> SplitIntoChunks(const std::string& path, const VideoIndex& index,
                                                 const SegmentPlan& plan, const std::string& dir);

}  // namespace vtp::media
