// ListSubtitleStreams / ExtractTextSubtitles on the corpus's Matroska
// samples (SubRip, ASS, PGS) and on subtitles muxed at test time with the
// ffmpeg CLI (mov_text in MP4, WebVTT in Matroska, MicroDVD).
#include "media/subtitle_extract.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "media/logging.h"
#include "testutil/fixtures.h"

namespace vtp::media {
namespace {

using testutil::CorpusPath;
using testutil::Fixture;

#define REQUIRE_CORPUS() \
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing"

constexpr const char* kSrt =
    "1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\nSecond <i>line</i>\nwith two rows\n\n"
    "3\n00:00:04,200 --> 00:00:04,900\nLast one.\n\n";

// Files written at test time carry the pid: ctest runs tests in parallel
// processes, and rewriting a file another one is reading would spoil it.
std::string PerProcess(const std::string& name) {
  return std::to_string(::getpid()) + "." + name;
}

// 5 s of video plus the SRT converted to `codec`; the subtitle is stream 1.
std::string Muxed(const std::string& name, const std::string& codec) {
  std::string srt = testutil::WriteFile(PerProcess("subx_three.srt"), kSrt);
  std::string path =
      Fixture(name, "-f lavfi -i color=size=64x64:rate=10:duration=5 -i '" + srt +
                        "' -map 0:v -map 1:s -c:v libx264 -c:s " + codec +
                        " -metadata:s:s:0 language=fre -metadata:s:s:0 title=Dialogue");
  std::filesystem::remove(srt);
  return path;
}

std::vector<TextSubtitleEvent> ExtractOk(const std::string& path, int stream,
                                         double origin = 0) {
  ConfigureLibavLogging();
  auto events = ExtractTextSubtitles(path, stream, origin);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  return events.ok() ? *events : std::vector<TextSubtitleEvent>{};
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// The three SRT cues, whatever the container, as libavcodec's ASS lines.
void ExpectThreeCues(const std::vector<TextSubtitleEvent>& e, int64_t shift_ms = 0) {
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].start_ms, 1000 - shift_ms);
  EXPECT_EQ(e[0].end_ms, 2500 - shift_ms);
  EXPECT_TRUE(Contains(e[0].ass, "Hello there.")) << e[0].ass;
  EXPECT_EQ(e[1].start_ms, 3000 - shift_ms);
  EXPECT_EQ(e[1].end_ms, 4000 - shift_ms);
  EXPECT_TRUE(Contains(e[1].ass, "line")) << e[1].ass;
  EXPECT_TRUE(Contains(e[1].ass, "\\Nwith two rows")) << e[1].ass;
  EXPECT_EQ(e[2].start_ms, 4200 - shift_ms);
  EXPECT_EQ(e[2].end_ms, 4900 - shift_ms);
  EXPECT_TRUE(Contains(e[2].ass, "Last one.")) << e[2].ass;
}

TEST(ListSubtitleStreamsTest, CorpusMatroskaSamples) {
  REQUIRE_CORPUS();
  ConfigureLibavLogging();
  struct Case {
    const char* file;
    const char* codec;
    const char* language;
    const char* title;
    bool is_text;
  };
  for (const Case& c : {Case{"sample_h264_ac3_srt.mkv", "subrip", "eng", "Subs Label", true},
                        Case{"sample_h264_ac3_ass.mkv", "ass", "", "", true},
                        Case{"sample_h264_ac3_pgs.mkv", "hdmv_pgs_subtitle", "eng", "", false}}) {
    auto streams = ListSubtitleStreams(CorpusPath(c.file));
    ASSERT_TRUE(streams.ok()) << c.file << ": " << streams.status().ToString();
    ASSERT_EQ(streams->size(), 1u) << c.file;
    const SubtitleStreamInfo& s = streams->front();
    EXPECT_EQ(s.index, 2) << c.file;
    EXPECT_EQ(s.codec, c.codec) << c.file;
    EXPECT_EQ(s.language, c.language) << c.file;
    EXPECT_EQ(s.title, c.title) << c.file;
    EXPECT_EQ(s.is_text, c.is_text) << c.file;
  }
}

TEST(ListSubtitleStreamsTest, GeneratedFilesAndNone) {
  ConfigureLibavLogging();
  auto mp4 = ListSubtitleStreams(Muxed("subx_mov_text.mp4", "mov_text"));
  ASSERT_TRUE(mp4.ok()) << mp4.status().ToString();
  ASSERT_EQ(mp4->size(), 1u);
  EXPECT_EQ((*mp4)[0].index, 1);
  EXPECT_EQ((*mp4)[0].codec, "mov_text");
  EXPECT_EQ((*mp4)[0].language, "fre");
  EXPECT_TRUE((*mp4)[0].is_text);

  auto mkv = ListSubtitleStreams(Muxed("subx_webvtt.mkv", "webvtt"));
  ASSERT_TRUE(mkv.ok()) << mkv.status().ToString();
  ASSERT_EQ(mkv->size(), 1u);
  EXPECT_EQ((*mkv)[0].codec, "webvtt");
  EXPECT_EQ((*mkv)[0].language, "fre");
  EXPECT_EQ((*mkv)[0].title, "Dialogue");
  EXPECT_TRUE((*mkv)[0].is_text);

  std::string plain = Fixture("subx_no_subs.mp4",
                              "-f lavfi -i color=size=64x64:rate=10:duration=1 -c:v libx264");
  auto none = ListSubtitleStreams(plain);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());

