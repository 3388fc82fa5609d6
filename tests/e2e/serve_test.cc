// End-to-end: `vtp serve` as a real process on its own data directory,
// driven over loopback HTTP the way clients drive it — plain curl PATCHes,
// a raw socket uploading slowly while the server is SIGKILLed, tus-js-client
// in Node aborting and resuming — with progress read from the event stream,
// webhooks received and verified by a receiver in this test, and the stored
// original compared byte for byte with what was sent.
#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http_server.h"
#include "e2e/e2e_util.h"
#include "domain/cenc_crypto.h"
#include "e2e/serve_harness.h"
#include "service/webhook.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kMiB = 1 << 20;
constexpr const char* kUploadsPath = "/api/v1/uploads/";

// A short clip with audio: the journey's upload.
std::string JourneyClip() {
  return testutil::Fixture("serve_journey.mp4",
                           "-f lavfi -i testsrc2=size=320x240:rate=25:duration=3"
                           " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=3"
                           " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -c:a aac -shortest");
}

// About 25 MiB of real media (noise defeats compression): large enough for
// three commit_every_bytes (8 MiB) boundaries.
std::string BigClip() {
  return testutil::Fixture("serve_big_25m.mp4",
                           "-f lavfi -i testsrc2=size=640x360:rate=25:duration=4,noise=alls=80:allf=t+u"
                           " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=4"
                           " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -qp 14 -g 25 -c:a aac -shortest");
}

// About 6 MiB: several 1 MiB tus-js-client chunks.
std::string MidClip() {
  return testutil::Fixture("serve_mid_6m.mp4",
                           "-f lavfi -i testsrc2=size=480x270:rate=25:duration=2,noise=alls=60:allf=t+u"
                           " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -qp 14 -g 25");
}

std::string StateOf(const json& step) {
  if (step.is_string()) return step.get<std::string>();
  if (step.is_object()) return step.value("state", "");
  return "";
}

// A webhook receiver in this process: records every delivery; answers the
// statuses in `script` in turn, then 200.
class HookReceiver {
 public:
  struct Delivery {
    std::string event;      // Vtp-Event
    std::string signature;  // Vtp-Signature
    std::string delivery;   // Vtp-Delivery
    std::string body;
  };

