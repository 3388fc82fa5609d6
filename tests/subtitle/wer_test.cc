#include "subtitle/wer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::subtitle {
namespace {

using Words = std::vector<std::string>;

TEST(WerWordsTest, LowerCasesAndSplitsOnWhitespace) {
  EXPECT_EQ(WerWords("  The QUICK\tbrown\n\nfox "), (Words{"the", "quick", "brown", "fox"}));
  EXPECT_EQ(WerWords(""), Words{});
  EXPECT_EQ(WerWords(" \n\t "), Words{});
}

TEST(WerWordsTest, StripsPunctuationButKeepsInnerApostrophes) {
  EXPECT_EQ(WerWords("Hello, world! Don't 'quote' me; dogs' bones... (ok?)"),
            (Words{"hello", "world", "don't", "quote", "me", "dogs", "bones", "ok"}));
  EXPECT_EQ(WerWords("rock'n'roll"), Words{"rock'n'roll"});
  EXPECT_EQ(WerWords("'tis"), Words{"tis"});
  EXPECT_EQ(WerWords("\"U.S.\""), Words{"us"});
  EXPECT_EQ(WerWords("!!! ..."), Words{});
}

TEST(WerWordsTest, HyphensAndDashesSeparateWords) {
  EXPECT_EQ(WerWords("twenty-one and/or"), (Words{"twenty", "one", "and", "or"}));
  EXPECT_EQ(WerWords("wait\xE2\x80\x94what\xE2\x80\xA6no"), (Words{"wait", "what", "no"}));
}

TEST(WerWordsTest, TypographicQuotesAndNonAscii) {
  // ’ inside a word is an apostrophe; “ ” are removed; é is a word character.
  EXPECT_EQ(WerWords("\xE2\x80\x9C" "Don\xE2\x80\x99t\xE2\x80\x9D caf\xC3\xA9"),
            (Words{"don't", "caf\xC3\xA9"}));
}

TEST(WordErrorRateTest, IdenticalTextIsZero) {
  WerResult r = WordErrorRate("Ask not what your country can do for you.",
                              "ask not what your country can do for you");
  EXPECT_EQ(r.reference_words, 9);
  EXPECT_EQ(r.substitutions, 0);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.insertions, 0);
  EXPECT_DOUBLE_EQ(r.wer, 0.0);
}

TEST(WordErrorRateTest, CountsOneOfEachKind) {
  // ref:  the cat sat on the  mat
  // hyp:  the cat sit on      mat  today
  WerResult r = WordErrorRate("the cat sat on the mat", "the cat sit on mat today");
  EXPECT_EQ(r.reference_words, 6);
  EXPECT_EQ(r.substitutions, 1);
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.insertions, 1);
  EXPECT_DOUBLE_EQ(r.wer, 3.0 / 6.0);
}

TEST(WordErrorRateTest, AllDeletedOrAllInserted) {
  WerResult d = WordErrorRate("one two three", "");
  EXPECT_EQ(d.deletions, 3);
  EXPECT_EQ(d.substitutions + d.insertions, 0);
  EXPECT_DOUBLE_EQ(d.wer, 1.0);

  WerResult i = WordErrorRate("one", "zero one two three");
  EXPECT_EQ(i.insertions, 3);
  EXPECT_EQ(i.substitutions + i.deletions, 0);
  EXPECT_DOUBLE_EQ(i.wer, 3.0);  // may exceed 1
}

TEST(WordErrorRateTest, EmptyReference) {
  WerResult both = WordErrorRate("", "  ...  ");
  EXPECT_EQ(both.reference_words, 0);
  EXPECT_DOUBLE_EQ(both.wer, 0.0);

  WerResult extra = WordErrorRate("", "hello there");
  EXPECT_EQ(extra.insertions, 2);
  EXPECT_DOUBLE_EQ(extra.wer, 1.0);
}

TEST(WordErrorRateTest, SubstitutionIsCheaperThanDeleteAndInsert) {
  WerResult r = WordErrorRate("a b", "c d");
  EXPECT_EQ(r.substitutions, 2);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.insertions, 0);
  EXPECT_DOUBLE_EQ(r.wer, 1.0);
}

TEST(WordErrorRateTest, ShiftedSentence) {
  // ref:  bin blue at f two now
  // hyp:  in  blue at f to  now please
  WerResult r = WordErrorRate("bin blue at F two now", "in blue at f to now please");
  EXPECT_EQ(r.reference_words, 6);
  EXPECT_EQ(r.substitutions, 2);
  EXPECT_EQ(r.deletions, 0);
  EXPECT_EQ(r.insertions, 1);
  EXPECT_DOUBLE_EQ(r.wer, 0.5);
}

TEST(WordErrorRateTest, EqualCostAlignmentsPreferMoreMatches) {
  // "x a" vs "a y" costs 2 either as two substitutions or as delete x,
  // match a, insert y: the latter matches a word, so it gives the counts.
  WerResult r = WordErrorRate("x a", "a y");
  EXPECT_EQ(r.substitutions, 0);
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.insertions, 1);
  EXPECT_DOUBLE_EQ(r.wer, 1.0);
  // Same for the cat sentence: 3 substitutions would also cost 3.
  WerResult c = WordErrorRate("the cat sat on the mat", "the cat sit on mat today");
  EXPECT_EQ(c.substitutions, 1);
  EXPECT_EQ(c.deletions, 1);
  EXPECT_EQ(c.insertions, 1);
  WerResult d = WordErrorRate("a b c", "a c");
  EXPECT_EQ(d.deletions, 1);
  EXPECT_EQ(d.substitutions, 0);
  EXPECT_EQ(d.insertions, 0);
}

TEST(WordErrorRateTest, LongerTranscript) {
  // JFK reference against a plausible recognizer output: "and so my fellow
  // americans" -> "and so my fellow americans", "ask" -> "as" (S), "not"
  // dropped (D), "do for you" fine, "the" inserted (I), "country" -> "countries" (S).
  WerResult r = WordErrorRate(
      "And so my fellow Americans, ask not what your country can do for you, ask what you "
      "can do for your country.",
      "and so my fellow americans as what your country can do for you ask what you can do "
      "for the your countries");
  EXPECT_EQ(r.reference_words, 22);
  EXPECT_EQ(r.substitutions, 2);
  EXPECT_EQ(r.deletions, 1);
  EXPECT_EQ(r.insertions, 1);
  EXPECT_DOUBLE_EQ(r.wer, 4.0 / 22.0);
}

}  // namespace
}  // namespace vtp::subtitle
