// End-to-end: the real `vtp run --drm` on a small generated clip. Every
// protected rendition (H.264, HEVC, VP9, AV1, AAC, Opus; cenc and cbcs)
// decrypts in libavformat, given the key, to exactly the frames of the same
// job run in the clear; clear-lead segments carry no encryption; HLS AES-128
// MPEG-TS segments decrypt to the clear ones; the manifests name the KIDs of
// the key file; two runs give byte-identical output; bad DRM options are
// refused before any work; and a key server that is down fails the drm step
// alone, retried, with nothing published.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "domain/bmff.h"
#include "domain/cenc_crypto.h"
#include "domain/cenc_types.h"
#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using testutil::CommandResult;

constexpr char kVideoKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kVideoKid[] = "00112233445566778899aabbccddeeff";
constexpr char kAudioKey[] = "fedcba9876543210fedcba9876543210";
constexpr char kAudioKid[] = "ffeeddccbbaa99887766554433221100";
constexpr char kTsKey[] = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf";
constexpr char kTsKid[] = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

std::string Source() {
  return testutil::Fixture("drm_roundtrip_src_360p.mp4",
                           "-f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 "
                           "-t 4 -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac -ac 2");
}

std::string KeyFile() {
  return testutil::WriteFile(
      "drm_keys.json",
      std::string(R"({"keys":[{"label":"video","kid":")") + kVideoKid + R"(","key":")" + kVideoKey +
          R"("},{"label":"audio","kid":")" + kAudioKid + R"(","key":")" + kAudioKey +
          R"("},{"label":"aes128","kid":")" + kTsKid + R"(","key":")" + kTsKey + R"("}]})");
}

CommandResult Vtp(const std::string& args) { return testutil::RunCommand(testutil::VtpBinary() + " " + args, true); }

// The job runs shared by the tests: clear, cbcs (every codec, 2 s clear
// lead) and cenc (H.264), made once per vtp binary (see run_codecs_test.cc).
class RunDrmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(testutil::TestTmpDir() + "/e2e_drm_roundtrip");
    fs::create_directories(*root_);
    testutil::ProcessLock lock(*root_ + "/runs.lock");
    std::string stamp = testutil::BinaryStamp(testutil::VtpBinary());
    std::string marker = *root_ + "/runs.done";
    run_ = new CommandResult{0, "reused"};
    if (testutil::ReadFile(marker) == stamp && fs::exists(*root_ + "/cenc/manifest.mpd")) return;
    fs::remove(marker);
    const std::string common = " --data '" + *root_ + "/data' --quiet --no-thumbnails --segment-seconds 2 --workers 2";
    const std::string all = " --codecs h264,hevc,vp9,av1";
    for (const char* d : {"clear", "cbcs", "cenc"}) fs::remove_all(*root_ + "/" + d);
    fs::remove_all(*root_ + "/data");
    *run_ = Vtp("run '" + Source() + "' -o '" + *root_ + "/clear'" + common + all);
    if (run_->exit_status != 0) return;
    *run_ = Vtp("run '" + Source() + "' -o '" + *root_ + "/cbcs'" + common + all + " --drm cbcs --drm-keys '" +
                KeyFile() + "' --drm-clear-lead 2");
    if (run_->exit_status != 0) return;
    *run_ = Vtp("run '" + Source() + "' -o '" + *root_ + "/cenc'" + common + " --drm cenc --drm-keys '" + KeyFile() +
                "' --drm-key-uri 'https://keys.example/{video}/{kid}'");
    if (run_->exit_status == 0) testutil::WriteFileAt(marker, stamp);
  }
  static void TearDownTestSuite() {
    delete root_;
    delete run_;
  }
  void SetUp() override { ASSERT_EQ(run_->exit_status, 0) << run_->output; }

  static std::string Path(const std::string& rel) { return *root_ + "/" + rel; }

  // init + every fMP4 segment of a rendition, as one file.
  static std::string Joined(const std::string& job, const std::string& rendition) {
    std::string bytes = testutil::ReadFile(Path(job + "/" + rendition + "/init.mp4"));
    for (const auto& uri : ReadMediaPlaylist(Path(job + "/" + rendition + "/playlist.m3u8")).uris) {
      bytes += testutil::ReadFile(Path(job + "/" + rendition + "/" + uri));
    }
    std::string out = Path(job + "_" + std::to_string(std::hash<std::string>{}(rendition)) + ".mp4");
    testutil::WriteFileAt(out, bytes);
    return out;
  }

  // The frames libavformat decodes, one md5 line each. The file is piped in:
  // libavformat decrypts multi-fragment files correctly only when it cannot
  // seek (platform facts).
  static std::string FrameMd5(const std::string& file, const std::string& key = "") {
    std::string cmd = "cat '" + file + "' | ffmpeg -loglevel error " +
                      (key.empty() ? "" : "-decryption_key " + key + " ") +
                      "-i pipe:0 -map 0 -f framemd5 - 2>/dev/null | grep -v '^#'";
    CommandResult r = testutil::RunCommand(cmd, true);
    return r.exit_status == 0 ? r.output : "failed: " + r.output;
  }

  static std::string* root_;
  static CommandResult* run_;
};
std::string* RunDrmTest::root_ = nullptr;
CommandResult* RunDrmTest::run_ = nullptr;

