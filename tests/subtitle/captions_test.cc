#include "subtitle/captions.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vtp::subtitle {
namespace {

std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    const size_t end = s.find(sep, begin);
    out.emplace_back(s.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return out;
    begin = end + 1;
  }
}

// Code points of cue text as displayed (the three escapes count once).
size_t DisplayedCodePoints(std::string_view line) {
  size_t count = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '&') i = line.find(';', i);
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool replaced = false;
    for (const auto& [entity, c] : {std::pair{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}}) {
      const std::string_view e = entity;
      if (!replaced && s.substr(i, e.size()) == e) {
        out += c;
        i += e.size() - 1;
        replaced = true;
      }
    }
    if (!replaced) out += s[i];
  }
  return out;
}

TEST(ShapeCaptions, SmallCaseExact) {
  const std::vector<TimedWord> words = {
      {"hello", 0, 400},     {"world", 450, 900},   // then a 1 s pause
      {"R&D", 1900, 2100},   {"is", 2150, 2300},    {"<fun>", 2350, 2400},
      {"  ok\n", 2450, 2900}, {"   ", 2950, 3000}};
  const std::vector<Cue> want = {{0, 1000, "hello world", "", ""},
                                 {1900, 2900, "R&amp;D is &lt;fun&gt; ok", "", ""}};
  EXPECT_EQ(ShapeCaptions(words), want);
}

TEST(ShapeCaptions, MinimumDurationStopsAtTheNextCue) {
  const std::vector<TimedWord> words = {{"a", 0, 100}, {"b", 700, 800}, {"c", 3000, 3100}};
  const std::vector<Cue> want = {
      {0, 700, "a", "", ""}, {700, 1700, "b", "", ""}, {3000, 4000, "c", "", ""}};
  EXPECT_EQ(ShapeCaptions(words), want);
}

TEST(ShapeCaptions, BalancesTwoLines) {
  CaptionStyle style;
  style.max_line_chars = 20;
  std::vector<TimedWord> words;
  int64_t t = 0;
  for (const char* w : {"one", "two", "three", "four", "five", "six"}) {
    words.push_back({w, t, t + 200});
    t += 250;
  }
  const auto cues = ShapeCaptions(words, style);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "one two three\nfour five six");
}

TEST(ShapeCaptions, TiesPreferTheShorterTopLine) {
  CaptionStyle style;
  style.max_line_chars = 10;
  const std::vector<TimedWord> words = {{"aaaa", 0, 100}, {"bbbb", 100, 200}, {"cccc", 200, 300}};
  const auto cues = ShapeCaptions(words, style);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "aaaa\nbbbb cccc");
}

TEST(ShapeCaptions, OverlongWordSitsAloneOnItsLine) {
  CaptionStyle style;
  style.max_line_chars = 10;
  const std::vector<TimedWord> words = {
      {"a", 0, 100}, {"pneumonoultramicroscopic", 100, 200}, {"b", 200, 300}, {"c", 300, 400}};
  // "b" no longer fits: it would need a third line.
  const std::vector<Cue> want = {{0, 200, "a\npneumonoultramicroscopic", "", ""},
                                 {200, 1200, "b c", "", ""}};
  EXPECT_EQ(ShapeCaptions(words, style), want);
}

TEST(ShapeCaptions, MaxDurationEndsCuesAndCutsALongWord) {
  const std::vector<TimedWord> words = {
      {"a", 0, 100}, {"long", 100, 9000}, {"b", 9100, 9200}, {"c", 9300, 16100}, {"d", 16200, 16300}};
  const std::vector<Cue> want = {{0, 100, "a", "", ""},
                                 {100, 7100, "long", "", ""},
                                 {9100, 16100, "b c", "", ""},
                                 {16200, 17200, "d", "", ""}};
  EXPECT_EQ(ShapeCaptions(words), want);
}

TEST(ShapeCaptions, CountsCodePointsNotBytes) {
  CaptionStyle style;
  style.max_line_chars = 11;
  style.max_lines = 1;
  // Five two-byte letters per word: 11 code points fit, 22 bytes would not.
  const std::string word = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
  const std::vector<TimedWord> words = {{word, 0, 100}, {word, 100, 200}, {word, 200, 300}};
  const auto cues = ShapeCaptions(words, style);
  ASSERT_EQ(cues.size(), 2u);
  EXPECT_EQ(cues[0].text, word + " " + word);
  EXPECT_EQ(cues[1].text, word);
}

