// RedisStreamBus (outbox relay, Poll) and RedisStreamConsumer (group,
// redelivery, dedup, dead letters) on a real redis-server per test, over a
// SqliteStore's outbox. Redelivery is immediate (min_idle_ms = 0) and reads
// never block, so every run takes the same path.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/redis_client.h"
#include "adapters/redis_stream_bus.h"
#include "adapters/redis_stream_consumer.h"
#include "adapters/sqlite_store.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "testutil/fixtures.h"
#include "testutil/redis_server.h"

namespace vtp::adapters {
namespace {

using ports::Event;

Event Progress(const std::string& video_id, int percent) {
  Event e;
  e.video_id = video_id;
  e.type = "progress";
  e.payload_json = "{\"percent\":" + std::to_string(percent) + "}";
  return e;
}

// Records what a handler saw; fails the events whose payload is "poison".
struct Recorder {
  std::mutex mu;
  std::map<int64_t, int> calls;  // event id -> handler runs
  std::vector<Event> handled;

  StreamEventHandler Handler() {
    return [this](const Event& e) -> Status {
      std::lock_guard<std::mutex> lock(mu);
      ++calls[e.event_id];
      if (e.payload_json == "poison") return IoError("cannot handle " + std::to_string(e.event_id));
      handled.push_back(e);
      return Status::Ok();
    };
  }
};

class RedisStreamBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(redis_.Start(testutil::FreshDir(".redis")), "");
    auto store = SqliteStore::Open(testutil::FreshDir() + "/vtp.db", clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    client_ = NewClient();
    ASSERT_NE(client_, nullptr);
    bus_ = std::make_unique<RedisStreamBus>(*store_, *client_, options_);
  }

