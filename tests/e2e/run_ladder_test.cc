// End-to-end: a generated 720p clip through the real `vtp run`, read back
// through libavformat's HLS and DASH demuxers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <regex>

#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using testutil::DecodeAll;
using testutil::StreamDecode;

constexpr int kSourceFrames = 270;  // 9 s at 30 fps
constexpr double kSourceSeconds = 9.0;
const std::vector<std::string> kRungs = {"240p", "360p", "480p", "720p"};
// The source's one (untagged) audio track, and its AAC 128 kb/s rendition.
const std::string kAudio = "audio/track1/aac_128k/";
// The CMAF master lists every rung once per audio family (AAC, Opus); the
// MPEG-TS master, AAC only.
int VariantsPerRung(const std::string& manifest) { return manifest == "manifest.m3u8" ? 2 : 1; }

class RunLadderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A 3 s source GOP that does not line up with vtp's 2 s GOPs / 4 s
    // segments, so chunks must decode from an earlier keyframe.
    source_ = new std::string(testutil::Fixture(
        "ladder_src_720p.mp4",
        "-f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 "
        "-t 9 -c:v libx264 -preset veryfast -g 90 -pix_fmt yuv420p -c:a aac -ac 2"));
    out_ = new std::string(testutil::TestTmpDir() + "/e2e_ladder/out");
    // CTest runs each test of this suite in its own process, possibly two at
    // a time: the first one to get here transcodes, the rest reuse its output
    // (keyed by the vtp binary, so a rebuild never reads stale output).
    testutil::ProcessLock lock(testutil::TestTmpDir() + "/e2e_ladder.lock");
    std::string stamp = testutil::BinaryStamp(testutil::VtpBinary());
    std::string marker = testutil::TestTmpDir() + "/e2e_ladder.done";
    if (testutil::ReadFile(marker) == stamp && fs::exists(*out_ + "/manifest.mpd")) {
      run_ = new testutil::CommandResult{0, "reused"};
      return;
    }
    fs::remove(marker);
    fs::remove_all(testutil::TestTmpDir() + "/e2e_ladder");
    run_ = new testutil::CommandResult(RunVtp(*source_, *out_, "--workers 2"));
    if (run_->exit_status == 0) testutil::WriteFileAt(marker, stamp);
  }
  static void TearDownTestSuite() {
    delete source_;
    delete out_;
    delete run_;
  }
  void SetUp() override { ASSERT_EQ(run_->exit_status, 0) << run_->output; }

  static std::string Out(const std::string& rel) { return *out_ + "/" + rel; }

  static void ExpectFullLadder(const std::string& manifest) {
    auto streams = DecodeEachStream(Out(manifest));
    int videos = 0;
    double audio_start = -1, video_start = -1;
    for (const auto& s : streams) {
      SCOPED_TRACE(manifest + " stream " + std::to_string(s.index) + " " + s.codec);
      EXPECT_EQ(s.corrupt_frames, 0);
      EXPECT_NEAR(s.duration(), kSourceSeconds, 0.5);
      if (s.video) {
        ++videos;
        EXPECT_EQ(s.codec, "h264");
        EXPECT_EQ(s.frames, kSourceFrames);
        video_start = s.first_pts;
      } else {
        EXPECT_TRUE(s.codec == "aac" || s.codec == "opus") << s.codec;
        EXPECT_EQ(s.channels, 2);
        EXPECT_EQ(s.sample_rate, 48000);
        audio_start = s.first_pts;
      }
    }
    int per_rung = manifest == "manifest.mpd" ? 1 : VariantsPerRung(manifest);
    EXPECT_EQ(videos, static_cast<int>(kRungs.size()) * per_rung);
    ASSERT_GE(audio_start, 0);
    // A/V start offset under one frame.
    EXPECT_LT(std::abs(audio_start - video_start), 1.0 / 30) << manifest;
  }

  static std::string* source_;
  static std::string* out_;
  static testutil::CommandResult* run_;
};

