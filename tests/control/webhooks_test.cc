// Webhooks end to end over InMemoryStore and FakeClock: the outbox mapping,
// the fan-out with its durable cursor, and delivery through CurlHttpClient to
// a real loopback receiver (api::HttpServer) that checks every signature.
#include "control/webhooks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/curl_http_client.h"
#include "adapters/memory_store.h"
#include "api/http_server.h"
#include "api/router.h"
#include "ports/clock.h"
#include "ports/metadata_store.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"
#include "service/webhook.h"

namespace vtp::control {
namespace {

using ::testing::IsEmpty;
using ports::DeliveryRecord;
using ports::DeliveryState;
using service::WebhookEvent;

constexpr ports::Millis kStart = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z
constexpr int64_t kSignatureTolerance = 300;

ports::Event MakeEvent(int64_t id, std::string type, std::string payload) {
  ports::Event e;
  e.event_id = id;
  e.video_id = "v1";
  e.type = std::move(type);
  e.payload_json = std::move(payload);
  e.created_at = kStart;
  return e;
}

std::string StatusPayload(std::string_view status, std::string_view error = "") {
  return nlohmann::json{{"status", status}, {"error_message", error}}.dump();
}

// ---- Mapping ---------------------------------------------------------------

TEST(WebhookMessageForTest, VideoUploaded) {
  auto m = WebhookMessageFor(MakeEvent(
      42, "video.uploaded", R"({"upload_id":"u1","sha256":"ab12","bytes":1048576})"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->event, WebhookEvent::kVideoUploaded);
  EXPECT_EQ(m->event_id, 42);
  EXPECT_EQ(m->video_id, "v1");
  EXPECT_EQ(m->body,
            R"({"id":"evt_42","type":"video.uploaded","created_at":"2023-11-14T22:13:20Z",)"
            R"("video_id":"v1","data":{"upload_id":"u1","sha256":"ab12","bytes":1048576}})");
}

TEST(WebhookMessageForTest, VideoStatusChanges) {
  auto processing = WebhookMessageFor(MakeEvent(7, "video.status", StatusPayload("probing")));
  ASSERT_TRUE(processing.has_value());
  EXPECT_EQ(processing->event, WebhookEvent::kVideoProcessing);
  EXPECT_EQ(processing->body, R"({"id":"evt_7","type":"video.processing","created_at":"2023-11-14T22:13:20Z",)"
                              R"("video_id":"v1","data":{}})");

  auto ready = WebhookMessageFor(MakeEvent(8, "video.status", StatusPayload("ready")));
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->event, WebhookEvent::kVideoReady);
  EXPECT_EQ(ready->body, R"({"id":"evt_8","type":"video.ready","created_at":"2023-11-14T22:13:20Z",)"
                         R"("video_id":"v1","data":{}})");

  auto failed = WebhookMessageFor(MakeEvent(9, "video.status", StatusPayload("failed", "corrupt_input: truncated")));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->event, WebhookEvent::kVideoFailed);
  EXPECT_EQ(failed->body, R"({"id":"evt_9","type":"video.failed","created_at":"2023-11-14T22:13:20Z",)"
                          R"("video_id":"v1","data":{"error_message":"corrupt_input: truncated"}})");
}

TEST(WebhookMessageForTest, TaskDeadLettered) {
  auto m = WebhookMessageFor(MakeEvent(
      11, "task.dead_lettered",
      R"({"task_id":"v1/transcode/chunk_003","step":"transcode","attempt":3,"reason":"failed on final attempt 3/3: boom"})"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->event, WebhookEvent::kTaskDeadLettered);
  EXPECT_EQ(m->body, R"({"id":"evt_11","type":"task.dead_lettered","created_at":"2023-11-14T22:13:20Z",)"
                     R"("video_id":"v1","data":{"task_id":"v1/transcode/chunk_003","step":"transcode",)"
                     R"("error":"failed on final attempt 3/3: boom"}})");
}

TEST(WebhookMessageForTest, OtherEventsAreNotAnnounced) {
  for (const char* status : {"uploaded", "transcoding", "packaging", "moderating", "removed"}) {
    EXPECT_FALSE(WebhookMessageFor(MakeEvent(1, "video.status", StatusPayload(status))).has_value()) << status;
  }
  for (std::string_view type : {ports::kEventVideoCreated, ports::kEventTaskCompleted, ports::kEventTaskRetrying,
                                ports::kEventTaskInterrupted}) {
    EXPECT_FALSE(WebhookMessageFor(MakeEvent(1, std::string(type), R"({"task_id":"t","step":"s"})")).has_value())
        << type;
  }
  EXPECT_FALSE(WebhookMessageFor(MakeEvent(1, "video.status", "not json")).has_value());
  EXPECT_FALSE(WebhookMessageFor(MakeEvent(1, "video.status", R"(["ready"])")).has_value());
}

TEST(WebhookMessageForTest, SameEventSameBytes) {
  ports::Event e = MakeEvent(5, "video.status", StatusPayload("failed", "\"quoted\"\n caf\xc3\xa9"));
  e.video_id = "v\xff";  // not from JSON, so never checked as UTF-8 before
  auto a = WebhookMessageFor(e);
  auto b = WebhookMessageFor(e);
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->body, b->body);
  auto parsed = nlohmann::json::parse(a->body, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["data"]["error_message"], "\"quoted\"\n caf\xc3\xa9");
  EXPECT_EQ(parsed["video_id"], "v\xef\xbf\xbd");
  EXPECT_EQ(a->video_id, e.video_id);
}

// ---- Receiver ----------------------------------------------------------------

// A loopback webhook receiver: POST /hooks/{name}, each request checked
// against the webhook's secret as a real receiver would. A request with a
// bad signature is answered 401; otherwise the next queued answer runs
// (200 when none is queued).
class Receiver {
 public:
  struct Received {
    api::Request request;
    vtp::Status signature;
  };
  using Answer = std::function<int()>;