  std::unique_ptr<RedisClient> NewClient() {
    RedisOptions options;
    options.url = redis_.url();
    auto client = RedisClient::Connect(options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  std::unique_ptr<RedisStreamConsumer> NewConsumer(RedisClient& client, const std::string& name,
                                                   int64_t min_idle_ms = 0,
                                                   const std::string& start_id = "0") {
    RedisConsumerOptions options;
    options.stream = options_;
    options.group = "g";
    options.name = name;
    options.start_id = start_id;
    options.min_idle_ms = min_idle_ms;
    auto consumer = RedisStreamConsumer::Create(client, options);
    EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
    return consumer.ok() ? std::move(consumer).value() : nullptr;
  }

  RedisReply Must(const std::vector<std::string>& argv) {
    auto reply = client_->Command(argv);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : RedisReply{};
  }

  std::vector<StreamEntry> Entries(const std::string& key) {
    auto entries = ParseStreamEntries(Must({"XRANGE", key, "-", "+"}));
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    return entries.ok() ? *entries : std::vector<StreamEntry>{};
  }
  std::vector<std::string> StreamIds() {
    std::vector<std::string> ids;
    for (const StreamEntry& e : Entries(StreamKey(options_))) ids.push_back(e.id);
    return ids;
  }
  int64_t PendingCount() {
    RedisReply summary = Must({"XPENDING", StreamKey(options_), "g"});
    return summary.elements.empty() ? -1 : summary.elements[0].integer;
  }

  std::vector<int64_t> OutboxIds() {
    auto events = store_->ReadEvents(0, 10'000);
    EXPECT_TRUE(events.ok());
    std::vector<int64_t> ids;
    for (const Event& e : *events) ids.push_back(e.event_id);
    return ids;
  }

  int64_t MustPublish(const Event& e) {
    auto id = bus_->Publish(e);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }

  int MustConsume(RedisStreamConsumer& consumer, Recorder& recorder, int count = 10) {
    auto handled = consumer.ConsumeOnce(recorder.Handler(), count, 0);
    EXPECT_TRUE(handled.ok()) << handled.status().ToString();
    return handled.ok() ? *handled : -1;
  }

  testutil::RedisServer redis_;
  ports::FakeClock clock_;
  RedisStreamOptions options_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisStreamBus> bus_;
};

std::string Field(const StreamEntry& entry, const std::string& name) {
  for (const auto& [f, v] : entry.fields) {
    if (f == name) return v;
  }
  return "<missing " + name + ">";
}

TEST_F(RedisStreamBusTest, StateChangeEventsReachTheStreamInOrderWithTheirFields) {
  options_.relay_on_poll = false;
  bus_ = std::make_unique<RedisStreamBus>(*store_, *client_, options_);
  ports::VideoRecord video;
  video.video_id = "v1";
  video.original_key = "originals/v1";
  ASSERT_TRUE(store_->CreateVideo(video).ok());
  clock_.Advance(5);
  ASSERT_TRUE(store_->UpdateVideoStatus("v1", ports::VideoStatus::kProbing, "").ok());
  // Not relayed yet: invisible to Poll, never skipped.
  auto before = bus_->Poll(0, 10);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(before->empty());

  auto relayed = bus_->RelayOutbox(10);
  ASSERT_TRUE(relayed.ok()) << relayed.status().ToString();
  EXPECT_EQ(*relayed, 2);
  auto unpublished = store_->ReadUnpublishedEvents(10);
  ASSERT_TRUE(unpublished.ok());
  EXPECT_TRUE(unpublished->empty());

  std::vector<StreamEntry> entries = Entries("vtp:events");
  ASSERT_EQ(entries.size(), 2u);
  auto outbox = store_->ReadEvents(0, 10);
  ASSERT_TRUE(outbox.ok());
  for (size_t i = 0; i < 2; ++i) {
    const Event& e = (*outbox)[i];
    EXPECT_EQ(entries[i].id, std::to_string(e.event_id) + "-0");
    EXPECT_EQ(Field(entries[i], "event_id"), std::to_string(e.event_id));
    EXPECT_EQ(Field(entries[i], "video_id"), "v1");
    EXPECT_EQ(Field(entries[i], "type"), e.type);
    EXPECT_EQ(Field(entries[i], "payload_json"), e.payload_json);
    EXPECT_EQ(Field(entries[i], "created_at"), std::to_string(e.created_at));
  }
  EXPECT_EQ(Field(entries[0], "type"), "video.created");
  EXPECT_EQ(Field(entries[1], "type"), "video.status");
  auto polled = bus_->Poll(0, 10);
  ASSERT_TRUE(polled.ok());
  ASSERT_EQ(polled->size(), 2u);
  Event expected = (*outbox)[1];
  expected.published_at.reset();
  EXPECT_EQ((*polled)[1], expected);
}

TEST_F(RedisStreamBusTest, PollRelaysTheOutboxFirstByDefault) {
  ports::VideoRecord video;
  video.video_id = "v1";
  video.original_key = "originals/v1";
  ASSERT_TRUE(store_->CreateVideo(video).ok());
  auto polled = bus_->Poll(0, 10);
  ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].type, "video.created");
}

TEST_F(RedisStreamBusTest, RacingRelaysDeliverEveryIdInOrderToACursor) {
  constexpr int kEvents = 150;
  std::atomic<bool> appended{false};
  std::atomic<int> handed_over{0};
  std::vector<std::unique_ptr<RedisClient>> clients;
  std::vector<std::unique_ptr<RedisStreamBus>> relays;
  RedisStreamOptions quiet = options_;
  quiet.relay_on_poll = false;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(NewClient());
    ASSERT_NE(clients.back(), nullptr);
    relays.push_back(std::make_unique<RedisStreamBus>(*store_, *clients.back(), quiet));
  }
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int i = 0; i < kEvents; ++i) {
      EXPECT_TRUE(store_->AppendEvent(Progress("v" + std::to_string(i % 3), i)).ok());
    }
    appended = true;
  });
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      while (true) {
        const bool last_round = appended.load();
        auto sent = relays[r]->RelayOutbox(7);
        ASSERT_TRUE(sent.ok()) << sent.status().ToString();
        handed_over += *sent;
        auto left = store_->ReadUnpublishedEvents(1);
        ASSERT_TRUE(left.ok());
        if (last_round && left->empty()) return;
      }
    });
  }
  // A consumer polling with its cursor while the relays race.
  std::vector<int64_t> seen;
  threads.emplace_back([&] {
    int64_t cursor = 0;
    for (int polls = 0; seen.size() < static_cast<size_t>(kEvents) && polls < 1'000'000; ++polls) {
      auto page = relays[3]->Poll(cursor, 10);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      for (const Event& e : *page) {
        EXPECT_GT(e.event_id, cursor);
        cursor = e.event_id;
        seen.push_back(e.event_id);
      }
    }
  });
  for (std::thread& t : threads) t.join();
  const std::vector<int64_t> all = OutboxIds();
  ASSERT_EQ(all.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(seen, all);
  std::vector<std::string> expected_ids;
  for (int64_t id : all) expected_ids.push_back(std::to_string(id) + "-0");
  EXPECT_EQ(StreamIds(), expected_ids);
  // The lock made the relays take turns: no event was handed over twice.
  EXPECT_EQ(handed_over.load(), kEvents);
}

