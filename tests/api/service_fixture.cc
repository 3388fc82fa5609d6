#include "service_fixture.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "api/problem.h"
#include "control/keys.h"
#include "control/upload_jobs.h"
#include "testutil/fixtures.h"

namespace vtp::api::testing {

namespace fs = std::filesystem;
using nlohmann::json;

std::string HeaderOf(const HttpResponse& res, std::string_view name) {
  auto it = res.find(boost::beast::string_view(name.data(), name.size()));
  if (it == res.end()) return "";
  return std::string(it->value().data(), it->value().size());
}

json BodyJson(const HttpResponse& res) { return json::parse(res.body(), nullptr, false); }

json ExpectProblem(const HttpResponse& res, unsigned status, std::string_view slug) {
  EXPECT_EQ(res.result_int(), status) << res.body();
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/problem+json") << res.body();
  json j = BodyJson(res);
  EXPECT_TRUE(j.is_object()) << res.body();
  if (!j.is_object()) return json::object();
  EXPECT_EQ(j.value("type", ""), std::string(kProblemBase) + std::string(slug)) << res.body();
  EXPECT_EQ(j.value("status", 0u), status) << res.body();
  EXPECT_EQ(j.value("title", ""), std::string(ReasonPhrase(static_cast<int>(status)))) << res.body();
  EXPECT_NE(j.value("title", ""), "Error") << "no reason phrase for " << status;
  return j;
}

json ProblemShape(const HttpResponse& res, const std::string& id) {
  json j = BodyJson(res);
  if (!j.is_object()) return j;
  j.erase("instance");
  if (j.contains("detail") && j["detail"].is_string()) {
    std::string d = j["detail"];
    for (size_t at = d.find(id); !id.empty() && at != std::string::npos; at = d.find(id)) {
      d.replace(at, id.size(), "{id}");
    }
    j["detail"] = d;
  }
  return j;
}

void WriteTree(const std::string& path, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  ASSERT_FALSE(ec) << ec.message();
  testutil::WriteFileAt(path, bytes);
}

ServiceFixture::ServiceFixture() : store_(clock_), graph_(pipeline::LadderGraph()) {}

ServiceFixture::~ServiceFixture() = default;

void ServiceFixture::SetUp() {
  const ServiceOptions o = Options();
  root_ = testutil::FreshDir();
  public_root_ = root_ + "/public";
  upload_dir_ = root_ + "/uploads";
  auto blobs = adapters::LocalBlobStore::Open(root_ + "/blobs");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  blobs_ = std::move(blobs).value();
  ASSERT_TRUE(graph_.Validate().ok());
  planner_ = std::make_unique<pipeline::LadderPlanner>(pipeline::DataPaths{blobs_->root(), root_ + "/work"});
  scheduler_ = std::make_unique<engine::Scheduler>(graph_, *planner_, store_);

  control::UploadConfig up_cfg;
  up_cfg.dir = upload_dir_;
  up_cfg.max_size = 1 << 20;
  up_cfg.expiry_ms = 3600 * 1000;
  up_cfg.commit_every_bytes = 256;
  control::UploadJobDefaults job_defaults{public_root_, blobs_->root(), 1, CodecPolicy::Default(), o.upload_drm};
  uploads_ = std::make_unique<control::UploadService>(
      up_cfg, store_, *blobs_, clock_,
      [job_defaults](const ports::UploadRecord& u, const std::string& sha) {
        return control::VideoForUpload(u, sha, job_defaults);
      },
      [this](const std::string& video_id) {
        StatusOr<engine::AdvanceResult> r = scheduler_->Advance(video_id);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      });
  ASSERT_TRUE(uploads_->Recover().ok());

  control::VideoServiceDeps deps{store_, store_, *blobs_, *scheduler_, graph_, clock_, public_root_, 1, nullptr};
  videos_ = std::make_unique<control::VideoService>(deps);
  hub_ = std::make_unique<EventHub>(store_, [this](const std::string& id) { return videos_->StatusJsonOf(id); });
  ASSERT_TRUE(hub_->Init().ok());
  ASSERT_TRUE(service::ValidateBucketConfig(o.rate).ok());
  GateOptions gate_opts;
  gate_opts.rate = o.rate;
  gate_ = std::make_unique<Gate>(store_, clock_, gate_opts);
  adapters::MasterKey::Bytes master{};
  for (size_t i = 0; i < master.size(); ++i) master[i] = static_cast<uint8_t>(0xA0 + i);
  keys_ = std::make_unique<adapters::EnvelopeKeySource>(store_, adapters::MasterKey(master), key_generator_);
  drm_keys_ = std::make_unique<control::DrmKeyService>(*videos_, store_, *keys_,
                                                       control::DrmKeyOptions{o.clearkey_license});
  ApiConfig cfg;
  cfg.public_root = public_root_;
  cfg.playback_secret = o.playback_secret;
  cfg.upload_drm = o.upload_drm;
  ctx_ = std::make_unique<ApiContext>(
      ApiContext{store_, clock_, *videos_, *uploads_, *hub_, *gate_, cfg, drm_keys_.get()});

  Router router;
  Status added = AddServiceRoutes(router, *ctx_);
  ASSERT_TRUE(added.ok()) << added.ToString();
  routes_ = router.Routes();
  server_ = std::make_unique<HttpServer>(std::move(router));
  ServerOptions so;
  so.threads = 2;
  StatusOr<uint16_t> port = server_->Start(so);
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  port_ = *port;

  auto make_key = [this](const char* role, const char* creator, std::string* token, std::string* id) {
    StatusOr<control::CreatedKey> k = control::CreateKey(store_, role, creator, creator);
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    *token = k->token;
    *id = k->record.key_id;
  };
  make_key("admin", "ops", &admin_, &admin_id_);
  make_key("creator", "alice", &alice_, &alice_id_);
  make_key("creator", "bob", &bob_, &bob_id_);
}

void ServiceFixture::TearDown() {
  if (server_) server_->Stop();
}

HeaderList ServiceFixture::Auth(const std::string& token) {
  if (token.empty()) return {};
  return {{"Authorization", "Bearer " + token}};
}

HttpResponse ServiceFixture::Call(std::string_view method, std::string_view target, const std::string& token,
                                  HeaderList headers, std::string body) {
  HeaderList all = Auth(token);
  all.insert(all.end(), headers.begin(), headers.end());
  TestClient c(port_);
  return c.Send(method, target, all, std::move(body));
}

HttpResponse ServiceFixture::CallJson(std::string_view method, std::string_view target, const std::string& token,
                                      const json& body, HeaderList headers) {
  headers.emplace_back("Content-Type", "application/json");
  return Call(method, target, token, std::move(headers), body.dump());
}

json ServiceFixture::UploadRequest(const std::string& filename, int64_t size, const std::string& title) {
  json j = {{"filename", filename}, {"content_type", "video/mp4"}, {"file_size_bytes", size}};
  if (!title.empty()) j["title"] = title;
  return j;
}

ServiceFixture::Started ServiceFixture::StartUpload(const std::string& token, int64_t size,
                                                    const std::string& filename, const std::string& title) {
  HttpResponse res = CallJson("POST", "/api/v1/videos/upload", token, UploadRequest(filename, size, title));
  EXPECT_EQ(res.result_int(), 201u) << res.body();
  json j = BodyJson(res);
  if (!j.is_object()) return {};
  return {j.value("video_id", ""), j.value("upload_id", "")};
}

std::string ServiceFixture::MakeVideo(const std::string& token, const std::string& title) {
  Started s = StartUpload(token, 0, "clip.mp4", title);
  StatusOr<ports::VideoRecord> v = store_.GetVideo(s.video_id);
  EXPECT_TRUE(v.ok()) << "a zero-length upload makes its video at once: " << v.status().ToString();
  return s.video_id;
}

HeaderList ServiceFixture::TusHeaders(const std::string& token, HeaderList extra) {
  HeaderList h = Auth(token);
  h.emplace_back("Tus-Resumable", "1.0.0");
  h.insert(h.end(), extra.begin(), extra.end());
  return h;
}

HttpResponse ServiceFixture::Patch(const std::string& token, const std::string& upload_id, uint64_t offset,
                                   std::string bytes, HeaderList extra) {
  HeaderList h = TusHeaders(token, {{"Upload-Offset", std::to_string(offset)},
                                    {"Content-Type", std::string(kTusContentType)}});
  h.insert(h.end(), extra.begin(), extra.end());
  return Call("PATCH", "/api/v1/uploads/" + upload_id, "", h, std::move(bytes));
}

int ServiceFixture::PartFiles() const {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(upload_dir_, ec)) {
    if (e.path().extension() == ".part") ++n;
  }
  return n;
}

