#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "subtitle/parse.h"
#include "subtitle/webvtt.h"
#include "subtitle_test_util.h"

namespace vtp::subtitle {
namespace {

constexpr char kAss[] =
    "[Script Info]\n"
    "Title: test\n"
    "ScriptType: v4.00+\n"
    "\n"
    "[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, Bold, Italic\n"
    "Style: Default,Arial,20,&H00FFFFFF,0,0\n"
    "Dialogue: 0,0:00:09.00,0:00:10.00,Default,,0,0,0,,not in [Events]\n"
    "\n"
    "[Events]\n"
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\an8}{\\i1}Hello{\\i0}, world\\Nsecond "
    "line\n"
    "Comment: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,not shown\n"
    "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}\n"
    "Dialogue: 1,0:00:03.00,0:00:04.00,Default,Bob,0,0,0,,a\\hb & x < y, {\\b1\\fs20}bold "
    "{\\fnArial}and {\\i1}both{\\r}\n"
    "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\pos(10,10)}drawn {\\p1}m 0 0{\\p0}after\n";

TEST(ParseAss, ConvertsToWebVtt) {
  auto cues = ParseSubtitles(kAss, "show.ass");
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  EXPECT_EQ(WriteWebVtt(*cues),
            "WEBVTT\n"
            "\n"
            "00:00:01.000 --> 00:00:02.500\n"
            "<i>Hello</i>, world\n"
            "second line\n"
            "\n"
            "00:00:03.000 --> 00:00:04.000\n"
            "a b &amp; x &lt; y, <b>bold and <i>both</i></b>\n"
            "\n"
            "00:00:05.000 --> 00:00:06.000\n"
            "drawn after\n"
            "\n");
}

TEST(ParseAss, FollowsTheFormatLineColumnOrder) {
  const std::string ass =
      "[Events]\n"
      "Format: End, Style, Start, Text\n"
      "Dialogue: 0:00:02.50,Default,0:00:01.5,Hi, there, friend\n"
      "Dialogue: 0:00:04.00,Default,0:00:03.00,\\n soft break\n";
  auto cues = ParseAss(ass);
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  const std::vector<Cue> want = {{1500, 2500, "Hi, there, friend", "", ""},
                                 {3000, 4000, "soft break", "", ""}};
  EXPECT_EQ(*cues, want);
}

// As FFmpeg writes a Matroska ASS track whose header's Format line lists
// fewer columns than its events carry (tests corpus
// sample_h264_ac3_ass.mkv): the Dialogue lines keep the standard layout.
TEST(ParseAss, ShortFormatLineWithStandardDialogueLines) {
  const std::string ass =
      "[Script Info]\r\nTitle: SomeTitle\r\n\r\n[Events]\r\n"
      "Format: Layer, Start, End, Style, Name, Text\r\n"
      "Dialogue: 0,0:00:00.00,0:00:00.50,Default ,Olly,,,,,This is the first subtitle.\r\n"
      "Dialogue: 0,0:00:01.00,0:00:02.00,Default,Olly,0000,0010,0000,,Second, with a comma\r\n"
      "Dialogue: 0,0:00:03.00,0:00:04.00,Default,Olly,Third, one, two, three, four\r\n";
  auto cues = ParseAss(ass);
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  const std::vector<Cue> want = {{0, 500, "This is the first subtitle.", "", ""},
                                 {1000, 2000, "Second, with a comma", "", ""},
                                 {3000, 4000, "Third, one, two, three, four", "", ""}};
  EXPECT_EQ(*cues, want);
}

TEST(ParseAss, Errors) {
  ExpectError(ParseAss("[Script Info]\nTitle: x\n"), "line 1: no [Events] section");
  ExpectError(ParseAss("[Events]\nFormat: Layer, Start, End, Style\n"),
              "line 2: the [Events] Format line must name Start and End and end with Text");
  ExpectError(ParseAss("[Events]\nFormat: Start, End, Style, Text\nDialogue: 0:00:01.00,0:00:02.00\n"),
              "line 3: Dialogue line has 2 fields, the Format line names 4");
  ExpectError(ParseAss("[Events]\n\nDialogue: 0,0:00:01.00,0:0:02.00,Default,,0,0,0,,x\n"),
              "line 3: malformed timestamp \"0:0:02.00\"");
  ExpectError(ParseAss("[Events]\nDialogue: 0,0:00:03.00,0:00:02.00,Default,,0,0,0,,x\n"),
              "line 2: cue ends (0:00:02.00) before or when it starts (0:00:03.00)");
  ExpectError(ParseAss("[Events]\nComment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,x\n"),
              "line 1: no cues found");
}

// Lines shaped as libavcodec (FFmpeg 5.1) hands them out for decoded text
// subtitles: ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text.
TEST(AssEventText, LibavcodecEvents) {
  // The packet of tests corpus sample_h264_ac3_ass.mkv, as demuxed.
  EXPECT_EQ(AssEventText("0,0,Default ,Olly,,,,,This is the first subtitle."),
            "This is the first subtitle.");
  // subrip: <i> arrives as {\i1}, line breaks as \N.
  EXPECT_EQ(AssEventText("0,0,Default,,0,0,0,,{\\i1}Hello{\\i0}\\Nworld"), "<i>Hello</i>\nworld");
  // Commas inside the text.
  EXPECT_EQ(AssEventText("12,0,Default,Bob,0,0,0,,Hello, world, again"), "Hello, world, again");
  // webvtt: entities already decoded by libavcodec, so they are raw again.
  EXPECT_EQ(AssEventText("3,0,Default,,0,0,0,,a < b & c > d"), "a &lt; b &amp; c &gt; d");
  // mov_text and an ASS track with overrides and a hard space.
  EXPECT_EQ(AssEventText("5,0,Default,,0,0,0,,line one\\Nline\\htwo"), "line one\nline two");
  EXPECT_EQ(AssEventText("7,0,Sign,,0,0,0,,{\\an8\\b1}Top{\\b0} {\\u1}sign"),
            "<b>Top</b> <u>sign</u>");
  // Blank lines collapse; a drawing leaves nothing.
  EXPECT_EQ(AssEventText("8,0,Default,,0,0,0,,one\\N\\N\\Ntwo"), "one\ntwo");
  EXPECT_EQ(AssEventText("9,0,Default,,0,0,0,,{\\p1}m 0 0 l 10 0 10 10"), "");
  EXPECT_EQ(AssEventText("10,0,Default,,0,0,0,,"), "");
  EXPECT_EQ(AssEventText("0,0,Default"), "");
  // The pre-5.0 form of the same event.
  EXPECT_EQ(AssEventText("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Old, style"),
            "Old, style");
}

}  // namespace
}  // namespace vtp::subtitle