const std::vector<std::string> kVideo = {"h264/240p", "h264/360p", "hevc/360p", "vp9/360p", "av1/360p"};
const std::vector<std::string> kAudio = {"audio/track1/aac_128k", "audio/track1/opus_96k"};

TEST_F(RunDrmTest, CbcsEveryCodecDecryptsToTheClearFrames) {
  for (const auto& r : kVideo) {
    SCOPED_TRACE(r);
    const std::string clear = FrameMd5(Joined("clear", r));
    ASSERT_NE(clear.find(", "), std::string::npos) << clear;
    EXPECT_EQ(FrameMd5(Joined("cbcs", r), kVideoKey), clear);
  }
  for (const auto& r : kAudio) {
    SCOPED_TRACE(r);
    EXPECT_EQ(FrameMd5(Joined("cbcs", r), kAudioKey), FrameMd5(Joined("clear", r)));
  }
}

TEST_F(RunDrmTest, CencDecryptsToTheClearFramesAndAWrongKeyDoesNot) {
  const std::string clear = FrameMd5(Joined("clear", "h264/360p"));
  EXPECT_EQ(FrameMd5(Joined("cenc", "h264/360p"), kVideoKey), clear);
  EXPECT_NE(FrameMd5(Joined("cenc", "h264/360p"), kAudioKey), clear);
  EXPECT_EQ(FrameMd5(Joined("cenc", "audio/track1/aac_128k"), kAudioKey), FrameMd5(Joined("clear", "audio/track1/aac_128k")));
  // The encrypted samples differ from the clear ones (not just the boxes).
  EXPECT_NE(testutil::ReadFile(Path("cenc/h264/360p/segment_001.m4s")).substr(2000, 4000),
            testutil::ReadFile(Path("clear/h264/360p/segment_001.m4s")).substr(2000, 4000));
}

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST_F(RunDrmTest, ClearLeadSegmentsCarryNoEncryptionAndTheRestDo) {
  for (const auto& r : {std::string("h264/360p"), std::string("av1/360p"), kAudio[0]}) {
    SCOPED_TRACE(r);
    auto first = Bytes(testutil::ReadFile(Path("cbcs/" + r + "/segment_000.m4s")));
    auto second = Bytes(testutil::ReadFile(Path("cbcs/" + r + "/segment_001.m4s")));
    EXPECT_EQ(bmff::FindPath(first, "moof/traf/senc").status().code(), ErrorCode::kNotFound);
    EXPECT_TRUE(bmff::FindPath(second, "moof/traf/senc").ok());
    EXPECT_TRUE(bmff::FindPath(second, "moof/traf/saiz").ok());
    EXPECT_TRUE(bmff::FindPath(second, "moof/traf/saio").ok());
    // The clear lead segment is the clear job's segment but for its tfhd.
    EXPECT_EQ(first.size(), testutil::ReadFile(Path("clear/" + r + "/segment_000.m4s")).size() + 4);
    // It plays without any key: the init's second, clear sample entry.
    const std::string lead = JoinInitAndSegment(Path("cbcs/" + r + "/init.mp4"), Path("cbcs/" + r + "/segment_000.m4s"));
    const std::string clear = JoinInitAndSegment(Path("clear/" + r + "/init.mp4"), Path("clear/" + r + "/segment_000.m4s"));
    const std::string frames = FrameMd5(clear);
    ASSERT_NE(frames.find(", "), std::string::npos) << frames;
    EXPECT_EQ(FrameMd5(lead), frames);
  }
}

