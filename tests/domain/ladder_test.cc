#include "domain/ladder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace vtp {
namespace {

VideoInfo Video(int width, int height, Rational sar = {1, 1}, int rotation = 0) {
  VideoInfo v;
  v.width = width;
  v.height = height;
  v.sample_aspect_ratio = sar;
  v.rotation = rotation;
  return v;
}

std::vector<VideoRendition> Ladder(const VideoInfo& v, double fps = 30) {
  auto r = SelectH264Ladder(v, fps);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<VideoRendition>{};
}

std::vector<std::string> Sizes(const std::vector<VideoRendition>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(std::to_string(r.width) + "x" + std::to_string(r.height));
  return out;
}

std::vector<std::string> Names(const std::vector<VideoRendition>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.name);
  return out;
}

const LadderRung* RungFor(const std::string& name) {
  for (const auto& rung : DefaultH264Ladder()) {
    if (rung.name == name) return &rung;
  }
  return nullptr;
}

// The output keeps the display aspect ratio to within `tolerance`.
void ExpectAspectKept(const std::vector<VideoRendition>& rs, double display_aspect,
                      double tolerance) {
  for (const auto& r : rs) {
    double a = static_cast<double>(r.width) / r.height;
    EXPECT_NEAR(a / display_aspect, 1.0, tolerance) << r.name << " " << r.width << "x" << r.height;
  }
}

// ------------------------------------------------------------ DisplayGeometry

TEST(DisplayGeometryTest, SquarePixelsUnrotated) {
  DisplaySize d = DisplayGeometry(Video(1920, 1080));
  EXPECT_EQ(d.width, 1920);
  EXPECT_EQ(d.height, 1080);
}

TEST(DisplayGeometryTest, QuarterTurnsSwapAxes) {
  for (int rot : {90, 270}) {
    DisplaySize d = DisplayGeometry(Video(1920, 1080, {1, 1}, rot));
    EXPECT_EQ(d.width, 1080) << rot;
    EXPECT_EQ(d.height, 1920) << rot;
  }
  DisplaySize half = DisplayGeometry(Video(1920, 1080, {1, 1}, 180));
  EXPECT_EQ(half.width, 1920);
  EXPECT_EQ(half.height, 1080);
}

TEST(DisplayGeometryTest, AnamorphicStretchesWidth) {
  // HDV 1440x1080 with 4:3 pixels displays as 1920x1080.
  DisplaySize hdv = DisplayGeometry(Video(1440, 1080, {4, 3}));
  EXPECT_EQ(hdv.width, 1920);
  EXPECT_EQ(hdv.height, 1080);
  // 800 * 64/45 = 1137.8 -> 1138; height never shrinks.
  DisplaySize pal = DisplayGeometry(Video(800, 640, {64, 45}));
  EXPECT_EQ(pal.width, 1138);
  EXPECT_EQ(pal.height, 640);
}

TEST(DisplayGeometryTest, SarAppliesBeforeRotation) {
  // The SAR describes coded pixels, so it stretches the coded width, which
  // becomes the displayed height after a quarter turn.
  DisplaySize d = DisplayGeometry(Video(1440, 1080, {4, 3}, 90));
  EXPECT_EQ(d.width, 1080);
  EXPECT_EQ(d.height, 1920);
}

TEST(DisplayGeometryTest, UnknownSarIsSquare) {
  for (Rational sar : {Rational{0, 1}, Rational{0, 0}, Rational{1, 0}}) {
    DisplaySize d = DisplayGeometry(Video(1280, 720, sar));
    EXPECT_EQ(d.width, 1280) << sar.num << "/" << sar.den;
    EXPECT_EQ(d.height, 720);
  }
}

// ------------------------------------------------------------ DefaultH264Ladder

TEST(DefaultLadderTest, RungsAscendWithTwoSecondBuffers) {
  const auto& ladder = DefaultH264Ladder();
  ASSERT_EQ(ladder.size(), 6u);
  for (size_t i = 0; i < ladder.size(); ++i) {
    const auto& rung = ladder[i];
    EXPECT_EQ(rung.name, std::to_string(rung.short_side) + "p");
    EXPECT_EQ(rung.bufsize, 2 * rung.maxrate) << rung.name;
    EXPECT_TRUE(rung.profile == "main" || rung.profile == "high") << rung.profile;
    if (i > 0) {
      EXPECT_GT(rung.short_side, ladder[i - 1].short_side);
      EXPECT_GT(rung.maxrate, ladder[i - 1].maxrate);
    }
  }
  EXPECT_EQ(ladder.front().short_side, 240);
  EXPECT_EQ(ladder.back().short_side, 2160);
  // The seed's 720p rung anchors the curve.
  const LadderRung* r720 = RungFor("720p");
  ASSERT_NE(r720, nullptr);
  EXPECT_EQ(r720->maxrate, 3'000'000);
  EXPECT_EQ(r720->bufsize, 6'000'000);
  EXPECT_EQ(r720->profile, "high");
}