  explicit HookReceiver(std::vector<int> script = {}) : script_(std::move(script)) {
    api::Router router;
    Status added = router.Add("POST", "/hook", [this](const api::Request& r) { return Receive(r); });
    EXPECT_TRUE(added.ok()) << added.ToString();
    server_ = std::make_unique<api::HttpServer>(std::move(router));
    api::ServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    StatusOr<uint16_t> port = server_->Start(o);
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.ok() ? *port : 0;
  }
  ~HookReceiver() { server_->Stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<Delivery> deliveries() const {
    std::lock_guard<std::mutex> lock(mu_);
    return deliveries_;
  }

 private:
  api::Response Receive(const api::Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    auto h = [&](std::string_view n) { return std::string(r.headers.Get(n).value_or("")); };
    deliveries_.push_back({h("Vtp-Event"), h("Vtp-Signature"), h("Vtp-Delivery"), r.body});
    size_t i = deliveries_.size() - 1;
    int status = i < script_.size() ? script_[i] : 200;
    return api::Response::Text(status, status == 200 ? "ok" : "try again");
  }

  const std::vector<int> script_;
  std::unique_ptr<api::HttpServer> server_;
  uint16_t port_ = 0;
  mutable std::mutex mu_;
  std::vector<Delivery> deliveries_;  // guarded by mu_
};

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    data_ = dir_ + "/data";
    fs::create_directories(data_);
    token_ = CreateKey(data_, "alice");
    ASSERT_FALSE(token_.empty());
    server_ = std::make_unique<ServeProcess>(data_);
    ASSERT_TRUE(server_->Start());
  }

  void TearDown() override {
    // A graceful stop must work whatever the test did.
    if (server_ && server_->running()) {
      EXPECT_EQ(server_->Signal(SIGTERM), 0) << server_->LogTail();
      EXPECT_NE(server_->Stdout().find("vtp serve: stopping"), std::string::npos) << server_->Stdout();
    }
  }

  uint16_t port() const { return server_->port(); }

  HeaderList Auth(HeaderList more = {}) const {
    more.emplace_back("Authorization", "Bearer " + token_);
    return more;
  }

  HttpReply Get(const std::string& target) const { return HttpCall(port(), "GET", target, Auth()); }

  HttpReply PostJson(const std::string& target, const json& body) const {
    return HttpCall(port(), "POST", target, Auth({{"Content-Type", "application/json"}}), body.dump());
  }

  HttpReply HeadUpload(const std::string& upload_id) const {
    return HttpCall(port(), "HEAD", kUploadsPath + upload_id, Auth({{"Tus-Resumable", "1.0.0"}}));
  }

  // The upload URL on the server as it runs now (the port changes when it
  // restarts).
  std::string UploadUrl(const std::string& upload_id) const { return server_->url() + kUploadsPath + upload_id; }

  // POST /videos/upload; the 201's body (video_id, upload_url, upload_id).
  json StartUpload(const std::string& path, const std::string& filename, const std::string& content_type) {
    json req = {{"filename", filename},
                {"content_type", content_type},
                {"file_size_bytes", fs::file_size(path)},
                {"title", "e2e " + filename},
                {"options", {{"x264_preset", "ultrafast"}}}};
    HttpReply r = PostJson("/api/v1/videos/upload", req);
    EXPECT_EQ(r.status, 201) << r.Describe();
    json j = r.Json();
    if (r.status != 201 || !j.is_object()) return json::object();
    EXPECT_EQ(j.value("upload_url", ""), UploadUrl(j.value("upload_id", "")));
    return j;
  }

  // Polls GET /videos/{id}/status until the video is ready or failed.
  json WaitForTerminal(const std::string& video_id, std::chrono::milliseconds timeout) const {
    json last;
    Eventually(
        [&] {
          HttpReply r = Get("/api/v1/videos/" + video_id + "/status");
          last = r.Json();
          std::string s = last.is_object() ? last.value("status", "") : "";
          return s == "ready" || s == "failed";
        },
        timeout, 250ms);
    return last;
  }

  std::string OriginalPath(const std::string& video_id, const std::string& ext = "mp4") const {
    return data_ + "/blobs/originals/" + video_id + "/original." + ext;
  }

  // Every event of `events` until the server ends the stream, as JSON.
  std::vector<json> ReadUntilEnd(SseStream& events) const {
    std::vector<json> snapshots;
    const auto deadline = SteadyClock::now() + 50s;
    while (auto e = events.Next(deadline)) {
      EXPECT_EQ(e->event, "status");
      json j = json::parse(e->data, nullptr, false);
      EXPECT_TRUE(j.is_object()) << e->data;
      if (j.is_object()) snapshots.push_back(std::move(j));
    }
    EXPECT_FALSE(events.timed_out()) << "the event stream did not end; " << snapshots.size() << " snapshots\n"
                                     << server_->LogTail();
    return snapshots;
  }

  // The last snapshot is ready at 100%, and every step it does not skip was
  // reported running or completed along the way.
  static void ExpectEveryStepReported(const std::vector<json>& snapshots, const std::string& video_id) {
    const json& last = snapshots.back();
    EXPECT_EQ(last.value("status", ""), "ready") << last.dump(2);
    EXPECT_EQ(last.value("percent", -1), 100) << last.dump(2);
    std::map<std::string, std::set<std::string>> seen;  // step -> states reported
    for (const json& s : snapshots) {
      EXPECT_EQ(s.value("video_id", ""), video_id);
      if (!s.contains("pipeline_progress")) continue;
      for (const auto& [step, v] : s["pipeline_progress"].items()) seen[step].insert(StateOf(v));
    }
    ASSERT_TRUE(last.contains("pipeline_progress")) << last.dump(2);
    for (const auto& [step, v] : last["pipeline_progress"].items()) {
      if (StateOf(v) == "skipped") continue;
      EXPECT_TRUE(seen[step].count("running") || seen[step].count("completed"))
          << step << " was never reported running or completed";
    }
  }

  // GET /videos/{id} lists renditions and manifests; the HLS master plays.
  void ExpectPlayable(const std::string& video_id) const {
    HttpReply meta = Get("/api/v1/videos/" + video_id);
    ASSERT_EQ(meta.status, 200) << meta.Describe();
    json m = meta.Json();
    EXPECT_EQ(m.value("status", ""), "ready");
    EXPECT_FALSE(m["renditions"].empty()) << m.dump(2);
    ASSERT_TRUE(m.contains("manifests")) << m.dump(2);
    const std::string media = server_->url() + "/media/" + video_id + "/";
    for (const char* kind : {"hls", "dash"}) {
      EXPECT_EQ(m["manifests"].value(kind, "").rfind(media, 0), 0u) << kind;
    }
    std::string hls = m["manifests"].value("hls", "");
    HttpReply master = HttpCall(port(), "GET", hls.substr(server_->url().size()));
    ASSERT_EQ(master.status, 200) << hls << ": " << master.Describe();
    EXPECT_EQ(master.body.rfind("#EXTM3U", 0), 0u) << master.body;
  }

  // Each delivery is signed with `secret` (and not with another) and
  // announces its Vtp-Event for `video_id`.
  static void ExpectSigned(const std::vector<HookReceiver::Delivery>& deliveries, const std::string& secret,
                           const std::string& video_id) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& d : deliveries) {
      Status ok = service::VerifyWebhook(secret, d.signature, d.body, now, 300);
      EXPECT_TRUE(ok.ok()) << d.event << ": " << ok.ToString();
      EXPECT_FALSE(service::VerifyWebhook("another-secret-0123456789", d.signature, d.body, now, 300).ok());
      json body = json::parse(d.body, nullptr, false);
      EXPECT_EQ(body.value("type", ""), d.event);
      EXPECT_EQ(body.value("video_id", ""), video_id);
      EXPECT_FALSE(d.delivery.empty());
    }
  }

  // The webhook's only delivery once delivered (or as it stands at the deadline).
  json WaitDelivered(const std::string& webhook_id, std::chrono::milliseconds timeout) const {
    json delivery;
    Eventually(
        [&] {
          json j = Get("/api/v1/webhooks/" + webhook_id + "/deliveries").Json();
          if (!j.is_object() || !j["deliveries"].is_array() || j["deliveries"].size() != 1) return false;
          delivery = j["deliveries"][0];
          return delivery.value("state", "") == "delivered";
        },
        timeout);
    return delivery;
  }

  std::string dir_;
  std::string data_;
  std::string token_;
  std::unique_ptr<ServeProcess> server_;
};

