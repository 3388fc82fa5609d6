// The PostgreSQL adapter for the typed store suites: every Make is a fresh,
// empty database on this test process's own server (testutil::SharedPostgres).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/postgres_store.h"
#include "ports/clock.h"
#include "ports/task_queue.h"
#include "testutil/postgres_server.h"

namespace vtp::ports {

struct PostgresStoreFactory {
  using Store = adapters::PostgresStore;
  // A URL of a new empty database; "" (with a test failure) when the server
  // or the database could not be made.
  static std::string FreshDatabase() {
    std::string error;
    testutil::PostgresServer* server = testutil::SharedPostgres(&error);
    EXPECT_NE(server, nullptr) << error;
    if (server == nullptr) return "";
    std::string url = server->CreateDatabase(&error);
    EXPECT_FALSE(url.empty()) << error;
    return url;
  }
  static std::unique_ptr<Store> Make(Clock& clock, QueueOptions options) {
    std::string url = FreshDatabase();
    if (url.empty()) return nullptr;
    adapters::PostgresStoreOptions pg_options;
    pg_options.queue = options;
    auto store = Store::Open(url, clock, pg_options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

}  // namespace vtp::ports
