// Contract of ports::EventBus (see ports/event_bus.h), run against every
// adapter.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "ports/redis_stream_bus_factory.h"
#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class EventBusContractTest : public StoreTest<Factory> {};
// Every store's event bus, plus the Redis Streams bus over SQLite's outbox.
using BusFactories = ::testing::Types<InMemoryStoreFactory, SqliteStoreFactory, PostgresStoreFactory,
                                      RedisStreamBusFactory>;
TYPED_TEST_SUITE(EventBusContractTest, BusFactories, StoreFactoryNames);

Event Progress(const std::string& video_id, int percent) {
  Event e;
  e.video_id = video_id;
  e.type = "progress";
  e.payload_json = "{\"percent\":" + std::to_string(percent) + "}";
  return e;
}

TYPED_TEST(EventBusContractTest, EmptyBusPollsNothing) {
  auto events = this->bus().Poll(0, 10);
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
}

TYPED_TEST(EventBusContractTest, PublishAssignsIncreasingIdsAndCreationTime) {
  Event e = Progress("v1", 5);
  e.event_id = 99;
  e.created_at = 1;
  e.published_at = 2;
  auto a = this->bus().Publish(e);
  this->clock_.Advance(7);
  auto b = this->bus().Publish(Progress("v1", 6));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT(*a, 0);
  EXPECT_GT(*b, *a);
  auto events = this->bus().Poll(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  Event expected = Progress("v1", 5);
  expected.event_id = *a;
  expected.created_at = this->now() - 7;
  EXPECT_EQ((*events)[0], expected);
  EXPECT_EQ((*events)[1].created_at, this->now());
}

TYPED_TEST(EventBusContractTest, PollPagesFromACursorInOrder) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(this->bus().Publish(Progress("v1", i)).ok());
  std::vector<std::string> seen;
  int64_t cursor = 0;
  int polls = 0;
  while (true) {
    auto page = this->bus().Poll(cursor, 3);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    ++polls;
    EXPECT_LE(page->size(), 3u);
    for (const Event& e : *page) {
      EXPECT_GT(e.event_id, cursor);
      cursor = e.event_id;
      seen.push_back(e.payload_json);
    }
  }
  EXPECT_EQ(polls, 3);
  ASSERT_EQ(seen.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(seen[i], "{\"percent\":" + std::to_string(i) + "}");
  // A consumer that resumes from its saved cursor sees only what is new.
  ASSERT_TRUE(this->bus().Publish(Progress("v2", 100)).ok());
  auto fresh = this->bus().Poll(cursor, 10);
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->size(), 1u);
  EXPECT_EQ((*fresh)[0].video_id, "v2");
}

TYPED_TEST(EventBusContractTest, RejectsUntypedEventsAndEmptyPolls) {
  Event untyped = Progress("v1", 1);
  untyped.type.clear();
  EXPECT_EQ(this->bus().Publish(untyped).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->bus().Poll(0, 0).status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(EventBusContractTest, DeliversTheStoresOwnStateChangeEvents) {
  this->AddVideo("v1");
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kProbing, "").ok());
  ASSERT_TRUE(this->bus().Publish(Progress("v1", 1)).ok());
  EXPECT_EQ(this->EventTypes(),
            (std::vector<std::string>{std::string(kEventVideoCreated),
                                      std::string(kEventVideoStatus), "progress"}));
}

TYPED_TEST(EventBusContractTest, ConcurrentPublishersGetDistinctOrderedIds) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(this->bus().Publish(Progress("v" + std::to_string(t), i)).ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  auto events = this->bus().Poll(0, 1000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<size_t>(kThreads * kPerThread));
  std::map<std::string, int> next_percent;  // each publisher's events stay in its order
  for (size_t i = 0; i < events->size(); ++i) {
    const Event& e = (*events)[i];
    if (i > 0) {
      EXPECT_GT(e.event_id, (*events)[i - 1].event_id);
    }
    EXPECT_EQ(e.payload_json, "{\"percent\":" + std::to_string(next_percent[e.video_id]++) + "}");
  }
}

}  // namespace
}  // namespace vtp::ports