// ---- The journey --------------------------------------------------------------

TEST_F(ServeTest, CurlUploadEventsWebhooksAndPlaybackEndToEnd) {
  const std::string clip = JourneyClip();
  ASSERT_FALSE(clip.empty());
  const uint64_t size = fs::file_size(clip);

  // Webhooks first, so the upload's events reach them.
  const std::string secret = "whsec-e2e-journey-0123456789";
  HookReceiver hooks;
  HookReceiver flaky({500, 500});
  HttpReply wh = PostJson("/api/v1/webhooks", {{"url", hooks.url()}, {"secret", secret}});
  ASSERT_EQ(wh.status, 201) << wh.Describe();
  HttpReply fwh = PostJson("/api/v1/webhooks",
                           {{"url", flaky.url()}, {"secret", secret}, {"events", {"video.uploaded"}}});
  ASSERT_EQ(fwh.status, 201) << fwh.Describe();
  const std::string flaky_id = fwh.Json().value("webhook_id", "");

  json up = StartUpload(clip, "journey.mp4", "video/mp4");
  const std::string video_id = up.value("video_id", "");
  const std::string upload_id = up.value("upload_id", "");
  ASSERT_FALSE(video_id.empty());

  // Two PATCHes with plain curl.
  const uint64_t half = size / 2;
  const std::string part1 = dir_ + "/part1.bin", part2 = dir_ + "/part2.bin";
  ASSERT_TRUE(CopyRange(clip, part1, 0, half));
  ASSERT_TRUE(CopyRange(clip, part2, half, size - half));
  std::string curl_out;
  ASSERT_EQ(CurlTusPatch(up.value("upload_url", ""), token_, 0, part1, &curl_out), 204) << curl_out;
  EXPECT_NE(curl_out.find("Upload-Offset: " + std::to_string(half)), std::string::npos) << curl_out;
  HttpReply head = HeadUpload(upload_id);
  ASSERT_EQ(head.status, 200) << head.Describe();
  EXPECT_EQ(head.Header("Upload-Offset"), std::to_string(half));

  // Subscribe while the upload is still incomplete.
  SseStream events(port(), "/api/v1/videos/" + video_id + "/events", token_);
  ASSERT_EQ(events.head().status, 200) << "GET /events must accept a video still uploading: "
                                        << events.head().Describe();
  EXPECT_NE(events.head().Header("Content-Type").find("text/event-stream"), std::string::npos);

  ASSERT_EQ(CurlTusPatch(up.value("upload_url", ""), token_, half, part2, &curl_out), 204) << curl_out;

  std::vector<json> snapshots = ReadUntilEnd(events);
  ASSERT_FALSE(snapshots.empty());
  // The first snapshot was taken while the upload was incomplete.
  EXPECT_EQ(snapshots.front().value("status", ""), "uploading") << snapshots.front().dump(2);
  EXPECT_GE(snapshots.size(), 3u) << "no progress between the upload and the end";
  ExpectEveryStepReported(snapshots, video_id);
  ExpectPlayable(video_id);
  EXPECT_EQ(Sha256OfFile(OriginalPath(video_id)), Sha256OfFile(clip));

  // Webhooks: uploaded, processing and ready, each signed with the secret.
  auto received = [&] {
    std::set<std::string> got;
    for (const auto& d : hooks.deliveries()) got.insert(d.event);
    return got.count("video.uploaded") && got.count("video.processing") && got.count("video.ready");
  };
  ASSERT_TRUE(Eventually(received, 20s)) << hooks.deliveries().size() << " deliveries";
  ExpectSigned(hooks.deliveries(), secret, video_id);

  // The flaky receiver: two 500s, then 200 on the third attempt (backoff
  // about 1 s, then 2 s).
  json delivery = WaitDelivered(flaky_id, 20s);
  EXPECT_EQ(delivery.value("state", ""), "delivered") << delivery.dump(2);
  EXPECT_EQ(delivery.value("attempts", 0), 3) << delivery.dump(2);
  EXPECT_EQ(delivery.value("event_type", ""), "video.uploaded");
  EXPECT_EQ(flaky.deliveries().size(), 3u);
  ExpectSigned(flaky.deliveries(), secret, video_id);
}

