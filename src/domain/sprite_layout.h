// Seek-preview sprite sheets: where each preview tile sits, which stretch of
// the video it stands for, and the WebVTT "thumbnails track" that tells a
// player (video.js, Shaka, JW Player, Plyr) about them. Pure: no I/O.
//
// Tile i stands for [i * interval, min((i + 1) * interval, duration)) ms of
// output time; there are ceil(duration / interval) tiles. Tiles fill sheets
// of cols x rows in reading order (left to right, then top to bottom), so
// tile i is on sheet i / (cols * rows). Every sheet is cols*tile_w x
// rows*tile_h pixels, the last one too: a DASH thumbnail set declares one
// size for all its images (DASH-IF IOP), and players place tiles by dividing
// it by the grid. Unused cells are black.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vtp {

struct SpriteTile {
  int sheet = 0;                     // 0-based sheet index
  int x = 0, y = 0, w = 0, h = 0;    // pixels inside the sheet
  int64_t start_ms = 0, end_ms = 0;  // output time the tile stands for
};

struct SpriteLayout {
  int cols = 0, rows = 0, tile_w = 0, tile_h = 0;
  std::vector<SpriteTile> tiles;
  int sheets = 0;  // ceil(tiles / (cols * rows))
};

// The layout for a video of `duration_ms`. Any non-positive argument gives an
// empty layout (no tiles, no sheets) with the given geometry fields.
SpriteLayout LayoutSprites(int64_t duration_ms, int64_t interval_ms, int cols, int rows, int tile_w,
                           int tile_h);

// Pixel size of sheet `sheet` (see the header comment); {0, 0} when the
// layout has no such sheet.
struct SpriteSheetSize {
  int width = 0;
  int height = 0;
};
SpriteSheetSize SheetSize(const SpriteLayout& layout, int sheet);

// Number of tiles on sheet `sheet`.
int TilesOnSheet(const SpriteLayout& layout, int sheet);

// The WebVTT thumbnails track: "WEBVTT", then one cue per tile,
//
//   HH:MM:SS.mmm --> HH:MM:SS.mmm
//   <sheet_name(tile.sheet)>#xywh=x,y,w,h
//
// cues separated by a blank line, "\n" line ends, ending in a newline. Hours
// have at least two digits. The same layout always gives the same text.
std::string WriteThumbnailVtt(const SpriteLayout& layout,
                              const std::function<std::string(int sheet)>& sheet_name);

// "HH:MM:SS.mmm" for a non-negative millisecond count (negative counts as 0).
std::string VttTimestamp(int64_t ms);

}  // namespace vtp
