// PostgresStore's service-store, key-vault and webhook calls under contention
// the contract suites cannot show: two stores on one database stand for two
// API processes, and several threads on each race for the same record. Each
// race must leave exactly one winner and a consistent database.
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres_store.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "ports/service_store.h"
#include "testutil/postgres_server.h"

namespace vtp::adapters {
namespace {

using ports::DeliveryRecord;
using ports::DeliveryState;
using ports::Event;
using ports::IdempotencyRecord;
using ports::UploadRecord;
using ports::UploadState;
using ports::VideoRecord;
using ports::WrappedKey;

constexpr int kThreads = 8;  // split over the two stores
constexpr int kRounds = 10;  // fresh records raced one after another

class PgServiceStoreRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    testutil::PostgresServer* server = testutil::SharedPostgres(&error);
    ASSERT_NE(server, nullptr) << error;
    std::string url = server->CreateDatabase(&error);
    ASSERT_FALSE(url.empty()) << error;
    for (auto* store : {&a_, &b_}) {
      auto opened = PostgresStore::Open(url, clock_);
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      *store = std::move(opened).value();
    }
  }

  // Thread i's store: even threads use one, odd threads the other.
  PostgresStore& StoreOf(int i) { return i % 2 == 0 ? *a_ : *b_; }

  // Runs fn(i, store) on kThreads threads released together.
  template <typename Fn>
  void Race(Fn fn) {
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        fn(i, StoreOf(i));
      });
    }
    for (std::thread& t : threads) t.join();
  }

  static UploadRecord Upload(const std::string& id, uint64_t length) {
    UploadRecord u;
    u.upload_id = "u-" + id;
    u.video_id = "v-" + id;
    u.creator_id = "creator-1";
    u.length = length;
    return u;
  }
  static VideoRecord VideoOf(const UploadRecord& u) {
    VideoRecord v;
    v.video_id = u.video_id;
    v.creator_id = u.creator_id;
    v.original_key = "originals/" + u.video_id + "/original.mp4";
    return v;
  }

  // The events of `video_id` by type, read through store b.
  std::vector<std::string> EventTypesOf(const std::string& video_id) {
    auto events = b_->ReadEvents(0, 1000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    std::vector<std::string> types;
    if (events.ok()) {
      for (const Event& e : *events) {
        if (e.video_id == video_id) types.push_back(e.type);
      }
    }
    return types;
  }

  ports::FakeClock clock_;
  std::unique_ptr<PostgresStore> a_;
  std::unique_ptr<PostgresStore> b_;
};

TEST_F(PgServiceStoreRaceTest, RacingCompleteUploadsCreateOneVideoWithOneEventPair) {
  for (int round = 0; round < kRounds; ++round) {
    UploadRecord u = Upload(std::to_string(round), 100);
    ASSERT_TRUE(a_->CreateUpload(u).ok());
    ASSERT_TRUE(b_->AdvanceUpload(u.upload_id, 0, 100).ok());

    std::vector<Status> results(kThreads);
    Race([&](int i, PostgresStore& store) {
      results[static_cast<size_t>(i)] =
          store.CompleteUpload(u.upload_id, "sha-" + std::to_string(i), VideoOf(u));
    });
    int winners = 0;
    std::string winning_sha;
    for (int i = 0; i < kThreads; ++i) {
      const Status& s = results[static_cast<size_t>(i)];
      if (s.ok()) {
        ++winners;
        winning_sha = "sha-" + std::to_string(i);
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
      }
    }
    ASSERT_EQ(winners, 1) << "round " << round;
    auto done = a_->GetUpload(u.upload_id);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(done->state, UploadState::kCompleted);
    EXPECT_EQ(done->sha256, winning_sha) << "the row holds the winner's completion";
    EXPECT_TRUE(b_->GetVideo(u.video_id).ok());
    EXPECT_EQ(EventTypesOf(u.video_id),
              (std::vector<std::string>{std::string(ports::kEventVideoCreated),
                                        std::string(ports::kEventVideoUploaded)}));
  }
}