  explicit Receiver(const ports::Clock& clock) : clock_(clock) {}
  ~Receiver() { Stop(); }

  void Start() {
    api::Router router;
    ASSERT_TRUE(router.Add("POST", "/hooks/{name}", [this](const api::Request& r) { return Handle(r); }).ok());
    server_ = std::make_unique<api::HttpServer>(std::move(router));
    auto port = server_->Start({});
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    base_ = "http://127.0.0.1:" + std::to_string(*port) + "/hooks/";
  }
  void Stop() {
    if (server_) server_->Stop();
  }

  std::string Url(const std::string& name) const { return base_ + name; }
  void SetSecret(const std::string& name, const std::string& secret) {
    std::lock_guard<std::mutex> lock(mu_);
    secrets_[name] = secret;
  }
  void Queue(const std::string& name, Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[name].push_back(std::move(answer));
  }
  void Fail(const std::string& name, int times, int status) {
    for (int i = 0; i < times; ++i) Queue(name, [status] { return status; });
  }
  std::vector<Received> Requests(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return received_[name];
  }

 private:
  api::Response Handle(const api::Request& r) {
    const std::string& name = r.params.at("name");
    Answer answer = [] { return 200; };
    vtp::Status signature;
    {
      std::lock_guard<std::mutex> lock(mu_);
      signature = service::VerifyWebhook(secrets_[name], std::string(r.headers.Get("Vtp-Signature").value_or("")),
                                         r.body, clock_.NowMillis() / 1000, kSignatureTolerance);
      received_[name].push_back({r, signature});
      auto& queued = answers_[name];
      if (!queued.empty()) {
        answer = std::move(queued.front());
        queued.pop_front();
      }
    }
    if (!signature.ok()) return api::Response::Text(401, signature.ToString());
    return api::Response::Text(answer(), "");
  }