TEST(ShapeCaptions, EmptyInput) { EXPECT_TRUE(ShapeCaptions({}).empty()); }

// A deterministic pseudo-random transcript (64-bit LCG).
class Lcg {
 public:
  uint64_t Next(uint64_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state_ >> 33) % bound;
  }

 private:
  uint64_t state_ = 42;
};

std::vector<TimedWord> RandomTranscript(int count) {
  const std::vector<std::string> vocabulary = {
      "the", "a", "caption", "\xC3\xA9t\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
      "subtitles", "and", "R&D", "x<y", "internationalisation", "of", "video", "pipeline",
      "supercalifragilisticexpialidocious-and-then-some-more-letters"};
  Lcg rng;
  std::vector<TimedWord> words;
  int64_t t = 0;
  for (int i = 0; i < count; ++i) {
    const uint64_t gap_roll = rng.Next(100);
    t += gap_roll < 80 ? static_cast<int64_t>(rng.Next(200))
                       : static_cast<int64_t>(300 + rng.Next(1500));
    const int64_t length = rng.Next(50) == 0 ? 9000 : static_cast<int64_t>(60 + rng.Next(600));
    words.push_back({vocabulary[rng.Next(vocabulary.size())], t, t + length});
    t += length;
  }
  return words;
}

TEST(ShapeCaptions, LongTranscriptObeysEveryLimit) {
  const CaptionStyle style;
  const std::vector<TimedWord> words = RandomTranscript(3000);
  const std::vector<Cue> cues = ShapeCaptions(words, style);
  ASSERT_GT(cues.size(), 100u);

  std::vector<std::string> seen;
  std::vector<size_t> cue_of_word;
  for (size_t c = 0; c < cues.size(); ++c) {
    const Cue& cue = cues[c];
    SCOPED_TRACE("cue " + std::to_string(c) + ": " + cue.text);
    const auto lines = SplitOn(cue.text, '\n');
    EXPECT_LE(lines.size(), 2u);
    for (const std::string& line : lines) {
      EXPECT_FALSE(line.empty());
      const bool single_word = line.find(' ') == std::string::npos;
      if (!single_word) {
        EXPECT_LE(DisplayedCodePoints(line), 42u) << line;
      }
      for (const std::string& w : SplitOn(line, ' ')) {
        seen.push_back(Unescape(w));
        cue_of_word.push_back(c);
      }
    }
    EXPECT_EQ(cue.text.find_first_of("<>"), std::string::npos);
    const int64_t duration = cue.end_ms - cue.start_ms;
    EXPECT_LE(duration, style.max_cue_ms);
    EXPECT_GT(duration, 0);
    if (c + 1 < cues.size()) {
      EXPECT_LE(cue.end_ms, cues[c + 1].start_ms);
      if (duration < style.min_cue_ms) {
        EXPECT_EQ(cue.end_ms, cues[c + 1].start_ms);
      }
    } else {
      EXPECT_GE(duration, style.min_cue_ms);
    }
  }
  // Every word once, in order; a long pause always ends a cue.
  ASSERT_EQ(seen.size(), words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(seen[i], words[i].text);
    if (i > 0 && words[i].start_ms - words[i - 1].end_ms >= style.pause_ms) {
      EXPECT_NE(cue_of_word[i], cue_of_word[i - 1]) << "word " << i;
    }
  }
}

TEST(ShapeCaptions, PauseSplitsCues) {
  // 499 ms of silence keeps a cue going; 500 ms ends it.
  const std::vector<TimedWord> words = {
      {"one", 0, 300}, {"two", 799, 1000}, {"three", 1500, 1800}, {"four", 1900, 2200}};
  const auto cues = ShapeCaptions(words);
  ASSERT_EQ(cues.size(), 2u);
  EXPECT_EQ(cues[0].text, "one two");
  EXPECT_EQ(cues[1].text, "three four");
  EXPECT_EQ(cues[0].end_ms, 1000);
  EXPECT_EQ(cues[1].start_ms, 1500);
}

}  // namespace
}  // namespace vtp::subtitle
