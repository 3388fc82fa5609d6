#include "subtitle/webvtt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::subtitle {
namespace {

TEST(WriteWebVtt, ExactText) {
  const std::vector<Cue> cues = {
      {0, 1500, "<i>one</i>", "", ""},
      {61'001, 3'723'004, "two\nlines", "c2", "align:end line:0"},
      {90'000'000, 90'000'001, "past 24 h is still written", "", ""}};
  EXPECT_EQ(WriteWebVtt(cues),
            "WEBVTT\n"
            "\n"
            "00:00:00.000 --> 00:00:01.500\n"
            "<i>one</i>\n"
            "\n"
            "c2\n"
            "00:01:01.001 --> 01:02:03.004 align:end line:0\n"
            "two\n"
            "lines\n"
            "\n"
            "25:00:00.000 --> 25:00:00.001\n"
            "past 24 h is still written\n"
            "\n");
}

TEST(WriteWebVtt, NoCues) { EXPECT_EQ(WriteWebVtt({}), "WEBVTT\n\n"); }

constexpr char kHeader[] = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n";

TEST(SegmentWebVtt, CueSpanningABoundaryAppearsInBoth) {
  const std::vector<Cue> cues = {{500, 1500, "one", "", ""},
                                 {3500, 4500, "two", "id2", "line:10%"},
                                 {8000, 9000, "three", "", ""},
                                 {13000, 14000, "after the end", "", ""}};
  const auto segments =
      SegmentWebVtt(cues, {0, 4000, 8000, 10000}, 12000, 900000, "segment_%03d.vtt");
  ASSERT_EQ(segments.size(), 4u);
  const std::string one = "00:00:00.500 --> 00:00:01.500\none\n\n";
  const std::string two = "id2\n00:00:03.500 --> 00:00:04.500 line:10%\ntwo\n\n";
  const std::string three = "00:00:08.000 --> 00:00:09.000\nthree\n\n";

  EXPECT_EQ(segments[0].name, "segment_000.vtt");
  EXPECT_EQ(segments[0].text, kHeader + one + two);
  EXPECT_EQ(segments[1].name, "segment_001.vtt");
  EXPECT_EQ(segments[1].text, kHeader + two);
  EXPECT_EQ(segments[2].name, "segment_002.vtt");
  EXPECT_EQ(segments[2].text, kHeader + three);
  EXPECT_EQ(segments[3].name, "segment_003.vtt");
  EXPECT_EQ(segments[3].text, kHeader);  // empty, still written
  EXPECT_DOUBLE_EQ(segments[0].duration_seconds, 4.0);
  EXPECT_DOUBLE_EQ(segments[1].duration_seconds, 4.0);
  EXPECT_DOUBLE_EQ(segments[2].duration_seconds, 2.0);
  EXPECT_DOUBLE_EQ(segments[3].duration_seconds, 2.0);
}

TEST(SegmentWebVtt, BoundariesAreHalfOpen) {
  // A cue ending exactly at a boundary belongs only to the segment before
  // it; one starting exactly there only to the segment after.
  const std::vector<Cue> cues = {{1000, 4000, "a", "", ""}, {4000, 5000, "b", "", ""}};
  const auto segments = SegmentWebVtt(cues, {0, 4000}, 6006, 126000, "s%d.vtt");
  ASSERT_EQ(segments.size(), 2u);
  const std::string header = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n";
  EXPECT_EQ(segments[0].text, header + "00:00:01.000 --> 00:00:04.000\na\n\n");
  EXPECT_EQ(segments[1].text, header + "00:00:04.000 --> 00:00:05.000\nb\n\n");
  EXPECT_EQ(segments[0].name, "s0.vtt");
  EXPECT_EQ(segments[1].name, "s1.vtt");
  EXPECT_DOUBLE_EQ(segments[1].duration_seconds, 2.006);
}

TEST(SegmentWebVtt, LongCueRepeatsInEverySegmentInStartOrder) {
  const std::vector<Cue> cues = {{2500, 2600, "late", "", ""}, {0, 3000, "long", "", ""}};
  const auto segments = SegmentWebVtt(cues, {0, 1000, 2000}, 3000, 0, "v_%02d.vtt");
  ASSERT_EQ(segments.size(), 3u);
  const std::string header = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n";
  const std::string long_cue = "00:00:00.000 --> 00:00:03.000\nlong\n\n";
  EXPECT_EQ(segments[0].text, header + long_cue);
  EXPECT_EQ(segments[1].text, header + long_cue);
  EXPECT_EQ(segments[2].text, header + long_cue + "00:00:02.500 --> 00:00:02.600\nlate\n\n");
  EXPECT_EQ(segments[2].name, "v_02.vtt");
}

TEST(SegmentWebVtt, NamePattern) {
  const std::vector<Cue> none;
  EXPECT_EQ(SegmentWebVtt(none, {0}, 1, 0, "100%%_%d.vtt")[0].name, "100%_0.vtt");
  EXPECT_EQ(SegmentWebVtt(none, {0}, 1, 0, "%05d")[0].name, "00000");
  std::vector<int64_t> starts;
  for (int i = 0; i < 1001; ++i) starts.push_back(i * 10);
  EXPECT_EQ(SegmentWebVtt(none, starts, 10010, 0, "%02d.vtt").back().name, "1000.vtt");
}

TEST(SegmentWebVtt, PreconditionViolationsGiveNothing) {
  const std::vector<Cue> cues = {{0, 1000, "x", "", ""}};
  EXPECT_TRUE(SegmentWebVtt(cues, {}, 1000, 0, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0, 2000, 1000}, 3000, 0, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0, 1000, 1000}, 3000, 0, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {-1, 1000}, 3000, 0, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0, 1000}, 1000, 0, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, -1, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, int64_t{1} << 33, "s%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, 0, "s.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, 0, "s%d_%d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, 0, "s%s.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, 0, "s%3d.vtt").empty());
  EXPECT_TRUE(SegmentWebVtt(cues, {0}, 1000, 0, "s%d%").empty());
}

}  // namespace
}  // namespace vtp::subtitle