  const ports::Clock& clock_;
  std::mutex mu_;
  std::map<std::string, std::string> secrets_;
  std::map<std::string, std::deque<Answer>> answers_;
  std::map<std::string, std::vector<Received>> received_;
  std::unique_ptr<api::HttpServer> server_;
  std::string base_;
};

// ---- Fixture -------------------------------------------------------------------

class WebhooksTest : public ::testing::Test {
 protected:
  void SetUp() override { receiver_.Start(); }
  void TearDown() override {
    Release();
    receiver_.Stop();
  }

  void AddVideo(const std::string& video_id, const std::string& creator_id) {
    ports::VideoRecord v;
    v.video_id = video_id;
    v.creator_id = creator_id;
    v.original_key = "originals/" + video_id;
    ASSERT_TRUE(store_.CreateVideo(v).ok());
  }

  // Subscribes `events` for `creator_id`, at the receiver unless `url` is
  // given.
  void AddWebhook(const std::string& id, const std::string& creator_id, std::vector<std::string> events,
                  std::string url = "") {
    std::sort(events.begin(), events.end());
    ports::WebhookRecord w;
    w.webhook_id = id;
    w.creator_id = creator_id;
    w.url = url.empty() ? receiver_.Url(id) : url;
    w.secret = "whsec_" + id;
    w.events = std::move(events);
    receiver_.SetSecret(id, w.secret);
    ASSERT_TRUE(store_.CreateWebhook(w).ok());
  }

  void SetStatus(const std::string& video_id, ports::VideoStatus status, std::string_view error = "") {
    ASSERT_TRUE(store_.UpdateVideoStatus(video_id, status, error).ok());
  }