// ---- Crash in the middle of one long PATCH ------------------------------------

TEST_F(ServeTest, SigkillDuringOnePatchKeepsCommittedBytesAndCurlResumes) {
  const std::string clip = BigClip();
  ASSERT_FALSE(clip.empty());
  const std::string bytes = testutil::ReadFile(clip);
  ASSERT_GE(bytes.size(), 20 * kMiB);
  json up = StartUpload(clip, "big.mp4", "video/mp4");
  const std::string video_id = up.value("video_id", ""), upload_id = up.value("upload_id", "");
  ASSERT_FALSE(upload_id.empty());

  // One PATCH declaring the whole file; 12 MiB of it sent, then nothing
  // until the server has durably committed its first 8 MiB.
  TcpConnection conn(port());
  ASSERT_TRUE(conn.ok()) << conn.error();
  std::string head = "PATCH " + std::string(kUploadsPath) + upload_id + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                     "Authorization: Bearer " + token_ +
                     "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                     "Content-Type: application/offset+octet-stream\r\nContent-Length: " +
                     std::to_string(bytes.size()) + "\r\n\r\n";
  ASSERT_TRUE(conn.Send(head));
  const uint64_t sent = 12 * kMiB;
  for (uint64_t at = 0; at < sent; at += 256 * 1024) {
    ASSERT_TRUE(conn.Send(std::string_view(bytes).substr(at, 256 * 1024))) << conn.error();
  }
  uint64_t committed = 0;
  auto durable = [&] {
    HttpReply h = HeadUpload(upload_id);
    committed = h.status == 200 ? std::stoull(h.Header("Upload-Offset")) : 0;
    return committed >= 8 * kMiB;
  };
  ASSERT_TRUE(Eventually(durable, 20s, 20ms)) << "committed " << committed;
  ASSERT_LT(committed, 16 * kMiB);
  RecordProperty("committed_before_kill", std::to_string(committed));

  ASSERT_EQ(server_->Signal(SIGKILL), 128 + SIGKILL);
  // The connection dies with the server.
  EXPECT_FALSE(conn.Send(std::string(4 * kMiB, 'x')) && conn.Receive(SteadyClock::now() + 5s));
  conn.Close();

  ASSERT_TRUE(server_->Start());
  HttpReply after = HeadUpload(upload_id);
  ASSERT_EQ(after.status, 200) << after.Describe();
  const uint64_t offset = std::stoull(after.Header("Upload-Offset"));
  EXPECT_EQ(offset, committed) << "the offset after the crash is not the one committed before it";
  EXPECT_GE(offset, 8 * kMiB);
  EXPECT_EQ(after.Header("Upload-Length"), std::to_string(bytes.size()));

  // Resume with curl from the server's offset.
  const std::string rest = dir_ + "/rest.bin";
  ASSERT_TRUE(CopyRange(clip, rest, offset, bytes.size() - offset));
  std::string curl_out;
  ASSERT_EQ(CurlTusPatch(UploadUrl(upload_id), token_, offset, rest, &curl_out), 204) << curl_out;
  EXPECT_EQ(Sha256OfFile(OriginalPath(video_id)), Sha256OfFile(clip));
  json done = WaitForTerminal(video_id, 50s);
  EXPECT_EQ(done.value("status", ""), "ready") << done.dump(2) << "\n" << server_->LogTail();
}

