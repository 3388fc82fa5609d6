#include <gtest/gtest.h>

#include <string>

#include "subtitle/parse.h"
#include "subtitle/webvtt.h"
#include "subtitle_test_util.h"

namespace vtp::subtitle {
namespace {

TEST(DecodeSubtitleText, KeepsPlainUtf8) {
  auto text = DecodeSubtitleText("Caf\xC3\xA9 \xE6\x97\xA5\xF0\x9F\x98\x80\n");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "Caf\xC3\xA9 \xE6\x97\xA5\xF0\x9F\x98\x80\n");
}

TEST(DecodeSubtitleText, StripsUtf8BomAndNormalisesLineBreaks) {
  auto text = DecodeSubtitleText("\xEF\xBB\xBF" "a\r\nb\rc\n\r\nd");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "a\nb\nc\n\nd");
}

TEST(DecodeSubtitleText, ConvertsUtf16LittleEndian) {
  auto text = DecodeSubtitleText(Utf16Bytes(u"Caf\u00e9\r\n\U0001F600!", false));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "Caf\xC3\xA9\n\xF0\x9F\x98\x80!");
}

TEST(DecodeSubtitleText, ConvertsUtf16BigEndian) {
  auto text = DecodeSubtitleText(Utf16Bytes(u"x\u00e9\ry", true));
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "x\xC3\xA9\ny");
}

TEST(DecodeSubtitleText, RejectsLatin1WithTheLineOfTheFirstBadByte) {
  ExpectError(DecodeSubtitleText("1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\xE9\r\n"),
              "line 3: not valid UTF-8 (save the file as UTF-8)");
}

TEST(DecodeSubtitleText, RejectsOverlongAndSurrogateForms) {
  ExpectError(DecodeSubtitleText("ok\n\xC0\xAF"), "line 2: not valid UTF-8 (save the file as UTF-8)");
  ExpectError(DecodeSubtitleText("\xED\xA0\x80"), "line 1: not valid UTF-8 (save the file as UTF-8)");
  ExpectError(DecodeSubtitleText("a\n\nb\xE6\x97"), "line 3: not valid UTF-8 (save the file as UTF-8)");
}

TEST(DecodeSubtitleText, RejectsNulBytes) {
  ExpectError(DecodeSubtitleText(std::string("a\nb\0c", 5)),
              "line 2: NUL byte (this is not a text file; save it as UTF-8 text)");
  ExpectError(DecodeSubtitleText(Utf16Bytes(std::u16string(u"a\nb\0", 4), false)),
              "line 2: NUL byte (this is not a text file; save it as UTF-8 text)");
}

TEST(DecodeSubtitleText, RejectsBrokenUtf16) {
  ExpectError(DecodeSubtitleText(Utf16Bytes(u"a\nb", false) + "x"),
              "line 2: not valid UTF-16 (save the file as UTF-8)");
  const std::u16string lone_high = {u'a', char16_t{0xD800}, u'b'};
  ExpectError(DecodeSubtitleText(Utf16Bytes(lone_high, true)),
              "line 1: not valid UTF-16 (save the file as UTF-8)");
}

TEST(DetectSubtitleFormat, ByContent) {
  EXPECT_EQ(*DetectSubtitleFormat("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n", "a.srt"),
            SubtitleFormat::kWebVtt);
  EXPECT_EQ(*DetectSubtitleFormat("\xEF\xBB\xBFWEBVTT - title\n", ""), SubtitleFormat::kWebVtt);
  EXPECT_EQ(*DetectSubtitleFormat("\n[Script Info]\nTitle: x\n", "a.vtt"), SubtitleFormat::kAss);
  EXPECT_EQ(*DetectSubtitleFormat("; comment\nDialogue: 0,0:00:01.00,0:00:02.00,,,0,0,0,,x", ""),
            SubtitleFormat::kAss);
  EXPECT_EQ(*DetectSubtitleFormat("\n\n1\n00:00:01,000 --> 00:00:02,000\nx\n", "a.vtt"),
            SubtitleFormat::kSrt);
  EXPECT_EQ(*DetectSubtitleFormat("00:00:01,000 --> 00:00:02,000\nx\n", ""), SubtitleFormat::kSrt);
  EXPECT_EQ(*DetectSubtitleFormat(Utf16Bytes(u"WEBVTT\n", false), ""), SubtitleFormat::kWebVtt);
}

TEST(DetectSubtitleFormat, ExtensionBreaksTies) {
  EXPECT_EQ(*DetectSubtitleFormat("", "movie.en.SRT"), SubtitleFormat::kSrt);
  EXPECT_EQ(*DetectSubtitleFormat("garbage", "movie.vtt"), SubtitleFormat::kWebVtt);
  EXPECT_EQ(*DetectSubtitleFormat("garbage", "movie.webvtt"), SubtitleFormat::kWebVtt);
  EXPECT_EQ(*DetectSubtitleFormat("garbage", "movie.ssa"), SubtitleFormat::kAss);
  // Undecodable content still gets a verdict, so the parser can name the line.
  EXPECT_EQ(*DetectSubtitleFormat("1\n00:00:01,000 --> 00:00:02,000\n\xE9\n", ""),
            SubtitleFormat::kSrt);
}

TEST(DetectSubtitleFormat, UnknownIsAnError) {
  ExpectError(DetectSubtitleFormat("hello world\n", "notes.txt"),
              "unrecognised subtitle format (expected SRT, WebVTT or ASS/SSA)");
  ExpectError(DetectSubtitleFormat("", ""),
              "unrecognised subtitle format (expected SRT, WebVTT or ASS/SSA)");
  // Through ParseSubtitles it names a line, like every parse error.
  ExpectError(ParseSubtitles("hello world\n", "notes.txt"),
              "line 1: unrecognised subtitle format (expected SRT, WebVTT or ASS/SSA)");
}

TEST(AssEventTextTest, LoneCarriageReturnsAreLineBreaksNotBlankLines) {
  // Written out and read back, a blank line would end the cue early.
  EXPECT_EQ(AssEventText("0,0,Default,,0,0,0,,a\r\rb"), "a\nb");
  auto cues = ParseWebVtt(WriteWebVtt({{0, 1000, AssEventText("0,0,Default,,0,0,0,,a\r\rb"), "", ""}}));
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  EXPECT_EQ(cues->at(0).text, "a\nb");
}

}  // namespace
}  // namespace vtp::subtitle