std::string* RunLadderTest::source_ = nullptr;
std::string* RunLadderTest::out_ = nullptr;
testutil::CommandResult* RunLadderTest::run_ = nullptr;

TEST_F(RunLadderTest, WritesSeedLayoutWithOnlyRungsAtOrBelowSource) {
  for (const auto& r : kRungs) {
    EXPECT_TRUE(fs::exists(Out("h264/" + r + "/init.mp4"))) << r;
    EXPECT_TRUE(fs::exists(Out("h264/" + r + "/segment_000.m4s"))) << r;
    EXPECT_TRUE(fs::exists(Out("h264/" + r + "/segment_000.ts"))) << r;
  }
  EXPECT_FALSE(fs::exists(Out("h264/1080p"))) << "must never upscale";
  EXPECT_TRUE(fs::exists(Out("manifest.m3u8")));
  EXPECT_TRUE(fs::exists(Out("manifest_ts.m3u8")));
  EXPECT_TRUE(fs::exists(Out("manifest.mpd")));
  EXPECT_TRUE(fs::exists(Out(kAudio + "playlist.m3u8")));
  EXPECT_TRUE(fs::exists(Out("audio/aac_128k.m4a")));
  EXPECT_TRUE(fs::exists(Out("thumbnails/thumbnails.vtt")));
  EXPECT_FALSE(fs::exists(Out(".work")));
  // Nothing is left beside the output (the staging directory is renamed).
  for (const auto& e : fs::directory_iterator(fs::path(*out_).parent_path())) {
    EXPECT_EQ(e.path().filename().string().find(".vtp-tmp"), std::string::npos) << e.path();
  }
}

TEST_F(RunLadderTest, CmafHlsDecodesToSourceFramesAndDuration) { ExpectFullLadder("manifest.m3u8"); }
TEST_F(RunLadderTest, TsHlsDecodesToSourceFramesAndDuration) { ExpectFullLadder("manifest_ts.m3u8"); }
TEST_F(RunLadderTest, DashDecodesToSourceFramesAndDuration) { ExpectFullLadder("manifest.mpd"); }

TEST_F(RunLadderTest, RenditionSizesKeepAspectAndAreEven) {
  std::string err;
  auto headers = testutil::StreamHeaders(Out("manifest.mpd"), &err);
  std::vector<std::pair<int, int>> sizes;
  for (const auto& h : headers) {
    if (h.video) sizes.emplace_back(h.width, h.height);
  }
  std::sort(sizes.begin(), sizes.end());
  std::vector<std::pair<int, int>> expected = {{426, 240}, {640, 360}, {854, 480}, {1280, 720}};
  EXPECT_EQ(sizes, expected);
}

TEST_F(RunLadderTest, EverySegmentStartsWithAKeyframe) {
  for (const auto& r : kRungs) {
    auto pl = ReadMediaPlaylist(Out("h264/" + r + "/playlist.m3u8"));
    ASSERT_FALSE(pl.uris.empty());
    for (const auto& uri : pl.uris) {
      std::string err;
      std::string joined = JoinInitAndSegment(Out("h264/" + r + "/" + pl.map_uri), Out("h264/" + r + "/" + uri));
      EXPECT_TRUE(testutil::StartsWithKeyframe(joined, &err)) << r << "/" << uri << ": " << err;
    }
    auto ts = ReadMediaPlaylist(Out("h264/" + r + "/playlist_ts.m3u8"));
    for (const auto& uri : ts.uris) {
      std::string err;
      EXPECT_TRUE(testutil::StartsWithKeyframe(Out("h264/" + r + "/" + uri), &err)) << err;
    }
  }
}

