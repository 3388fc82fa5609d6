// Shared fixture of the store contract suites: every TYPED_TEST runs once per
// adapter of the metadata store / task queue / event bus ports, through the
// port interfaces only, with a FakeClock for every time. The PostgreSQL
// factory (postgres_store_factory.h) starts a real server per test process.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/memory_store.h"
#include "adapters/sqlite_store.h"
#include "ports/clock.h"
#include "ports/event_bus.h"
#include "ports/metadata_store.h"
#include "ports/postgres_store_factory.h"
#include "ports/redis_store_factory.h"
#include "ports/records.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"
#include "testutil/fixtures.h"

namespace vtp::ports {

struct InMemoryStoreFactory {
  using Store = adapters::InMemoryStore;
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    return std::make_unique<Store>(clock, options);
  }
};

struct SqliteStoreFactory {
  using Store = adapters::SqliteStore;
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    adapters::SqliteStoreOptions sqlite_options;
    sqlite_options.queue = options;
    auto store = Store::Open(testutil::FreshDir() + "/vtp.db", clock, sqlite_options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

using StoreFactories =
    ::testing::Types<InMemoryStoreFactory, SqliteStoreFactory, PostgresStoreFactory,
                     RedisOverPostgresFactory>;
// The stores whose own ServiceStore / KeyVault are under test (the Redis
// front hands those ports straight to PostgreSQL).
using SqlStoreFactories =
    ::testing::Types<InMemoryStoreFactory, SqliteStoreFactory, PostgresStoreFactory>;

struct StoreFactoryNames {
  template <typename T>
  static std::string GetName(int) {
    if constexpr (requires { T::kName; }) return T::kName;
    if constexpr (std::is_same_v<T, InMemoryStoreFactory>) return "InMemory";
    if constexpr (std::is_same_v<T, PostgresStoreFactory>) return "Postgres";
    return "Sqlite";
  }
};

inline constexpr Millis kAgingStepMs = 1'000;

template <typename Factory>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Recreate(Options()); }

  // The queue options every test starts with: a 1 s aging step.
  static QueueOptions Options() {
    QueueOptions options;
    options.aging_step_ms = kAgingStepMs;
    return options;
  }
  // Replaces the store with an empty one using `options`.
  void Recreate(QueueOptions options) {
    store_.reset();
    store_ = Factory::Make(clock_, options);
    ASSERT_NE(store_, nullptr);
  }

  MetadataStore& meta() { return *store_; }
  TaskQueue& queue() { return *store_; }
  EventBus& bus() { return *store_; }
  WorkerRegistry& registry() { return *store_; }
  Millis now() const { return clock_.NowMillis(); }

  void AddVideo(const std::string& video_id) {
    VideoRecord v;
    v.video_id = video_id;
    v.creator_id = "creator-1";
    v.original_key = "originals/" + video_id + "/original.mp4";
    ASSERT_TRUE(meta().CreateVideo(v).ok());
  }

  static TaskRecord Task(const std::string& task_id, const std::string& video_id,
                         Priority priority = Priority::kNormal,
                         const std::string& step = "transcode") {
    TaskRecord t;
    t.task_id = task_id;
    t.video_id = video_id;
    t.step = step;
    t.priority = priority;
    t.pool = "cpu";
    t.max_attempts = 3;
    t.params_json = R"({"rung":"720p"})";
    return t;
  }

  void AddTasks(const std::vector<TaskRecord>& tasks) {
    auto inserted = meta().CreateTasks(tasks);
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    ASSERT_EQ(*inserted, static_cast<int>(tasks.size()));
  }

  // Leases one task from the "cpu" pool; "" when none is runnable.
  std::string LeaseId(const std::string& worker = "w1", Millis lease_ms = 10'000) {
    auto leased = queue().Lease(worker, {"cpu"}, lease_ms);
    EXPECT_TRUE(leased.ok()) << leased.status().ToString();
    if (!leased.ok() || !leased->has_value()) return "";
    return (*leased)->task_id;
  }

  TaskRecord MustGetTask(const std::string& task_id) {
    auto t = meta().GetTask(task_id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TaskRecord{};
  }

  std::vector<std::string> EventTypes() {
    auto events = bus().Poll(0, 1000);
    EXPECT_TRUE(events.ok());
    std::vector<std::string> types;
    if (events.ok()) {
      for (const Event& e : *events) types.push_back(e.type);
    }
    return types;
  }

  FakeClock clock_;
  std::unique_ptr<typename Factory::Store> store_;
};

}  // namespace vtp::ports
