#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "subtitle/parse.h"
#include "subtitle/webvtt.h"
#include "subtitle_test_util.h"

namespace vtp::subtitle {
namespace {

constexpr char kVtt[] =
    "WEBVTT - A title\n"
    "Kind: captions\n"
    "\n"
    "NOTE this is\n"
    "a comment\n"
    "\n"
    "STYLE\n"
    "::cue { color: yellow }\n"
    "\n"
    "REGION\n"
    "id:r1 width:40%\n"
    "\n"
    "intro\n"
    "00:01.000 --> 00:02.000 align:start   line:90%\n"
    "<v Bob>Hello &amp; <c.loud>hi</c>\n"
    "second line  \n"
    "\n"
    "NOTE between cues\n"
    "\n"
    "\n"
    "01:00:03.000 --> 01:00:04.500\n"
    "Second\n";

constexpr char kWritten[] =
    "WEBVTT\n"
    "\n"
    "intro\n"
    "00:00:01.000 --> 00:00:02.000 align:start line:90%\n"
    "<v Bob>Hello &amp; <c.loud>hi</c>\n"
    "second line\n"
    "\n"
    "01:00:03.000 --> 01:00:04.500\n"
    "Second\n"
    "\n";

TEST(ParseWebVtt, KeepsIdsSettingsAndTextSkipsBlocks) {
  auto cues = ParseWebVtt(kVtt);
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  const std::vector<Cue> want = {
      {1000, 2000, "<v Bob>Hello &amp; <c.loud>hi</c>\nsecond line", "intro",
       "align:start line:90%"},
      {3'603'000, 3'604'500, "Second", "", ""}};
  EXPECT_EQ(*cues, want);
}

TEST(ParseWebVtt, RoundTripsThroughTheWriter) {
  auto first = ParseSubtitles(kVtt, "captions.vtt");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const std::string written = WriteWebVtt(*first);
  EXPECT_EQ(written, kWritten);
  auto second = ParseSubtitles(written, "again.vtt");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(*second, *first);
  EXPECT_EQ(WriteWebVtt(*second), kWritten);
}

TEST(ParseWebVtt, HeaderRules) {
  EXPECT_TRUE(ParseWebVtt("WEBVTT\n\n00:01.000 --> 00:02.000\nx").ok());
  EXPECT_TRUE(ParseWebVtt("WEBVTT\tcomment\n\n00:01.000 --> 00:02.000\nx").ok());
  // A cue right under the header, with no blank line, is still read.
  EXPECT_TRUE(ParseWebVtt("WEBVTT\n00:01.000 --> 00:02.000\nx").ok());
  ExpectError(ParseWebVtt("WEBVTTX\n\n00:01.000 --> 00:02.000\nx"), "line 1: missing WEBVTT header");
  ExpectError(ParseWebVtt("\nWEBVTT\n"), "line 1: missing WEBVTT header");
  ExpectError(ParseWebVtt("WEBVTT\n\nNOTE only a note\n"), "line 1: no cues found");
}

TEST(ParseWebVtt, ArrowInTextStartsTheNextCue) {
  auto cues = ParseWebVtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n00:03.000 --> 00:04.000\nb\n");
  ASSERT_TRUE(cues.ok()) << cues.status().ToString();
  ASSERT_EQ(cues->size(), 2u);
  EXPECT_EQ((*cues)[1].text, "b");
}

TEST(ParseWebVtt, Errors) {
  ExpectError(ParseWebVtt("WEBVTT\n\nid\n00:00:01.000 00:00:02.000\ntext\n"),
              "line 4: missing \"-->\" between start and end time");
  ExpectError(ParseWebVtt("WEBVTT\n\nlonely\n\n00:01.000 --> 00:02.000\nx\n"),
              "line 3: missing \"-->\" (a cue needs a timing line)");
  ExpectError(ParseWebVtt("WEBVTT\n\n00:00:01,000 --> 00:00:02.000\ntext\n"),
              "line 3: malformed timestamp \"00:00:01,000\"");
  ExpectError(ParseWebVtt("WEBVTT\n\n00:03.000 --> 00:02.000\ntext\n"),
              "line 3: cue ends (00:02.000) before or when it starts (00:03.000)");
  ExpectError(ParseWebVtt("WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:04.000\nx\n"),
              "line 3: cue has no text");
}

}  // namespace
}  // namespace vtp::subtitle