  int FanOut(int batch = 500) {
    WebhookFanout fanout(store_, store_);
    auto n = fanout.RunOnce(batch);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  int Deliver(DeliveryPolicy policy = {}) {
    WebhookDeliverer deliverer(store_, http_, clock_, policy);
    auto n = deliverer.RunOnce();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  std::vector<DeliveryRecord> Deliveries(const std::string& webhook_id) {
    auto list = store_.ListDeliveries(webhook_id, 100);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<DeliveryRecord>{};
  }

  // One pending video.ready delivery to `webhook_id` (creator c1); its id.
  int64_t ReadyDelivery(const std::string& webhook_id) {
    AddWebhook(webhook_id, "c1", {"video.ready"});
    AddVideo("v-" + webhook_id, "c1");
    SetStatus("v-" + webhook_id, ports::VideoStatus::kReady);
    EXPECT_EQ(FanOut(), 1);
    auto list = Deliveries(webhook_id);
    return list.size() == 1 ? list[0].delivery_id : -1;
  }

  DeliveryRecord Get(int64_t delivery_id) {
    auto d = store_.GetDelivery(delivery_id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : DeliveryRecord{};
  }

  void Release() {
    if (!released_) release_.set_value();
    released_ = true;
  }

  ports::FakeClock clock_{kStart};
  adapters::InMemoryStore store_{clock_};
  adapters::CurlHttpClient http_;
  std::promise<void> release_;
  bool released_ = false;
  Receiver receiver_{clock_};  // last: stopped before the store goes
};

// ---- Fan-out -------------------------------------------------------------------

TEST_F(WebhooksTest, FanOutReachesOnlyTheOwnersSubscribedWebhooks) {
  AddWebhook("a_all", "c1", {"video.uploaded", "video.processing", "video.ready", "video.failed",
                             "task.dead_lettered"});
  AddWebhook("a_ready", "c1", {"video.ready"});
  AddWebhook("b_all", "c2", {"video.processing", "video.ready"});
  AddVideo("v1", "c1");                                // video.created: not announced
  SetStatus("v1", ports::VideoStatus::kProbing);       // video.processing
  SetStatus("v1", ports::VideoStatus::kTranscoding);   // not announced
  SetStatus("v1", ports::VideoStatus::kReady);         // video.ready

  EXPECT_EQ(FanOut(), 3);
  auto all = Deliveries("a_all");
  ASSERT_EQ(all.size(), 2u);  // newest first
  EXPECT_EQ(all[0].event_type, "video.ready");
  EXPECT_EQ(all[1].event_type, "video.processing");
  auto ready = Deliveries("a_ready");
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].event_type, "video.ready");
  EXPECT_EQ(ready[0].event_id, all[0].event_id);
  EXPECT_EQ(ready[0].payload_json, all[0].payload_json);
  EXPECT_EQ(ready[0].state, DeliveryState::kPending);
  EXPECT_EQ(ready[0].next_attempt_at, kStart);
  EXPECT_THAT(Deliveries("b_all"), IsEmpty());

  auto events = store_.ReadEvents(ready[0].event_id - 1, 1);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(ready[0].payload_json, WebhookMessageFor(events->front())->body);
}

TEST_F(WebhooksTest, CursorIsDurableAndReRunsAreIdempotent) {
  AddWebhook("a", "c1", {"video.processing", "video.ready", "video.failed"});
  AddVideo("v1", "c1");
  AddVideo("v2", "c1");
  SetStatus("v1", ports::VideoStatus::kProbing);
  SetStatus("v2", ports::VideoStatus::kProbing);
  SetStatus("v1", ports::VideoStatus::kReady);
  SetStatus("v2", ports::VideoStatus::kFailed, "boom");
  auto last = store_.ReadEvents(0, 100);
  ASSERT_TRUE(last.ok());
  const int64_t last_id = last->back().event_id;

  // created, created, probing: one delivery; then a fresh fan-out (a
  // restart) carries on from the stored cursor.
  EXPECT_EQ(FanOut(3), 1);
  EXPECT_EQ(*store_.GetCursor(kWebhookCursor), last->at(2).event_id);
  EXPECT_EQ(FanOut(), 3);
  EXPECT_EQ(*store_.GetCursor(kWebhookCursor), last_id);
  EXPECT_EQ(FanOut(), 0);
  EXPECT_EQ(Deliveries("a").size(), 4u);

  // A crash between enqueueing and moving the cursor re-feeds events whose
  // deliveries exist: nothing is enqueued twice.
  SetStatus("v1", ports::VideoStatus::kProbing);
  auto fresh = store_.ReadEvents(last_id, 1);
  ASSERT_TRUE(fresh.ok());
  auto message = WebhookMessageFor(fresh->front());
  ASSERT_TRUE(message.has_value());
  DeliveryRecord already;
  already.webhook_id = "a";
  already.event_id = message->event_id;
  already.event_type = "video.processing";
  already.payload_json = message->body;
  ASSERT_EQ(*store_.EnqueueDeliveries({already}), 1);
  EXPECT_EQ(FanOut(), 0);
  EXPECT_EQ(Deliveries("a").size(), 5u);
  EXPECT_EQ(*store_.GetCursor(kWebhookCursor), message->event_id);
}

TEST_F(WebhooksTest, FanOutSkipsGoneVideosAndVideosWithoutCreator) {
  AddWebhook("a", "c1", {"video.ready", "task.dead_lettered"});
  ports::Event ghost;
  ghost.video_id = "ghost";
  ghost.type = std::string(ports::kEventTaskDeadLettered);
  ghost.payload_json = R"({"task_id":"ghost/probe","step":"probe","reason":"x"})";
  ASSERT_TRUE(store_.AppendEvent(ghost).ok());
  AddVideo("cli", "");  // submitted from the CLI: nobody's
  SetStatus("cli", ports::VideoStatus::kReady);

  EXPECT_EQ(FanOut(), 0);
  EXPECT_THAT(Deliveries("a"), IsEmpty());
  auto events = store_.ReadEvents(0, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(*store_.GetCursor(kWebhookCursor), events->back().event_id);
}

TEST_F(WebhooksTest, BadBatchOrPolicyIsRefused) {
  WebhookFanout fanout(store_, store_);
  EXPECT_EQ(fanout.RunOnce(0).status().code(), ErrorCode::kInvalidArgument);
  WebhookDeliverer deliverer(store_, http_, clock_);
  EXPECT_EQ(deliverer.RunOnce(0).status().code(), ErrorCode::kInvalidArgument);
  DeliveryPolicy no_time;
  no_time.timeout_ms = 0;
  const int64_t id = ReadyDelivery("patient");
  WebhookDeliverer misconfigured(store_, http_, clock_, no_time);
  EXPECT_EQ(misconfigured.RunOnce().status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Get(id).attempts, 0);
}

// ---- Delivery ------------------------------------------------------------------

TEST_F(WebhooksTest, DeliversASignedRequest) {
  const int64_t id = ReadyDelivery("hook");
  const DeliveryRecord pending = Get(id);

  EXPECT_EQ(Deliver(), 1);
  auto seen = receiver_.Requests("hook");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].signature.ok()) << seen[0].signature.ToString();
  const api::Request& r = seen[0].request;
  EXPECT_EQ(r.body, pending.payload_json);
  EXPECT_EQ(r.headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.Get("User-Agent"), "vtp-webhooks/1");
  EXPECT_EQ(r.headers.Get("Vtp-Event"), "video.ready");
  EXPECT_EQ(r.headers.Get("Vtp-Delivery"), std::to_string(id));
  EXPECT_EQ(r.headers.Get("Vtp-Signature"), service::SignWebhook("whsec_hook", r.body, kStart / 1000));
  // The wrong secret does not verify.
  EXPECT_EQ(service::VerifyWebhook("whsec_other", *r.headers.Get("Vtp-Signature"), r.body, kStart / 1000,
                                   kSignatureTolerance)
                .code(),
            ErrorCode::kCorruptInput);

