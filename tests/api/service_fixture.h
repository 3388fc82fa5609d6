// The whole `vtp serve` API in-process, wired as app/serve_loop.cc wires it,
// over InMemoryStore, a LocalBlobStore in a fresh directory and a FakeClock,
// served on a loopback port: the fixture of the service_*_test.cc suites.
// No worker runs the pipeline: tests move videos between states through the
// store, and the hub is polled by hand (hub().Poll()).
//
// Keys: one admin ("ops") and two creators, alice and bob.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/envelope_key_source.h"
#include "adapters/local_blob_store.h"
#include "adapters/memory_store.h"
#include "api/event_hub.h"
#include "api/gate.h"
#include "api/http_server.h"
#include "api/service_api.h"
#include "control/drm_keys_service.h"
#include "control/uploads.h"
#include "control/video_service.h"
#include "engine/pipeline_graph.h"
#include "engine/scheduler.h"
#include "pipeline/drm_options.h"
#include "pipeline/planner.h"
#include "ports/clock.h"
#include "service/rate_limit.h"
#include "test_client.h"

namespace vtp::api::testing {

inline constexpr std::string_view kProblemBase = "https://vtp.dev/problems/";
inline constexpr std::string_view kTusContentType = "application/offset+octet-stream";

struct ServiceOptions {
  std::string playback_secret;  // "" = public media
  // Generous by default: the FakeClock does not move, so burst is the budget.
  service::BucketConfig rate{1000, 100000};
  bool clearkey_license = false;  // `vtp serve --clearkey-license`
  pipeline::DrmOptions upload_drm;  // `vtp serve --drm ...`
};

// The value of a response header ("" when absent).
std::string HeaderOf(const HttpResponse& res, std::string_view name);
// The body as JSON (discarded when it is not JSON).
nlohmann::json BodyJson(const HttpResponse& res);
// Checks status, problem+json content type, type URI and status member;
// returns the problem object.
nlohmann::json ExpectProblem(const HttpResponse& res, unsigned status, std::string_view slug);
// A problem body with "instance" dropped and `id` in "detail" replaced by
// "{id}": what must be identical for a missing and a forbidden resource.
nlohmann::json ProblemShape(const HttpResponse& res, const std::string& id);

// Writes `bytes` to `path`, creating its parent directories.
void WriteTree(const std::string& path, const std::string& bytes);

// One parsed Server-Sent Event.
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class ServiceFixture : public ::testing::Test {
 protected:
  ServiceFixture();
  ~ServiceFixture() override;

  // The variant to start; subclasses override.
  virtual ServiceOptions Options() const { return {}; }

  void SetUp() override;
  void TearDown() override;

  // ---- HTTP --------------------------------------------------------------
  // One request on a fresh connection; `token` "" sends no Authorization.
  HttpResponse Call(std::string_view method, std::string_view target, const std::string& token = "",
                    HeaderList headers = {}, std::string body = {});
  // POST/... with a JSON body and Content-Type: application/json.
  HttpResponse CallJson(std::string_view method, std::string_view target, const std::string& token,
                        const nlohmann::json& body, HeaderList headers = {});
  static HeaderList Auth(const std::string& token);

  // ---- Uploads -----------------------------------------------------------
  static nlohmann::json UploadRequest(const std::string& filename, int64_t size, const std::string& title = "");
  struct Started {
    std::string video_id;
    std::string upload_id;
  };
  // POST /videos/upload; fails the test unless 201.
  Started StartUpload(const std::string& token, int64_t size, const std::string& filename = "clip.mp4",
                      const std::string& title = "");
  // A completed zero-length upload: a video row exists and was advanced.
  std::string MakeVideo(const std::string& token, const std::string& title = "");
  // Tus headers (Authorization, Tus-Resumable) plus `extra`.
  static HeaderList TusHeaders(const std::string& token, HeaderList extra = {});
  // PATCH with Tus-Resumable, Upload-Offset and the tus content type.
  HttpResponse Patch(const std::string& token, const std::string& upload_id, uint64_t offset,
                     std::string bytes, HeaderList extra = {});
  // Part files (<upload dir>/*.part) on disk.
  int PartFiles() const;

  // ---- Event streams -----------------------------------------------------
  // Sends GET /videos/{id}/events on a new connection and reads the
  // response head (returned in `head`).
  std::unique_ptr<TestClient> OpenEvents(const std::string& token, const std::string& video_id,
                                         const std::string& last_event_id, std::string* head);
  // The next event (comments skipped).
  static SseEvent ReadEvent(TestClient& client);
  // Yields until the hub has `n` subscribers (bounded by a deadline; it never pauses).
  void AwaitSubscribers(size_t n);

  // ---- State -------------------------------------------------------------
  ports::VideoRecord Video(const std::string& video_id);

  ports::FakeClock clock_;
  adapters::InMemoryStore store_;
  std::string root_;
  std::string public_root_;
  std::string upload_dir_;
  std::unique_ptr<adapters::LocalBlobStore> blobs_;
  engine::PipelineGraph graph_;
  std::unique_ptr<pipeline::LadderPlanner> planner_;
  std::unique_ptr<engine::Scheduler> scheduler_;
  std::unique_ptr<control::UploadService> uploads_;
  std::unique_ptr<control::VideoService> videos_;
  // Content keys as `vtp serve` keeps them: wrapped in store_ (a KeyVault)
  // under a fixed master key; tests issue keys with keys_->KeysFor.
  adapters::RandomKeyGenerator key_generator_;
  std::unique_ptr<adapters::EnvelopeKeySource> keys_;
  std::unique_ptr<control::DrmKeyService> drm_keys_;
  std::unique_ptr<EventHub> hub_;
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<ApiContext> ctx_;
  std::vector<std::pair<std::string, std::string>> routes_;  // Router::Routes() of the server
  std::unique_ptr<HttpServer> server_;  // last: stopped first
  uint16_t port_ = 0;

  std::string admin_, alice_, bob_;  // bearer tokens
  std::string admin_id_, alice_id_, bob_id_;  // key ids
};

}  // namespace vtp::api::testing
