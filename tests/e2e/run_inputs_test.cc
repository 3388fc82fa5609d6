// End-to-end: awkward real inputs (rotation, SAR, odd sizes, interlacing, HDR,
// VFR, long GOPs, audio-only, video-only) and bad inputs through `vtp run`.
// Geometry and timing do not depend on the x264 preset, so these runs use
// ultrafast to keep the suite quick.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using testutil::CorpusPath;
using testutil::DecodeAll;
using testutil::StreamDecode;

struct FastRun {
  testutil::CommandResult result;
  std::string out;
};

FastRun RunFast(const std::string& input, const std::string& extra = "") {
  FastRun r;
  r.out = testutil::FreshDir() + "/out";
  r.result = RunVtp(input, r.out, "--preset ultrafast --workers 2 " + extra);
  return r;
}

// Video renditions in the DASH manifest, each decoded on its own.
std::vector<StreamDecode> DecodeVideos(const std::string& out) {
  return DecodeEachStream(out + "/manifest.mpd", /*video_only=*/true);
}

int64_t SourceFrames(const std::string& path) {
  std::string err;
  for (const auto& [i, s] : DecodeAll(path, -1, &err)) {
    if (s.video) return s.frames;
  }
  return -1;
}

TEST(RunInputsTest, Rotated90PhoneClipBecomesPortrait) {
  ASSERT_TRUE(testutil::CorpusAvailable()) << "../shared/corpus is missing";
  std::string src = CorpusPath("phone_h264_rot90.mov");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto videos = DecodeVideos(r.out);
  ASSERT_EQ(videos.size(), 1u);  // 568x320 source: only 240p fits
  EXPECT_EQ(videos[0].width, 240);
  EXPECT_EQ(videos[0].height, 426);
  EXPECT_EQ(videos[0].frames, SourceFrames(src));
}

TEST(RunInputsTest, Rotated180KeepsLandscapeAndFrames) {
  std::string src = CorpusPath("pixel7_1080p_rot180_videoonly.mp4");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto videos = DecodeVideos(r.out);
  ASSERT_EQ(videos.size(), 5u);
  for (const auto& v : videos) {
    EXPECT_GT(v.width, v.height);
    EXPECT_EQ(v.frames, SourceFrames(src));
  }
  // Video-only input: no audio rendition, no audio group in the master.
  EXPECT_FALSE(fs::exists(r.out + "/audio"));
  EXPECT_EQ(testutil::ReadFile(r.out + "/manifest.m3u8").find("EXT-X-MEDIA"), std::string::npos);
}

TEST(RunInputsTest, NonSquarePixelsAreNormalisedToDisplayAspect) {
  std::string src = CorpusPath("bbb_800x640_sar64x45_h264_bpyramid.mp4");  // DAR 1138:640
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto videos = DecodeVideos(r.out);
  ASSERT_EQ(videos.size(), 3u);  // 240p, 360p, 480p
  for (const auto& v : videos) {
    double aspect = static_cast<double>(v.width) / v.height;
    EXPECT_NEAR(aspect, 800.0 * 64 / 45 / 640, 0.01) << v.width << "x" << v.height;
    EXPECT_EQ(v.width % 2, 0);
  }
}

TEST(RunInputsTest, OddSizedTinySourceIsNotUpscaledAndMadeEven) {
  std::string src = CorpusPath("bear_vp9_161x121.webm");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto videos = DecodeVideos(r.out);
  ASSERT_EQ(videos.size(), 1u);
  EXPECT_EQ(videos[0].width, 160);
  EXPECT_EQ(videos[0].height, 120);
  EXPECT_TRUE(fs::exists(r.out + "/h264/120p/playlist.m3u8"));
  EXPECT_EQ(videos[0].frames, SourceFrames(src));
}

TEST(RunInputsTest, InterlacedSourceIsDeinterlacedFrameForFrame) {
  std::string src = CorpusPath("h264_interlaced_tff_opengop.mp4");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  for (const auto& v : DecodeVideos(r.out)) {
    EXPECT_EQ(v.frames, SourceFrames(src));
    EXPECT_EQ(v.corrupt_frames, 0);
  }
}

TEST(RunInputsTest, Hdr10SourceBecomesSdr8BitH264) {
  std::string src = CorpusPath("av1_10bit_hdr10_1080p60_aac.mp4");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto videos = DecodeVideos(r.out);
  ASSERT_EQ(videos.size(), 5u);
  for (const auto& v : videos) {
    EXPECT_EQ(v.pix_fmt, "yuv420p");
    EXPECT_EQ(v.color_transfer, "bt709");
    EXPECT_EQ(v.frames, SourceFrames(src));
  }
}