TEST_F(RedisStreamBusTest, ALockHeldElsewhereHoldsTheRelayBack) {
  ASSERT_TRUE(store_->AppendEvent(Progress("v1", 1)).ok());
  Must({"SET", RelayLockKey(options_), "another-instance", "PX", "60000"});
  auto sent = bus_->RelayOutbox(10);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 0);
  EXPECT_TRUE(StreamIds().empty());
  // Our release never deletes someone else's lock.
  EXPECT_EQ(Must({"GET", RelayLockKey(options_)}).str, "another-instance");
  Must({"DEL", RelayLockKey(options_)});
  sent = bus_->RelayOutbox(10);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, 1);
  EXPECT_EQ(Must({"EXISTS", RelayLockKey(options_)}).integer, 0);  // released after the pass
}

TEST_F(RedisStreamBusTest, AReplayedRelayAddsNothingTwice) {
  MustPublish(Progress("v1", 1));
  MustPublish(Progress("v1", 2));
  ASSERT_EQ(StreamIds(), (std::vector<std::string>{"1-0", "2-0"}));
  // A relay that added the same events but never marked them published
  // (crashed before MarkEventsPublished): another outbox with those ids.
  auto replay_store = SqliteStore::Open(testutil::FreshDir(".replay") + "/vtp.db", clock_);
  ASSERT_TRUE(replay_store.ok());
  ASSERT_TRUE((*replay_store)->AppendEvent(Progress("v1", 1)).ok());
  ASSERT_TRUE((*replay_store)->AppendEvent(Progress("v1", 2)).ok());
  RedisStreamBus replay(**replay_store, *client_, options_);
  auto sent = replay.RelayOutbox(10);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 2);
  EXPECT_EQ(StreamIds(), (std::vector<std::string>{"1-0", "2-0"}));
  auto left = (*replay_store)->ReadUnpublishedEvents(10);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
}

TEST_F(RedisStreamBusTest, AForeignEntryAboveTheOutboxStopsTheRelayInsteadOfSkipping) {
  Must({"XADD", StreamKey(options_), "100-0", "type", "x", "created_at", "0"});
  ASSERT_TRUE(store_->AppendEvent(Progress("v1", 1)).ok());
  auto sent = bus_->RelayOutbox(10);
  EXPECT_EQ(sent.status().code(), ErrorCode::kInternal) << sent.status().ToString();
  auto left = store_->ReadUnpublishedEvents(10);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 1u);  // still owed to the stream
}