TEST_F(RunDrmTest, MpegTsSegmentsAreAes128UnderTheirOwnKey) {
  auto key = cenc::ParseHex16(kTsKey);
  ASSERT_TRUE(key.ok());
  for (int n = 0; n < 2; ++n) {
    const std::string name = "h264/240p/segment_00" + std::to_string(n) + ".ts";
    cenc::Iv16 iv{};
    iv[15] = static_cast<uint8_t>(n);  // the media sequence number
    auto clear = cenc::Aes128CbcPkcs7Decrypt(*key, iv, Bytes(testutil::ReadFile(Path("cenc/" + name))));
    ASSERT_TRUE(clear.ok()) << name;
    EXPECT_EQ(*clear, Bytes(testutil::ReadFile(Path("clear/" + name)))) << name;
  }
  const std::string playlist = testutil::ReadFile(Path("cenc/h264/240p/playlist_ts.m3u8"));
  EXPECT_NE(playlist.find(std::string("#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/")), std::string::npos);
  EXPECT_NE(playlist.find(std::string("/") + kTsKid + "\"\n#EXTINF"), std::string::npos) << playlist;
  // cbcs job: the TS clear lead matches the fMP4 one.
  EXPECT_EQ(testutil::ReadFile(Path("cbcs/h264/240p/segment_000.ts")), testutil::ReadFile(Path("clear/h264/240p/segment_000.ts")));
}

TEST_F(RunDrmTest, ManifestsNameTheKeyFilesKids) {
  const std::string mpd = testutil::ReadFile(Path("cbcs/manifest.mpd"));
  EXPECT_NE(mpd.find("value=\"cbcs\" cenc:default_KID=\"00112233-4455-6677-8899-aabbccddeeff\""), std::string::npos);
  EXPECT_NE(mpd.find("value=\"cbcs\" cenc:default_KID=\"ffeeddcc-bbaa-9988-7766-554433221100\""), std::string::npos);
  EXPECT_EQ(mpd.find(kVideoKey), std::string::npos);
  const std::string master = testutil::ReadFile(Path("cbcs/manifest.m3u8"));
  EXPECT_NE(master.find(std::string("#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://") + kVideoKid), std::string::npos);
  const std::string cenc_media = testutil::ReadFile(Path("cenc/h264/360p/playlist.m3u8"));
  EXPECT_NE(cenc_media.find("#EXT-X-KEY:METHOD=SAMPLE-AES-CTR"), std::string::npos);
  // Nor in the data directory's database (task parameters and results,
  // events, the wrapped keys), dumped as SQL text.
  CommandResult dump = testutil::RunCommand("sqlite3 '" + Path("data/vtp.db") + "' .dump", true);
  ASSERT_EQ(dump.exit_status, 0) << dump.output;
  ASSERT_NE(dump.output.find(kVideoKid), std::string::npos) << "the dump should name the KIDs";
  for (const char* hex : {kVideoKey, kAudioKey, kTsKey}) EXPECT_EQ(dump.output.find(hex), std::string::npos) << hex;
  // No key material anywhere in the output tree.
  for (const auto& [rel, bytes] : testutil::TreeContents(Path("cbcs"))) {
    for (const char* hex : {kVideoKey, kAudioKey, kTsKey}) {
      auto raw = cenc::ParseHex16(hex);
      EXPECT_EQ(bytes.find(std::string(raw->begin(), raw->end())), std::string::npos) << rel;
      EXPECT_EQ(bytes.find(hex), std::string::npos) << rel;
    }
  }
}

