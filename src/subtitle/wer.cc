#include "subtitle/wer.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace vtp::subtitle {
namespace {

// What one character of the input becomes.
enum class Kind { kWord, kSeparator, kRemoved, kApostrophe };

struct Char {
  Kind kind;
  size_t length;  // bytes it spans
};

// Classifies the character at text[i]. Non-ASCII characters are word
// characters except the few typographic marks subtitles commonly carry.
Char Classify(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return {Kind::kWord, 1};
    }
    if (c == '\'') return {Kind::kApostrophe, 1};
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '-' ||
        c == '/') {
      return {Kind::kSeparator, 1};
    }
    if (c < 0x20 || c == 0x7f) return {Kind::kSeparator, 1};
    return {Kind::kRemoved, 1};
  }
  auto at = [&](size_t k) -> unsigned {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0u;
  };
  if (c == 0xC2) {
    unsigned b = at(1);
    if (b == 0xA0) return {Kind::kSeparator, 2};                         // no-break space
    // ¡ ¿ « »
    if (b == 0xA1 || b == 0xBF || b == 0xAB || b == 0xBB) return {Kind::kRemoved, 2};
  }
  if (c == 0xE2 && at(1) == 0x80) {
    unsigned b = at(2);
    if (b == 0x93 || b == 0x94 || b == 0xA6) return {Kind::kSeparator, 3};  // – — …
    if (b == 0x99) return {Kind::kApostrophe, 3};                          // ’
    if (b == 0x98 || b == 0x9C || b == 0x9D) return {Kind::kRemoved, 3};   // ‘ “ ”
  }
  return {Kind::kWord, 1};
}

void LowerAscii(std::string& s) {
  for (char& ch : s) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
}

}  // namespace

std::vector<std::string> WerWords(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool pending_apostrophe = false;  // seen after a word character
  auto finish = [&] {
    if (!word.empty()) {
      LowerAscii(word);
      words.push_back(std::move(word));
    }
    word.clear();
    pending_apostrophe = false;
  };
  for (size_t i = 0; i < text.size();) {
    Char ch = Classify(text, i);
    switch (ch.kind) {
      case Kind::kWord:
        if (pending_apostrophe) word += '\'';
        pending_apostrophe = false;
        word.append(text.substr(i, ch.length));
        break;
      case Kind::kApostrophe:
        // Kept only when a word character follows too; two in a row keep one.
        if (!word.empty()) pending_apostrophe = true;
        break;
      case Kind::kRemoved:
        break;
      case Kind::kSeparator:
        finish();
        break;
    }
    i += ch.length;
  }
  finish();
  return words;
}

WerResult WordErrorRate(std::string_view reference, std::string_view hypothesis) {
  const std::vector<std::string> ref = WerWords(reference);
  const std::vector<std::string> hyp = WerWords(hypothesis);
  const size_t n = ref.size();
  const size_t m = hyp.size();
  // best[i][j]: the cheapest way to turn ref[0, i) into hyp[0, j), and of
  // those the one with the most matched words. Two rows suffice.
  struct Cell {
    int cost = 0;
    int matches = 0;
    bool operator<(const Cell& o) const {
      return cost != o.cost ? cost < o.cost : matches > o.matches;
    }
  };
  std::vector<Cell> prev(m + 1);
  std::vector<Cell> row(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = {static_cast<int>(j), 0};
  for (size_t i = 1; i <= n; ++i) {
    row[0] = {static_cast<int>(i), 0};
    for (size_t j = 1; j <= m; ++j) {
      bool same = ref[i - 1] == hyp[j - 1];
      Cell diagonal{prev[j - 1].cost + (same ? 0 : 1), prev[j - 1].matches + (same ? 1 : 0)};
      Cell deletion{prev[j].cost + 1, prev[j].matches};
      Cell insertion{row[j - 1].cost + 1, row[j - 1].matches};
      row[j] = std::min({diagonal, deletion, insertion});
    }
    std::swap(prev, row);
  }
  // With T = S + D + I, M matches, M + S + D = n and M + S + I = m, the
  // counts follow from (T, M) alone.
  const Cell& end = prev[m];
  const int ni = static_cast<int>(n);
  const int mi = static_cast<int>(m);
  WerResult r;
  r.reference_words = ni;
  r.insertions = end.cost - (ni - end.matches);
  r.deletions = r.insertions + ni - mi;
  r.substitutions = ni - end.matches - r.deletions;
  if (n == 0) {
    r.wer = m == 0 ? 0.0 : 1.0;
  } else {
    r.wer = static_cast<double>(end.cost) / static_cast<double>(n);
  }
  return r;
}

}  // namespace vtp::subtitle