std::unique_ptr<TestClient> ServiceFixture::OpenEvents(const std::string& token, const std::string& video_id,
                                                       const std::string& last_event_id, std::string* head) {
  auto c = std::make_unique<TestClient>(port_);
  std::string req = "GET /api/v1/videos/" + video_id +
                    "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                    "Authorization: Bearer " + token + "\r\n";
  if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
  c->WriteRaw(req + "\r\n");
  *head = c->ReadUntil("\r\n\r\n");
  return c;
}

SseEvent ServiceFixture::ReadEvent(TestClient& client) {
  for (;;) {
    std::string block = client.ReadUntil("\n\n");
    SseEvent e;
    bool any = false;
    size_t start = 0;
    while (start < block.size()) {
      size_t nl = block.find('\n', start);
      std::string line = block.substr(start, nl - start);
      start = nl + 1;
      if (line.empty() || line[0] == ':') continue;
      size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      any = true;
      if (field == "id") e.id = value;
      if (field == "event") e.event = value;
      if (field == "data") e.data += (e.data.empty() ? "" : "\n") + value;
    }
    if (any) return e;
  }
}

void ServiceFixture::AwaitSubscribers(size_t n) {
  // The stream registers on the server's I/O thread right after sending its
  // first event; this only waits for that hand-off.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (hub_->subscribers() < n && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_GE(hub_->subscribers(), n);
}

ports::VideoRecord ServiceFixture::Video(const std::string& video_id) {
  StatusOr<ports::VideoRecord> v = store_.GetVideo(video_id);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : ports::VideoRecord{};
}

}  // namespace vtp::api::testing