// ---- tus-js-client in Node ------------------------------------------------------

TEST_F(ServeTest, TusJsClientAbortsAndResumesInNode) {
  const fs::path node_dir = fs::path(VTP_SOURCE_DIR) / "tests/node";
  const std::string setup = "run scripts/install-npm.sh (needs node and npm: scripts/install-deps.sh)";
  ASSERT_EQ(testutil::RunCommand("node --version >/dev/null 2>&1").exit_status, 0) << "node is missing: " << setup;
  ASSERT_TRUE(fs::exists(node_dir / "node_modules/tus-js-client/package.json"))
      << "tus-js-client is not installed in " << node_dir.string() << ": " << setup;
  const std::string clip = MidClip();
  ASSERT_FALSE(clip.empty());
  const uint64_t size = fs::file_size(clip);
  ASSERT_GE(size, 4 * kMiB);

  const std::string err = dir_ + "/node.stderr";
  testutil::CommandResult r = testutil::RunCommand(
      "node '" + (node_dir / "tus_resume.mjs").string() + "' --endpoint " + server_->url() +
      "/api/v1/uploads --token " + token_ + " --file '" + clip + "' --chunk-size " + std::to_string(kMiB) +
      " --abort-at 0.4 2>'" + err + "'");
  ASSERT_EQ(r.exit_status, 0) << r.output << testutil::ReadFile(err) << "\n" << server_->LogTail();
  json out = json::parse(r.output, nullptr, false);  // one JSON line
  ASSERT_TRUE(out.is_object()) << r.output << testutil::ReadFile(err);
  EXPECT_EQ(out.value("bytes", uint64_t{0}), size);
  EXPECT_EQ(out.value("url", "").rfind(server_->url() + kUploadsPath, 0), 0u) << out.dump();
  // Aborted after 40% was acknowledged, resumed from there, not from 0.
  const uint64_t aborted_at = out.value("aborted_at", uint64_t{0});
  EXPECT_GE(aborted_at, size * 4 / 10);
  EXPECT_LT(aborted_at, size);
  EXPECT_EQ(out.value("resumed_from", uint64_t{0}), aborted_at) << out.dump();
  RecordProperty("tus_js_client", out.dump());

  std::string video_id = out.value("video_id", "");
  if (video_id.empty()) {  // the header was not readable: the only video is it
    json list = Get("/api/v1/videos").Json();
    ASSERT_EQ(list["videos"].size(), 1u) << list.dump(2);
    video_id = list["videos"][0].value("video_id", "");
  }
  ASSERT_FALSE(video_id.empty());
  EXPECT_EQ(Sha256OfFile(OriginalPath(video_id)), Sha256OfFile(clip));
  json done = WaitForTerminal(video_id, 50s);
  EXPECT_EQ(done.value("status", ""), "ready") << done.dump(2) << "\n" << server_->LogTail();
}

