// Shaping a speech recogniser's timed words into readable captions. Pure
// and deterministic: the same words and style always give the same cues.
#pragma once

#include <cstdint>
#include <vector>

#include "subtitle/cue.h"

namespace vtp::subtitle {

// Limits of one caption. Values out of range are clamped: max_line_chars
// and max_lines to at least 1, min_cue_ms to at least 0, max_cue_ms to at
// least max(min_cue_ms, 1).
struct CaptionStyle {
  int max_line_chars = 42;   // code points per line (a longer word sits alone)
  int max_lines = 2;         // lines per cue
  int64_t min_cue_ms = 1000; // shortest cue, when the next cue leaves room
  int64_t max_cue_ms = 7000; // longest cue
  int64_t pause_ms = 500;    // a silence this long between words ends a cue
};

// Groups words into cues, in order of word start time (words are sorted
// first, stably). Each word's text has its whitespace runs collapsed to
// one space and is trimmed; empty words are skipped; an end before the
// start counts as the start.
//
// A word joins the current cue unless: the silence since the previous
// word's end is >= pause_ms; or the cue would then last longer than
// max_cue_ms (first word start to this word's end); or the words would no
// longer fit in max_lines lines of max_line_chars code points (a word
// longer than a line takes a line of its own). Then it starts a new cue.
//
// Lines: the fewest lines the words fit in; with two or more, the breaks
// minimise the longest line (for two lines: the split that makes them
// closest in length), ties going to the earlier break (a shorter top line).
// Words are joined by one space and escaped for WebVTT (& < >); letter
// case is kept as recognised and no punctuation is added.
//
// Times: a cue starts at its first word's start (or the previous cue's
// end, if later) and ends at its last word's end, capped at max_cue_ms
// after its start (a single word longer than that is cut short), then
// extended to min_cue_ms where that does not reach the next cue's first
// word; it never runs past the next cue's first word start, so cues never
// overlap, and every cue lasts at least 1 ms.
std::vector<Cue> ShapeCaptions(const std::vector<TimedWord>& words, const CaptionStyle& style = {});

}  // namespace vtp::subtitle
