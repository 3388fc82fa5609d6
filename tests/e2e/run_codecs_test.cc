// End-to-end: the real `vtp run --codecs` and `vtp views` on small generated
// clips. Every codec decodes back with the source's frames and duration, the
// masters and the MPD list each codec where it belongs, a tier upgrade adds
// variants while every file published before stays byte-identical, and an
// HDR source keeps 10-bit PQ in HEVC while H.264 is tone-mapped to SDR.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using testutil::CommandResult;

constexpr int kFrames = 90;  // 3 s at 30 fps
const std::vector<std::string> kRungs = {"240p", "360p"};

std::string Source() {
  return testutil::Fixture("codecs_src_360p.mp4",
                           "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 "
                           "-t 3 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -ac 2");
}

// A fresh directory for one test.
std::string Dir(const std::string& name) {
  std::string d = testutil::TestTmpDir() + "/e2e_codecs/" + name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

CommandResult Vtp(const std::string& args) { return testutil::RunCommand(testutil::VtpBinary() + " " + args, true); }

std::string VideoIdOf(const CommandResult& r) {
  auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
  return j.is_object() ? j.value("video_id", "") : "";
}

std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = testutil::ReadFile(e.path().string());
  }
  return files;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Expected RFC 6381 prefix and libav decoder name per codec.
const std::map<std::string, std::pair<std::string, std::string>> kCodecs = {
    {"h264", {"avc1.", "h264"}}, {"hevc", {"hvc1.", "hevc"}}, {"vp9", {"vp09.", "vp9"}}, {"av1", {"av01.", "av1"}}};

class RunCodecsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string root = testutil::TestTmpDir() + "/e2e_codecs";
    dir_ = new std::string(root + "/all");
    // CTest runs each test in its own process, possibly two at a time: the
    // first to get here encodes, the rest reuse its output (keyed by the vtp
    // binary, so a rebuild never reads stale output).
    fs::create_directories(root);
    testutil::ProcessLock lock(root + "/all.lock");
    std::string stamp = testutil::BinaryStamp(testutil::VtpBinary());
    std::string marker = root + "/all.done";
    if (testutil::ReadFile(marker) == stamp && fs::exists(*dir_ + "/out/manifest.mpd")) {
      run_ = new CommandResult{0, "reused"};
      return;
    }
    fs::remove(marker);
    Dir("all");
    run_ = new CommandResult(Vtp("run '" + Source() + "' -o '" + *dir_ + "/out' --data '" + *dir_ +
                                 "/data' --quiet --no-thumbnails --workers 2 --codecs av1,h264,vp9,hevc"));
    if (run_->exit_status == 0) testutil::WriteFileAt(marker, stamp);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete run_;
  }
  void SetUp() override { ASSERT_EQ(run_->exit_status, 0) << run_->output; }
  static std::string Out(const std::string& rel) { return *dir_ + "/out/" + rel; }

  static std::string* dir_;
  static CommandResult* run_;
};
std::string* RunCodecsTest::dir_ = nullptr;
CommandResult* RunCodecsTest::run_ = nullptr;

TEST_F(RunCodecsTest, EveryCodecsRungDecodesWithTheSourcesFramesAndDuration) {
  for (const auto& [codec, names] : kCodecs) {
    for (const auto& rung : kRungs) {
      SCOPED_TRACE(codec + "/" + rung);
      std::string error;
      auto streams = testutil::DecodeAll(Out(codec + "/" + rung + "/playlist.m3u8"), -1, &error);
      ASSERT_TRUE(error.empty()) << error;
      ASSERT_EQ(streams.size(), 1u);
      const auto& s = streams.begin()->second;
      EXPECT_EQ(s.codec, names.second);
      EXPECT_EQ(s.height, rung == "240p" ? 240 : 360);
      EXPECT_EQ(s.width, rung == "240p" ? 426 : 640);
      EXPECT_EQ(s.frames, kFrames);
      EXPECT_EQ(s.corrupt_frames, 0);
      EXPECT_NEAR(s.duration(), 3.0, 0.05);
    }
  }
}

