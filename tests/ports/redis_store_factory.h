// The Redis dispatcher for the typed store suites (store_test_fixture.h):
// RedisTaskQueue over a fresh SqliteStore (the source of truth) plus
// RedisWorkerRegistry, on this test process's shared redis-server
// (testutil::SharedRedis), each Make under a fresh key prefix so tests never
// see each other's keys. Ports Redis does not implement here (EventBus,
// ServiceStore, KeyVault) are the SqliteStore's own.
//
// RedisOverSqliteStore is not itself a port: it converts to each port
// reference (`MetadataStore& m = *store;`), which is all the fixture needs,
// without a hand-written forwarder for every method.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

#include "adapters/redis_client.h"
#include "adapters/redis_task_queue.h"
#include "adapters/redis_worker_registry.h"
#include "adapters/postgres_store.h"
#include "adapters/sqlite_store.h"
#include "ports/clock.h"
#include "ports/postgres_store_factory.h"
#include "ports/event_bus.h"
#include "ports/key_vault.h"
#include "ports/metadata_store.h"
#include "ports/service_store.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"
#include "testutil/fixtures.h"
#include "testutil/redis_server.h"

namespace vtp::ports {

// Redis in front of a SQL store (`Backing`: SqliteStore or PostgresStore):
// MetadataStore and TaskQueue through RedisTaskQueue, WorkerRegistry through
// RedisWorkerRegistry, the other ports straight to the backing store.
template <typename Backing>
class RedisOverStore {
 public:
  RedisOverStore(std::unique_ptr<Backing> backing, std::unique_ptr<adapters::RedisClient> client,
                 Clock& clock, const std::string& prefix, Millis aging_step_ms)
      : backing_(std::move(backing)),
        client_(std::move(client)),
        queue_(*backing_, *backing_, *client_, clock, QueueOptions(prefix, aging_step_ms)),
        registry_(*client_, clock, RegistryOptions(prefix)) {}

  operator MetadataStore&() { return queue_; }      // NOLINT: the point of this class
  operator TaskQueue&() { return queue_; }          // NOLINT
  operator WorkerRegistry&() { return registry_; }  // NOLINT
  operator EventBus&() { return *backing_; }        // NOLINT
  operator ServiceStore&() { return *backing_; }    // NOLINT
  operator KeyVault&() { return *backing_; }        // NOLINT

  adapters::RedisTaskQueue& redis_queue() { return queue_; }
  Backing& backing() { return *backing_; }
  adapters::RedisClient& client() { return *client_; }

 private:
  static adapters::RedisTaskQueueOptions QueueOptions(const std::string& prefix,
                                                      Millis aging_step_ms) {
    adapters::RedisTaskQueueOptions options;
    options.key_prefix = prefix;
    options.aging_step_ms = aging_step_ms;
    return options;
  }
  static adapters::RedisWorkerRegistryOptions RegistryOptions(const std::string& prefix) {
    adapters::RedisWorkerRegistryOptions options;
    options.key_prefix = prefix;
    return options;
  }

  std::unique_ptr<Backing> backing_;
  std::unique_ptr<adapters::RedisClient> client_;
  adapters::RedisTaskQueue queue_;
  adapters::RedisWorkerRegistry registry_;
};

using RedisOverSqliteStore = RedisOverStore<adapters::SqliteStore>;

// A key prefix no other Make of any test process used.
inline std::string FreshRedisPrefix() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(::getpid()) + "-" + std::to_string(next++) + ":";
}

// A client of the process-wide test Redis; nullptr (and a test failure)
// when it cannot start.
inline std::unique_ptr<adapters::RedisClient> SharedRedisClient() {
  std::string error;
  testutil::RedisServer* server = testutil::SharedRedis(&error);
  EXPECT_NE(server, nullptr) << error;
  if (server == nullptr) return nullptr;
  adapters::RedisOptions redis_options;
  redis_options.url = server->url();
  auto client = adapters::RedisClient::Connect(redis_options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

struct RedisOverSqliteFactory {
  using Store = RedisOverSqliteStore;
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    adapters::SqliteStoreOptions sqlite_options;
    sqlite_options.queue = options;
    auto sqlite =
        adapters::SqliteStore::Open(testutil::FreshDir() + "/vtp.db", clock, sqlite_options);
    EXPECT_TRUE(sqlite.ok()) << sqlite.status().ToString();
    auto client = SharedRedisClient();
    if (!sqlite.ok() || client == nullptr) return nullptr;
    return std::make_unique<Store>(std::move(sqlite).value(), std::move(client), clock,
                                   FreshRedisPrefix(), options.aging_step_ms);
  }
};

// The production pairing: Redis dispatch in front of PostgreSQL.
struct RedisOverPostgresFactory {
  using Store = RedisOverStore<adapters::PostgresStore>;
  static constexpr char kName[] = "RedisOverPostgres";
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    auto pg = PostgresStoreFactory::Make(clock, options);
    auto client = SharedRedisClient();
    if (pg == nullptr || client == nullptr) return nullptr;
    return std::make_unique<Store>(std::move(pg), std::move(client), clock, FreshRedisPrefix(),
                                   options.aging_step_ms);
  }
};

}  // namespace vtp::ports