// ---- Bad input --------------------------------------------------------------------

TEST_F(ServeTest, NonMediaUploadFailsClearlyAndServerStaysHealthy) {
  std::string junk(256 * 1024, '\0');
  std::mt19937 rng(42);
  for (char& c : junk) c = static_cast<char>(rng() & 0xff);
  const std::string path = testutil::WriteFile("serve_random_bytes.mp4", junk);
  json up = StartUpload(path, "random.mp4", "application/octet-stream");
  const std::string video_id = up.value("video_id", "");
  ASSERT_FALSE(video_id.empty());
  std::string curl_out;
  ASSERT_EQ(CurlTusPatch(up.value("upload_url", ""), token_, 0, path, &curl_out), 204) << curl_out;

  json done = WaitForTerminal(video_id, 40s);
  ASSERT_EQ(done.value("status", ""), "failed") << done.dump(2);
  const std::string why = done.value("error_message", "");
  EXPECT_FALSE(why.empty()) << done.dump(2);
  EXPECT_NE(why.find("probe"), std::string::npos) << why;
  EXPECT_NE(why.find("not a media file"), std::string::npos) << why;
  HttpReply meta = Get("/api/v1/videos/" + video_id);
  ASSERT_EQ(meta.status, 200) << meta.Describe();
  EXPECT_EQ(meta.Json().value("status", ""), "failed");
  EXPECT_EQ(meta.Json().value("error_message", ""), why);
  // The original is kept (a retry or support can look at it).
  EXPECT_EQ(Sha256OfFile(OriginalPath(video_id)), Sha256OfFile(path));

  HttpReply health = HttpCall(port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200) << health.Describe();
  // And it still accepts work.
  EXPECT_FALSE(StartUpload(path, "again.mp4", "video/mp4").empty());
}

}  // namespace
}  // namespace vtp::e2e

// ---- DRM through the service ---------------------------------------------------
// `vtp serve --drm cbcs`: an upload comes out protected; the MPEG-TS key is
// served beside the media with the media's credentials and decrypts the
// segments; content keys are not served there.

