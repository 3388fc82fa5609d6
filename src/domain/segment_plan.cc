#include "domain/segment_plan.h"

#include <algorithm>
#include <climits>
#include <cmath>

namespace vtp {

int64_t SecondsToTicks(double seconds, Rational tb) {
  return static_cast<int64_t>(std::llround(seconds * static_cast<double>(tb.den) /
                                           static_cast<double>(tb.num)));
}

namespace {

// Exact k * step_ms milliseconds in ticks, so boundaries never accumulate
// floating-point drift over long inputs.
__extension__ using Int128 = __int128;

int64_t MillisToTicks(int64_t ms, Rational tb) {
  Int128 num = static_cast<Int128>(ms) * tb.den;
  Int128 den = static_cast<Int128>(1000) * tb.num;
  return static_cast<int64_t>((num + den / 2) / den);
}

int ChunkSegmentCount(size_t segments, double segment_seconds, const SegmentPlanOptions& o) {
  if (o.max_chunks == 1) return static_cast<int>(segments);
  if (o.workers <= 1) {
    int per = std::max(1, static_cast<int>(o.single_worker_chunk_seconds / segment_seconds));
    if (o.max_chunks > 0) {
      per = std::max(per, static_cast<int>(std::ceil(static_cast<double>(segments) / o.max_chunks)));
    }
    return per;
  }
  int target_chunks = std::max(1, o.workers * o.chunks_per_worker);
  int per = static_cast<int>(std::ceil(static_cast<double>(segments) / target_chunks));
  int cap = std::max(1, static_cast<int>(o.max_chunk_seconds / segment_seconds));
  per = std::clamp(per, 1, cap);
  if (o.max_chunks > 0) {
    int min_per = static_cast<int>(std::ceil(static_cast<double>(segments) / o.max_chunks));
    per = std::max(per, min_per);
  }
  return per;
}

}  // namespace

StatusOr<SegmentPlan> PlanSegments(Rational time_base, int64_t origin_pts,
                                   int64_t duration_ticks,
                                   const std::vector<int64_t>& keyframes,
                                   const SegmentPlanOptions& o) {
  if (time_base.num <= 0 || time_base.den <= 0) return InvalidArgument("invalid time base");
  if (duration_ticks <= 0) return InvalidArgument("video has no duration");
  if (o.segment_seconds < 1 || o.gop_seconds <= 0 || o.gop_seconds > o.segment_seconds) {
    return InvalidArgument("segment length must be >= 1 s and >= the GOP length");
  }
  SegmentPlan plan;
  plan.time_base = time_base;
  plan.origin = origin_pts;
  int64_t seg_ms = std::llround(o.segment_seconds * 1000);
  int64_t gop_ms = std::llround(o.gop_seconds * 1000);
  // Every segment must start on a forced keyframe.
  if (gop_ms <= 0 || seg_ms % gop_ms != 0) {
    return InvalidArgument("segment length must be a whole number of GOPs");
  }
  int64_t end = origin_pts + duration_ticks;
  for (int64_t k = 0;; ++k) {
    int64_t t = origin_pts + MillisToTicks(k * gop_ms, time_base);
    if (t >= end) break;
    plan.keyframe_forces.push_back(t);
  }
  for (int64_t k = 0;; ++k) {
    int64_t t = origin_pts + MillisToTicks(k * seg_ms, time_base);
    if (t >= end) break;
    plan.segment_starts.push_back(t);
  }
  const size_t n = plan.segment_starts.size();
  int per = ChunkSegmentCount(n, o.segment_seconds, o);
  for (size_t first = 0; first < n; first += static_cast<size_t>(per)) {
    Chunk c;
    c.index = static_cast<int>(plan.chunks.size());
    c.first_segment = static_cast<int>(first);
    c.end_segment = static_cast<int>(std::min(n, first + static_cast<size_t>(per)));
    c.start = plan.segment_starts[first];
    c.end = c.end_segment < static_cast<int>(n) ? plan.segment_starts[static_cast<size_t>(c.end_segment)]
                                                : INT64_MAX;
    // Last keyframe at or before the chunk start; the first chunk decodes
    // from the beginning whatever the keyframe table says.
    auto it = std::upper_bound(keyframes.begin(), keyframes.end(), c.start);
    c.decode_from = (first == 0 || it == keyframes.begin()) ? INT64_MIN : *std::prev(it);
    plan.chunks.push_back(c);
  }
  return plan;
}

}  // namespace vtp
