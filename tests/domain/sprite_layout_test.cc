#include "domain/sprite_layout.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace vtp {
namespace {

std::string SheetName(int sheet) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "sprite_%03d.jpg", sheet + 1);
  return buf;
}

TEST(SpriteLayoutTest, ExactVttForSmallCase) {
  // 5.5 s at one tile per 2 s: 3 tiles, 2x1 per sheet -> 2 sheets; the last
  // cue ends at the duration.
  SpriteLayout l = LayoutSprites(5500, 2000, 2, 1, 160, 90);
  EXPECT_EQ(l.sheets, 2);
  EXPECT_EQ(WriteThumbnailVtt(l, SheetName),
            "WEBVTT\n"
            "\n"
            "00:00:00.000 --> 00:00:02.000\n"
            "sprite_001.jpg#xywh=0,0,160,90\n"
            "\n"
            "00:00:02.000 --> 00:00:04.000\n"
            "sprite_001.jpg#xywh=160,0,160,90\n"
            "\n"
            "00:00:04.000 --> 00:00:05.500\n"
            "sprite_002.jpg#xywh=0,0,160,90\n");
}

TEST(SpriteLayoutTest, TimestampsFormatHoursMinutesSecondsMillis) {
  EXPECT_EQ(VttTimestamp(0), "00:00:00.000");
  EXPECT_EQ(VttTimestamp(3723004), "01:02:03.004");
  EXPECT_EQ(VttTimestamp(59999), "00:00:59.999");
  EXPECT_EQ(VttTimestamp(100LL * 3600000), "100:00:00.000");
  EXPECT_EQ(VttTimestamp(-5), "00:00:00.000");
}

TEST(SpriteLayoutTest, TileCountIsCeilOfDurationOverInterval) {
  struct Case {
    int64_t duration, interval;
    size_t tiles;
  };
  for (Case c : {Case{60000, 2000, 30}, Case{60001, 2000, 31}, Case{59999, 2000, 30},
                 Case{1, 2000, 1}, Case{2000, 2000, 1}, Case{3600000, 10000, 360}}) {
    SpriteLayout l = LayoutSprites(c.duration, c.interval, 5, 5, 160, 90);
    EXPECT_EQ(l.tiles.size(), c.tiles) << c.duration << "/" << c.interval;
    ASSERT_FALSE(l.tiles.empty());
    EXPECT_EQ(l.tiles.back().end_ms, c.duration);
    EXPECT_EQ(l.tiles.front().start_ms, 0);
    for (size_t i = 1; i < l.tiles.size(); ++i) {
      EXPECT_EQ(l.tiles[i].start_ms, l.tiles[i - 1].end_ms) << "cues are contiguous";
      EXPECT_LT(l.tiles[i].start_ms, l.tiles[i].end_ms);
    }
  }
}

TEST(SpriteLayoutTest, SheetsAndTilesStayInsideTheirSheet) {
  for (int64_t duration : {1000, 49000, 50000, 51000, 123456, 600000}) {
    for (auto [cols, rows] : {std::pair{5, 5}, std::pair{4, 3}, std::pair{1, 1}, std::pair{10, 1}}) {
      SpriteLayout l = LayoutSprites(duration, 2000, cols, rows, 160, 90);
      size_t per_sheet = static_cast<size_t>(cols * rows);
      EXPECT_EQ(l.sheets, static_cast<int>((l.tiles.size() + per_sheet - 1) / per_sheet));
      int counted = 0;
      for (int s = 0; s < l.sheets; ++s) counted += TilesOnSheet(l, s);
      EXPECT_EQ(counted, static_cast<int>(l.tiles.size()));
      for (size_t i = 0; i < l.tiles.size(); ++i) {
        const SpriteTile& t = l.tiles[i];
        SpriteSheetSize size = SheetSize(l, t.sheet);
        EXPECT_EQ(t.sheet, static_cast<int>(i / per_sheet));
        EXPECT_GE(t.x, 0);
        EXPECT_GE(t.y, 0);
        EXPECT_EQ(t.w, 160);
        EXPECT_EQ(t.h, 90);
        EXPECT_LE(t.x + t.w, size.width) << "tile " << i << " of " << duration;
        EXPECT_LE(t.y + t.h, size.height) << "tile " << i << " of " << duration;
      }
      // Every sheet has the whole grid.
      for (int s = 0; s < l.sheets; ++s) {
        EXPECT_EQ(SheetSize(l, s).width, cols * 160);
        EXPECT_EQ(SheetSize(l, s).height, rows * 90);
      }
    }
  }
}

TEST(SpriteLayoutTest, LastSheetKeepsTheWholeGrid) {
  // 26 tiles of 5x5: sheet 0 full, sheet 1 holds one tile but is as large
  // (DASH declares one image size for the set).
  SpriteLayout l = LayoutSprites(52000, 2000, 5, 5, 160, 90);
  ASSERT_EQ(l.sheets, 2);
  EXPECT_EQ(SheetSize(l, 0).width, 800);
  EXPECT_EQ(SheetSize(l, 0).height, 450);
  EXPECT_EQ(SheetSize(l, 1).width, 800);
  EXPECT_EQ(SheetSize(l, 1).height, 450);
  // 7 tiles of 5x5: one sheet, the full grid.
  SpriteLayout m = LayoutSprites(14000, 2000, 5, 5, 160, 90);
  ASSERT_EQ(m.sheets, 1);
  EXPECT_EQ(SheetSize(m, 0).width, 800);
  EXPECT_EQ(SheetSize(m, 0).height, 450);
  EXPECT_EQ(m.tiles[6].x, 160);
  EXPECT_EQ(m.tiles[6].y, 90);
  EXPECT_EQ(SheetSize(m, 1).width, 0);
}

TEST(SpriteLayoutTest, DegenerateArgumentsGiveEmptyLayout) {
  EXPECT_TRUE(LayoutSprites(0, 2000, 5, 5, 160, 90).tiles.empty());
  EXPECT_TRUE(LayoutSprites(1000, 0, 5, 5, 160, 90).tiles.empty());
  EXPECT_TRUE(LayoutSprites(1000, 2000, 0, 5, 160, 90).tiles.empty());
  EXPECT_TRUE(LayoutSprites(1000, 2000, 5, 5, 0, 90).tiles.empty());
  EXPECT_EQ(LayoutSprites(1000, 2000, 5, 5, 160, -1).sheets, 0);
  EXPECT_EQ(WriteThumbnailVtt(LayoutSprites(0, 2000, 5, 5, 160, 90), SheetName), "WEBVTT\n");
}

TEST(SpriteLayoutTest, Deterministic) {
  SpriteLayout a = LayoutSprites(123456, 2000, 5, 5, 160, 90);
  SpriteLayout b = LayoutSprites(123456, 2000, 5, 5, 160, 90);
  EXPECT_EQ(WriteThumbnailVtt(a, SheetName), WriteThumbnailVtt(b, SheetName));
}

}  // namespace
}  // namespace vtp