// ------------------------------------------------------------ SelectH264Ladder

TEST(SelectLadderTest, FullHd) {
  auto rs = Ladder(Video(1920, 1080));
  EXPECT_EQ(Names(rs), (std::vector<std::string>{"240p", "360p", "480p", "720p", "1080p"}));
  EXPECT_EQ(Sizes(rs), (std::vector<std::string>{"426x240", "640x360", "854x480", "1280x720",
                                                 "1920x1080"}));
  for (const auto& r : rs) {
    const LadderRung* rung = RungFor(r.name);
    ASSERT_NE(rung, nullptr) << r.name;
    EXPECT_EQ(r.maxrate, rung->maxrate) << r.name;
    EXPECT_EQ(r.bufsize, rung->bufsize) << r.name;
    EXPECT_EQ(r.profile, rung->profile) << r.name;
    EXPECT_EQ(r.codec, "h264");
    EXPECT_EQ(r.path(), "h264/" + r.name);
    EXPECT_FALSE(r.level.empty()) << r.name;
  }
  ASSERT_EQ(rs.size(), 5u);
  // Table A-1 at 30 fps: 405 MBs > 396 -> 2.1; 920 MBs at 27600 MB/s -> 3;
  // 1620 MBs at 48600 MB/s -> 3.1; 3600 MBs -> 3.1; 8160 MBs -> 4.
  EXPECT_EQ(rs[0].level, "2.1");
  EXPECT_EQ(rs[1].level, "3");
  EXPECT_EQ(rs[2].level, "3.1");
  EXPECT_EQ(rs[3].level, "3.1");
  EXPECT_EQ(rs[4].level, "4");
}

TEST(SelectLadderTest, Uhd) {
  auto rs = Ladder(Video(3840, 2160));
  ASSERT_EQ(rs.size(), 6u);
  EXPECT_EQ(rs.back().name, "2160p");
  EXPECT_EQ(rs.back().width, 3840);
  EXPECT_EQ(rs.back().height, 2160);
  EXPECT_EQ(rs.back().level, "5.1");
  EXPECT_EQ(rs.back().maxrate, RungFor("2160p")->maxrate);
}

TEST(SelectLadderTest, Hd720StopsAtSourceSize) {
  auto rs = Ladder(Video(1280, 720));
  EXPECT_EQ(Sizes(rs), (std::vector<std::string>{"426x240", "640x360", "854x480", "1280x720"}));
}

TEST(SelectLadderTest, PortraitUsesShortSideAsWidth) {
  auto rs = Ladder(Video(1080, 1920));
  EXPECT_EQ(Names(rs), (std::vector<std::string>{"240p", "360p", "480p", "720p", "1080p"}));
  EXPECT_EQ(Sizes(rs), (std::vector<std::string>{"240x426", "360x640", "480x854", "720x1280",
                                                 "1080x1920"}));
  // Levels depend on the macroblock count, not the orientation... except for
  // the per-dimension bound, which these sizes satisfy.
  auto landscape = Ladder(Video(1920, 1080));
  ASSERT_EQ(landscape.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(rs[i].level, landscape[i].level) << i;
}

TEST(SelectLadderTest, RotatedLandscapeBecomesPortrait) {
  auto rotated = Ladder(Video(1920, 1080, {1, 1}, 90));
  EXPECT_EQ(Sizes(rotated), Sizes(Ladder(Video(1080, 1920))));
  auto upside_down = Ladder(Video(1920, 1080, {1, 1}, 180));
  EXPECT_EQ(Sizes(upside_down), Sizes(Ladder(Video(1920, 1080))));
}

TEST(SelectLadderTest, AnamorphicKeepsDisplayAspect) {
  // Display 1138x640: short side 640 admits 240p, 360p and 480p.
  auto rs = Ladder(Video(800, 640, {64, 45}));
  EXPECT_EQ(Names(rs), (std::vector<std::string>{"240p", "360p", "480p"}));
  std::vector<int> heights;
  for (const auto& r : rs) heights.push_back(r.height);
  EXPECT_EQ(heights, (std::vector<int>{240, 360, 480}));
  ExpectAspectKept(rs, 800.0 * 64 / 45 / 640, 0.01);
}

TEST(SelectLadderTest, TinySourceGetsOneRungAtItsOwnEvenSize) {
  // Below the lowest rung: never upscale, one rendition at the source size
  // rounded down to even.
  auto rs = Ladder(Video(161, 121));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].width, 160);
  EXPECT_EQ(rs[0].height, 120);
  EXPECT_FALSE(rs[0].level.empty());
  EXPECT_EQ(rs[0].maxrate, DefaultH264Ladder().front().maxrate);
  EXPECT_EQ(rs[0].profile, DefaultH264Ladder().front().profile);
}

