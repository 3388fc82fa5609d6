// End-to-end: `vtp run --drm cenc|cbcs` output plays in a real browser.
// Debian's chromium (headless, ClearKey EME) is driven by
// tests/node/drm_play.mjs through playwright-core: Shaka Player plays the
// DASH manifest and the HLS fMP4 master with drm.clearKeys, hls.js plays the
// MPEG-TS master (METHOD=AES-128, keys from the harness's key endpoint).
// Each positive case must play past 3 s at the pinned (lowest) rendition;
// each wrong-key case must fail with the player's key/decrypt error, not by
// timing out.
//
// The encrypted outputs are made once per scheme and shared between the
// ctest processes (ProcessLock + BinaryStamp, as in run_codecs_test.cc).
// Key URIs: vtp writes --drm-key-uri 'http://127.0.0.1:9/keys/{kid}' into
// the playlists; the harness answers any .../keys/<kid> request itself (the
// browser never contacts port 9), so one output serves every port.
//
// Needs node, tests/node/node_modules (scripts/install-npm.sh) and
// /usr/bin/chromium (scripts/install-deps.sh); fails, with that said, when
// they are missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testutil::CommandResult;

// Fixed test keys (labels as vtp expects them).
constexpr char kVideoKid[] = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr char kVideoKey[] = "3c8b1e5a9f2d47c6b0e1a2d3c4b5a697";
constexpr char kAudioKid[] = "f9e8d7c6b5a493827160f5e4d3c2b1a0";
constexpr char kAudioKey[] = "71d2e3f405a6b7c8d9e0f1a2b3c4d5e6";
// HLS AES-128 (MPEG-TS) has its own key, never a DRM content key.
constexpr char kTsKid[] = "5a4b3c2d1e0f5a4b3c2d1e0f5a4b3c2d";
constexpr char kTsKey[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
// Never contacted: drm_play.mjs serves every .../keys/<kid> URL itself.
constexpr char kKeyUri[] = "http://127.0.0.1:9/keys/{kid}";
// The lowest rung of the ladder for a 640x360 source; the harness pins it.
constexpr int kLowestWidth = 426;
constexpr int kLowestHeight = 240;

fs::path NodeDir() { return fs::path(VTP_SOURCE_DIR) / "tests/node"; }

std::string Root() { return testutil::TestTmpDir() + "/e2e_drm"; }

std::string Source() {
  return testutil::Fixture("drm_src_360p.mp4",
                           "-f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 "
                           "-t 6 -c:v libx264 -preset veryfast -g 50 -pix_fmt yuv420p -c:a aac -ac 2");
}

std::string KeysFile() {
  json keys = {{"keys",
                {{{"label", "video"}, {"kid", kVideoKid}, {"key", kVideoKey}},
                 {{"label", "audio"}, {"kid", kAudioKid}, {"key", kAudioKey}},
                 {{"label", "aes128"}, {"kid", kTsKid}, {"key", kTsKey}}}}};
  const std::string path = Root() + "/keys.json";
  const std::string text = keys.dump(2) + "\n";
  // Other test processes may be reading it: write only what is not there.
  if (testutil::ReadFile(path) != text) testutil::WriteFileAt(path, text);
  return path;
}

struct Encoded {
  CommandResult run;
  std::string out;  // the output directory
};

// `vtp run --drm SCHEME` of the source, made by the first test process that
// gets here and reused by the others while the vtp binary is the same.
const Encoded& EncodeOnce(const std::string& scheme) {
  static std::mutex mu;
  static std::map<std::string, Encoded> cache;
  std::lock_guard<std::mutex> hold(mu);
  auto hit = cache.find(scheme);
  if (hit != cache.end()) return hit->second;

  const std::string dir = Root() + "/" + scheme;
  fs::create_directories(Root());
  testutil::ProcessLock lock(Root() + "/" + scheme + ".lock");
  const std::string args = "--no-thumbnails --drm " + scheme + " --drm-keys '" + KeysFile() + "' --drm-key-uri '" +
                           kKeyUri + "' --audio-aac 64 --audio-opus none --loudness off --preset veryfast --workers 2";
  const std::string stamp = testutil::BinaryStamp(testutil::VtpBinary()) + "\n" + args;
  const std::string marker = Root() + "/" + scheme + ".done";
  Encoded& e = cache[scheme];
  e.out = dir + "/out";
  if (testutil::ReadFile(marker) == stamp && fs::exists(e.out + "/manifest.mpd")) {
    e.run = {0, "reused"};
    return e;
  }
  fs::remove(marker);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string source = Source();
  if (source.empty()) {
    e.run = {1, "the source fixture could not be made"};
    return e;
  }
  e.run = testutil::RunCommand(testutil::VtpBinary() + " run '" + source + "' -o '" + e.out + "' --data '" + dir +
                                   "/data' --quiet " + args,
                               true);
  if (e.run.exit_status == 0) testutil::WriteFileAt(marker, stamp);
  return e;
}

// The harness's JSON line plus what it printed on stderr.
struct Playback {
  int exit_status = -1;
  json result;
  std::string text;  // stdout + stderr, for failure messages
};

Playback Play(const std::string& dir, const std::string& manifest, const std::string& player, bool wrong_key) {
  const std::string err = testutil::FreshDir("drm_play") + "/stderr.txt";
  CommandResult r = testutil::RunCommand("node '" + (NodeDir() / "drm_play.mjs").string() + "' --dir '" + dir +
                                         "' --manifest " + manifest + " --player " + player + " --keys '" +
                                         Root() + "/keys.json'" + (wrong_key ? " --wrong-key" : "") +
                                         " --min-time 3 --timeout-ms 45000 --rendition lowest 2>'" + err + "'");
  Playback p;
  p.exit_status = r.exit_status;
  p.text = "stdout: " + r.output + "\nstderr (tail):\n" + testutil::ReadFile(err);
  // The JSON line is the last line starting with '{'.
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') p.result = json::parse(line, nullptr, false);
  }
  return p;
}