TEST_F(RunCodecsTest, EverySegmentStartsWithAKeyframe) {
  for (const auto& [codec, names] : kCodecs) {
    auto pl = ReadMediaPlaylist(Out(codec + "/360p/playlist.m3u8"));
    ASSERT_FALSE(pl.uris.empty()) << codec;
    for (const auto& uri : pl.uris) {
      std::string joined = JoinInitAndSegment(Out(codec + "/360p/init.mp4"), Out(codec + "/360p/" + uri));
      std::string error;
      EXPECT_TRUE(testutil::StartsWithKeyframe(joined, &error)) << codec << " " << uri << " " << error;
    }
  }
}

TEST_F(RunCodecsTest, CmafMasterListsEachCodecAndTsMasterOnlyH264) {
  auto cmaf = MasterVariants(Out("manifest.m3u8"));
  std::map<std::string, int> per_codec;
  for (const auto& v : cmaf) {
    for (const auto& [codec, names] : kCodecs) {
      if (v.line.find("CODECS=\"" + names.first) != std::string::npos) {
        ++per_codec[codec];
        EXPECT_EQ(v.uri.rfind(codec + "/", 0), 0u) << v.line;
      }
    }
  }
  // Every rung once per audio family (AAC, Opus).
  for (const auto& [codec, names] : kCodecs) EXPECT_EQ(per_codec[codec], 4) << codec;
  for (const auto& v : MasterVariants(Out("manifest_ts.m3u8"))) {
    EXPECT_NE(v.line.find("CODECS=\"avc1."), std::string::npos) << v.line;
  }
  EXPECT_FALSE(fs::exists(Out("hevc/360p/playlist_ts.m3u8")));
  EXPECT_FALSE(fs::exists(Out("av1/360p/segment_000.ts")));
}

TEST_F(RunCodecsTest, CodecsStringsAgreeWithTheBitstreamAsLibavParsesIt) {
  std::string mpd = testutil::ReadFile(Out("manifest.mpd"));
  EXPECT_EQ(Count(mpd, "contentType=\"video\""), 4u);
  for (const auto& [codec, names] : kCodecs) {
    SCOPED_TRACE(codec);
    std::smatch m;
    std::regex re("id=\"" + codec + "_360p\" codecs=\"([^\"]+)\"");
    ASSERT_TRUE(std::regex_search(mpd, m, re)) << mpd;
    std::string codecs = m[1];
    EXPECT_EQ(codecs.rfind(names.first, 0), 0u) << codecs;
    std::string error;
    // With a segment, so libav parses the bitstream's own headers.
    auto headers = testutil::StreamHeaders(
        JoinInitAndSegment(Out(codec + "/360p/init.mp4"), Out(codec + "/360p/segment_000.m4s")), &error);
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_EQ(headers.size(), 1u);
    const auto& h = headers.front();
    // Profile: avc1.PP.., hvc1.<profile>.., vp09.PP.., av01.<profile>..
    std::vector<std::string> parts;
    std::stringstream ss(codecs);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    ASSERT_GE(parts.size(), codec == "h264" ? 2u : 3u) << codecs;
    if (codec == "h264") {
      EXPECT_EQ(std::stoi(parts[1].substr(0, 2), nullptr, 16), h.profile);
      EXPECT_EQ(std::stoi(parts[1].substr(4, 2), nullptr, 16), h.level);
    } else if (codec == "hevc") {
      ASSERT_EQ(parts.size(), 5u) << codecs;
      EXPECT_EQ(std::stoi(parts[1]), h.profile);
      EXPECT_EQ(std::stoi(parts[3].substr(1)), h.level);  // "L63"
    } else {
      EXPECT_EQ(std::stoi(parts[1]), h.profile);
    }
  }
}

