// Contract of ports::ServiceStore (see ports/service_store.h), run against
// every adapter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ports/service_store.h"
#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

constexpr Millis kMinute = 60'000;

template <typename Factory>
class ServiceStoreContractTest : public StoreTest<Factory> {
 protected:
  ServiceStore& svc() { return *this->store_; }

  static ApiKeyRecord Key(const std::string& key_id, const std::string& role = "creator") {
    ApiKeyRecord k;
    k.key_id = key_id;
    k.secret_hash = "hash-of-" + key_id;
    k.role = role;
    k.creator_id = "creator-1";
    k.name = "laptop";
    return k;
  }

  static UploadRecord Upload(const std::string& upload_id, const std::string& video_id,
                             uint64_t length) {
    UploadRecord u;
    u.upload_id = upload_id;
    u.video_id = video_id;
    u.creator_id = "creator-1";
    u.length = length;
    u.filename = "holiday.mp4";
    u.content_type = "video/mp4";
    u.title = "Holiday";
    u.metadata_json = R"({"filename":"holiday.mp4"})";
    u.options_json = R"({"ladder":"standard"})";
    return u;
  }

  // The video an upload becomes.
  static VideoRecord VideoOf(const UploadRecord& u) {
    VideoRecord v;
    v.video_id = u.video_id;
    v.creator_id = u.creator_id;
    v.title = u.title;
    v.original_key = "originals/" + u.video_id + "/original.mp4";
    v.file_size_bytes = static_cast<int64_t>(u.length);
    v.options_json = u.options_json;
    return v;
  }

