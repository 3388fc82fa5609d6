#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "subtitle/parse.h"
#include "subtitle/webvtt.h"
#include "subtitle_test_util.h"

namespace vtp::subtitle {
namespace {

std::string SrtToVtt(const std::string& bytes) {
  auto cues = ParseSubtitles(bytes, "movie.srt");
  EXPECT_TRUE(cues.ok()) << cues.status().ToString();
  return cues.ok() ? WriteWebVtt(*cues) : "";
}

TEST(ParseSrt, ConvertsToWebVtt) {
  // BOM, CRLF, odd numbering (7, then none), '.' and ',' before the
  // milliseconds, a one-digit hour, italics in upper case, a font tag,
  // stray '&', '<', '>' and "-->", an unclosed tag, a misnamed close tag,
  // an {\an8} override, trailing whitespace and no final line break.
  const std::string srt =
      "\xEF\xBB\xBF" "1\r\n"
      "00:00:01,000 --> 00:00:02,500\r\n"
      "<I>Hello</i> & <font color=\"#ff0000\">world</font>  \r\n"
      "\r\n"
      "7\r\n"
      "00:00:03.000 --> 00:00:04,000\r\n"
      "a < b > c -->\r\n"
      "<b>bold\r\n"
      "\r\n"
      "\r\n"
      "0:00:05,000 --> 0:00:06,000   \r\n"
      "{\\an8}Top <u>line</i>";
  EXPECT_EQ(SrtToVtt(srt),
            "WEBVTT\n"
            "\n"
            "00:00:01.000 --> 00:00:02.500\n"
            "<i>Hello</i> &amp; world\n"
            "\n"
            "00:00:03.000 --> 00:00:04.000\n"
            "a &lt; b &gt; c --&gt;\n"
            "<b>bold</b>\n"
            "\n"
            "00:00:05.000 --> 00:00:06.000\n"
            "Top <u>line</u>\n"
            "\n");
}

TEST(ParseSrt, ReadsUtf16LittleEndian) {
  const std::string bytes = Utf16Bytes(
      u"1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\u00e9 \u65e5\u672c\r\n\r\n"
      u"2\r\n00:00:02,000 --> 00:00:03,000\r\n<i>\u00fcber</i>\r\n",
      false);
  EXPECT_EQ(SrtToVtt(bytes),
            "WEBVTT\n\n"
            "00:00:01.000 --> 00:00:02.000\n"
            "Caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC\n\n"
            "00:00:02.000 --> 00:00:03.000\n"
            "<i>\xC3\xBC" "ber</i>\n\n");
}

TEST(ParseSrt, ToleratesMissingAndStrayBlankLines) {
  // Cue 1's text has a blank line inside it; cue 2 follows cue 1 without a
  // blank line; cue 3 has no number and a three-digit hour.
  const std::string srt =
      "1\n00:00:01,000 --> 00:00:02,000\nLine one\n\n\nLine two\n"
      "2\n00:00:03,000 --> 00:00:04,000\nNext\n"
      "000:00:05,000 --> 000:00:06,000 X1:10 X2:20 Y1:5 Y2:9\nLast\n\n\n";
  auto cues = ParseSrt(srt);
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  const std::vector<Cue> want = {{1000, 2000, "Line one\nLine two", "", ""},
                                 {3000, 4000, "Next", "", ""},
                                 {5000, 6000, "Last", "", ""}};
  EXPECT_EQ(*cues, want);
}

TEST(ParseSrt, DropsCuesWithOnlyTags) {
  auto cues = ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n<font color=red> </font>\n\n"
                       "2\n00:00:03,000 --> 00:00:04,000\nkept\n");
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  ASSERT_EQ(cues->size(), 1u);
  EXPECT_EQ((*cues)[0].text, "kept");
}

TEST(ParseSrt, MalformedTimestampNamesLineAndText) {
  ExpectError(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n"
                       "2\n00:00:03,000 --> 00:0:04,000\nThere\n"),
              "line 6: malformed timestamp \"00:0:04,000\"");
  ExpectError(ParseSrt("1\n00:00:61,000 --> 00:01:02,000\nHi\n"),
              "line 2: malformed timestamp \"00:00:61,000\"");
  ExpectError(ParseSrt("1\n0000:00:01,000 --> 00:00:02,000\nHi\n"),
              "line 2: malformed timestamp \"0000:00:01,000\"");
}

TEST(ParseSrt, EndBeforeStart) {
  ExpectError(ParseSrt("1\n00:00:05,000 --> 00:00:04,000\nHi\n"),
              "line 2: cue ends (00:00:04,000) before or when it starts (00:00:05,000)");
  ExpectError(ParseSrt("1\n00:00:05,000 --> 00:00:05,000\nHi\n"),
              "line 2: cue ends (00:00:05,000) before or when it starts (00:00:05,000)");
}

TEST(ParseSrt, MissingArrow) {
  ExpectError(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\nHi\n\n"
                       "2\n00:00:03,000 00:00:04,000\nThere\n"),
              "line 6: missing \"-->\" between start and end time");
  ExpectError(ParseSrt("Hello there\n"), "line 1: missing \"-->\" between start and end time");
}

TEST(ParseSrt, CueWithoutText) {
  ExpectError(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n\n"
                       "2\n00:00:03,000 --> 00:00:04,000\nx\n"),
              "line 2: cue has no text");
}

TEST(ParseSrt, InvalidUtf8) {
  ExpectError(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\nna\xEFve\n"),
              "line 3: not valid UTF-8 (save the file as UTF-8)");
}

TEST(ParseSrt, EmptyFile) {
  ExpectError(ParseSrt(""), "line 1: no cues found");
  ExpectError(ParseSubtitles("", "movie.srt"), "line 1: the file is empty (no cues)");
  ExpectError(ParseSubtitles("\xEF\xBB\xBF\r\n\r\n", "movie.srt"),
              "line 1: the file is empty (no cues)");
}

TEST(ParseSrt, TimestampsBeyond24Hours) {
  ExpectError(ParseSrt("24:00:00,001 --> 24:00:01,000\nx\n"),
              "line 1: timestamp \"24:00:00,001\" is beyond 24 hours");
  auto at_limit = ParseSrt("23:59:59,000 --> 24:00:00,000\nx\n");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
}

TEST(ParseSrt, LimitsCueCount) {
  std::string srt;
  for (int i = 0; i <= kMaxCues; ++i) srt += "1\n00:00:01,000 --> 00:00:02,000\nx\n\n";
  ExpectError(ParseSrt(srt), "line 80002: more than 20000 cues");
}

TEST(ParseSrt, LimitsCueTextSize) {
  const std::string ok_text(kMaxCueTextBytes, 'a');
  ASSERT_TRUE(ParseSrt("00:00:01,000 --> 00:00:02,000\n" + ok_text).ok());
  ExpectError(ParseSrt("1\n00:00:01,000 --> 00:00:02,000\n" + ok_text + "\nb\n"),
              "line 2: cue text is longer than 4096 bytes");
}

}  // namespace
}  // namespace vtp::subtitle