TEST(RunCodecsErrorsTest, CodecListsThatCannotRunAreRefusedBeforeAnyWork) {
  std::string d = Dir("bad");
  CommandResult no_h264 = Vtp("run '" + Source() + "' -o '" + d + "/out' --data '" + d + "/data' --codecs hevc");
  EXPECT_EQ(no_h264.exit_status, 2) << no_h264.output;
  EXPECT_NE(no_h264.output.find("h264 is required"), std::string::npos) << no_h264.output;
  CommandResult unknown = Vtp("run '" + Source() + "' -o '" + d + "/out' --data '" + d + "/data' --codecs h264,h266");
  EXPECT_EQ(unknown.exit_status, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("h266"), std::string::npos) << unknown.output;
  EXPECT_FALSE(fs::exists(d + "/out"));
}

TEST(RunCodecsErrorsTest, ViewsRefusesBadCountsUnknownVideosAndBadPolicies) {
  std::string d = Dir("views_bad");
  CommandResult zero = Vtp("views v1 0 --data '" + d + "/data'");
  EXPECT_EQ(zero.exit_status, 2) << zero.output;
  EXPECT_NE(zero.output.find("1..1000000"), std::string::npos) << zero.output;
  CommandResult words = Vtp("views v1 lots --data '" + d + "/data'");
  EXPECT_EQ(words.exit_status, 2) << words.output;
  CommandResult missing = Vtp("views nosuchvideo 5 --data '" + d + "/data'");
  EXPECT_NE(missing.exit_status, 0);
  EXPECT_NE(missing.output.find("nosuchvideo"), std::string::npos) << missing.output;
  testutil::WriteFileAt(d + "/policy.json", "{\"tiers\": [{\"add\": [\"h266\"]}]}");
  CommandResult policy = Vtp("views v1 5 --data '" + d + "/data' --policy '" + d + "/policy.json'");
  EXPECT_EQ(policy.exit_status, 2) << policy.output;
  EXPECT_NE(policy.output.find("policy.json"), std::string::npos) << policy.output;
}