TEST(SelectLadderTest, ExactRungSizeIncludesThatRung) {
  auto rs = Ladder(Video(426, 240));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].name, "240p");
  EXPECT_EQ(rs[0].width, 426);
  EXPECT_EQ(rs[0].height, 240);
}

TEST(SelectLadderTest, InvariantsOverManySources) {
  std::vector<VideoInfo> sources = {
      Video(1920, 1080),         Video(1080, 1920),       Video(3840, 2160),
      Video(1280, 720),          Video(1918, 1078),       Video(1440, 1080, {4, 3}),
      Video(720, 576, {16, 15}), Video(720, 480, {8, 9}), Video(800, 640, {64, 45}),
      Video(1000, 1001),         Video(640, 480),         Video(2560, 1080),
      Video(1080, 1080),         Video(321, 241),         Video(161, 121),
      Video(1920, 1080, {1, 1}, 270), Video(4096, 2160),  Video(352, 288, {12, 11}),
  };
  for (const VideoInfo& v : sources) {
    DisplaySize d = DisplayGeometry(v);
    SCOPED_TRACE(std::to_string(v.width) + "x" + std::to_string(v.height) + " display " +
                 std::to_string(d.width) + "x" + std::to_string(d.height));
    auto rs = Ladder(v);
    ASSERT_FALSE(rs.empty());
    const int src_short = std::min(d.width, d.height);
    const bool portrait = d.height > d.width;
    for (size_t i = 0; i < rs.size(); ++i) {
      const auto& r = rs[i];
      EXPECT_EQ(r.width % 2, 0) << r.name;
      EXPECT_EQ(r.height % 2, 0) << r.name;
      const int short_side = std::min(r.width, r.height);
      EXPECT_LE(short_side, src_short) << r.name << ": upscaled";
      EXPECT_LE(std::max(r.width, r.height), std::max(d.width, d.height)) << r.name << ": upscaled";
      // Orientation follows the display (a near-square source may give a square rendition).
      if (portrait) {
        EXPECT_GE(r.height, r.width) << r.name;
      } else {
        EXPECT_GE(r.width, r.height) << r.name;
      }
      EXPECT_EQ(r.name, std::to_string(short_side) + "p");
      EXPECT_LE(r.bufsize, 2 * r.maxrate + 1);
      EXPECT_FALSE(r.level.empty()) << r.name;
      if (i > 0) {
        EXPECT_GT(short_side, std::min(rs[i - 1].width, rs[i - 1].height));
        EXPECT_GE(r.maxrate, rs[i - 1].maxrate);
      }
    }
    // Every rung the source can fill is present.
    size_t expected = 0;
    for (const auto& rung : DefaultH264Ladder()) expected += rung.short_side <= src_short ? 1 : 0;
    EXPECT_EQ(rs.size(), std::max<size_t>(expected, 1));
    ExpectAspectKept(rs, static_cast<double>(d.width) / d.height, 0.01);
  }
}

// Disabled: the long side is rounded to the nearest even number, which for an
// odd long side is one pixel *larger* than the source (1919x1080 -> 1920x1080,
// 161x241 -> 160x242). See the report for the fix (clamp to the source's
// long side rounded down to even).
TEST(SelectLadderTest, OddLongSideIsNeverUpscaled) {
  for (VideoInfo v : {Video(1919, 1080), Video(1921, 1080), Video(1279, 720), Video(161, 241),
                      Video(1080, 1919)}) {
    DisplaySize d = DisplayGeometry(v);
    for (const auto& r : Ladder(v)) {
      EXPECT_LE(r.width, d.width) << v.width << "x" << v.height << " " << r.name;
      EXPECT_LE(r.height, d.height) << v.width << "x" << v.height << " " << r.name;
    }
  }
}

TEST(SelectLadderTest, LevelTracksFrameRate) {
  auto rs30 = Ladder(Video(1920, 1080), 30);
  auto rs60 = Ladder(Video(1920, 1080), 60);
  ASSERT_EQ(rs60.size(), 5u);
  EXPECT_EQ(rs30.back().level, "4");
  EXPECT_EQ(rs60.back().level, "4.2");
  EXPECT_EQ(rs60[3].level, "3.2");  // 1280x720@60: 216000 MB/s
}