TEST_F(PgServiceStoreRaceTest, RacingAdvanceUploadsMoveTheOffsetOnce) {
  for (int round = 0; round < kRounds; ++round) {
    UploadRecord u = Upload(std::to_string(round), 1000);
    ASSERT_TRUE(a_->CreateUpload(u).ok());
    std::vector<Status> results(kThreads);
    Race([&](int i, PostgresStore& store) {
      results[static_cast<size_t>(i)] =
          store.AdvanceUpload(u.upload_id, 0, static_cast<uint64_t>(10 * (i + 1)));
    });
    std::optional<uint64_t> winner;
    for (int i = 0; i < kThreads; ++i) {
      const Status& s = results[static_cast<size_t>(i)];
      if (s.ok()) {
        EXPECT_FALSE(winner.has_value()) << "a second compare-and-set succeeded";
        winner = static_cast<uint64_t>(10 * (i + 1));
      } else {
        EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
      }
    }
    ASSERT_TRUE(winner.has_value()) << "round " << round;
    auto got = b_->GetUpload(u.upload_id);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->offset, *winner);
  }
}

TEST_F(PgServiceStoreRaceTest, RacingBeginIdempotentReservesOnceAndShowsTheWinner) {
  for (int round = 0; round < kRounds; ++round) {
    const std::string key = "idem-" + std::to_string(round);
    std::vector<StatusOr<std::optional<IdempotencyRecord>>> results(
        kThreads, StatusOr<std::optional<IdempotencyRecord>>(Internal("not run")));
    Race([&](int i, PostgresStore& store) {
      results[static_cast<size_t>(i)] = store.BeginIdempotent("k1", key, "fp-" + std::to_string(i));
    });
    std::optional<std::string> winner_fp;
    std::vector<std::string> seen_fps;
    for (int i = 0; i < kThreads; ++i) {
      const auto& r = results[static_cast<size_t>(i)];
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (!r->has_value()) {
        EXPECT_FALSE(winner_fp.has_value()) << "two reservations of " << key;
        winner_fp = "fp-" + std::to_string(i);
      } else {
        EXPECT_EQ((*r)->status, 0) << "still in progress";
        seen_fps.push_back((*r)->fingerprint);
      }
    }
    ASSERT_TRUE(winner_fp.has_value()) << "nobody reserved " << key;
    for (const std::string& fp : seen_fps) EXPECT_EQ(fp, *winner_fp);
    // The reservation is the winner's: finishing it works once, from anywhere.
    EXPECT_TRUE(b_->FinishIdempotent("k1", key, 201, "{}").ok());
    EXPECT_EQ(a_->FinishIdempotent("k1", key, 201, "{}").code(), ErrorCode::kNotFound);
  }
}

TEST_F(PgServiceStoreRaceTest, RacingPutKeyIfAbsentStoresOneRowEveryoneUses) {
  for (int round = 0; round < kRounds; ++round) {
    const std::string video = "v-" + std::to_string(round);
    std::vector<StatusOr<WrappedKey>> results(kThreads, StatusOr<WrappedKey>(Internal("not run")));
    Race([&](int i, PostgresStore& store) {
      WrappedKey k;
      k.video_id = video;
      k.label = "hd";
      k.kid.fill(static_cast<uint8_t>(i + 1));
      k.wrapped = std::string("wrapped-\0-", 10) + std::to_string(i);
      results[static_cast<size_t>(i)] = store.PutKeyIfAbsent(k);
    });
    auto stored = a_->GetKeyByLabel(video, "hd");
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    for (const auto& r : results) {
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(*r, *stored);
    }
    // Only the winner's kid names a row.
    int kids_stored = 0;
    for (int i = 0; i < kThreads; ++i) {
      cenc::Kid kid;
      kid.fill(static_cast<uint8_t>(i + 1));
      if (b_->GetKeyByKid(video, kid).ok()) ++kids_stored;
    }
    EXPECT_EQ(kids_stored, 1);
  }
}