TEST(RunInputsTest, VariableFrameRateKeepsEveryFrame) {
  std::string src = CorpusPath("phone_vfr_rot180_h264_aac.mp4");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  for (const auto& v : DecodeVideos(r.out)) {
    EXPECT_EQ(v.frames, SourceFrames(src));
    EXPECT_NEAR(v.duration(), 2.38, 0.5);
  }
}

TEST(RunInputsTest, AudioOnlyInputGivesAudioOnlyHlsAndDash) {
  std::string src = CorpusPath("jfk_speech_audioonly.flac");
  FastRun r = RunFast(src);
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  EXPECT_FALSE(fs::exists(r.out + "/h264"));
  for (const char* m : {"manifest.m3u8", "manifest_ts.m3u8", "manifest.mpd"}) {
    auto streams = DecodeEachStream(r.out + "/" + m);
    ASSERT_FALSE(streams.empty()) << m;
    for (const auto& s : streams) {
      EXPECT_FALSE(s.video);
      EXPECT_NEAR(s.duration(), 11.0, 0.5) << m << " " << s.codec;
    }
  }
  // One variant per audio rendition: AAC then Opus in the CMAF master, AAC
  // only over MPEG-TS; no alternate-track groups for a single track.
  auto variants = MasterVariants(r.out + "/manifest.m3u8");
  ASSERT_EQ(variants.size(), 6u);
  EXPECT_EQ(testutil::HlsAttributes(variants[0].line)["CODECS"], "mp4a.40.2");
  EXPECT_EQ(testutil::HlsAttributes(variants[5].line)["CODECS"], "opus");
  EXPECT_EQ(MasterVariants(r.out + "/manifest_ts.m3u8").size(), 3u);
  EXPECT_EQ(testutil::ReadFile(r.out + "/manifest.m3u8").find("EXT-X-MEDIA"), std::string::npos);
  EXPECT_FALSE(fs::exists(r.out + "/thumbnails"));
}

TEST(RunInputsTest, SingleKeyframeSourceStillSplitsIntoChunks) {
  std::string src = testutil::Fixture(
      "one_keyframe_12s.mp4",
      "-f lavfi -i testsrc2=size=640x360:rate=25 -t 12 -c:v libx264 -preset veryfast -g 1000 "
      "-x264-params scenecut=0 -pix_fmt yuv420p");
  FastRun r = RunFast(src, "--segment-seconds 2");
  ASSERT_EQ(r.result.exit_status, 0) << r.result.output;
  auto pl = ReadMediaPlaylist(r.out + "/h264/360p/playlist.m3u8");
  EXPECT_EQ(pl.durations.size(), 6u);
  for (const auto& v : DecodeVideos(r.out)) {
    EXPECT_EQ(v.frames, 300);
    EXPECT_EQ(v.corrupt_frames, 0);
  }
}

TEST(RunInputsTest, NotMediaFailsWithCodeAndLeavesNothing) {
  std::mt19937 rng(42);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  std::string src = testutil::WriteFile("random.bin", bytes);
  FastRun r = RunFast(src);
  EXPECT_EQ(r.result.exit_status, 10) << r.result.output;
  EXPECT_NE(r.result.output.find("not_media"), std::string::npos) << r.result.output;
  EXPECT_FALSE(fs::exists(r.out));
  for (const auto& e : fs::directory_iterator(fs::path(r.out).parent_path())) {
    EXPECT_EQ(e.path().filename().string().find(".vtp-tmp"), std::string::npos);
  }
}

TEST(RunInputsTest, MissingInputIsNotFound) {
  FastRun r = RunFast("/nonexistent/input.mp4");
  EXPECT_EQ(r.result.exit_status, 3) << r.result.output;
}

TEST(RunInputsTest, RefusesNonEmptyOutputWithoutForce) {
  std::string src = CorpusPath("phone_h264_rot90.mov");
  std::string out = testutil::FreshDir() + "/out";
  fs::create_directories(out);
  std::ofstream(out + "/keep.txt") << "mine";
  auto r = RunVtp(src, out, "--preset ultrafast");
  EXPECT_EQ(r.exit_status, 4) << r.output;
  EXPECT_EQ(testutil::ReadFile(out + "/keep.txt"), "mine");
  r = RunVtp(src, out, "--preset ultrafast --force");
  EXPECT_EQ(r.exit_status, 0) << r.output;
  EXPECT_FALSE(fs::exists(out + "/keep.txt"));
  EXPECT_TRUE(fs::exists(out + "/manifest.m3u8"));
}

