// A StoreTest factory (store_test_fixture.h) whose event bus is a
// RedisStreamBus on the shared test Redis, over a SqliteStore's outbox; every
// other port is the SqliteStore. Each store gets a fresh key prefix, so
// stores (and tests in one process) never see each other's streams.
//
// The Store is not itself a port: it converts to each port reference the
// fixture asks for (meta(), queue(), bus(), registry()), through a
// StoreFront. Meant for the EventBus contract suite.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "adapters/redis_client.h"
#include "adapters/redis_stream_bus.h"
#include "adapters/sqlite_store.h"
#include "adapters/store_front.h"
#include "ports/redis_store_factory.h"
#include "ports/clock.h"
#include "ports/event_bus.h"
#include "ports/metadata_store.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"
#include "testutil/fixtures.h"
#include "testutil/redis_server.h"

namespace vtp::ports {

class RedisBusOverSqlite {
 public:
  // nullptr (with a test failure recorded) when the store or Redis is not there.
  static std::unique_ptr<RedisBusOverSqlite> Make(Clock& clock, QueueOptions options) {
    adapters::SqliteStoreOptions sqlite_options;
    sqlite_options.queue = options;
    auto sqlite =
        adapters::SqliteStore::Open(testutil::FreshDir() + "/vtp.db", clock, sqlite_options);
    EXPECT_TRUE(sqlite.ok()) << sqlite.status().ToString();
    auto client = SharedRedisClient();
    if (!sqlite.ok() || client == nullptr) return nullptr;
    return std::unique_ptr<RedisBusOverSqlite>(
        new RedisBusOverSqlite(std::move(sqlite).value(), std::move(client)));
  }

  operator MetadataStore&() { return *front_; }   // NOLINT: implicit by design
  operator TaskQueue&() { return *front_; }       // NOLINT
  operator EventBus&() { return *front_; }        // NOLINT
  operator WorkerRegistry&() { return *front_; }  // NOLINT

  adapters::RedisStreamBus& redis_bus() { return *bus_; }
  adapters::RedisClient& client() { return *client_; }

 private:
  RedisBusOverSqlite(std::unique_ptr<adapters::SqliteStore> sqlite,
                     std::unique_ptr<adapters::RedisClient> client)
      : sqlite_(std::move(sqlite)), client_(std::move(client)) {
    adapters::RedisStreamOptions options;
    options.key_prefix = FreshRedisPrefix();
    bus_ = std::make_unique<adapters::RedisStreamBus>(*sqlite_, *client_, options);
    adapters::StoreParts parts{sqlite_.get(), sqlite_.get(), bus_.get(),
                               sqlite_.get(), sqlite_.get(), sqlite_.get()};
    front_ = std::make_unique<adapters::StoreFront>(parts);
  }

  std::unique_ptr<adapters::SqliteStore> sqlite_;
  std::unique_ptr<adapters::RedisClient> client_;
  std::unique_ptr<adapters::RedisStreamBus> bus_;
  std::unique_ptr<adapters::StoreFront> front_;
};

struct RedisStreamBusFactory {
  using Store = RedisBusOverSqlite;
  static constexpr char kName[] = "RedisStreams";  // the typed tests' suffix
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    return Store::Make(clock, options);
  }
};

}  // namespace vtp::ports