TEST_F(RedisStreamBusTest, TwoConsumersShareTheWorkWithoutDuplicates) {
  constexpr int kEvents = 30;
  for (int i = 0; i < kEvents; ++i) MustPublish(Progress("v1", i));
  Recorder recorder;
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<RedisClient>> clients;
  for (int c = 0; c < 2; ++c) clients.push_back(NewClient());
  std::map<int, int> per_consumer;
  for (int c = 0; c < 2; ++c) {
    // Long min_idle: neither may take what the other is handling.
    std::unique_ptr<RedisStreamConsumer> consumer =
        NewConsumer(*clients[c], "c" + std::to_string(c), 60'000);
    ASSERT_NE(consumer, nullptr);
    threads.emplace_back([&, c, consumer = std::move(consumer)] {
      for (int rounds = 0; total < kEvents && rounds < 100'000; ++rounds) {
        auto handled = consumer->ConsumeOnce(recorder.Handler(), 3, 0);
        ASSERT_TRUE(handled.ok()) << handled.status().ToString();
        total += *handled;
        std::lock_guard<std::mutex> lock(recorder.mu);
        per_consumer[c] += *handled;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(total.load(), kEvents);
  ASSERT_EQ(recorder.calls.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, runs] : recorder.calls) EXPECT_EQ(runs, 1) << "event " << id;
  EXPECT_EQ(per_consumer[0] + per_consumer[1], kEvents);
  EXPECT_EQ(PendingCount(), 0);
  // Done marks expire (done_ttl_ms).
  EXPECT_GT(Must({"PTTL", DoneKey(options_, "g", 1)}).integer, 0);
}

TEST_F(RedisStreamBusTest, ACrashedConsumersEntriesAreReclaimedOnceIdle) {
  for (int i = 0; i < 3; ++i) MustPublish(Progress("v1", i));
  auto patient = NewConsumer(*client_, "patient", 60'000);
  ASSERT_NE(patient, nullptr);
  // "crashed" reads everything and never acknowledges.
  RedisReply read = Must({"XREADGROUP", "GROUP", "g", "crashed", "COUNT", "10", "STREAMS",
                          StreamKey(options_), ">"});
  ASSERT_EQ(read.elements.size(), 1u);
  ASSERT_EQ(read.elements[0].elements[1].elements.size(), 3u);
  Recorder recorder;
  EXPECT_EQ(MustConsume(*patient, recorder), 0);  // not idle long enough yet
  auto rescuer = NewConsumer(*client_, "rescuer", 0);
  ASSERT_NE(rescuer, nullptr);
  EXPECT_EQ(MustConsume(*rescuer, recorder), 3);
  EXPECT_EQ(recorder.calls, (std::map<int64_t, int>{{1, 1}, {2, 1}, {3, 1}}));
  EXPECT_EQ(PendingCount(), 0);
  EXPECT_EQ(MustConsume(*rescuer, recorder), 0);
}

TEST_F(RedisStreamBusTest, AFailingHandlerDeadLettersTheEventAfterThreeDeliveries) {
  Event poison = Progress("v9", 0);
  poison.payload_json = "poison";
  const int64_t bad = MustPublish(poison);
  const int64_t good = MustPublish(Progress("v9", 1));
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  Recorder recorder;
  EXPECT_EQ(MustConsume(*consumer, recorder), 1);  // delivery 1: good handled, bad failed
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);  // delivery 2
  EXPECT_TRUE(Entries(DeadStreamKey(options_)).empty());
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);  // delivery 3: dead
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);  // never again
  EXPECT_EQ(recorder.calls[bad], 3);
  EXPECT_EQ(recorder.calls[good], 1);
  EXPECT_EQ(PendingCount(), 0);

  std::vector<StreamEntry> dead = Entries("vtp:events:dead");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(Field(dead[0], "event_id"), std::to_string(bad));
  EXPECT_EQ(Field(dead[0], "video_id"), "v9");
  EXPECT_EQ(Field(dead[0], "type"), "progress");
  EXPECT_EQ(Field(dead[0], "payload_json"), "poison");
  EXPECT_EQ(Field(dead[0], "group"), "g");
  EXPECT_EQ(Field(dead[0], "stream_id"), std::to_string(bad) + "-0");
  EXPECT_EQ(Field(dead[0], "deliveries"), "3");
  EXPECT_EQ(Field(dead[0], "last_error"), "io_error: cannot handle " + std::to_string(bad));
  auto dead_event = EventFromEntry(dead[0]);
  ASSERT_TRUE(dead_event.ok());
  EXPECT_EQ(dead_event->event_id, bad);
}

TEST_F(RedisStreamBusTest, AnEntryLeftUnacknowledgedTooOftenIsDeadLetteredUnhandled) {
  const int64_t id = MustPublish(Progress("v1", 1));
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  const std::string key = StreamKey(options_), entry = std::to_string(id) + "-0";
  // Three consumers in a row took it and died without acknowledging.
  Must({"XREADGROUP", "GROUP", "g", "dead1", "COUNT", "1", "STREAMS", key, ">"});
  Must({"XCLAIM", key, "g", "dead2", "0", entry});
  Must({"XCLAIM", key, "g", "dead3", "0", entry});
  Recorder recorder;
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);
  EXPECT_TRUE(recorder.calls.empty());
  std::vector<StreamEntry> dead = Entries(DeadStreamKey(options_));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(Field(dead[0], "deliveries"), "4");
  EXPECT_NE(Field(dead[0], "last_error").find("not acknowledged after 3 deliveries"),
            std::string::npos);
  EXPECT_EQ(PendingCount(), 0);
}

TEST_F(RedisStreamBusTest, AMalformedEntryIsDeadLetteredWithoutRunningTheHandler) {
  Must({"XADD", StreamKey(options_), "5-0", "video_id", "v1"});
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  Recorder recorder;
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);
  EXPECT_TRUE(recorder.calls.empty());
  std::vector<StreamEntry> dead = Entries(DeadStreamKey(options_));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(Field(dead[0], "video_id"), "v1");
  EXPECT_NE(Field(dead[0], "last_error").find("missing type"), std::string::npos);
}