TEST(SelectLadderTest, UnknownFrameRateAssumes30) {
  EXPECT_EQ(Ladder(Video(1920, 1080), 0).back().level, "4");
  EXPECT_EQ(Ladder(Video(1920, 1080), -1).back().level, "4");
}

TEST(SelectLadderTest, NoPictureIsInvalid) {
  auto r = SelectH264Ladder(Video(0, 0), 30);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(SelectH264Ladder(Video(1920, 0), 30).ok());
}

TEST(SelectLadderTest, FrameRateNoLevelAdmitsIsLimitExceeded) {
  // 3840x2160 at 300 fps needs 9.72M MB/s; level 6 allows 4.18M.
  auto r = SelectH264Ladder(Video(3840, 2160), 300);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kLimitExceeded);
}

// ------------------------------------------------------------ H264LevelFor

TEST(H264LevelTest, CommonFormatsAgainstTableA1) {
  EXPECT_EQ(H264LevelFor(1280, 720, 30, 3'000'000, "high"), "3.1");
  EXPECT_EQ(H264LevelFor(1920, 1080, 30, 6'000'000, "high"), "4");
  EXPECT_EQ(H264LevelFor(1920, 1080, 60, 6'000'000, "high"), "4.2");
  EXPECT_EQ(H264LevelFor(1920, 1080, 50, 6'000'000, "high"), "4.2");
  EXPECT_EQ(H264LevelFor(3840, 2160, 30, 16'000'000, "high"), "5.1");
  EXPECT_EQ(H264LevelFor(3840, 2160, 60, 16'000'000, "high"), "5.2");
  EXPECT_EQ(H264LevelFor(176, 144, 15, 64'000, "main"), "1");   // QCIF: 99 MBs, 1485 MB/s
  EXPECT_EQ(H264LevelFor(352, 288, 30, 384'000, "main"), "1.3");  // CIF: 396 MBs, 11880 MB/s
}

TEST(H264LevelTest, SmallRungsStayLow) {
  std::string l = H264LevelFor(426, 240, 30, 400'000, "main");
  ASSERT_FALSE(l.empty());
  EXPECT_LE(std::stod(l), 2.1);
}

TEST(H264LevelTest, FractionalRateRoundsMacroblockRateUp) {
  // 1280x720 at 30000/1001: 107892 MB/s, still inside 3.1's 108000.
  EXPECT_EQ(H264LevelFor(1280, 720, 30000.0 / 1001, 3'000'000, "high"), "3.1");
  // Just above 30: 108001+ MB/s no longer fits 3.1.
  EXPECT_EQ(H264LevelFor(1280, 720, 30.001, 3'000'000, "high"), "3.2");
}

TEST(H264LevelTest, BitrateLimitUsesHighProfileFactor) {
  // 3.1 MaxBR is 14000 kbit/s for Main and 1.25x that (17500) for High.
  EXPECT_EQ(H264LevelFor(1280, 720, 30, 15'000'000, "main"), "3.2");
  EXPECT_EQ(H264LevelFor(1280, 720, 30, 15'000'000, "high"), "3.1");
  EXPECT_EQ(H264LevelFor(1280, 720, 30, 17'500'000, "high"), "3.1");
  EXPECT_EQ(H264LevelFor(1280, 720, 30, 17'500'001, "high"), "3.2");
  // Level 4 and 4.1 share MaxFS/MaxMBPS and differ only in MaxBR.
  EXPECT_EQ(H264LevelFor(1920, 1080, 30, 30'000'000, "high"), "4.1");
}

TEST(H264LevelTest, DimensionBoundSqrt8MaxFs) {
  // 8192x64 is only 2048 MBs, but 512 MBs wide: a level needs
  // sqrt(8 * MaxFS) >= 512, i.e. MaxFS >= 32768 -> 5.1 (A.3.1 item h).
  EXPECT_EQ(H264LevelFor(8192, 64, 1, 100'000, "high"), "5.1");
  EXPECT_EQ(H264LevelFor(64, 8192, 1, 100'000, "high"), "5.1");
}

TEST(H264LevelTest, ImpossibleReturnsEmpty) {
  EXPECT_EQ(H264LevelFor(8192, 8192, 120, 10'000'000, "high"), "");
  EXPECT_EQ(H264LevelFor(1920, 1080, 30, 1'000'000'000, "high"), "");
}

}  // namespace
}  // namespace vtp