// The media playlists a master names (variants and EXT-X-MEDIA URIs).
std::vector<std::string> MediaPlaylists(const std::string& master) {
  std::vector<std::string> out;
  const std::string base = fs::path(master).parent_path().string() + "/";
  for (const auto& v : MasterVariants(master)) out.push_back(base + v.uri);
  for (const auto& line : testutil::ReadLines(master)) {
    if (line.rfind("#EXT-X-MEDIA:", 0) != 0) continue;
    const auto at = line.find("URI=\"");
    if (at == std::string::npos) continue;
    const auto end = line.find('"', at + 5);
    out.push_back(base + line.substr(at + 5, end - at - 5));
  }
  return out;
}

class DrmPlaybackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string setup = "run scripts/install-deps.sh and scripts/install-npm.sh";
    ASSERT_EQ(testutil::RunCommand("node --version >/dev/null 2>&1").exit_status, 0) << "node is missing: " << setup;
    for (const char* pkg : {"shaka-player", "hls.js", "playwright-core"}) {
      ASSERT_TRUE(fs::exists(NodeDir() / "node_modules" / pkg / "package.json"))
          << pkg << " is not installed in " << NodeDir().string() << ": " << setup;
    }
    ASSERT_TRUE(fs::exists("/usr/bin/chromium")) << "/usr/bin/chromium is missing (Debian package chromium): " << setup;
  }

  // The output of SCHEME, after checking that it is really encrypted the
  // way the manifests say (so that a clear output cannot pass).
  std::string Output(const std::string& scheme) {
    const Encoded& e = EncodeOnce(scheme);
    EXPECT_EQ(e.run.exit_status, 0) << e.run.output;
    if (e.run.exit_status != 0) return "";
    const std::string mpd = testutil::ReadFile(e.out + "/manifest.mpd");
    EXPECT_NE(mpd.find("ContentProtection"), std::string::npos) << "manifest.mpd has no ContentProtection";
    EXPECT_NE(mpd.find("value=\"" + scheme + "\""), std::string::npos)
        << "manifest.mpd does not declare the " << scheme << " scheme";
    const std::string method = scheme == "cbcs" ? "METHOD=SAMPLE-AES," : "METHOD=SAMPLE-AES-CTR,";
    for (const auto& [master, want] : std::vector<std::pair<std::string, std::string>>{
             {"manifest.m3u8", method}, {"manifest_ts.m3u8", "METHOD=AES-128,"}}) {
      const auto playlists = MediaPlaylists(e.out + "/" + master);
      EXPECT_FALSE(playlists.empty()) << master;
      for (const auto& pl : playlists) {
        EXPECT_NE(testutil::ReadFile(pl).find("#EXT-X-KEY:" + want), std::string::npos)
            << pl << " has no #EXT-X-KEY:" << want;
      }
    }
    return e.out;
  }

  void ExpectPlays(const std::string& scheme, const std::string& manifest, const std::string& player) {
    const std::string out = Output(scheme);
    ASSERT_FALSE(out.empty()) << "no encrypted output (vtp run --drm " << scheme << " failed)";
    ASSERT_FALSE(HasFailure()) << "the " << scheme << " output is not encrypted as its manifests must say";
    Playback p = Play(out, manifest, player, false);
    ASSERT_TRUE(p.result.is_object()) << p.text;
    RecordProperty("playback", p.result.dump());
    EXPECT_NE(p.result.value("error_code", json()).dump(), "\"harness\"") << p.text;
    ASSERT_TRUE(p.result.value("ok", false)) << p.text;
    EXPECT_EQ(p.exit_status, 0) << p.text;
    EXPECT_EQ(p.result.value("player", ""), player);
    EXPECT_GT(p.result.value("time", 0.0), 3.0) << p.text;
    const json rendition = p.result.value("rendition", json::object());
    EXPECT_EQ(rendition.value("height", 0), kLowestHeight) << p.text;
    EXPECT_EQ(p.result.value("width", 0), kLowestWidth) << p.text;
    EXPECT_EQ(p.result.value("height", 0), kLowestHeight) << p.text;
    EXPECT_TRUE(p.result.value("error", json()).is_null()) << p.text;
    if (player == "hlsjs") {
      // The playlists' AES-128 key URIs reached the harness's key endpoint.
      EXPECT_FALSE(p.result.value("key_requests", json::array()).empty()) << p.text;
    }
  }

  // Plays with every key flipped in one bit; returns the harness result.
  json ExpectKeyError(const std::string& scheme, const std::string& manifest, const std::string& player) {
    const std::string out = Output(scheme);
    if (out.empty() || HasFailure()) return json();
    Playback p = Play(out, manifest, player, true);
    EXPECT_TRUE(p.result.is_object()) << p.text;
    if (!p.result.is_object()) return json();
    RecordProperty("playback", p.result.dump());
    EXPECT_FALSE(p.result.value("ok", true)) << "played with a wrong key\n" << p.text;
    EXPECT_EQ(p.exit_status, 1) << p.text;
    const json code = p.result.value("error_code", json());
    EXPECT_FALSE(code.is_null()) << p.text;
    EXPECT_NE(code.dump(), "\"timeout\"") << "a wrong key must fail with a player error, not a timeout\n" << p.text;
    EXPECT_NE(code.dump(), "\"harness\"") << p.text;
    return p.result;
  }
};

