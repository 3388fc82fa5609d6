#include "domain/sprite_layout.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace vtp {

SpriteLayout LayoutSprites(int64_t duration_ms, int64_t interval_ms, int cols, int rows, int tile_w,
                           int tile_h) {
  SpriteLayout layout;
  layout.cols = cols;
  layout.rows = rows;
  layout.tile_w = tile_w;
  layout.tile_h = tile_h;
  if (duration_ms <= 0 || interval_ms <= 0 || cols <= 0 || rows <= 0 || tile_w <= 0 || tile_h <= 0) {
    return layout;
  }
  int64_t count = (duration_ms + interval_ms - 1) / interval_ms;
  int64_t per_sheet = static_cast<int64_t>(cols) * rows;
  layout.tiles.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    int64_t cell = i % per_sheet;
    SpriteTile t;
    t.sheet = static_cast<int>(i / per_sheet);
    t.x = static_cast<int>(cell % cols) * tile_w;
    t.y = static_cast<int>(cell / cols) * tile_h;
    t.w = tile_w;
    t.h = tile_h;
    t.start_ms = i * interval_ms;
    t.end_ms = std::min(duration_ms, (i + 1) * interval_ms);
    layout.tiles.push_back(t);
  }
  layout.sheets = static_cast<int>((count + per_sheet - 1) / per_sheet);
  return layout;
}

int TilesOnSheet(const SpriteLayout& layout, int sheet) {
  if (sheet < 0 || sheet >= layout.sheets) return 0;
  int64_t per_sheet = static_cast<int64_t>(layout.cols) * layout.rows;
  int64_t before = per_sheet * sheet;
  return static_cast<int>(std::min<int64_t>(per_sheet, static_cast<int64_t>(layout.tiles.size()) - before));
}

SpriteSheetSize SheetSize(const SpriteLayout& layout, int sheet) {
  if (TilesOnSheet(layout, sheet) <= 0) return {};
  return {layout.cols * layout.tile_w, layout.rows * layout.tile_h};
}

std::string VttTimestamp(int64_t ms) {
  ms = std::max<int64_t>(0, ms);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%03" PRId64,
                ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
  return buf;
}

std::string WriteThumbnailVtt(const SpriteLayout& layout,
                              const std::function<std::string(int sheet)>& sheet_name) {
  std::string out = "WEBVTT\n";
  for (const SpriteTile& t : layout.tiles) {
    out += "\n" + VttTimestamp(t.start_ms) + " --> " + VttTimestamp(t.end_ms) + "\n";
    out += sheet_name(t.sheet) + "#xywh=" + std::to_string(t.x) + "," + std::to_string(t.y) + "," +
           std::to_string(t.w) + "," + std::to_string(t.h) + "\n";
  }
  return out;
}

}  // namespace vtp