namespace vtp::e2e {
namespace {

TEST_F(ServeTest, DrmServerProtectsUploadsAndServesTheAes128KeyBesideTheMedia) {
  // Without --drm nothing reads or makes a master key at start.
  EXPECT_FALSE(fs::exists(data_ + "/master.key"));
  ASSERT_EQ(server_->Signal(SIGTERM), 0) << server_->LogTail();
  server_ = std::make_unique<ServeProcess>(data_, std::vector<std::string>{"--drm", "cbcs"});
  ASSERT_TRUE(server_->Start()) << server_->LogTail();
  if (std::getenv("VTP_MASTER_KEY") == nullptr) {
    // Embedded mode made one, readable by its owner only.
    ASSERT_TRUE(fs::exists(data_ + "/master.key"));
    EXPECT_EQ(fs::status(data_ + "/master.key").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  }
  const std::string clip = JourneyClip();
  json up = StartUpload(clip, "drm.mp4", "video/mp4");
  const std::string video = up.value("video_id", "");
  ASSERT_FALSE(video.empty());
  std::string curl_out;
  ASSERT_EQ(CurlTusPatch(up.value("upload_url", ""), token_, 0, clip, &curl_out), 204) << curl_out;
  json last = WaitForTerminal(video, 60s);
  ASSERT_EQ(last.value("status", ""), "ready") << last.dump(2) << server_->LogTail();

  const std::string media = "/media/" + video + "/";
  HttpReply mpd = HttpCall(port(), "GET", media + "manifest.mpd");
  ASSERT_EQ(mpd.status, 200) << mpd.Describe();
  EXPECT_NE(mpd.body.find("urn:mpeg:dash:mp4protection:2011\" value=\"cbcs\""), std::string::npos);
  HttpReply init = HttpCall(port(), "GET", media + "h264/240p/init.mp4");
  EXPECT_NE(init.body.find("encv"), std::string::npos);

  HttpReply playlist = HttpCall(port(), "GET", media + "h264/240p/playlist_ts.m3u8");
  ASSERT_EQ(playlist.status, 200) << playlist.Describe();
  const std::string tag = "#EXT-X-KEY:METHOD=AES-128,URI=\"../../keys/";
  const size_t at = playlist.body.find(tag);
  ASSERT_NE(at, std::string::npos) << playlist.body;
  const std::string kid = playlist.body.substr(at + tag.size(), 32);
  // The playlist's relative URI resolves beside the media: no API key.
  HttpReply key = HttpCall(port(), "GET", media + "keys/" + kid);
  ASSERT_EQ(key.status, 200) << key.Describe();
  ASSERT_EQ(key.body.size(), 16u);
  HttpReply segment = HttpCall(port(), "GET", media + "h264/240p/segment_000.ts");
  ASSERT_EQ(segment.status, 200);
  cenc::Key k{};
  std::copy(key.body.begin(), key.body.end(), k.begin());
  auto clear = cenc::Aes128CbcPkcs7Decrypt(k, cenc::Iv16{}, std::vector<uint8_t>(segment.body.begin(), segment.body.end()));
  ASSERT_TRUE(clear.ok()) << clear.status().ToString();
  ASSERT_FALSE(clear->empty());
  EXPECT_EQ(clear->size() % 188, 0u);
  for (size_t p = 0; p < clear->size(); p += 188) ASSERT_EQ((*clear)[p], 0x47) << "TS sync byte at " << p;
  EXPECT_NE(segment.body[0], 0x47) << "the segment on the wire is encrypted";

  // The DASH default_KID names a content key: never served beside the media.
  const std::string kid_attr = "cenc:default_KID=\"";
  const size_t d = mpd.body.find(kid_attr);
  ASSERT_NE(d, std::string::npos);
  std::string content_kid = mpd.body.substr(d + kid_attr.size(), 36);
  std::erase(content_kid, '-');
  EXPECT_EQ(HttpCall(port(), "GET", media + "keys/" + content_kid).status, 404);
}

}  // namespace
}  // namespace vtp::e2e