  void MustCreateUpload(const UploadRecord& u) {
    Status created = svc().CreateUpload(u);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  // Creates the upload and receives all of its bytes.
  void MustFillUpload(const UploadRecord& u) {
    MustCreateUpload(u);
    if (u.length > 0) {
      ASSERT_TRUE(svc().AdvanceUpload(u.upload_id, 0, u.length).ok());
    }
  }

  UploadRecord MustGetUpload(const std::string& upload_id) {
    auto u = svc().GetUpload(upload_id);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : UploadRecord{};
  }

  static WebhookRecord Hook(const std::string& webhook_id, const std::string& creator_id) {
    WebhookRecord w;
    w.webhook_id = webhook_id;
    w.creator_id = creator_id;
    w.url = "https://example.com/hooks/" + webhook_id;
    w.secret = "whsec_" + webhook_id;
    w.events = {"video.ready"};
    return w;
  }

  static DeliveryRecord Delivery(const std::string& webhook_id, int64_t event_id) {
    DeliveryRecord d;
    d.webhook_id = webhook_id;
    d.event_id = event_id;
    d.event_type = "video.ready";
    d.payload_json = R"({"event_id":)" + std::to_string(event_id) + "}";
    return d;
  }

  void MustCreateWebhook(const WebhookRecord& w) {
    Status created = svc().CreateWebhook(w);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  void MustEnqueue(const std::vector<DeliveryRecord>& deliveries, int expected) {
    auto inserted = svc().EnqueueDeliveries(deliveries);
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    ASSERT_EQ(*inserted, expected);
  }

  // The delivery ids of `webhook_id`, newest first.
  std::vector<int64_t> DeliveryIds(const std::string& webhook_id) {
    auto list = svc().ListDeliveries(webhook_id, 100);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<int64_t> ids;
    if (list.ok()) {
      for (const DeliveryRecord& d : *list) ids.push_back(d.delivery_id);
    }
    return ids;
  }

  std::vector<int64_t> DueIds(int limit = 100) {
    auto due = svc().DueDeliveries(limit);
    EXPECT_TRUE(due.ok()) << due.status().ToString();
    std::vector<int64_t> ids;
    if (due.ok()) {
      for (const DeliveryRecord& d : *due) ids.push_back(d.delivery_id);
    }
    return ids;
  }

  DeliveryRecord MustGetDelivery(int64_t delivery_id) {
    auto d = svc().GetDelivery(delivery_id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : DeliveryRecord{};
  }

  void AddVideoBy(const std::string& video_id, const std::string& creator_id) {
    VideoRecord v;
    v.video_id = video_id;
    v.creator_id = creator_id;
    v.original_key = "originals/" + video_id + "/original.mp4";
    Status created = this->meta().CreateVideo(v);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }

  std::vector<std::string> Page(const VideoPageQuery& query) {
    auto page = svc().ListVideoPage(query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const VideoRecord& v : *page) ids.push_back(v.video_id);
    }
    return ids;
  }

  std::vector<Event> AllEvents() {
    auto events = this->meta().ReadEvents(0, 1000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<Event>{};
  }
};
TYPED_TEST_SUITE(ServiceStoreContractTest, SqlStoreFactories, StoreFactoryNames);

// ---- API keys ----------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, CreatedApiKeyReadsBackStampedWithNow) {
  ApiKeyRecord k = TestFixture::Key("0123456789ab", "admin");
  k.created_at = 1;  // ignored: the store stamps it
  k.revoked_at = 2;  // ignored: a new key is not revoked
  ASSERT_TRUE(this->svc().CreateApiKey(k).ok());
  auto got = this->svc().GetApiKey("0123456789ab");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ApiKeyRecord expected = k;
  expected.created_at = this->now();
  expected.revoked_at.reset();
  EXPECT_EQ(*got, expected);
  EXPECT_EQ(this->svc().GetApiKey("ffffffffffff").status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(ServiceStoreContractTest, CreateApiKeyRejectsDuplicatesAndMalformedKeys) {
  ASSERT_TRUE(this->svc().CreateApiKey(TestFixture::Key("k1")).ok());
  EXPECT_EQ(this->svc().CreateApiKey(TestFixture::Key("k1")).code(), ErrorCode::kAlreadyExists);

  ApiKeyRecord no_id = TestFixture::Key("");
  ApiKeyRecord no_hash = TestFixture::Key("k2");
  no_hash.secret_hash.clear();
  ApiKeyRecord no_creator = TestFixture::Key("k3");
  no_creator.creator_id.clear();
  ApiKeyRecord bad_role = TestFixture::Key("k4", "root");
  for (const ApiKeyRecord& k : {no_id, no_hash, no_creator, bad_role}) {
    EXPECT_EQ(this->svc().CreateApiKey(k).code(), ErrorCode::kInvalidArgument) << k.key_id;
  }
  auto keys = this->svc().ListApiKeys();
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 1u);
}

TYPED_TEST(ServiceStoreContractTest, ListApiKeysIsOldestFirstWithRevokedKeys) {
  ASSERT_TRUE(this->svc().CreateApiKey(TestFixture::Key("zz")).ok());
  this->clock_.Advance(10);
  ASSERT_TRUE(this->svc().CreateApiKey(TestFixture::Key("aa")).ok());
  ASSERT_TRUE(this->svc().RevokeApiKey("zz").ok());
  auto keys = this->svc().ListApiKeys();
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].key_id, "zz");
  EXPECT_TRUE((*keys)[0].revoked_at.has_value());
  EXPECT_EQ((*keys)[1].key_id, "aa");
  EXPECT_FALSE((*keys)[1].revoked_at.has_value());
}

TYPED_TEST(ServiceStoreContractTest, RevokeApiKeyIsIdempotentAndKeepsTheFirstTime) {
  ASSERT_TRUE(this->svc().CreateApiKey(TestFixture::Key("k1")).ok());
  this->clock_.Advance(100);
  Millis revoked = this->now();
  ASSERT_TRUE(this->svc().RevokeApiKey("k1").ok());
  this->clock_.Advance(100);
  ASSERT_TRUE(this->svc().RevokeApiKey("k1").ok());
  auto got = this->svc().GetApiKey("k1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->revoked_at, revoked);
  EXPECT_EQ(this->svc().RevokeApiKey("missing").code(), ErrorCode::kNotFound);
}

// ---- Uploads -----------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, CreateUploadStartsUploadingAtOffsetZero) {
  UploadRecord u = TestFixture::Upload("u1", "v1", 1000);
  u.expires_at = this->now() + kMinute;
  u.offset = 500;                     // ignored
  u.state = UploadState::kCompleted;  // ignored
  u.sha256 = "abc";                   // ignored: set by CompleteUpload
  u.completed_at = 3;                 // ignored
  this->MustCreateUpload(u);

  UploadRecord expected = u;
  expected.offset = 0;
  expected.state = UploadState::kUploading;
  expected.sha256.clear();
  expected.created_at = this->now();
  expected.completed_at.reset();
  EXPECT_EQ(this->MustGetUpload("u1"), expected);
  auto by_video = this->svc().GetUploadByVideo("v1");
  ASSERT_TRUE(by_video.ok()) << by_video.status().ToString();
  EXPECT_EQ(*by_video, expected);
  EXPECT_EQ(this->svc().GetUpload("u9").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->svc().GetUploadByVideo("v9").status().code(), ErrorCode::kNotFound);

  // A zero-length upload is inserted uploading too: the caller completes it.
  this->MustCreateUpload(TestFixture::Upload("u0", "v0", 0));
  EXPECT_EQ(this->MustGetUpload("u0").state, UploadState::kUploading);
}

TYPED_TEST(ServiceStoreContractTest, CreateUploadRejectsTakenIdsAndMalformedUploads) {
  this->MustCreateUpload(TestFixture::Upload("u1", "v1", 10));
  EXPECT_EQ(this->svc().CreateUpload(TestFixture::Upload("u1", "v2", 10)).code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->svc().CreateUpload(TestFixture::Upload("u2", "v1", 10)).code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(this->svc().CreateUpload(TestFixture::Upload("", "v3", 10)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().CreateUpload(TestFixture::Upload("u3", "", 10)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().GetUpload("u2").status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(ServiceStoreContractTest, AdvanceUploadIsACompareAndSetOfTheOffset) {
  this->MustCreateUpload(TestFixture::Upload("u1", "v1", 10));
  ASSERT_TRUE(this->svc().AdvanceUpload("u1", 0, 4).ok());
  EXPECT_EQ(this->MustGetUpload("u1").offset, 4u);

  // The expectation no longer holds (another request got there first).
  EXPECT_EQ(this->svc().AdvanceUpload("u1", 0, 6).code(), ErrorCode::kInvalidArgument);
  // new_offset must be in (expected, length].
  EXPECT_EQ(this->svc().AdvanceUpload("u1", 4, 4).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().AdvanceUpload("u1", 4, 3).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().AdvanceUpload("u1", 4, 11).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->MustGetUpload("u1").offset, 4u);

  ASSERT_TRUE(this->svc().AdvanceUpload("u1", 4, 10).ok());
  EXPECT_EQ(this->MustGetUpload("u1").offset, 10u);
  EXPECT_EQ(this->svc().AdvanceUpload("missing", 0, 1).code(), ErrorCode::kNotFound);

  // Not uploading any more.
  this->MustCreateUpload(TestFixture::Upload("u2", "v2", 10));
  ASSERT_TRUE(this->svc().TerminateUpload("u2").ok());
  EXPECT_EQ(this->svc().AdvanceUpload("u2", 0, 5).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->MustGetUpload("u2").offset, 0u);
}

TYPED_TEST(ServiceStoreContractTest, CompleteUploadCreatesTheVideoAndBothEventsAtOnce) {
  UploadRecord u = TestFixture::Upload("u1", "v1", 2048);
  this->MustFillUpload(u);
  this->clock_.Advance(5'000);
  VideoRecord video = TestFixture::VideoOf(u);
  Status completed = this->svc().CompleteUpload("u1", "sha-of-bytes", video);
  ASSERT_TRUE(completed.ok()) << completed.ToString();

  // The video row is what CreateVideo would insert.
  auto got = this->meta().GetVideo("v1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  VideoRecord expected_video = video;
  expected_video.created_at = this->now();
  EXPECT_EQ(*got, expected_video);

  UploadRecord done = this->MustGetUpload("u1");
  EXPECT_EQ(done.state, UploadState::kCompleted);
  EXPECT_EQ(done.sha256, "sha-of-bytes");
  EXPECT_EQ(done.completed_at, this->now());

  std::vector<Event> events = this->AllEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, kEventVideoCreated);
  EXPECT_EQ(events[0].video_id, "v1");
  EXPECT_EQ(events[1].type, kEventVideoUploaded);
  EXPECT_EQ(events[1].video_id, "v1");
  EXPECT_EQ(events[1].created_at, this->now());
  EXPECT_EQ(nlohmann::json::parse(events[1].payload_json),
            (nlohmann::json{{"upload_id", "u1"}, {"sha256", "sha-of-bytes"}, {"bytes", 2048}}));
}

TYPED_TEST(ServiceStoreContractTest, CompleteUploadRefusesUploadsThatCannotComplete) {
  UploadRecord partial = TestFixture::Upload("u1", "v1", 10);
  this->MustCreateUpload(partial);
  ASSERT_TRUE(this->svc().AdvanceUpload("u1", 0, 9).ok());
  EXPECT_EQ(this->svc().CompleteUpload("u1", "sha", TestFixture::VideoOf(partial)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().CompleteUpload("missing", "sha", TestFixture::VideoOf(partial)).code(),
            ErrorCode::kNotFound);

  // The upload becomes its own video, not another.
  ASSERT_TRUE(this->svc().AdvanceUpload("u1", 9, 10).ok());
  VideoRecord other = TestFixture::VideoOf(partial);
  other.video_id = "v-other";
  EXPECT_EQ(this->svc().CompleteUpload("u1", "sha", other).code(), ErrorCode::kInvalidArgument);
  VideoRecord malformed = TestFixture::VideoOf(partial);
  malformed.original_key.clear();
  EXPECT_EQ(this->svc().CompleteUpload("u1", "sha", malformed).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->meta().GetVideo("v1").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->AllEvents().empty());

  ASSERT_TRUE(this->svc().CompleteUpload("u1", "sha", TestFixture::VideoOf(partial)).ok());
  // Completed once: neither again nor terminated.
  EXPECT_EQ(this->svc().CompleteUpload("u1", "sha", TestFixture::VideoOf(partial)).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->AllEvents().size(), 2u);

  UploadRecord terminated = TestFixture::Upload("u2", "v2", 0);
  this->MustCreateUpload(terminated);
  ASSERT_TRUE(this->svc().TerminateUpload("u2").ok());
  EXPECT_EQ(this->svc().CompleteUpload("u2", "sha", TestFixture::VideoOf(terminated)).code(),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(ServiceStoreContractTest, CompleteUploadOfAnExistingVideoLeavesNoTrace) {
  UploadRecord u = TestFixture::Upload("u1", "v1", 0);
  this->MustCreateUpload(u);
  this->AddVideoBy("v1", "creator-1");
  size_t events_before = this->AllEvents().size();
  EXPECT_EQ(this->svc().CompleteUpload("u1", "sha", TestFixture::VideoOf(u)).code(),
            ErrorCode::kAlreadyExists);
  UploadRecord after = this->MustGetUpload("u1");
  EXPECT_EQ(after.state, UploadState::kUploading);
  EXPECT_EQ(after.sha256, "");
  EXPECT_EQ(this->AllEvents().size(), events_before);
}

TYPED_TEST(ServiceStoreContractTest, TerminateUploadEndsOnlyUnfinishedUploads) {
  this->MustCreateUpload(TestFixture::Upload("u1", "v1", 10));
  ASSERT_TRUE(this->svc().TerminateUpload("u1").ok());
  EXPECT_EQ(this->MustGetUpload("u1").state, UploadState::kTerminated);
  EXPECT_EQ(this->svc().TerminateUpload("missing").code(), ErrorCode::kNotFound);

  UploadRecord done = TestFixture::Upload("u2", "v2", 0);
  this->MustCreateUpload(done);
  ASSERT_TRUE(this->svc().CompleteUpload("u2", "sha", TestFixture::VideoOf(done)).ok());
  EXPECT_EQ(this->svc().TerminateUpload("u2").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->MustGetUpload("u2").state, UploadState::kCompleted);
}

TYPED_TEST(ServiceStoreContractTest, ListExpiredUploadsFindsUploadingOnesPastTheirExpiry) {
  Millis t0 = this->now();
  auto with_expiry = [&](const std::string& id, Millis expires_at) {
    UploadRecord u = TestFixture::Upload(id, "v-" + id, 10);
    u.expires_at = expires_at;
    this->MustCreateUpload(u);
  };
  with_expiry("never", 0);
  with_expiry("later", t0 + 3 * kMinute);
  with_expiry("second", t0 + 2 * kMinute);
  with_expiry("first", t0 + kMinute);
  with_expiry("gone", t0 + kMinute);
  ASSERT_TRUE(this->svc().TerminateUpload("gone").ok());

  auto ids = [&](Millis now, int limit) {
    auto expired = this->svc().ListExpiredUploads(now, limit);
    EXPECT_TRUE(expired.ok()) << expired.status().ToString();
    std::vector<std::string> out;
    if (expired.ok()) {
      for (const UploadRecord& u : *expired) out.push_back(u.upload_id);
    }
    return out;
  };
  EXPECT_EQ(ids(t0, 10), std::vector<std::string>{});
  EXPECT_EQ(ids(t0 + 2 * kMinute, 10), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(ids(t0 + 2 * kMinute, 1), (std::vector<std::string>{"first"}));
  EXPECT_EQ(this->svc().ListExpiredUploads(t0, 0).status().code(), ErrorCode::kInvalidArgument);
}

// ---- Idempotency -------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, BeginIdempotentReservesThenReplays) {
  auto first = this->svc().BeginIdempotent("k1", "idem-1", "fp-a");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->has_value());
  Millis reserved_at = this->now();

  // In progress: the reservation comes back with status 0.
  this->clock_.Advance(10);
  auto busy = this->svc().BeginIdempotent("k1", "idem-1", "fp-a");
  ASSERT_TRUE(busy.ok());
  ASSERT_TRUE(busy->has_value());
  EXPECT_EQ((*busy)->status, 0);
  EXPECT_EQ((*busy)->fingerprint, "fp-a");
  EXPECT_EQ((*busy)->created_at, reserved_at);

  ASSERT_TRUE(this->svc().FinishIdempotent("k1", "idem-1", 201, R"({"body":"{}"})").ok());
  auto replay = this->svc().BeginIdempotent("k1", "idem-1", "fp-a");
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay->has_value());
  IdempotencyRecord expected{"k1", "idem-1", "fp-a", 201, R"({"body":"{}"})", reserved_at};
  EXPECT_EQ(**replay, expected);

  // A different request under the same key gets the stored record to refuse.
  auto other = this->svc().BeginIdempotent("k1", "idem-1", "fp-b");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->has_value());
  EXPECT_EQ((*other)->fingerprint, "fp-a");
}

TYPED_TEST(ServiceStoreContractTest, IdempotencyKeysAreScopedPerCaller) {
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "same", "fp-a").ok());
  ASSERT_TRUE(this->svc().FinishIdempotent("k1", "same", 200, "{}").ok());
  auto other_scope = this->svc().BeginIdempotent("k2", "same", "fp-b");
  ASSERT_TRUE(other_scope.ok());
  EXPECT_FALSE(other_scope->has_value());
  EXPECT_EQ(this->svc().BeginIdempotent("", "same", "fp").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().BeginIdempotent("k1", "", "fp").status().code(),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(ServiceStoreContractTest, FinishIdempotentNeedsAReservation) {
  EXPECT_EQ(this->svc().FinishIdempotent("k1", "none", 200, "{}").code(), ErrorCode::kNotFound);
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "idem", "fp").ok());
  EXPECT_EQ(this->svc().FinishIdempotent("k1", "idem", 0, "{}").code(),
            ErrorCode::kInvalidArgument);
  ASSERT_TRUE(this->svc().FinishIdempotent("k1", "idem", 202, "{\"a\":1}").ok());
  // Finished: the stored response stays as it was.
  EXPECT_EQ(this->svc().FinishIdempotent("k1", "idem", 500, "{}").code(), ErrorCode::kNotFound);
  auto stored = this->svc().BeginIdempotent("k1", "idem", "fp");
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->status, 202);
  EXPECT_EQ((*stored)->response_json, "{\"a\":1}");
}

TYPED_TEST(ServiceStoreContractTest, AbandonIdempotentDropsOnlyAReservation) {
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "idem", "fp").ok());
  ASSERT_TRUE(this->svc().AbandonIdempotent("k1", "idem").ok());
  auto again = this->svc().BeginIdempotent("k1", "idem", "fp");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());  // reserved afresh

  ASSERT_TRUE(this->svc().FinishIdempotent("k1", "idem", 200, "{}").ok());
  ASSERT_TRUE(this->svc().AbandonIdempotent("k1", "idem").ok());
  auto kept = this->svc().BeginIdempotent("k1", "idem", "fp");
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(kept->has_value());
  EXPECT_EQ((*kept)->status, 200);
  EXPECT_TRUE(this->svc().AbandonIdempotent("k1", "never-begun").ok());
}

TYPED_TEST(ServiceStoreContractTest, PurgeIdempotentRemovesRecordsCreatedBeforeTheCutoff) {
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "old", "fp").ok());
  ASSERT_TRUE(this->svc().FinishIdempotent("k1", "old", 200, "{}").ok());
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "old-busy", "fp").ok());
  this->clock_.Advance(kMinute);
  Millis cutoff = this->now();
  ASSERT_TRUE(this->svc().BeginIdempotent("k1", "new", "fp").ok());

  auto purged = this->svc().PurgeIdempotent(cutoff);
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 2);
  auto old = this->svc().BeginIdempotent("k1", "old", "fp");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->has_value());
  auto fresh = this->svc().BeginIdempotent("k1", "new", "fp");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(fresh->has_value());
  EXPECT_EQ(*this->svc().PurgeIdempotent(cutoff), 0);
}

