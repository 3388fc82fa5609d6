#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "subtitle/cue_text.h"
#include "subtitle/parse.h"

namespace vtp::subtitle {
namespace {

TEST(Normalize, SortsStablyDropsDuplicatesAndTrims) {
  const std::vector<Cue> in = {{3000, 4000, "late", "", ""},
                               {1000, 2000, "first  \n\n  second\t", "", ""},
                               {1000, 5000, "overlapping", "", ""},
                               {1000, 2000, "first\n  second", "dup", ""},
                               {1000, 2000, "same times, other text", "", ""},
                               {2000, 2500, " \n\t", "", ""}};
  const std::vector<Cue> want = {{1000, 2000, "first\n  second", "", ""},
                                 {1000, 5000, "overlapping", "", ""},
                                 {1000, 2000, "same times, other text", "", ""},
                                 {3000, 4000, "late", "", ""}};
  EXPECT_EQ(Normalize(in), want);
}

TEST(Normalize, EmptyStaysEmpty) { EXPECT_TRUE(Normalize({}).empty()); }

using internal::AssToCueText;
using internal::MarkupToCueText;
using internal::OverrideDialect;

TEST(MarkupToCueText, KeepsBalancesAndEscapes) {
  EXPECT_EQ(MarkupToCueText("<I>a</I> <B>b</b> <u class=x>c</u>"), "<i>a</i> <b>b</b> <u>c</u>");
  EXPECT_EQ(MarkupToCueText("<i><b>x</i>y</b>"), "<i><b>x</b></i><b>y</b>");
  EXPECT_EQ(MarkupToCueText("</i>x<i>y\nz"), "x<i>y\nz</i>");
  EXPECT_EQ(MarkupToCueText("<font face=\"Arial\" color=#fff>x</font> <span>y</span>"), "x y");
  EXPECT_EQ(MarkupToCueText("a<br>b<BR/>c"), "a\nb\nc");
  EXPECT_EQ(MarkupToCueText("1 < 2 && 3 > 2 --> <<i>> &amp;"),
            "1 &lt; 2 &amp;&amp; 3 &gt; 2 --&gt; &lt;<i>&gt; &amp;amp;</i>");
  EXPECT_EQ(MarkupToCueText("<3 <\nb>"), "&lt;3 &lt;\nb&gt;");
  EXPECT_EQ(MarkupToCueText(" one  \n\n \n  two "), "one\ntwo");
  EXPECT_EQ(MarkupToCueText("<i> </i>\n<font color=red></font>"), "");
}

TEST(AssToCueText, OverrideBlocks) {
  EXPECT_EQ(AssToCueText("{\\i1}a{\\i0} {\\b700}b{\\b0} {\\u1}c", OverrideDialect::kAss),
            "<i>a</i> <b>b</b> <u>c</u>");
  EXPECT_EQ(AssToCueText("{comment}x{\\blur3\\iclip(0,0,1,1)\\pos(1,2)}y", OverrideDialect::kAss),
            "xy");
  EXPECT_EQ(AssToCueText("a{unterminated", OverrideDialect::kAss), "a{unterminated");
  EXPECT_EQ(AssToCueText("a\\Nb\\nc\\hd\\qe", OverrideDialect::kAss), "a\nb\nc d\\qe");
  // SRT: only "{\" opens an override block, and \N is literal.
  EXPECT_EQ(AssToCueText("{\\an8}{note}a\\Nb", OverrideDialect::kSrt), "{note}a\\Nb");
}

}  // namespace
}  // namespace vtp::subtitle