TEST_F(RunDrmTest, SameJobTwiceGivesByteIdenticalOutput) {
  // The same input, settings and destination are the same job (the same
  // video id, which the IVs depend on), here run in two fresh data
  // directories: the output must not change by a byte.
  const std::string dir = Path("twice");
  fs::remove_all(dir);
  auto run = [&](const std::string& data) {
    return Vtp("run '" + Source() + "' -o '" + dir + "/out' --data '" + dir + "/" + data +
               "' --quiet --no-thumbnails --segment-seconds 2 --workers 2 --drm cenc --drm-keys '" + KeyFile() + "'");
  };
  CommandResult first = run("data1");
  ASSERT_EQ(first.exit_status, 0) << first.output;
  fs::rename(dir + "/out", dir + "/first");
  CommandResult second = run("data2");
  ASSERT_EQ(second.exit_status, 0) << second.output;
  auto a = testutil::TreeContents(dir + "/first");
  auto b = testutil::TreeContents(dir + "/out");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [rel, bytes] : a) EXPECT_TRUE(b.count(rel) && b.at(rel) == bytes) << rel << " differs";
}

TEST_F(RunDrmTest, AnotherVideoUnderTheSameKeyFileGetsOtherIvs) {
  // The same clip and key file to another destination is another video:
  // identical clear H.264, so only the IV derivation keeps the two CTR
  // keystreams apart.
  const std::string dir = Path("other_video");
  fs::remove_all(dir);
  CommandResult r = Vtp("run '" + Source() + "' -o '" + dir + "/out' --data '" + dir +
                        "/data' --quiet --no-thumbnails --segment-seconds 2 --workers 2 --drm cenc --drm-keys '" +
                        KeyFile() + "'");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  auto senc = [](const std::string& file) {
    auto seg = Bytes(testutil::ReadFile(file));
    auto box = bmff::FindPath(seg, "moof/traf/senc");
    return box.ok() ? std::string(box->payload.begin(), box->payload.end()) : std::string("none");
  };
  const std::string mine = senc(Path("cenc/h264/240p/segment_001.m4s"));
  ASSERT_NE(mine, "none");
  EXPECT_NE(mine, senc(dir + "/out/h264/240p/segment_001.m4s"));
  // Same clear frames underneath.
  EXPECT_EQ(FrameMd5(Joined("cenc", "h264/240p"), kVideoKey), FrameMd5(Joined("clear", "h264/240p")));
}

TEST_F(RunDrmTest, ATierUpgradeEncryptsTheNewCodecUnderTheVideosKeys) {
  const std::string dir = Path("upgrade");
  fs::remove_all(dir);
  CommandResult r = Vtp("run '" + Source() + "' -o '" + dir + "/out' --data '" + dir +
                        "/data' --quiet --no-thumbnails --segment-seconds 2 --workers 2 --keep-work --drm cbcs "
                        "--drm-keys '" + KeyFile() + "' --json");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  std::string video;
  for (const auto& e : fs::directory_iterator(dir + "/data/work")) video = e.path().filename().string();
  CommandResult views = Vtp("views " + video + " 500 --data '" + dir + "/data'");
  ASSERT_EQ(views.exit_status, 0) << views.output;
  ASSERT_NE(views.output.find("adding hevc"), std::string::npos) << views.output;
  // The new HEVC rungs are encrypted with the video's key (from the vault,
  // not the key file: it is read once) and decrypt to the clear job's.
  fs::remove_all(Path("upgrade_hevc"));
  fs::create_directories(Path("upgrade_hevc"));
  fs::copy(dir + "/out/hevc", Path("upgrade_hevc/hevc"), fs::copy_options::recursive);
  EXPECT_EQ(FrameMd5(Joined("upgrade_hevc", "hevc/360p"), kVideoKey), FrameMd5(Joined("clear", "hevc/360p")));
  EXPECT_NE(testutil::ReadFile(dir + "/out/manifest_v2.mpd").find("value=\"cbcs\" cenc:default_KID=\"00112233-4455"),
            std::string::npos);
}