// ---- Shaka Player, ClearKey EME -------------------------------------------------

TEST_F(DrmPlaybackTest, DashCencPlaysInShaka) { ExpectPlays("cenc", "manifest.mpd", "shaka"); }

TEST_F(DrmPlaybackTest, DashCbcsPlaysInShaka) { ExpectPlays("cbcs", "manifest.mpd", "shaka"); }

TEST_F(DrmPlaybackTest, HlsFmp4CbcsPlaysInShaka) { ExpectPlays("cbcs", "manifest.m3u8", "shaka"); }

TEST_F(DrmPlaybackTest, HlsFmp4CencPlaysInShaka) { ExpectPlays("cenc", "manifest.m3u8", "shaka"); }

// A wrong ClearKey key with the right KID is "usable" to the CDM: chromium
// decrypts garbage and fails to decode it, which Shaka reports as 3016
// VIDEO_ERROR (PIPELINE_ERROR_DECODE), in about 5 s. A KID that is not
// configured fails earlier with 4012 RESTRICTIONS_CANNOT_BE_MET. Any Shaka
// error code (a number) is accepted; a timeout or the stream simply ending
// is not.
TEST_F(DrmPlaybackTest, DashCencWithAWrongKeyFailsInShaka) {
  json r = ExpectKeyError("cenc", "manifest.mpd", "shaka");
  if (r.is_object()) {
    EXPECT_TRUE(r["error_code"].is_number() || r["error_code"] == "video") << r.dump();
  }
}

TEST_F(DrmPlaybackTest, HlsFmp4CbcsWithAWrongKeyFailsInShaka) {
  json r = ExpectKeyError("cbcs", "manifest.m3u8", "shaka");
  if (r.is_object()) {
    EXPECT_TRUE(r["error_code"].is_number() || r["error_code"] == "video") << r.dump();
  }
}

// ---- hls.js, HLS MPEG-TS with AES-128 ------------------------------------------

TEST_F(DrmPlaybackTest, HlsTsAes128PlaysInHlsJs) { ExpectPlays("cenc", "manifest_ts.m3u8", "hlsjs"); }

// hls.js decrypts with WebCrypto (software AES off in the harness): a wrong
// key breaks the PKCS#7 padding, "WebCrypto: failed to decrypt data".
TEST_F(DrmPlaybackTest, HlsTsAes128WithAWrongKeyFailsInHlsJs) {
  json r = ExpectKeyError("cenc", "manifest_ts.m3u8", "hlsjs");
  if (!r.is_object()) return;
  const std::string code = r["error_code"].is_string() ? r["error_code"].get<std::string>() : "";
  EXPECT_TRUE(code == "fragDecryptError" || code == "fragParsingError" || code == "bufferAppendError") << r.dump();
  if (code != "bufferAppendError") {
    EXPECT_NE(r.value("error", "").find("decrypt"), std::string::npos) << r.dump();
  }
}

}  // namespace
}  // namespace vtp::e2e