// Tier 2 after publication: HEVC joins, nothing published before changes.
TEST(RunCodecsUpgradeTest, ViewsAddHevcWithoutTouchingWhatWasPublished) {
  std::string d = Dir("upgrade");
  std::string data = d + "/data", out = d + "/out";
  CommandResult run = Vtp("run '" + Source() + "' -o '" + out + "' --data '" + data +
                          "' --quiet --no-thumbnails --workers 2 --keep-work --json");
  ASSERT_EQ(run.exit_status, 0) << run.output;
  std::string id = VideoIdOf(run);
  ASSERT_FALSE(id.empty()) << run.output;
  auto before = Snapshot(out);

  // 60 views: below the seed's 100-in-the-first-hour threshold.
  CommandResult few = Vtp("views " + id + " 60 --quiet --data '" + data + "'");
  ASSERT_EQ(few.exit_status, 0) << few.output;
  EXPECT_NE(few.output.find("hevc: not yet"), std::string::npos) << few.output;
  EXPECT_EQ(Snapshot(out), before);

  CommandResult more = Vtp("views " + id + " 50 --quiet --workers 2 --data '" + data + "'");
  ASSERT_EQ(more.exit_status, 0) << more.output;
  EXPECT_NE(more.output.find("adding hevc (master version 2)"), std::string::npos) << more.output;
  EXPECT_EQ(more.output.find("re-runs from the probe"), std::string::npos) << more.output;
  auto after = Snapshot(out);
  const std::set<std::string> masters = {"manifest.m3u8", "manifest_ts.m3u8", "manifest.mpd"};
  for (const auto& [rel, bytes] : before) {
    if (masters.count(rel)) continue;
    ASSERT_TRUE(after.count(rel)) << rel << " disappeared";
    EXPECT_TRUE(after.at(rel) == bytes) << rel << " changed";
  }
  // The masters keep every variant they had, in order, and gain HEVC ones.
  testutil::WriteFileAt(d + "/before_master.m3u8", before.at("manifest.m3u8"));
  auto old_variants = MasterVariants(d + "/before_master.m3u8");
  auto new_variants = MasterVariants(out + "/manifest.m3u8");
  size_t k = 0;
  for (const auto& v : new_variants) {
    if (k < old_variants.size() && v.line == old_variants[k].line && v.uri == old_variants[k].uri) ++k;
  }
  EXPECT_EQ(k, old_variants.size());
  EXPECT_EQ(new_variants.size(), old_variants.size() * 2);
  EXPECT_EQ(after.at("manifest_ts.m3u8"), before.at("manifest_ts.m3u8"));  // HEVC is not in TS
  EXPECT_EQ(after.at("manifest_v2.m3u8"), after.at("manifest.m3u8"));
  EXPECT_EQ(after.at("manifest_v2.mpd"), after.at("manifest.mpd"));
  EXPECT_EQ(Count(after.at("manifest.mpd"), "contentType=\"video\""), 2u);
  std::string error;
  auto hevc = testutil::DecodeAll(out + "/hevc/360p/playlist.m3u8", -1, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(hevc.size(), 1u);
  EXPECT_EQ(hevc.begin()->second.codec, "hevc");
  EXPECT_EQ(hevc.begin()->second.frames, kFrames);

  // Asking again changes nothing.
  CommandResult again = Vtp("views " + id + " 1 --quiet --data '" + data + "'");
  ASSERT_EQ(again.exit_status, 0) << again.output;
  EXPECT_EQ(again.output.find("adding"), std::string::npos) << again.output;
  EXPECT_EQ(Snapshot(out), after);
}

TEST(RunCodecsHdrTest, HevcKeepsTenBitPqWhileH264IsToneMappedToSdr) {
  std::string src = testutil::Fixture(
      "codecs_hdr_pq.mkv",
      "-f lavfi -i testsrc2=size=640x360:rate=30 -t 2 -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le "
      "-x265-params log-level=none -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc");
  std::string d = Dir("hdr");
  CommandResult run = Vtp("run '" + src + "' -o '" + d + "/out' --data '" + d +
                          "/data' --quiet --no-thumbnails --workers 2 --codecs h264,hevc");
  ASSERT_EQ(run.exit_status, 0) << run.output;
  std::string error;
  auto hevc = testutil::DecodeAll(d + "/out/hevc/360p/playlist.m3u8", -1, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(hevc.size(), 1u);
  EXPECT_EQ(hevc.begin()->second.pix_fmt, "yuv420p10le");
  EXPECT_EQ(hevc.begin()->second.color_transfer, "smpte2084");
  auto h264 = testutil::DecodeAll(d + "/out/h264/360p/playlist.m3u8", -1, &error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(h264.size(), 1u);
  EXPECT_EQ(h264.begin()->second.pix_fmt, "yuv420p");
  EXPECT_NE(h264.begin()->second.color_transfer, "smpte2084");
  std::string master = testutil::ReadFile(d + "/out/manifest.m3u8");
  for (const auto& v : MasterVariants(d + "/out/manifest.m3u8")) {
    bool is_hevc = v.uri.rfind("hevc/", 0) == 0;
    EXPECT_NE(v.line.find(is_hevc ? "VIDEO-RANGE=PQ" : "VIDEO-RANGE=SDR"), std::string::npos) << v.line;
    if (is_hevc) {
      EXPECT_NE(v.line.find("CODECS=\"hvc1.2."), std::string::npos) << v.line;  // Main 10
    }
  }
  std::string mpd = testutil::ReadFile(d + "/out/manifest.mpd");
  EXPECT_NE(mpd.find("urn:mpeg:mpegB:cicp:TransferCharacteristics\" value=\"16\""), std::string::npos);
}

}  // namespace
}  // namespace vtp::e2e