TEST_F(PgServiceStoreRaceTest, RacingEnqueueDeliveriesInsertEachEventOnce) {
  ports::WebhookRecord hook;
  hook.webhook_id = "wh1";
  hook.creator_id = "c1";
  hook.url = "https://example.com/hook";
  hook.secret = "whsec";
  hook.events = {"video.ready"};
  ASSERT_TRUE(a_->CreateWebhook(hook).ok());
  constexpr int kEvents = 20;
  std::vector<DeliveryRecord> batch;
  for (int e = 1; e <= kEvents; ++e) {
    DeliveryRecord d;
    d.webhook_id = "wh1";
    d.event_id = e;
    d.event_type = "video.ready";
    d.payload_json = "{\"event_id\":" + std::to_string(e) + "}";
    batch.push_back(d);
  }
  std::vector<StatusOr<int>> results(kThreads, StatusOr<int>(Internal("not run")));
  Race([&](int i, PostgresStore& store) {
    results[static_cast<size_t>(i)] = store.EnqueueDeliveries(batch);
  });
  int inserted = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    inserted += *r;
  }
  EXPECT_EQ(inserted, kEvents);
  auto listed = b_->ListDeliveries("wh1", 1000);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<int64_t> events;
  for (const DeliveryRecord& d : *listed) events.push_back(d.event_id);
  std::sort(events.begin(), events.end());
  std::vector<int64_t> expected;
  for (int e = 1; e <= kEvents; ++e) expected.push_back(e);
  EXPECT_EQ(events, expected);
}

TEST_F(PgServiceStoreRaceTest, DeleteWebhookRacingEnqueuesLeavesNothingPending) {
  for (int round = 0; round < kRounds; ++round) {
    ports::WebhookRecord hook;
    hook.webhook_id = "wh-" + std::to_string(round);
    hook.creator_id = "c1";
    hook.url = "https://example.com/hook";
    hook.secret = "whsec";
    hook.events = {"video.ready"};
    ASSERT_TRUE(a_->CreateWebhook(hook).ok());
    std::vector<Status> results(kThreads);
    Race([&](int i, PostgresStore& store) {
      if (i == 0) {
        results[0] = store.DeleteWebhook(hook.webhook_id);
        return;
      }
      DeliveryRecord d;
      d.webhook_id = hook.webhook_id;
      d.event_id = i;
      d.event_type = "video.ready";
      d.payload_json = "{}";
      results[static_cast<size_t>(i)] = store.EnqueueDeliveries({d}).status();
    });
    ASSERT_TRUE(results[0].ok()) << results[0].ToString();
    for (int i = 1; i < kThreads; ++i) {
      const Status& s = results[static_cast<size_t>(i)];
      EXPECT_TRUE(s.ok() || s.code() == ErrorCode::kNotFound) << s.ToString();
    }
    auto listed = a_->ListDeliveries(hook.webhook_id, 1000);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    for (const DeliveryRecord& d : *listed) {
      EXPECT_EQ(d.state, DeliveryState::kDead) << "event " << d.event_id << " outlived its webhook";
    }
  }
}

TEST_F(PgServiceStoreRaceTest, ConcurrentViewsAreAllCounted) {
  VideoRecord v;
  v.video_id = "v1";
  v.creator_id = "c1";
  v.original_key = "originals/v1/original.mp4";
  ASSERT_TRUE(a_->CreateVideo(v).ok());
  constexpr int kAddsPerThread = 10;
  std::vector<Status> failures(kThreads);
  Race([&](int i, PostgresStore& store) {
    for (int n = 0; n < kAddsPerThread; ++n) {
      auto added = store.AddViews("v1", 1);
      if (!added.ok()) failures[static_cast<size_t>(i)] = added.status();
    }
  });
  for (const Status& s : failures) EXPECT_TRUE(s.ok()) << s.ToString();
  auto tally = b_->GetViews("v1");
  ASSERT_TRUE(tally.ok()) << tally.status().ToString();
  EXPECT_EQ(tally->total, kThreads * kAddsPerThread);
  EXPECT_EQ(tally->first_hour, kThreads * kAddsPerThread);
}

}  // namespace
}  // namespace vtp::adapters