  const DeliveryRecord done = Get(id);
  EXPECT_EQ(done.state, DeliveryState::kDelivered);
  EXPECT_EQ(done.attempts, 1);
  EXPECT_EQ(done.last_status, 200);
  EXPECT_EQ(done.last_error, "");
  EXPECT_EQ(done.delivered_at, kStart);
  EXPECT_EQ(Deliver(), 0);
  EXPECT_EQ(receiver_.Requests("hook").size(), 1u);
}

TEST_F(WebhooksTest, RetriesOnTheBackoffScheduleUntilDelivered) {
  DeliveryPolicy policy;
  policy.base_delay_ms = 1000;
  policy.max_delay_ms = 60'000;
  const int64_t id = ReadyDelivery("flaky");
  receiver_.Fail("flaky", 2, 500);

  for (int attempt = 1; attempt <= 2; ++attempt) {
    const ports::Millis attempted_at = clock_.NowMillis();
    EXPECT_EQ(Deliver(policy), 1);
    const DeliveryRecord d = Get(id);
    EXPECT_EQ(d.state, DeliveryState::kPending);
    EXPECT_EQ(d.attempts, attempt);
    EXPECT_EQ(d.last_status, 500);
    EXPECT_EQ(d.last_error, "HTTP 500");
    const int64_t delay = service::NextAttemptDelay(attempt, 1000, 60'000, static_cast<uint64_t>(id));
    EXPECT_EQ(d.next_attempt_at, attempted_at + delay);

    // Not due a millisecond early.
    clock_.Advance(delay - 1);
    EXPECT_THAT(*store_.DueDeliveries(10), IsEmpty());
    EXPECT_EQ(Deliver(policy), 0);
    EXPECT_EQ(receiver_.Requests("flaky").size(), static_cast<size_t>(attempt));
    clock_.Advance(1);
    EXPECT_EQ(store_.DueDeliveries(10)->size(), 1u);
  }
  EXPECT_EQ(Deliver(policy), 1);

  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDelivered);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_status, 200);
  EXPECT_EQ(d.last_error, "");
  auto seen = receiver_.Requests("flaky");
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& s : seen) {
    EXPECT_TRUE(s.signature.ok()) << s.signature.ToString();
    EXPECT_EQ(s.request.headers.Get("Vtp-Delivery"), std::to_string(id));
  }
}

