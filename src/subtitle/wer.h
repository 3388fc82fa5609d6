// Word error rate: how far a recognizer's transcript is from a reference
// (the measure the captions step and its benchmark report).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vtp::subtitle {

struct WerResult {
  double wer = 0;          // (S + D + I) / N; may exceed 1
  int substitutions = 0;   // S
  int deletions = 0;       // D: reference words the hypothesis lacks
  int insertions = 0;      // I: hypothesis words the reference lacks
  int reference_words = 0; // N
};

// Splits text into the words WordErrorRate compares: ASCII letters are
// lower-cased; '-', '/', en and em dashes separate words like whitespace;
// other ASCII punctuation and the typographic quotes and ellipsis are
// removed; an apostrophe (' or U+2019) is kept only between two word
// characters ("don't", not "'quoted'" or "dogs'"), as '. Other non-ASCII
// bytes are word characters, unchanged.
std::vector<std::string> WerWords(std::string_view text);

// Levenshtein alignment of WerWords(hypothesis) against WerWords(reference)
// with unit costs. Where several alignments have the minimum cost, the
// counts are those of the one that matches the most words (so "x a" vs
// "a y" is one deletion and one insertion, not two substitutions); the
// counts are then unique. N = 0 gives wer 0 for an empty hypothesis and 1
// otherwise (insertions still counted).
WerResult WordErrorRate(std::string_view reference, std::string_view hypothesis);

}  // namespace vtp::subtitle