// ---- Webhooks ----------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, CreatedWebhookReadsBackWithSortedUniqueEvents) {
  WebhookRecord w = TestFixture::Hook("wh1", "creator-1");
  w.events = {"video.ready", "video.failed", "video.ready"};
  w.created_at = 1;  // ignored
  this->MustCreateWebhook(w);
  auto got = this->svc().GetWebhook("wh1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  WebhookRecord expected = w;
  expected.events = {"video.failed", "video.ready"};
  expected.created_at = this->now();
  EXPECT_EQ(*got, expected);
  EXPECT_EQ(this->svc().GetWebhook("missing").status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(ServiceStoreContractTest, CreateWebhookRejectsDuplicatesAndMalformedWebhooks) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  EXPECT_EQ(this->svc().CreateWebhook(TestFixture::Hook("wh1", "c1")).code(),
            ErrorCode::kAlreadyExists);
  WebhookRecord no_url = TestFixture::Hook("wh2", "c1");
  no_url.url.clear();
  WebhookRecord no_secret = TestFixture::Hook("wh3", "c1");
  no_secret.secret.clear();
  WebhookRecord no_creator = TestFixture::Hook("wh4", "");
  WebhookRecord no_events = TestFixture::Hook("wh5", "c1");
  no_events.events.clear();
  for (const WebhookRecord& w : {no_url, no_secret, no_creator, no_events}) {
    EXPECT_EQ(this->svc().CreateWebhook(w).code(), ErrorCode::kInvalidArgument) << w.webhook_id;
  }
}

TYPED_TEST(ServiceStoreContractTest, ListWebhooksIsPerCreatorOldestFirst) {
  this->MustCreateWebhook(TestFixture::Hook("wh-z", "c1"));
  this->clock_.Advance(10);
  this->MustCreateWebhook(TestFixture::Hook("wh-a", "c2"));
  this->clock_.Advance(10);
  this->MustCreateWebhook(TestFixture::Hook("wh-m", "c1"));
  auto ids = [&](const std::string& creator) {
    auto list = this->svc().ListWebhooks(creator);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    std::vector<std::string> out;
    if (list.ok()) {
      for (const WebhookRecord& w : *list) out.push_back(w.webhook_id);
    }
    return out;
  };
  EXPECT_EQ(ids("c1"), (std::vector<std::string>{"wh-z", "wh-m"}));
  EXPECT_EQ(ids(""), (std::vector<std::string>{"wh-z", "wh-a", "wh-m"}));
  EXPECT_EQ(ids("c9"), std::vector<std::string>{});
}

TYPED_TEST(ServiceStoreContractTest, EnqueueDeliveriesSkipsEventsAlreadyQueuedPerWebhook) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  this->MustCreateWebhook(TestFixture::Hook("wh2", "c1"));
  this->MustEnqueue({TestFixture::Delivery("wh1", 7), TestFixture::Delivery("wh1", 8)}, 2);
  // Re-feeding an event is a no-op; the same event for another webhook is not.
  this->MustEnqueue({TestFixture::Delivery("wh1", 7), TestFixture::Delivery("wh2", 7)}, 1);
  this->MustEnqueue({TestFixture::Delivery("wh2", 9), TestFixture::Delivery("wh2", 9)}, 1);

  std::vector<int64_t> wh1 = this->DeliveryIds("wh1");
  ASSERT_EQ(wh1.size(), 2u);
  DeliveryRecord d = this->MustGetDelivery(wh1[1]);
  DeliveryRecord expected = TestFixture::Delivery("wh1", 7);
  expected.delivery_id = wh1[1];
  expected.state = DeliveryState::kPending;
  expected.next_attempt_at = this->now();
  expected.created_at = this->now();
  EXPECT_EQ(d, expected);
  EXPECT_EQ(this->DeliveryIds("wh2").size(), 2u);

  // All or nothing: an unknown webhook inserts none of the batch.
  auto unknown = this->svc().EnqueueDeliveries(
      {TestFixture::Delivery("wh1", 10), TestFixture::Delivery("nope", 10)});
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->DeliveryIds("wh1").size(), 2u);
}