TEST_F(RunLadderTest, SegmentBoundariesAreIdenticalAcrossRenditionsAndFormats) {
  auto ref = ReadMediaPlaylist(Out("h264/720p/playlist.m3u8"));
  ASSERT_EQ(ref.durations.size(), 3u);  // 4 + 4 + 1 s
  for (const auto& r : kRungs) {
    for (const char* name : {"playlist.m3u8", "playlist_ts.m3u8"}) {
      auto pl = ReadMediaPlaylist(Out("h264/" + r + "/" + name));
      EXPECT_EQ(pl.durations, ref.durations) << r << "/" << name;
    }
  }
  // The DASH timeline describes the same cuts.
  std::string mpd = testutil::ReadFile(Out("manifest.mpd"));
  EXPECT_NE(mpd.find("<S t=\"1024\" d=\"61440\" r=\"1\"/>"), std::string::npos) << mpd;
}

TEST_F(RunLadderTest, MediaPlaylistsFollowRfc8216) {
  std::vector<std::string> playlists;
  for (const auto& r : kRungs) {
    playlists.push_back("h264/" + r + "/playlist.m3u8");
    playlists.push_back("h264/" + r + "/playlist_ts.m3u8");
  }
  playlists.push_back(kAudio + "playlist.m3u8");
  playlists.push_back(kAudio + "playlist_ts.m3u8");
  for (const auto& p : playlists) {
    SCOPED_TRACE(p);
    auto pl = ReadMediaPlaylist(Out(p));
    ASSERT_FALSE(pl.lines.empty());
    EXPECT_EQ(pl.lines.front(), "#EXTM3U");
    EXPECT_EQ(pl.lines.back(), "#EXT-X-ENDLIST");
    EXPECT_NE(std::find(pl.lines.begin(), pl.lines.end(), "#EXT-X-PLAYLIST-TYPE:VOD"), pl.lines.end());
    EXPECT_NE(std::find(pl.lines.begin(), pl.lines.end(), "#EXT-X-INDEPENDENT-SEGMENTS"), pl.lines.end());
    // 4.3.3.1: every EXTINF rounded to the nearest integer <= target duration,
    // and the target is the smallest such integer.
    int needed = 1;
    double sum = 0;
    for (double d : pl.durations) {
      EXPECT_LE(std::lround(d), pl.target_duration);
      needed = std::max<int>(needed, static_cast<int>(std::lround(d)));
      sum += d;
      EXPECT_GT(d, 0);
    }
    EXPECT_EQ(pl.target_duration, needed);
    EXPECT_NEAR(sum, kSourceSeconds, 0.05);
    bool fmp4 = p.find("_ts") == std::string::npos;
    EXPECT_EQ(!pl.map_uri.empty(), fmp4);
    for (const auto& uri : pl.uris) {
      EXPECT_TRUE(fs::exists(fs::path(Out(p)).parent_path() / uri)) << uri;
    }
  }
  // Video EXTINF are exact: 120 frames at 30 fps is 4.000000 s.
  auto v = ReadMediaPlaylist(Out("h264/720p/playlist.m3u8"));
  EXPECT_EQ(v.lines[7], "#EXTINF:4.000000,");
}

