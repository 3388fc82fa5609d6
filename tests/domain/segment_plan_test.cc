#include "domain/segment_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

namespace vtp {
namespace {

__extension__ using Int128 = __int128;

std::string TbName(Rational tb) { return std::to_string(tb.num) + "/" + std::to_string(tb.den); }

// Ticks of `tb` in `ms` milliseconds, as an exact fraction n/d.
struct Fraction {
  Int128 n;
  Int128 d;
};
Fraction ExactTicks(int64_t ms, Rational tb) {
  return {static_cast<Int128>(ms) * tb.den, static_cast<Int128>(1000) * tb.num};
}

// |ticks - exact| <= 1/2 tick, i.e. `ticks` is the nearest tick to `ms`.
bool IsNearestTick(int64_t ticks, int64_t ms, Rational tb) {
  Fraction f = ExactTicks(ms, tb);
  Int128 diff = static_cast<Int128>(ticks) * f.d - f.n;
  if (diff < 0) diff = -diff;
  return 2 * diff <= f.d;
}

SegmentPlan Plan(Rational tb, int64_t origin, int64_t duration,
                 const std::vector<int64_t>& keyframes = {},
                 const SegmentPlanOptions& o = SegmentPlanOptions()) {
  auto p = PlanSegments(tb, origin, duration, keyframes, o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : SegmentPlan();
}

// The chunks cover segments [0, n) in order, each chunk's times taken from
// the segment table, and the last one is open-ended.
void ExpectChunksTile(const SegmentPlan& p) {
  const int n = static_cast<int>(p.segment_starts.size());
  ASSERT_FALSE(p.chunks.empty());
  EXPECT_EQ(p.chunks.front().first_segment, 0);
  EXPECT_EQ(p.chunks.back().end_segment, n);
  EXPECT_EQ(p.chunks.back().end, INT64_MAX);
  for (size_t i = 0; i < p.chunks.size(); ++i) {
    const Chunk& c = p.chunks[i];
    SCOPED_TRACE("chunk " + std::to_string(i));
    EXPECT_EQ(c.index, static_cast<int>(i));
    EXPECT_LT(c.first_segment, c.end_segment);
    ASSERT_GE(c.first_segment, 0);
    ASSERT_LT(c.first_segment, n);
    EXPECT_EQ(c.start, p.segment_starts[static_cast<size_t>(c.first_segment)]);
    if (i + 1 < p.chunks.size()) {
      const Chunk& next = p.chunks[i + 1];
      EXPECT_EQ(c.end_segment, next.first_segment);  // no gap, no overlap
      EXPECT_EQ(c.end, next.start);
      EXPECT_EQ(c.end, p.segment_starts[static_cast<size_t>(c.end_segment)]);
    }
  }
}

// ------------------------------------------------------------ boundaries

TEST(PlanSegmentsTest, BoundariesEveryFourSecondsExactly) {
  // Time bases in which 4 s is a whole number of ticks: the boundaries must
  // be exact multiples, whatever the origin.
  for (Rational tb : {Rational{1, 15360}, Rational{1, 90000}, Rational{1, 1000},
                      Rational{1, 600}, Rational{1, 30}, Rational{1, 25}, Rational{1, 48000},
                      Rational{1, 12800}}) {
    SCOPED_TRACE(TbName(tb));
    const int64_t four_s = 4 * tb.den / tb.num;
    const int64_t origin = 7 * tb.den / 10;  // 0.7 s, like a TS start offset
    const int64_t duration = 41 * tb.den / tb.num;  // 41 s -> 11 segments
    SegmentPlan p = Plan(tb, origin, duration);
    EXPECT_EQ(p.time_base, tb);
    EXPECT_EQ(p.origin, origin);
    ASSERT_EQ(p.segment_starts.size(), 11u);
    for (size_t k = 0; k < p.segment_starts.size(); ++k) {
      EXPECT_EQ(p.segment_starts[k], origin + static_cast<int64_t>(k) * four_s) << k;
    }
  }
}

TEST(PlanSegmentsTest, NtscTimeBaseUsesNearestTick) {
  // 1001/30000: 4 s is 119.88 ticks, so each boundary is the tick nearest
  // k * 4 s, not k * round(4 s) (which would drift 0.12 tick per segment).
  const Rational tb{1001, 30000};
  SegmentPlan p = Plan(tb, 0, 30000 * 60 / 1001);  // ~60 s
  ASSERT_EQ(p.segment_starts.size(), 15u);
  for (size_t k = 0; k < p.segment_starts.size(); ++k) {
    EXPECT_TRUE(IsNearestTick(p.segment_starts[k], static_cast<int64_t>(k) * 4000, tb))
        << k << ": " << p.segment_starts[k];
  }
  EXPECT_EQ(p.segment_starts[1], 120);   // 119.88
  EXPECT_EQ(p.segment_starts[10], 1199);  // 1198.80
}

TEST(PlanSegmentsTest, NoDriftOverThreeHours) {
  const int64_t three_hours_ms = 3 * 3600 * 1000;
  for (Rational tb : {Rational{1, 90000}, Rational{1, 15360}, Rational{1001, 30000},
                      Rational{1, 600}, Rational{1001, 24000}}) {
    SCOPED_TRACE(TbName(tb));
    const int64_t origin = 123457;
    Fraction dur = ExactTicks(three_hours_ms, tb);
    const int64_t duration = static_cast<int64_t>(dur.n / dur.d);
    SegmentPlan p = Plan(tb, origin, duration);
    // 10800 s / 4 s; the last start is at 10796 s (the 2700th segment)
    // unless flooring the duration lost the final instant, which it cannot.
    ASSERT_EQ(p.segment_starts.size(), 2700u);
    const int64_t last_ms = 2699LL * 4000;
    EXPECT_TRUE(IsNearestTick(p.segment_starts.back() - origin, last_ms, tb))
        << p.segment_starts.back();
    if ((last_ms * tb.den) % (1000 * tb.num) == 0) {  // exactly representable
      EXPECT_EQ(p.segment_starts.back(), origin + last_ms * tb.den / (1000 * tb.num));
    }
    // Every boundary, not only the last, is the nearest tick.
    for (size_t k = 0; k < p.segment_starts.size(); k += 97) {
      EXPECT_TRUE(IsNearestTick(p.segment_starts[k] - origin, static_cast<int64_t>(k) * 4000, tb))
          << k;
    }
  }
}

TEST(PlanSegmentsTest, ExactThreeHoursInNinetyKhz) {
  // 2699 * 4 s = 10796 s = 971,640,000 ticks at 90 kHz.
  SegmentPlan p = Plan({1, 90000}, 5000, 10800LL * 90000);
  ASSERT_EQ(p.segment_starts.size(), 2700u);
  EXPECT_EQ(p.segment_starts.back(), 5000 + 971'640'000);
}

TEST(PlanSegmentsTest, SegmentCountCoversDuration) {
  const Rational tb{1, 1000};
  // A boundary at or past the end would make an empty segment.
  EXPECT_EQ(Plan(tb, 0, 8000).segment_starts.size(), 2u);
  EXPECT_EQ(Plan(tb, 0, 8001).segment_starts.size(), 3u);
  EXPECT_EQ(Plan(tb, 0, 7999).segment_starts.size(), 2u);
  EXPECT_EQ(Plan(tb, 0, 1).segment_starts.size(), 1u);
  SegmentPlan shortest = Plan(tb, 500, 1);
  ASSERT_EQ(shortest.segment_starts.size(), 1u);
  EXPECT_EQ(shortest.segment_starts[0], 500);
}

TEST(PlanSegmentsTest, NegativeOrigin) {
  // Edit lists can put the first frame before zero.
  SegmentPlan p = Plan({1, 1000}, -2000, 10000);
  EXPECT_EQ(p.segment_starts, (std::vector<int64_t>{-2000, 2000, 6000}));
}

TEST(PlanSegmentsTest, CustomSegmentLength) {
  SegmentPlanOptions o;
  o.segment_seconds = 6;
  o.gop_seconds = 2;
  SegmentPlan p = Plan({1, 90000}, 0, 20 * 90000, {}, o);
  EXPECT_EQ(p.segment_starts, (std::vector<int64_t>{0, 540000, 1080000, 1620000}));
}

// ------------------------------------------------------------ keyframes

TEST(PlanSegmentsTest, KeyframeForcesEveryTwoSeconds) {
  const Rational tb{1, 15360};
  const int64_t origin = 1024;
  SegmentPlan p = Plan(tb, origin, 9 * 15360);  // 9 s -> forces at 0,2,4,6,8 s
  ASSERT_EQ(p.keyframe_forces.size(), 5u);
  for (size_t k = 0; k < p.keyframe_forces.size(); ++k) {
    EXPECT_EQ(p.keyframe_forces[k], origin + static_cast<int64_t>(k) * 2 * 15360);
  }
}

TEST(PlanSegmentsTest, EverySegmentStartIsAForcedKeyframe) {
  for (Rational tb : {Rational{1, 90000}, Rational{1001, 30000}, Rational{1, 600}}) {
    SCOPED_TRACE(TbName(tb));
    SegmentPlan p = Plan(tb, 33, SecondsToTicks(95.5, tb));
    ASSERT_FALSE(p.segment_starts.empty());
    EXPECT_TRUE(std::is_sorted(p.keyframe_forces.begin(), p.keyframe_forces.end()));
    for (int64_t s : p.segment_starts) {
      EXPECT_TRUE(std::binary_search(p.keyframe_forces.begin(), p.keyframe_forces.end(), s))
          << "segment start " << s << " has no forced IDR";
    }
    // Two forces per segment with 2 s GOPs in 4 s segments (the last may be short).
    EXPECT_EQ(p.keyframe_forces.size(), 48u);  // 0, 2, ..., 94 s
  }
}

// Disabled: a GOP length that does not divide the segment length is accepted,
// but forces then run on the GOP cadence only (0, 3, 6, 9 s for 3 s GOPs) and
// segment starts at 4 and 8 s get no IDR, so segments cannot start with a
// keyframe. Either reject such options or restart the cadence at every
// segment start; this test accepts both. See the report.
TEST(PlanSegmentsTest, NonDividingGopStillForcesEverySegmentStart) {
  SegmentPlanOptions o;
  o.segment_seconds = 4;
  o.gop_seconds = 3;
  auto p = PlanSegments({1, 1000}, 0, 20000, {}, o);
  if (!p.ok()) {
    EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
    return;
  }
  for (int64_t s : p->segment_starts) {
    EXPECT_TRUE(std::binary_search(p->keyframe_forces.begin(), p->keyframe_forces.end(), s)) << s;
  }
}

// ------------------------------------------------------------ chunks

TEST(PlanSegmentsTest, ChunksGroupSegmentsPerWorker) {
  // 60 s = 15 segments; 2 workers x 3 chunks = 6 target chunks -> 3
  // segments per chunk -> 5 chunks.
  SegmentPlan p = Plan({1, 1000}, 0, 60000);
  ASSERT_EQ(p.segment_starts.size(), 15u);
  ASSERT_EQ(p.chunks.size(), 5u);
  for (const Chunk& c : p.chunks) EXPECT_EQ(c.end_segment - c.first_segment, 3);
  ExpectChunksTile(p);
}

TEST(PlanSegmentsTest, MoreWorkersMoreChunks) {
  SegmentPlanOptions o;
  o.workers = 5;  // 15 target chunks for 15 segments -> one segment each
  SegmentPlan p = Plan({1, 1000}, 0, 60000, {}, o);
  EXPECT_EQ(p.chunks.size(), 15u);
  ExpectChunksTile(p);
}

TEST(PlanSegmentsTest, ChunkLengthIsCapped) {
  // 10 min = 150 segments; 6 target chunks would be 25 segments (100 s),
  // but max_chunk_seconds 30 caps chunks at 7 segments (28 s).
  SegmentPlan p = Plan({1, 90000}, 0, 600LL * 90000);
  ASSERT_EQ(p.segment_starts.size(), 150u);
  ExpectChunksTile(p);
  EXPECT_EQ(p.chunks.size(), 22u);  // ceil(150 / 7)
  for (const Chunk& c : p.chunks) {
    EXPECT_LE((c.end_segment - c.first_segment) * 4, 30) << c.index;
  }
}

TEST(PlanSegmentsTest, MaxChunksOverridesCap) {
  SegmentPlanOptions o;
  o.max_chunks = 4;
  SegmentPlan p = Plan({1, 90000}, 0, 600LL * 90000, {}, o);
  ASSERT_EQ(p.chunks.size(), 4u);
  ExpectChunksTile(p);
  EXPECT_EQ(p.chunks[0].end_segment, 38);  // ceil(150 / 4)
}

TEST(PlanSegmentsTest, SingleChunkRun) {
  SegmentPlanOptions o;
  o.max_chunks = 1;
  o.workers = 8;
  const std::vector<int64_t> keys = {0, 90000, 180000};
  SegmentPlan p = Plan({1, 90000}, 0, 600LL * 90000, keys, o);
  ASSERT_EQ(p.chunks.size(), 1u);
  const Chunk& c = p.chunks[0];
  EXPECT_EQ(c.first_segment, 0);
  EXPECT_EQ(c.end_segment, 150);
  EXPECT_EQ(c.start, 0);
  EXPECT_EQ(c.end, INT64_MAX);
  EXPECT_EQ(c.decode_from, INT64_MIN);
}

TEST(PlanSegmentsTest, ShortInputIsOneChunk) {
  SegmentPlan p = Plan({1, 1000}, 0, 3000);
  ASSERT_EQ(p.chunks.size(), 1u);
  ExpectChunksTile(p);
}

TEST(PlanSegmentsTest, ChunksTileForManyShapes) {
  for (int workers : {1, 2, 3, 7, 16}) {
    for (int64_t seconds : {1, 4, 5, 17, 61, 301, 1800}) {
      SCOPED_TRACE(std::to_string(workers) + " workers, " + std::to_string(seconds) + " s");
      SegmentPlanOptions o;
      o.workers = workers;
      SegmentPlan p = Plan({1, 90000}, 1234, seconds * 90000, {}, o);
      ExpectChunksTile(p);
      EXPECT_LE(p.chunks.size(), p.segment_starts.size());
    }
  }
}

// ------------------------------------------------------------ decode_from

TEST(PlanSegmentsTest, DecodeFromIsLastKeyframeAtOrBeforeChunkStart) {
  // 1 segment per chunk (15 targets for 15 segments); source keyframes
  // every 2.5 s, so chunk starts at multiples of 4 s mostly fall inside GOPs.
  SegmentPlanOptions o;
  o.workers = 5;
  std::vector<int64_t> keys;
  for (int64_t t = 0; t < 60000; t += 2500) keys.push_back(t);
  SegmentPlan p = Plan({1, 1000}, 0, 60000, keys, o);
  ASSERT_EQ(p.chunks.size(), 15u);
  EXPECT_EQ(p.chunks[0].decode_from, INT64_MIN);
  for (size_t i = 1; i < p.chunks.size(); ++i) {
    const Chunk& c = p.chunks[i];
    // Independent derivation: the greatest multiple of 2500 <= start.
    EXPECT_EQ(c.decode_from, c.start / 2500 * 2500) << i;
  }
  EXPECT_EQ(p.chunks[1].decode_from, 2500);   // start 4000
  EXPECT_EQ(p.chunks[5].decode_from, 20000);  // start 20000: keyframe exactly at start
}

TEST(PlanSegmentsTest, DecodeFromWithOriginOffset) {
  SegmentPlanOptions o;
  o.workers = 5;
  const int64_t origin = 3003;
  std::vector<int64_t> keys = {3003, 6006, 9009, 12012, 15015};
  SegmentPlan p = Plan({1, 1000}, origin, 16000, keys, o);
  ASSERT_EQ(p.chunks.size(), 4u);  // starts 3003, 7003, 11003, 15003
  EXPECT_EQ(p.chunks[0].decode_from, INT64_MIN);
  EXPECT_EQ(p.chunks[1].decode_from, 6006);
  EXPECT_EQ(p.chunks[2].decode_from, 9009);
  EXPECT_EQ(p.chunks[3].decode_from, 12012);  // 15015 is after 15003
}

TEST(PlanSegmentsTest, NoKeyframeBeforeStartDecodesFromBeginning) {
  SegmentPlanOptions o;
  o.workers = 5;
  SegmentPlan none = Plan({1, 1000}, 0, 20000, {}, o);
  for (const Chunk& c : none.chunks) EXPECT_EQ(c.decode_from, INT64_MIN) << c.index;
  SegmentPlan late = Plan({1, 1000}, 0, 20000, {9000}, o);
  ASSERT_GE(late.chunks.size(), 3u);
  EXPECT_EQ(late.chunks[1].decode_from, INT64_MIN);  // start 4000 < 9000
  EXPECT_EQ(late.chunks[2].decode_from, INT64_MIN);  // start 8000 < 9000
  EXPECT_EQ(late.chunks.back().decode_from, 9000);
}

// ------------------------------------------------------------ validation

void ExpectInvalid(Rational tb, int64_t duration, const SegmentPlanOptions& o = {}) {
  auto p = PlanSegments(tb, 0, duration, {}, o);
  ASSERT_FALSE(p.ok()) << TbName(tb) << " duration " << duration;
  EXPECT_EQ(p.status().code(), ErrorCode::kInvalidArgument);
}

TEST(PlanSegmentsTest, RejectsEmptyDuration) {
  ExpectInvalid({1, 90000}, 0);
  ExpectInvalid({1, 90000}, -90000);
}

TEST(PlanSegmentsTest, RejectsBadTimeBase) {
  ExpectInvalid({0, 1}, 90000);
  ExpectInvalid({1, 0}, 90000);
  ExpectInvalid({-1, 90000}, 90000);
  ExpectInvalid({1, -90000}, 90000);
}

TEST(PlanSegmentsTest, RejectsBadLengths) {
  SegmentPlanOptions sub_second;
  sub_second.segment_seconds = 0.5;
  sub_second.gop_seconds = 0.5;
  ExpectInvalid({1, 90000}, 900000, sub_second);

  SegmentPlanOptions long_gop;
  long_gop.gop_seconds = 5;  // > 4 s segments
  ExpectInvalid({1, 90000}, 900000, long_gop);

  SegmentPlanOptions zero_gop;
  zero_gop.gop_seconds = 0;
  ExpectInvalid({1, 90000}, 900000, zero_gop);

  SegmentPlanOptions one_second;  // the boundary itself is allowed
  one_second.segment_seconds = 1;
  one_second.gop_seconds = 1;
  EXPECT_TRUE(PlanSegments({1, 90000}, 0, 900000, {}, one_second).ok());
}

// ------------------------------------------------------------ SecondsToTicks

TEST(SecondsToTicksTest, RoundsToNearest) {
  EXPECT_EQ(SecondsToTicks(4.0, {1, 90000}), 360000);
  EXPECT_EQ(SecondsToTicks(1.0 / 3, {1, 1000}), 333);
  EXPECT_EQ(SecondsToTicks(2.0 / 3, {1, 1000}), 667);
  EXPECT_EQ(SecondsToTicks(4.0, {1001, 30000}), 120);  // 119.88
  EXPECT_EQ(SecondsToTicks(0, {1, 15360}), 0);
  EXPECT_EQ(SecondsToTicks(-1.0, {1, 1000}), -1000);
}

}  // namespace
}  // namespace vtp

namespace vtp {
namespace {

// One worker: chunks only as small as retries need (120 s by default), since
// more chunks would balance nothing and each boundary drains the encoders.
TEST(PlanSegmentsSingleWorkerTest, UsesLongChunks) {
  SegmentPlanOptions o;
  o.workers = 1;
  Rational tb{1, 90000};
  auto plan = PlanSegments(tb, 0, 90000LL * 20, {0}, o);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->chunks.size(), 1u);  // 20 s: one chunk
  auto longer = PlanSegments(tb, 0, 90000LL * 600, {0}, o);
  ASSERT_TRUE(longer.ok());
  EXPECT_EQ(longer->chunks.size(), 5u);  // 600 s / 120 s
  o.workers = 2;
  auto two = PlanSegments(tb, 0, 90000LL * 20, {0}, o);
  ASSERT_TRUE(two.ok());
  EXPECT_GT(two->chunks.size(), 1u);  // more workers: chunks to share
}

}  // namespace
}  // namespace vtp
