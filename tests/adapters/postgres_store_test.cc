// PostgresStore beyond the port contracts (those run in tests/ports against
// every adapter): sessions competing as separate processes would, schema
// versioning, a server restart under a live store, connection errors. Every
// test runs against a real PostgreSQL 15 (testutil/postgres_server.h).
#include "adapters/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/pg_db.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"
#include "testutil/postgres_server.h"

namespace vtp::adapters {
namespace {

using ports::FakeClock;
using ports::TaskRecord;

std::string FreshDatabase() {
  std::string error;
  testutil::PostgresServer* server = testutil::SharedPostgres(&error);
  EXPECT_NE(server, nullptr) << error;
  if (server == nullptr) return "";
  std::string url = server->CreateDatabase(&error);
  EXPECT_FALSE(url.empty()) << error;
  return url;
}

std::unique_ptr<PostgresStore> MustOpen(const std::string& url, ports::Clock& clock,
                                        PostgresStoreOptions options = {}) {
  auto store = PostgresStore::Open(url, clock, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// A raw session, for looking under the adapter.
class RawDb {
 public:
  explicit RawDb(const std::string& url) {
    auto conn = pg::Connection::Open(url, pg::ConnectOptions{});
    EXPECT_TRUE(conn.ok()) << conn.status().ToString();
    if (conn.ok()) conn_ = std::move(conn).value();
  }
  void Exec(const std::string& sql) {
    ASSERT_NE(conn_, nullptr);
    Status s = conn_->ExecScript(sql);
    EXPECT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }
  // Every row of `sql`, columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    if (conn_ == nullptr) return rows;
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return rows;
    for (int i = 0; i < r->Rows(); ++i) {
      std::string row;
      for (int c = 0; c < r->Columns(); ++c) row += (c > 0 ? "|" : "") + r->GetText(i, c);
      rows.push_back(row);
    }
    return rows;
  }

 private:
  std::unique_ptr<pg::Connection> conn_;
};

ports::VideoRecord Video(const std::string& id) {
  ports::VideoRecord v;
  v.video_id = id;
  v.creator_id = "c1";
  v.original_key = "originals/" + id + "/original.mp4";
  return v;
}

TaskRecord Task(const std::string& id, const std::string& video_id) {
  TaskRecord t;
  t.task_id = id;
  t.video_id = video_id;
  t.step = "transcode";
  t.pool = "cpu";
  t.max_attempts = 3;
  return t;
}

std::vector<std::string> Versions() {
  std::vector<std::string> out;
  for (int v = 1; v <= PostgresStore::LatestSchemaVersion(); ++v) out.push_back(std::to_string(v));
  return out;
}

TEST(PostgresStoreTest, FreshDatabaseIsAtTheLatestSchemaVersion) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  ASSERT_NE(MustOpen(url, clock), nullptr);
  EXPECT_EQ(PostgresStore::LatestSchemaVersion(), 6);
  RawDb raw(url);
  EXPECT_EQ(raw.Rows("SELECT version FROM schema_version ORDER BY version"), Versions());
  EXPECT_EQ(raw.Rows("SELECT DISTINCT applied_at FROM schema_version"),
            (std::vector<std::string>{std::to_string(clock.NowMillis())}));
  // The service, registry and vault tables exist too.
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename "
                     "IN ('api_keys', 'uploads', 'idempotency', 'webhooks', "
                     "'webhook_deliveries', 'video_views', 'cursors', 'workers', "
                     "'content_keys')"),
            (std::vector<std::string>{"9"}));
}

TEST(PostgresStoreTest, ReopeningKeepsDataAndMigratesNothing) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  {
    auto store = MustOpen(url, clock);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
  }
  clock.Advance(1'000);
  auto store = MustOpen(url, clock);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->GetVideo("v1").ok());
  RawDb raw(url);
  EXPECT_EQ(raw.Rows("SELECT count(*), count(DISTINCT applied_at) FROM schema_version"),
            (std::vector<std::string>{"6|1"}));
}

TEST(PostgresStoreTest, RefusesADatabaseFromANewerVersionAndLeavesItUntouched) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  {
    auto store = MustOpen(url, clock);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
  }
  RawDb raw(url);
  raw.Exec("INSERT INTO schema_version VALUES (7, 'from the future', 1)");
  const auto before = raw.Rows("SELECT version, description, applied_at FROM schema_version "
                               "ORDER BY version");
  auto refused = PostgresStore::Open(url, clock);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("newer"), std::string::npos);
  EXPECT_EQ(raw.Rows("SELECT version, description, applied_at FROM schema_version "
                     "ORDER BY version"),
            before);
  EXPECT_EQ(raw.Rows("SELECT video_id FROM videos"), (std::vector<std::string>{"v1"}));
}