TEST(RunInputsTest, NeverWritesOverTheInputsDirectory) {
  std::string dir = testutil::FreshDir();
  std::string src = dir + "/upload.mov";
  fs::copy_file(CorpusPath("phone_h264_rot90.mov"), src);
  auto r = RunVtp(src, dir, "--preset ultrafast --force");
  EXPECT_EQ(r.exit_status, 2) << r.output;
  EXPECT_TRUE(fs::exists(src));
  EXPECT_EQ(testutil::ReadFile(src), testutil::ReadFile(CorpusPath("phone_h264_rot90.mov")));
}

TEST(RunInputsTest, BadFlagsAreUsageErrors) {
  auto r = testutil::RunCommand(testutil::VtpBinary() + " run x -o y --workers 0", true);
  EXPECT_EQ(r.exit_status, 2) << r.output;
  r = testutil::RunCommand(testutil::VtpBinary() + " run x -o y --preset warp", true);
  EXPECT_EQ(r.exit_status, 2) << r.output;
  r = testutil::RunCommand(testutil::VtpBinary() + " run x", true);
  EXPECT_EQ(r.exit_status, 2) << r.output;
}

}  // namespace
}  // namespace vtp::e2e

namespace vtp::e2e {
namespace {

TEST(RunOutputTest, JsonSummaryDescribesRenditionsAndCosts) {
  std::string src = testutil::CorpusPath("phone_vfr_rot180_h264_aac.mp4");
  std::string out = testutil::FreshDir() + "/out";
  auto r = testutil::RunCommand(testutil::VtpBinary() + " run '" + src + "' -o '" + out +
                                "' --preset ultrafast --json 2>/dev/null");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["status"], "ready");
  EXPECT_EQ(j["manifests"]["dash"], fs::canonical(out).string() + "/manifest.mpd");
  ASSERT_EQ(j["renditions"].size(), 10u);  // 240p..720p + AAC 64/128/192 + Opus 64/96/128 (mono source: no 5.1)
  ASSERT_EQ(j["audio_tracks"].size(), 1u);
  // The gain takes the measured source to the target, by at most +20 dB
  // (this phone clip's room sound reads about -50 LUFS).
  double measured = j["audio_tracks"][0]["integrated_lufs"].get<double>();
  EXPECT_NEAR(j["audio_tracks"][0]["gain_db"].get<double>(), std::min(20.0, -16.0 - measured), 0.5);
  EXPECT_GE(j["thumbnails"]["sprites"].get<int>(), 1);
  for (const auto& rend : j["renditions"]) {
    EXPECT_GT(rend["fmp4_bytes"].get<int64_t>(), 0);
    EXPECT_GE(rend["peak_bitrate"].get<int64_t>(), rend["average_bitrate"].get<int64_t>());
  }
  EXPECT_GT(j["cpu_seconds"].get<double>(), 0);
  EXPECT_GT(j["steps"]["transcode"]["cpu_seconds"].get<double>(), 0);
  EXPECT_GE(j["steps"]["transcode"]["tasks"].get<int>(), 1);
}

TEST(RunOutputTest, FailureJsonNamesTheErrorClass) {
  std::string src = testutil::WriteFile("empty.mp4", "");
  auto r = testutil::RunCommand(testutil::VtpBinary() + " run '" + src + "' -o '" +
                                testutil::FreshDir() + "/out' --json 2>/dev/null");
  EXPECT_EQ(r.exit_status, 10);
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["status"], "failed");
  EXPECT_EQ(j["error"]["code"], "not_media");
}

TEST(RunOutputTest, NoProgressDrawingWhenStderrIsNotATerminal) {
  std::string src = testutil::CorpusPath("phone_h264_rot90.mov");
  std::string out = testutil::FreshDir() + "/out";
  auto r = testutil::RunCommand(testutil::VtpBinary() + " run '" + src + "' -o '" + out +
                                    "' --preset ultrafast",
                                true);
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_EQ(r.output.find('\x1b'), std::string::npos);
  EXPECT_NE(r.output.find("manifest.m3u8"), std::string::npos);
}

TEST(RunOutputTest, ProgressIsDrawnOnATerminal) {
  std::string src = testutil::CorpusPath("phone_h264_rot90.mov");
  std::string out = testutil::FreshDir() + "/out";
  // util-linux `script` gives the command a pseudo-terminal.
  auto r = testutil::RunCommand("script -qec \"" + testutil::VtpBinary() + " run '" + src +
                                    "' -o '" + out + "' --preset ultrafast\" /dev/null",
                                true);
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("transcode"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("overall"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("100%"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace vtp::e2e