TYPED_TEST(ServiceStoreContractTest, DueDeliveriesArePendingOnesDueNowEarliestFirst) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  this->MustEnqueue({TestFixture::Delivery("wh1", 1), TestFixture::Delivery("wh1", 2),
                     TestFixture::Delivery("wh1", 3)},
                    3);
  std::vector<int64_t> ids = this->DeliveryIds("wh1");  // newest first
  ASSERT_EQ(ids.size(), 3u);
  int64_t d1 = ids[2], d2 = ids[1], d3 = ids[0];
  EXPECT_LT(d1, d2);
  EXPECT_LT(d2, d3);
  EXPECT_EQ(this->DueIds(), (std::vector<int64_t>{d1, d2, d3}));
  EXPECT_EQ(this->DueIds(2), (std::vector<int64_t>{d1, d2}));

  Millis t0 = this->now();
  ASSERT_TRUE(this->svc().RecordDeliveryAttempt(d1, {false, 503, "busy", t0 + 10'000}).ok());
  ASSERT_TRUE(this->svc().RecordDeliveryAttempt(d3, {true, 200, "", std::nullopt}).ok());
  EXPECT_EQ(this->DueIds(), (std::vector<int64_t>{d2}));
  this->clock_.Advance(9'999);
  EXPECT_EQ(this->DueIds(), (std::vector<int64_t>{d2}));
  this->clock_.Advance(1);
  EXPECT_EQ(this->DueIds(), (std::vector<int64_t>{d2, d1}));
  EXPECT_EQ(this->svc().DueDeliveries(0).status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(ServiceStoreContractTest, RecordDeliveryAttemptDeliversRetriesOrKills) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  this->MustEnqueue({TestFixture::Delivery("wh1", 1), TestFixture::Delivery("wh1", 2)}, 2);
  std::vector<int64_t> ids = this->DeliveryIds("wh1");
  int64_t first = ids[1], second = ids[0];

  this->clock_.Advance(100);
  Millis retry_at = this->now() + kMinute;
  ASSERT_TRUE(
      this->svc().RecordDeliveryAttempt(first, {false, 500, "server error", retry_at}).ok());
  DeliveryRecord retrying = this->MustGetDelivery(first);
  EXPECT_EQ(retrying.state, DeliveryState::kPending);
  EXPECT_EQ(retrying.attempts, 1);
  EXPECT_EQ(retrying.next_attempt_at, retry_at);
  EXPECT_EQ(retrying.last_status, 500);
  EXPECT_EQ(retrying.last_error, "server error");

  this->clock_.Advance(kMinute);
  ASSERT_TRUE(this->svc().RecordDeliveryAttempt(first, {true, 204, "", std::nullopt}).ok());
  DeliveryRecord delivered = this->MustGetDelivery(first);
  EXPECT_EQ(delivered.state, DeliveryState::kDelivered);
  EXPECT_EQ(delivered.attempts, 2);
  EXPECT_EQ(delivered.last_status, 204);
  EXPECT_EQ(delivered.last_error, "");
  EXPECT_EQ(delivered.delivered_at, this->now());

  ASSERT_TRUE(this->svc().RecordDeliveryAttempt(second, {false, 0, "timeout", std::nullopt}).ok());
  DeliveryRecord dead = this->MustGetDelivery(second);
  EXPECT_EQ(dead.state, DeliveryState::kDead);
  EXPECT_EQ(dead.attempts, 1);
  EXPECT_EQ(dead.last_status, 0);
  EXPECT_EQ(dead.last_error, "timeout");
  EXPECT_FALSE(dead.delivered_at.has_value());

  // Only a pending delivery takes an attempt.
  EXPECT_EQ(this->svc().RecordDeliveryAttempt(first, {true, 200, "", std::nullopt}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().RecordDeliveryAttempt(second, {true, 200, "", std::nullopt}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->MustGetDelivery(first).attempts, 2);
  EXPECT_EQ(this->svc().RecordDeliveryAttempt(999'999, {true, 200, "", std::nullopt}).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(this->svc().GetDelivery(999'999).status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(ServiceStoreContractTest, DeleteWebhookKillsItsPendingDeliveries) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  this->MustCreateWebhook(TestFixture::Hook("wh2", "c1"));
  this->MustEnqueue({TestFixture::Delivery("wh1", 1), TestFixture::Delivery("wh1", 2),
                     TestFixture::Delivery("wh2", 1)},
                    3);
  std::vector<int64_t> ids = this->DeliveryIds("wh1");
  int64_t delivered = ids[1], pending = ids[0];
  ASSERT_TRUE(this->svc().RecordDeliveryAttempt(delivered, {true, 200, "", std::nullopt}).ok());

  ASSERT_TRUE(this->svc().DeleteWebhook("wh1").ok());
  EXPECT_EQ(this->svc().GetWebhook("wh1").status().code(), ErrorCode::kNotFound);
  DeliveryRecord killed = this->MustGetDelivery(pending);
  EXPECT_EQ(killed.state, DeliveryState::kDead);
  EXPECT_EQ(killed.last_error, "webhook deleted");
  EXPECT_EQ(this->MustGetDelivery(delivered).state, DeliveryState::kDelivered);
  EXPECT_EQ(this->DeliveryIds("wh1").size(), 2u);  // still listed
  EXPECT_EQ(this->DueIds().size(), 1u);            // wh2's only

  EXPECT_EQ(this->svc().DeleteWebhook("wh1").code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->svc().EnqueueDeliveries({TestFixture::Delivery("wh1", 3)}).status().code(),
            ErrorCode::kNotFound);
}

TYPED_TEST(ServiceStoreContractTest, ListDeliveriesIsNewestFirstUpToTheLimit) {
  this->MustCreateWebhook(TestFixture::Hook("wh1", "c1"));
  this->MustCreateWebhook(TestFixture::Hook("wh2", "c1"));
  for (int64_t event = 1; event <= 4; ++event) {
    this->MustEnqueue({TestFixture::Delivery("wh1", event), TestFixture::Delivery("wh2", event)},
                      2);
    this->clock_.Advance(10);
  }
  auto list = this->svc().ListDeliveries("wh1", 3);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::vector<int64_t> events;
  for (const DeliveryRecord& d : *list) {
    EXPECT_EQ(d.webhook_id, "wh1");
    events.push_back(d.event_id);
  }
  EXPECT_EQ(events, (std::vector<int64_t>{4, 3, 2}));
  EXPECT_TRUE(this->DeliveryIds("unknown").empty());
  EXPECT_EQ(this->svc().ListDeliveries("wh1", 0).status().code(), ErrorCode::kInvalidArgument);
}

// ---- Views -------------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, ViewsCountTotalAndTheFirstHour) {
  this->AddVideoBy("v1", "c1");
  auto tally = [&] {
    auto got = this->svc().GetViews("v1");
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : ServiceStore::ViewTally{-1, -1};
  };
  EXPECT_EQ(tally(), (ServiceStore::ViewTally{0, 0}));

  auto added = this->svc().AddViews("v1", 3);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 3);
  this->clock_.Advance(59 * kMinute + 59'999);  // still within the first hour
  EXPECT_EQ(*this->svc().AddViews("v1", 2), 5);
  EXPECT_EQ(*this->svc().AddViews("v1", 1), 6);  // same minute bucket
  this->clock_.Advance(1);                       // minute 60: after the first hour
  EXPECT_EQ(*this->svc().AddViews("v1", 4), 10);
  this->clock_.Advance(24 * 60 * kMinute);
  EXPECT_EQ(*this->svc().AddViews("v1", 10), 20);
  EXPECT_EQ(tally(), (ServiceStore::ViewTally{20, 6}));

  EXPECT_EQ(this->svc().AddViews("v1", 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().AddViews("v1", -2).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->svc().AddViews("missing", 1).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->svc().GetViews("missing").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(tally(), (ServiceStore::ViewTally{20, 6}));
}

// ---- Videos by owner -----------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, ListVideoPageIsNewestFirstPerCreator) {
  this->AddVideoBy("a-old", "alice");
  this->clock_.Advance(10);
  this->AddVideoBy("b-mid", "bob");
  this->clock_.Advance(10);
  this->AddVideoBy("a-new1", "alice");
  this->AddVideoBy("a-new2", "alice");  // same created_at: video_id DESC breaks the tie

  VideoPageQuery alice;
  alice.creator_id = "alice";
  EXPECT_EQ(this->Page(alice), (std::vector<std::string>{"a-new2", "a-new1", "a-old"}));
  VideoPageQuery everyone;
  EXPECT_EQ(this->Page(everyone), (std::vector<std::string>{"a-new2", "a-new1", "b-mid", "a-old"}));
  VideoPageQuery nobody;
  nobody.creator_id = "carol";
  EXPECT_EQ(this->Page(nobody), std::vector<std::string>{});

  auto page = this->svc().ListVideoPage(alice);
  ASSERT_TRUE(page.ok());
  auto whole = this->meta().GetVideo("a-new2");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(page->front(), *whole);  // full records
}

TYPED_TEST(ServiceStoreContractTest, ListVideoPageFiltersStatusAndHidesRemovedVideos) {
  this->AddVideoBy("v1", "alice");
  this->clock_.Advance(10);
  this->AddVideoBy("v2", "alice");
  this->clock_.Advance(10);
  this->AddVideoBy("v3", "alice");
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kReady, "").ok());
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v2", VideoStatus::kRemoved, "").ok());

  VideoPageQuery q;
  q.creator_id = "alice";
  EXPECT_EQ(this->Page(q), (std::vector<std::string>{"v3", "v1"}));
  q.include_removed = true;
  EXPECT_EQ(this->Page(q), (std::vector<std::string>{"v3", "v2", "v1"}));
  q.include_removed = false;
  q.status = VideoStatus::kReady;
  EXPECT_EQ(this->Page(q), (std::vector<std::string>{"v1"}));
  // Asking for removed videos by status is asking for them.
  q.status = VideoStatus::kRemoved;
  EXPECT_EQ(this->Page(q), (std::vector<std::string>{"v2"}));
  VideoPageQuery admin;
  admin.status = VideoStatus::kUploaded;
  EXPECT_EQ(this->Page(admin), (std::vector<std::string>{"v3"}));
}

TYPED_TEST(ServiceStoreContractTest, ListVideoPageContinuesAfterACursor) {
  // created_at: v1 < v2 == v3 == v4 < v5 (ties exercise the video_id half).
  this->AddVideoBy("v1", "alice");
  this->clock_.Advance(10);
  this->AddVideoBy("v2", "alice");
  this->AddVideoBy("v3", "alice");
  this->AddVideoBy("v4", "alice");
  this->AddVideoBy("b1", "bob");
  this->clock_.Advance(10);
  this->AddVideoBy("v5", "alice");

  VideoPageQuery q;
  q.creator_id = "alice";
  q.limit = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = this->svc().ListVideoPage(q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (const VideoRecord& v : *page) seen.push_back(v.video_id);
    q.after = std::make_pair(page->back().created_at, page->back().video_id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"v5", "v4", "v3", "v2", "v1"}));
}

TYPED_TEST(ServiceStoreContractTest, ListVideoPageLimitIsOneToAThousand) {
  this->AddVideoBy("v1", "alice");
  this->AddVideoBy("v2", "alice");
  VideoPageQuery q;
  q.limit = 1;
  EXPECT_EQ(this->Page(q), (std::vector<std::string>{"v2"}));
  q.limit = 1000;
  EXPECT_EQ(this->Page(q).size(), 2u);
  for (int bad : {0, -1, 1001}) {
    q.limit = bad;
    EXPECT_EQ(this->svc().ListVideoPage(q).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

// ---- Cursors -------------------------------------------------------------------

TYPED_TEST(ServiceStoreContractTest, CursorsOnlyMoveForward) {
  EXPECT_EQ(*this->svc().GetCursor("webhooks"), 0);
  ASSERT_TRUE(this->svc().SetCursor("webhooks", 5).ok());
  EXPECT_EQ(*this->svc().GetCursor("webhooks"), 5);
  ASSERT_TRUE(this->svc().SetCursor("webhooks", 3).ok());  // ignored
  EXPECT_EQ(*this->svc().GetCursor("webhooks"), 5);
  ASSERT_TRUE(this->svc().SetCursor("webhooks", 9).ok());
  EXPECT_EQ(*this->svc().GetCursor("webhooks"), 9);
  EXPECT_EQ(*this->svc().GetCursor("search"), 0);  // independent names
  EXPECT_EQ(this->svc().SetCursor("", 1).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::ports