TEST_F(WebhooksTest, DeadAfterMaxAttempts) {
  DeliveryPolicy policy;
  policy.max_attempts = 3;
  const int64_t id = ReadyDelivery("down");
  receiver_.Fail("down", 10, 503);

  for (int attempt = 1; attempt <= 3; ++attempt) {
    EXPECT_EQ(Deliver(policy), 1) << attempt;
    clock_.Set(std::max(clock_.NowMillis(), Get(id).next_attempt_at));
  }
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDead);
  EXPECT_EQ(d.attempts, 3);
  EXPECT_EQ(d.last_status, 503);
  EXPECT_EQ(d.last_error, "HTTP 503");
  auto listed = Deliveries("down");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], d);

  clock_.Advance(policy.max_delay_ms * 10);
  EXPECT_EQ(Deliver(policy), 0);
  EXPECT_EQ(receiver_.Requests("down").size(), 3u);
}

TEST_F(WebhooksTest, NoReplyAndTimeoutAreFailedAttempts) {
  DeliveryPolicy policy;
  policy.timeout_ms = 200;
  const int64_t slow = ReadyDelivery("slow");
  std::shared_future<void> released = release_.get_future().share();
  receiver_.Queue("slow", [released] {
    released.wait();
    return 200;
  });
  EXPECT_EQ(Deliver(policy), 1);
  Release();
  DeliveryRecord d = Get(slow);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.last_status, 0);
  EXPECT_EQ(d.last_error, "timed out");

  // A receiver that is not there at all.
  AddWebhook("gone", "c1", {"video.failed"}, "http://127.0.0.1:1/hooks/gone");
  AddVideo("v2", "c1");
  SetStatus("v2", ports::VideoStatus::kFailed, "boom");
  EXPECT_EQ(FanOut(), 1);
  const int64_t refused = Deliveries("gone").at(0).delivery_id;
  EXPECT_EQ(Deliver(policy), 1);
  d = Get(refused);
  EXPECT_EQ(d.state, DeliveryState::kPending);
  EXPECT_EQ(d.last_status, 0);
  EXPECT_THAT(d.last_error, ::testing::HasSubstr("127.0.0.1"));
  EXPECT_GT(d.next_attempt_at, clock_.NowMillis());
}

TEST_F(WebhooksTest, DeletedWebhookDeliversNothing) {
  const int64_t id = ReadyDelivery("bye");
  ASSERT_TRUE(store_.DeleteWebhook("bye").ok());
  EXPECT_EQ(Deliver(), 0);
  EXPECT_THAT(receiver_.Requests("bye"), IsEmpty());
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDead);
  EXPECT_EQ(d.last_error, "webhook deleted");
}

TEST_F(WebhooksTest, WebhookDeletedDuringTheAttempt) {
  const int64_t id = ReadyDelivery("racy");
  receiver_.Queue("racy", [this] {
    EXPECT_TRUE(store_.DeleteWebhook("racy").ok());
    return 500;
  });
  // The attempt settles nothing: the deletion already made it dead.
  EXPECT_EQ(Deliver(), 0);
  EXPECT_EQ(receiver_.Requests("racy").size(), 1u);
  const DeliveryRecord d = Get(id);
  EXPECT_EQ(d.state, DeliveryState::kDead);
  EXPECT_EQ(d.last_error, "webhook deleted");
}

}  // namespace
}  // namespace vtp::control