TEST_F(RedisStreamBusTest, ADuplicateOfAHandledEventDoesNotRunTheHandlerAgain) {
  const int64_t id = MustPublish(Progress("v1", 1));
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  Recorder recorder;
  EXPECT_EQ(MustConsume(*consumer, recorder), 1);
  // The same event re-added under a new stream id.
  auto outbox = store_->ReadEvents(0, 1);
  ASSERT_TRUE(outbox.ok());
  std::vector<std::string> xadd = {"XADD", StreamKey(options_), "*"};
  for (std::string& f : EventFields((*outbox)[0])) xadd.push_back(std::move(f));
  Must(xadd);
  EXPECT_EQ(MustConsume(*consumer, recorder), 0);
  EXPECT_EQ(recorder.calls, (std::map<int64_t, int>{{id, 1}}));
  EXPECT_EQ(PendingCount(), 0);  // the duplicate was acknowledged
}

TEST_F(RedisStreamBusTest, GroupStartIdChoosesBetweenHistoryAndNewEventsOnly) {
  MustPublish(Progress("v1", 1));
  RedisConsumerOptions options;
  options.stream = options_;
  options.group = "late";
  options.name = "c1";
  options.start_id = "$";
  auto late = RedisStreamConsumer::Create(*client_, options);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  Recorder recorder;
  EXPECT_EQ(MustConsume(**late, recorder), 0);
  const int64_t fresh = MustPublish(Progress("v1", 2));
  EXPECT_EQ(MustConsume(**late, recorder), 1);
  EXPECT_EQ(recorder.calls, (std::map<int64_t, int>{{fresh, 1}}));
  // Creating the consumer again keeps the existing group and its position.
  auto again = RedisStreamConsumer::Create(*client_, options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(MustConsume(**again, recorder), 0);
}

TEST_F(RedisStreamBusTest, RejectsBadConsumerOptionsAndArguments) {
  RedisConsumerOptions options;
  options.stream = options_;
  options.name = "c1";
  EXPECT_EQ(RedisStreamConsumer::Create(*client_, options).status().code(),
            ErrorCode::kInvalidArgument);
  options.group = "g";
  options.max_deliveries = 0;
  EXPECT_EQ(RedisStreamConsumer::Create(*client_, options).status().code(),
            ErrorCode::kInvalidArgument);
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  Recorder recorder;
  EXPECT_EQ(consumer->ConsumeOnce(recorder.Handler(), 0, 0).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(consumer->ConsumeOnce(recorder.Handler(), 1, -1).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(bus_->RelayOutbox(0).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(RedisStreamBusTest, RedisRestartFailsCallsWithIoThenTheRelayResendsWhatWasOwed) {
  auto consumer = NewConsumer(*client_, "c1");
  ASSERT_NE(consumer, nullptr);
  Recorder recorder;
  const int64_t first = MustPublish(Progress("v1", 1));
  EXPECT_EQ(MustConsume(*consumer, recorder), 1);

  redis_.Stop();
  // The outbox takes the event; only the relay has to wait for Redis.
  const int64_t second = MustPublish(Progress("v1", 2));
  EXPECT_GT(second, first);
  EXPECT_EQ(bus_->Poll(0, 10).status().code(), ErrorCode::kIo);
  EXPECT_EQ(bus_->RelayOutbox(10).status().code(), ErrorCode::kIo);
  EXPECT_EQ(consumer->ConsumeOnce(recorder.Handler(), 10, 0).status().code(), ErrorCode::kIo);
  auto owed = store_->ReadUnpublishedEvents(10);
  ASSERT_TRUE(owed.ok());
  ASSERT_EQ(owed->size(), 1u);
  EXPECT_EQ((*owed)[0].event_id, second);

  ASSERT_EQ(redis_.Restart(), "");  // comes back empty, like a flushed Redis
  auto sent = bus_->RelayOutbox(10);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(*sent, 1);
  // The history before the flush is gone; the cursor of a poller goes on.
  auto polled = bus_->Poll(first, 10);
  ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].event_id, second);
  // The group vanished with the flush: re-created, it delivers what is new.
  EXPECT_EQ(MustConsume(*consumer, recorder), 1);
  EXPECT_EQ(recorder.calls, (std::map<int64_t, int>{{first, 1}, {second, 1}}));
}

}  // namespace
}  // namespace vtp::adapters
