// Where segments and chunks begin: the timeline every rendition shares.
//
// Times are integer ticks of the source video stream's time base so that the
// splitter, every chunk worker and the packager make the same decisions with
// exact comparisons (a frame belongs to segment k iff boundary[k] <= pts <
// boundary[k+1]).
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"

namespace vtp {

struct SegmentPlanOptions {
  double segment_seconds = 4.0;  // HLS/DASH segment length
  double gop_seconds = 2.0;      // keyframe interval inside a segment
  int workers = 2;               // parallel chunk workers
  // Chunks are whole numbers of segments; about this many chunks per worker
  // keeps workers busy while the last chunks finish (see docs/architecture.md).
  int chunks_per_worker = 3;
  double max_chunk_seconds = 30.0;
  // With a single worker more chunks balance nothing, and every chunk
  // boundary costs an encoder drain while cores idle (measured in
  // docs/benchmarks.md): chunks are then only as small as retries need.
  double single_worker_chunk_seconds = 120.0;
  int max_chunks = 0;  // 0 = no cap; 1 = single-chunk run
};

struct Chunk {
  int index = 0;
  int first_segment = 0;  // segments [first_segment, end_segment)
  int end_segment = 0;
  int64_t start = 0;      // == segment_starts[first_segment]
  int64_t end = 0;        // exclusive; INT64_MAX for the last chunk
  // Presentation time of the last keyframe at or before `start`: decoding
  // begins there so the chunk's first frame can be reconstructed.
  int64_t decode_from = 0;
};

struct SegmentPlan {
  Rational time_base;                // source video stream time base
  int64_t origin = 0;                // pts of the first presented frame
  std::vector<int64_t> segment_starts;  // absolute pts, segment_starts[0] == origin
  std::vector<int64_t> keyframe_forces; // absolute pts of every forced IDR boundary
  std::vector<Chunk> chunks;
};

// Builds the plan from probed keyframe times. `origin_pts` is the first frame's
// pts and `duration_ticks` the span to the end of the last frame, both in
// `time_base`. Keyframes are given in ticks, sorted.
StatusOr<SegmentPlan> PlanSegments(Rational time_base, int64_t origin_pts,
                                   int64_t duration_ticks,
                                   const std::vector<int64_t>& keyframes,
                                   const SegmentPlanOptions& options);

// Converts seconds to ticks of `tb`, rounding to nearest.
int64_t SecondsToTicks(double seconds, Rational tb);

}  // namespace vtp