TEST(RunDrmInputsTest, BadDrmOptionsAreRefusedBeforeAnyWork) {
  const std::string dir = testutil::FreshDir("drm_inputs");
  const std::string keys = KeyFile();
  const std::string missing_audio = testutil::WriteFile(
      "drm_keys_video_only.json",
      std::string(R"({"keys":[{"label":"video","kid":")") + kVideoKid + R"(","key":")" + kVideoKey + R"("}]})");
  const std::string malformed = testutil::WriteFile("drm_keys_bad.json", R"({"keys":[{"label":"video","kid":"00","key":"11"}]})");
  const std::string shared_ts = testutil::WriteFile(
      "drm_keys_shared_ts.json",
      std::string(R"({"keys":[{"label":"video","kid":")") + kVideoKid + R"(","key":")" + kVideoKey +
          R"("},{"label":"audio","kid":")" + kAudioKid + R"(","key":")" + kAudioKey +
          R"("},{"label":"aes128","kid":")" + kTsKid + R"(","key":")" + kVideoKey + R"("}]})");
  struct Case {
    std::string flags, needle;
  };
  const std::vector<Case> cases = {
      {"--drm rot13", "scheme 'rot13'"},
      {"--drm-keys '" + keys + "'", "need --drm"},
      {"--drm cenc --drm-keys '" + dir + "/none.json'", "none.json"},
      {"--drm cenc --drm-keys '" + malformed + "'", "drm_keys_bad.json"},
      {"--drm cenc --drm-keys '" + missing_audio + "'", "no key for label 'audio'"},
      {"--drm cbcs --drm-systems widevine,marlin", "unknown DRM system 'marlin'"},
      {"--drm cenc --drm-clear-lead soon", "--drm-clear-lead"},
      {"--drm cenc --drm-key-policy per-rung", "key policy 'per-rung'"},
      {"--drm cenc --drm-keys '" + keys + "' --drm-key-server http://127.0.0.1:9/", "exclude each other"},
      {"--drm cenc --drm-key-uri /keys/static", "must contain {kid}"},
      {"--drm cenc --drm-keys '" + shared_ts + "'", "aes128 key must differ from the 'video' content key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.flags);
    CommandResult r = Vtp("run '" + Source() + "' -o '" + dir + "/out' --data '" + dir + "/data' --quiet " + c.flags);
    EXPECT_NE(r.exit_status, 0);
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir + "/out"));
    // Refused before submission: no job was created.
    EXPECT_FALSE(fs::exists(dir + "/data/work")) << "work started";
  }
}

TEST(RunDrmInputsTest, KeyServerDownFailsTheDrmStepAloneAfterItsRetries) {
  const std::string dir = testutil::FreshDir("drm_key_server_down");
  // Port 9 (discard) on loopback: nothing listens, connections are refused.
  CommandResult r = Vtp("run '" + Source() + "' -o '" + dir + "/out' --data '" + dir +
                        "/data' --quiet --no-thumbnails --audio-opus none --drm cenc --drm-key-server http://127.0.0.1:9/cpix");
  EXPECT_NE(r.exit_status, 0);
  EXPECT_NE(r.output.find("key server"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/out"));
  CommandResult attempts = testutil::RunCommand(
      "sqlite3 '" + dir + "/data/vtp.db' \"select step, attempts, state from tasks order by task_id\"", true);
  ASSERT_EQ(attempts.exit_status, 0) << attempts.output;
  EXPECT_NE(attempts.output.find("drm|3|failed"), std::string::npos) << attempts.output;
  // Everything before it ran once; nothing after it ran.
  for (const char* step : {"ingest|1|completed", "transcode|1|completed", "package|1|completed", "package_audio|1|completed"}) {
    EXPECT_NE(attempts.output.find(step), std::string::npos) << step << "\n" << attempts.output;
  }
  EXPECT_EQ(attempts.output.find("|2|"), std::string::npos) << attempts.output;
  EXPECT_EQ(attempts.output.find("publish|1"), std::string::npos) << attempts.output;
}

}  // namespace
}  // namespace vtp::e2e