TEST_F(RunLadderTest, MasterPlaylistsCarryMeasuredAttributes) {
  for (const char* master : {"manifest.m3u8", "manifest_ts.m3u8"}) {
    SCOPED_TRACE(master);
    auto lines = testutil::ReadLines(Out(master));
    EXPECT_NE(std::find(lines.begin(), lines.end(), "#EXT-X-INDEPENDENT-SEGMENTS"), lines.end());
    bool ts = std::string(master).find("_ts") != std::string::npos;
    // The peak rate of the audio group a variant is paired with.
    auto audio_peak_of = [&](const std::string& group) {
      std::string dir = "audio/track1/" + group + "/";
      auto audio = ReadMediaPlaylist(Out(dir + (ts ? "playlist_ts.m3u8" : "playlist.m3u8")));
      double audio_peak = 0;
      for (size_t i = 0; i < audio.uris.size(); ++i) {
        double bytes = static_cast<double>(fs::file_size(Out(dir + audio.uris[i])));
        audio_peak = std::max(audio_peak, bytes * 8 / std::max(1.0, audio.durations[i]));
      }
      return audio_peak;
    };
    auto variants = MasterVariants(Out(master));
    ASSERT_EQ(variants.size(), kRungs.size() * static_cast<size_t>(VariantsPerRung(master)));
    for (const auto& v : variants) {
      auto a = testutil::HlsAttributes(v.line);
      std::smatch m;
      ASSERT_TRUE(std::regex_match(a["CODECS"], m, std::regex("avc1\\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2}),(mp4a\\.40\\.2|opus)")))
          << a["CODECS"];
      EXPECT_EQ(a["AUDIO"].rfind(m[4] == "opus" ? "opus_" : "aac_", 0), 0u) << v.line;
      double audio_peak = audio_peak_of(a["AUDIO"]);
      // Profile and level come from the rendition's own SPS.
      fs::path dir = fs::path(Out(v.uri)).parent_path();
      std::string init = JoinInitAndSegment(dir / "init.mp4", dir / "segment_000.m4s");
      std::string err;
      auto h = testutil::StreamHeaders(init, &err);
      ASSERT_EQ(h.size(), 1u) << err;
      EXPECT_EQ(std::stoi(m[1], nullptr, 16), h[0].profile & 0xff) << a["CODECS"];
      EXPECT_EQ(std::stoi(m[3], nullptr, 16), h[0].level) << a["CODECS"];
      EXPECT_TRUE(std::regex_match(a["RESOLUTION"], std::regex("[0-9]+x[0-9]+")));
      EXPECT_EQ(a["FRAME-RATE"], "30.000");
      long bandwidth = std::stol(a["BANDWIDTH"]);
      long average = std::stol(a["AVERAGE-BANDWIDTH"]);
      EXPECT_LE(average, bandwidth);
      // BANDWIDTH covers the largest segment's bit rate (video + audio).
      auto pl = ReadMediaPlaylist(fs::path(Out(master)).parent_path() / v.uri);
      double peak = 0;
      for (size_t i = 0; i < pl.uris.size(); ++i) {
        double bytes = static_cast<double>(fs::file_size(fs::path(Out(v.uri)).parent_path() / pl.uris[i]));
        peak = std::max(peak, bytes * 8 / std::max(1.0, pl.durations[i]));
      }
      EXPECT_GE(static_cast<double>(bandwidth) + 1, peak + audio_peak) << v.uri;
    }
  }
}

TEST_F(RunLadderTest, SameInputTwiceGivesByteIdenticalOutput) {
  std::string again = testutil::FreshDir() + "/again";
  fs::remove_all(again);
  auto r = RunVtp(*source_, again, "--workers 2");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  auto a = testutil::TreeContents(*out_);
  auto b = testutil::TreeContents(again);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [path, bytes] : a) {
    ASSERT_TRUE(b.count(path)) << path;
    EXPECT_TRUE(bytes == b[path]) << path << " differs";
  }
}

TEST_F(RunLadderTest, SingleChunkRunDecodesToSameFramesAndDuration) {
  std::string single = testutil::FreshDir() + "/single";
  fs::remove_all(single);
  auto r = RunVtp(*source_, single, "--workers 2 --max-chunks 1");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  for (const auto& rung : kRungs) {
    std::string err;
    auto chunked = DecodeAll(Out("h264/" + rung + "/playlist.m3u8"), -1, &err);
    auto whole = DecodeAll(single + "/h264/" + rung + "/playlist.m3u8", -1, &err);
    ASSERT_EQ(chunked.size(), 1u) << err;
    ASSERT_EQ(whole.size(), 1u) << err;
    EXPECT_EQ(chunked.begin()->second.frames, whole.begin()->second.frames) << rung;
    EXPECT_NEAR(chunked.begin()->second.duration(), whole.begin()->second.duration(), 1e-6) << rung;
  }
  // And the chunked run really was chunked.
  auto pl = ReadMediaPlaylist(Out("h264/720p/playlist.m3u8"));
  EXPECT_EQ(pl.durations, ReadMediaPlaylist(single + "/h264/720p/playlist.m3u8").durations);
}

}  // namespace
}  // namespace vtp::e2e