TEST(PostgresStoreTest, ConcurrentFirstOpensMigrateOnce) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  constexpr int kOpeners = 6;
  std::latch start(kOpeners);
  std::atomic<int> opened{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto store = PostgresStore::Open(url, clock);
      EXPECT_TRUE(store.ok()) << store.status().ToString();
      if (store.ok()) ++opened;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(opened.load(), kOpeners);
  RawDb raw(url);
  EXPECT_EQ(raw.Rows("SELECT version FROM schema_version ORDER BY version"), Versions());
}

TEST(PostgresStoreTest, TwoStoresLeasingFromManyThreadsNeverLeaseATaskTwice) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  constexpr int kTasks = 200;
  constexpr int kStores = 2;
  constexpr int kThreadsPerStore = 4;
  std::unique_ptr<PostgresStore> stores[kStores];
  for (auto& store : stores) {
    PostgresStoreOptions options;
    options.pool_size = kThreadsPerStore;
    store = MustOpen(url, clock, options);
    ASSERT_NE(store, nullptr);
  }
  ASSERT_TRUE(stores[0]->CreateVideo(Video("v1")).ok());
  std::vector<TaskRecord> tasks;
  for (int i = 0; i < kTasks; ++i) {
    TaskRecord t = Task("t" + std::to_string(1000 + i), "v1");
    // Four priority queues, so leasers compare several heads.
    t.priority = static_cast<ports::Priority>(i % 4);
    tasks.push_back(t);
  }
  ASSERT_EQ(*stores[0]->CreateTasks(tasks), kTasks);

  std::vector<std::string> leased[kStores * kThreadsPerStore];
  std::latch start(kStores * kThreadsPerStore);
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores * kThreadsPerStore; ++i) {
    threads.emplace_back([&, i] {
      PostgresStore& store = *stores[i % kStores];
      const std::string worker = "w" + std::to_string(i);
      start.arrive_and_wait();
      while (true) {
        auto got = store.Lease(worker, {"cpu"}, 600'000);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        if (!got->has_value()) break;
        leased[i].push_back((*got)->task_id);
        ASSERT_TRUE(store.Complete((*got)->task_id, worker, "{}", 0).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::multiset<std::string> all;
  for (const auto& ids : leased) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<size_t>(kTasks));
  RawDb raw(url);
  EXPECT_EQ(raw.Rows("SELECT count(*), max(attempts) FROM tasks WHERE state = 'completed'"),
            (std::vector<std::string>{std::to_string(kTasks) + "|1"}));
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM task_attempts"),
            (std::vector<std::string>{std::to_string(kTasks)}));
  EXPECT_EQ(raw.Rows("SELECT count(*) FROM events WHERE type = 'task.completed'"),
            (std::vector<std::string>{std::to_string(kTasks)}));
}

TEST(PostgresStoreTest, LeaseTaskFromManySessionsClaimsTheTaskOnce) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  PostgresStoreOptions options;
  options.pool_size = 8;
  auto a = MustOpen(url, clock, options);
  auto b = MustOpen(url, clock, options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(a->CreateVideo(Video("v1")).ok());
  ASSERT_EQ(*a->CreateTasks({Task("t1", "v1")}), 1);
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      PostgresStore& store = i % 2 == 0 ? *a : *b;
      start.arrive_and_wait();
      auto got = store.LeaseTask("t1", "w" + std::to_string(i), {"cpu"}, 60'000);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      if (got->has_value()) ++winners;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(a->GetTask("t1")->attempts, 1);
  auto unknown = a->LeaseTask("nope", "w1", {"cpu"}, 60'000);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
}

TEST(PostgresStoreTest, PollersNeverSkipAnEventPublishedConcurrently) {
  const std::string url = FreshDatabase();
  FakeClock clock;
  PostgresStoreOptions options;
  options.pool_size = 4;
  auto a = MustOpen(url, clock, options);
  auto b = MustOpen(url, clock, options);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kPublishers = 4;
  constexpr int kEach = 100;
  std::atomic<int> publishing{kPublishers};
  std::vector<std::thread> threads;
  for (int i = 0; i < kPublishers; ++i) {
    threads.emplace_back([&, i] {
      PostgresStore& store = i % 2 == 0 ? *a : *b;
      for (int n = 0; n < kEach; ++n) {
        ports::Event e;
        e.type = "test.event";
        e.payload_json = "{}";
        EXPECT_TRUE(store.Publish(e).ok());
      }
      --publishing;
    });
  }
  // A cursor poller, as consumers poll: any id that commits after a larger
  // one was seen would be skipped for good.
  std::set<int64_t> seen;
  int64_t cursor = 0;
  auto poll = [&] {
    auto events = a->Poll(cursor, 1000);
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    for (const ports::Event& e : *events) {
      EXPECT_GT(e.event_id, cursor);
      cursor = e.event_id;
      seen.insert(e.event_id);
    }
  };
  while (publishing.load() > 0) poll();
  for (std::thread& t : threads) t.join();
  poll();
  EXPECT_EQ(seen.size(), static_cast<size_t>(kPublishers * kEach));
}

TEST(PostgresStoreTest, CallsFailWithIoDuringAnOutageAndWorkAfterARestart) {
  testutil::PostgresServer server;
  ASSERT_EQ(server.Start(testutil::FreshDir() + "/pg"), "");
  std::string error;
  const std::string url = server.CreateDatabase(&error);
  ASSERT_FALSE(url.empty()) << error;
  FakeClock clock;
  PostgresStoreOptions options;
  options.pool_size = 2;
  auto store = MustOpen(url, clock, options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
  ASSERT_EQ(*store->CreateTasks({Task("t1", "v1")}), 1);

  server.Stop();
  EXPECT_EQ(store->GetVideo("v1").status().code(), ErrorCode::kIo);
  EXPECT_EQ(store->CreateVideo(Video("v2")).code(), ErrorCode::kIo);
  EXPECT_EQ(store->Lease("w1", {"cpu"}, 60'000).status().code(), ErrorCode::kIo);

  ASSERT_EQ(server.Restart(), "");
  // The first call after the restart works, on the same store.
  auto video = store->GetVideo("v1");
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  auto leased = store->Lease("w1", {"cpu"}, 60'000);
  ASSERT_TRUE(leased.ok()) << leased.status().ToString();
  ASSERT_TRUE(leased->has_value());
  EXPECT_EQ((*leased)->task_id, "t1");
  EXPECT_EQ(store->GetVideo("v2").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store->CreateVideo(Video("v2")).ok());
}

TEST(PostgresStoreTest, ConnectionErrorsAreClear) {
  FakeClock clock;
  auto bad_url = PostgresStore::Open("postgresql://127.0.0.1/db?no_such_option=1", clock);
  ASSERT_FALSE(bad_url.ok());
  EXPECT_EQ(bad_url.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_url.status().message().find("no_such_option"), std::string::npos)
      << bad_url.status().message();

  auto bad_conninfo = PostgresStore::Open("host=127.0.0.1 dbname", clock);
  ASSERT_FALSE(bad_conninfo.ok());
  EXPECT_EQ(bad_conninfo.status().code(), ErrorCode::kInvalidArgument);

  // Port 1 on loopback: nothing listens. The password never appears.
  auto unreachable = PostgresStore::Open("postgresql://vtp:s3cret@127.0.0.1:1/db", clock);
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.status().code(), ErrorCode::kIo);
  EXPECT_NE(unreachable.status().message().find("cannot connect"), std::string::npos);
  EXPECT_EQ(unreachable.status().message().find("s3cret"), std::string::npos);

  PostgresStoreOptions options;
  options.pool_size = 0;
  EXPECT_EQ(PostgresStore::Open(FreshDatabase(), clock, options).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(PostgresStoreTest, ErrorsNameTheSqlStateButNeverTheValues) {
  const std::string url = FreshDatabase();
  auto conn = pg::Connection::Open(url, pg::ConnectOptions{});
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto bad = (*conn)->Exec("SELECT $1::bigint", {"not-a-number-secret"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("22P02"), std::string::npos) << bad.status().message();
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos) << bad.status().message();
  ASSERT_TRUE((*conn)->ExecScript("CREATE TABLE u (k text PRIMARY KEY)").ok());
  ASSERT_TRUE((*conn)->Exec("INSERT INTO u VALUES ($1)", {"x"}).ok());
  auto dup = (*conn)->Exec("INSERT INTO u VALUES ($1)", {"x"});
  EXPECT_EQ(dup.status().code(), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace vtp::adapters