  EXPECT_EQ(ListSubtitleStreams("/nonexistent/file.mkv").status().code(), ErrorCode::kNotFound);
}

TEST(ExtractTextSubtitlesTest, CorpusSubRip) {
  REQUIRE_CORPUS();
  auto e = ExtractOk(CorpusPath("sample_h264_ac3_srt.mkv"), 2);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].start_ms, 0);
  EXPECT_EQ(e[0].end_ms, 1234);
  EXPECT_TRUE(Contains(e[0].ass, "This is the first subtitle.")) << e[0].ass;
}

TEST(ExtractTextSubtitlesTest, CorpusAss) {
  REQUIRE_CORPUS();
  auto e = ExtractOk(CorpusPath("sample_h264_ac3_ass.mkv"), 2);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].start_ms, 0);
  EXPECT_EQ(e[0].end_ms, 500);
  // The ASS fields survive: style "Default ", speaker "Olly".
  EXPECT_TRUE(Contains(e[0].ass, "Olly")) << e[0].ass;
  EXPECT_TRUE(Contains(e[0].ass, "This is the first subtitle.")) << e[0].ass;
}

TEST(ExtractTextSubtitlesTest, ImageSubtitlesAreSkipped) {
  REQUIRE_CORPUS();
  ConfigureLibavLogging();
  auto e = ExtractTextSubtitles(CorpusPath("sample_h264_ac3_pgs.mkv"), 2);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kUnsupportedCodec);
  EXPECT_TRUE(Contains(e.status().message(), "image subtitles are skipped"))
      << e.status().message();
  EXPECT_TRUE(Contains(e.status().message(), "hdmv_pgs_subtitle")) << e.status().message();
}

TEST(ExtractTextSubtitlesTest, MovTextInMp4) {
  // mov_text marks the gaps with empty samples; they give no events.
  ExpectThreeCues(ExtractOk(Muxed("subx_mov_text.mp4", "mov_text"), 1));
}

TEST(ExtractTextSubtitlesTest, WebVttInMatroska) {
  ExpectThreeCues(ExtractOk(Muxed("subx_webvtt.mkv", "webvtt"), 1));
}

TEST(ExtractTextSubtitlesTest, SubRipInMatroskaWithOrigin) {
  std::string mkv = Muxed("subx_subrip.mkv", "srt");
  ExpectThreeCues(ExtractOk(mkv, 1));
  // Origin 0.5 s: everything 500 ms earlier.
  ExpectThreeCues(ExtractOk(mkv, 1, 0.5), 500);
  // Origin 2 s: the first cue straddles it and starts at 0; origin 4.5 s
  // drops the first two and clips the third.
  auto e = ExtractOk(mkv, 1, 2.0);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].start_ms, 0);
  EXPECT_EQ(e[0].end_ms, 500);
  auto late = ExtractOk(mkv, 1, 4.5);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].start_ms, 0);
  EXPECT_EQ(late[0].end_ms, 400);
}

TEST(ExtractTextSubtitlesTest, EventWithoutEndGetsTheDefaultDuration) {
  // MicroDVD at 25 fps: "{150}{}" has no end frame (the demuxer fills the
  // others' ends from the next start).
  std::string sub = testutil::WriteFile(
      PerProcess("subx_microdvd.sub"),
      "{1}{1}25\n{25}{}First line\n{75}{100}Second line\n{150}{}Last line\n");
  auto e = ExtractOk(sub, 0);
  std::filesystem::remove(sub);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].start_ms, 1000);
  EXPECT_EQ(e[0].end_ms, 3000);
  EXPECT_EQ(e[1].start_ms, 3000);
  EXPECT_EQ(e[1].end_ms, 4000);
  EXPECT_EQ(e[2].start_ms, 6000);
  EXPECT_EQ(e[2].end_ms, 6000 + kDefaultSubtitleEventMs);
  EXPECT_TRUE(Contains(e[2].ass, "Last line")) << e[2].ass;
}

TEST(ResolveOpenEndsTest, NextLaterStartOrDefault) {
  std::vector<TextSubtitleEvent> e = {
      {1000, 1000, "a"},   // open: ends at the next later start (b and c share 1500)
      {1500, 1500, "b"},   // open: c starts at the same time, d is the next later one
      {1500, 1800, "c"},   // has an end: unchanged
      {9000, 8000, "d"},   // open (end before start): ends at e
      {12000, 0, "e"},     // open, next start 20 s later: the default
      {20000, 20000, "f"}, // open, last: the default
  };
  ResolveOpenEnds(e);
  EXPECT_EQ(e[0].end_ms, 1500);
  EXPECT_EQ(e[1].end_ms, 1500 + kDefaultSubtitleEventMs);
  EXPECT_EQ(e[2].end_ms, 1800);
  EXPECT_EQ(e[3].end_ms, 12000);
  EXPECT_EQ(e[4].end_ms, 12000 + kDefaultSubtitleEventMs);
  EXPECT_EQ(e[5].end_ms, 20000 + kDefaultSubtitleEventMs);
}

TEST(ExtractTextSubtitlesTest, Errors) {
  ConfigureLibavLogging();
  std::string mp4 = Muxed("subx_mov_text.mp4", "mov_text");
  auto video = ExtractTextSubtitles(mp4, 0);
  EXPECT_EQ(video.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(video.status().message(), "not a subtitle stream"));
  EXPECT_EQ(ExtractTextSubtitles(mp4, 9).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(ExtractTextSubtitles("/nonexistent/file.mkv", 0).status().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vtp::media
