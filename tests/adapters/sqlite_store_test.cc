// SQLite-only behaviour of SqliteStore, beyond the port contracts in
// tests/ports: durability across reopen, migrations, WAL, busy handling and
// leases that stay exclusive across connections (as separate processes
// would hold them).
#include "adapters/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sqlite_db.h"
#include "adapters/sqlite_rows.h"
#include "adapters/sqlite_schema.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"

namespace vtp::adapters {
namespace {

using ports::FakeClock;
using ports::TaskRecord;

std::unique_ptr<SqliteStore> MustOpen(const std::string& path, ports::Clock& clock,
                                      SqliteStoreOptions options = {}) {
  auto store = SqliteStore::Open(path, clock, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// A raw second connection, for looking under the adapter.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  // Every row of `sql`, columns joined by '|'.
  std::vector<std::string> Rows(const std::string& sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += (i > 0 ? "|" : "") + std::string(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(stmt);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

ports::VideoRecord Video(const std::string& id) {
  ports::VideoRecord v;
  v.video_id = id;
  v.creator_id = "c1";
  v.original_key = "originals/" + id + "/original.mp4";
  return v;
}

TaskRecord Task(const std::string& id, const std::string& video_id, int max_attempts = 3) {
  TaskRecord t;
  t.task_id = id;
  t.video_id = video_id;
  t.step = "transcode";
  t.pool = "cpu";
  t.max_attempts = max_attempts;
  return t;
}

// Everything a store holds, for before/after comparisons.
struct Snapshot {
  std::vector<ports::VideoRecord> videos;
  std::vector<TaskRecord> tasks;
  std::map<std::string, std::vector<ports::AttemptRecord>> attempts;
  std::vector<ports::DeadLetter> dead;
  std::vector<ports::Event> events;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(SqliteStore& store) {
  Snapshot s;
  s.videos = *store.ListVideos(std::nullopt);
  for (const auto& v : s.videos) {
    std::vector<TaskRecord> tasks = *store.ListTasks(v.video_id);
    for (const TaskRecord& t : tasks) {
      s.tasks.push_back(t);
      s.attempts[t.task_id] = *store.ListAttempts(t.task_id);
    }
  }
  s.dead = *store.ListDeadLetters();
  s.events = *store.ReadEvents(0, 10'000);
  return s;
}

TEST(SqliteStoreTest, RestartLosesNothing) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  Snapshot before;
  {
    auto store = MustOpen(path, clock);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
    ASSERT_TRUE(store->UpdateVideoStatus("v1", ports::VideoStatus::kTranscoding, "").ok());
    ASSERT_TRUE(
        store->CreateTasks({Task("a", "v1"), Task("b", "v1", 1), Task("c", "v1"), Task("d", "v1")})
            .ok());
    ASSERT_EQ((*store->Lease("w1", {"cpu"}, 1000))->task_id, "a");
    ASSERT_TRUE(store->Complete("a", "w1", R"({"out":"x"})", 12).ok());
    ASSERT_EQ((*store->Lease("w1", {"cpu"}, 1000))->task_id, "b");
    ASSERT_TRUE(store->Fail("b", "w1", {"encode_failed", "boom", std::nullopt}).ok());
    ASSERT_EQ((*store->Lease("w1", {"cpu"}, 1000))->task_id, "c");
    ASSERT_TRUE(store->Fail("c", "w1", {"io_error", "disk", clock.NowMillis() + 50}).ok());
    ASSERT_EQ((*store->Lease("w2", {"cpu"}, 1000))->task_id, "d");  // in flight at "crash"
    ASSERT_TRUE(store->MarkEventsPublished(2).ok());
    before = Take(*store);
  }
  auto reopened = MustOpen(path, clock);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Take(*reopened), before);
  EXPECT_EQ(before.tasks.size(), 4u);
  EXPECT_EQ(before.dead.size(), 1u);

  // The in-flight lease survived too: it expires and is taken over.
  clock.Advance(1001);
  EXPECT_EQ(*reopened->ExpireLeases(), 1);
  auto next = reopened->Lease("w3", {"cpu"}, 1000);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_TRUE((*next)->task_id == "c" || (*next)->task_id == "d") << (*next)->task_id;
}

TEST(SqliteStoreTest, FreshDatabaseIsAtTheLatestSchemaVersion) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  ASSERT_NE(MustOpen(path, clock), nullptr);
  ASSERT_NE(MustOpen(path, clock), nullptr);  // reopening applies nothing twice
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT MAX(version), COUNT(*) FROM schema_version"),
            (std::vector<std::string>{std::to_string(SqliteStore::LatestSchemaVersion()) + "|" +
                                      std::to_string(SqliteStore::LatestSchemaVersion())}));
  EXPECT_EQ(raw.Rows("PRAGMA foreign_key_check").size(), 0u);
}

// A file written by a build that knew only migration 1 (made here by
// applying just that migration and inserting rows in its column set) is
// upgraded on open, and every row survives with the new column defaulted.
TEST(SqliteStoreTest, UpgradesAVersion1DatabaseKeepingItsRows) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  {
    auto conn = sqlite::Connection::Open(path, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_EQ(*sqlite::Migrate(**conn, sqlite::StoreMigrations().first(1), 5), 1);
  }
  {
    RawDb raw(path);
    raw.Exec(
        "INSERT INTO videos (video_id, creator_id, title, original_key, width, status, "
        "created_at) VALUES ('v1', 'c1', 'Old', 'originals/v1/original.mp4', 1920, "
        "'transcoding', 123)");
    raw.Exec(
        "INSERT INTO tasks (task_id, video_id, step, pool, priority, params_json, state, "
        "max_attempts, next_run_at, enqueued_at) VALUES ('t1', 'v1', 'transcode', 'cpu', 1, "
        "'{\"rung\":\"720p\"}', 'pending', 3, 100, 100)");
    raw.Exec("INSERT INTO events (video_id, type, created_at) VALUES ('v1', 'video.created', 123)");
  }
  FakeClock clock;
  auto store = MustOpen(path, clock);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT version, applied_at FROM schema_version ORDER BY version"),
            (std::vector<std::string>{"1|5", "2|" + std::to_string(clock.NowMillis()),
                                      "3|" + std::to_string(clock.NowMillis()),
                                      "4|" + std::to_string(clock.NowMillis()),
                                      "5|" + std::to_string(clock.NowMillis()),
                                      "6|" + std::to_string(clock.NowMillis())}));
  EXPECT_EQ(SqliteStore::LatestSchemaVersion(), 6);

  auto video = store->GetVideo("v1");
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  EXPECT_EQ(video->title, "Old");
  EXPECT_EQ(video->width, 1920);
  EXPECT_EQ(video->status, ports::VideoStatus::kTranscoding);
  EXPECT_EQ(video->created_at, 123);
  EXPECT_EQ(video->options_json, "{}");
  EXPECT_EQ(store->ReadEvents(0, 10)->size(), 1u);
  auto leased = store->Lease("w1", {"cpu"}, 1000);
  ASSERT_TRUE(leased.ok() && leased->has_value()) << leased.status().ToString();
  EXPECT_EQ((*leased)->task_id, "t1");
  EXPECT_EQ((*leased)->params_json, R"({"rung":"720p"})");

  // The new column is writable on the upgraded file.
  ports::VideoRecord update = *video;
  update.options_json = R"({"ladder":"premium"})";
  ASSERT_TRUE(store->UpdateVideo(update).ok());
  EXPECT_EQ(store->GetVideo("v1")->options_json, R"({"ladder":"premium"})");
  EXPECT_EQ(raw.Rows("PRAGMA foreign_key_check").size(), 0u);
}

// A file at version 3 (the schema before the service tables) is upgraded to
// version 4 on open: its videos survive and the service store works on them.
TEST(SqliteStoreTest, UpgradesAVersion3DatabaseToTheServiceTables) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  {
    auto conn = sqlite::Connection::Open(path, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_EQ(*sqlite::Migrate(**conn, sqlite::StoreMigrations().first(3), 5), 3);
  }
  {
    RawDb raw(path);
    raw.Exec(
        "INSERT INTO videos (video_id, creator_id, title, original_key, status, created_at, "
        "options_json) VALUES ('v1', 'c1', 'Kept', 'originals/v1/original.mp4', 'ready', 123, "
        "'{\"ladder\":\"premium\"}')");
  }
  FakeClock clock;
  auto store = MustOpen(path, clock);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT version, applied_at FROM schema_version WHERE version >= 3 "
                     "ORDER BY version"),
            (std::vector<std::string>{"3|5", "4|" + std::to_string(clock.NowMillis()),
                                      "5|" + std::to_string(clock.NowMillis()),
                                      "6|" + std::to_string(clock.NowMillis())}));
  EXPECT_EQ(raw.Rows("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                     "name IN ('idx_creator', 'videos_creator')"),
            (std::vector<std::string>{"idx_creator"}));

  auto video = store->GetVideo("v1");
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  EXPECT_EQ(video->title, "Kept");
  EXPECT_EQ(video->status, ports::VideoStatus::kReady);
  EXPECT_EQ(video->created_at, 123);
  EXPECT_EQ(video->options_json, R"({"ladder":"premium"})");

  ports::VideoPageQuery page;
  page.creator_id = "c1";
  auto listed = store->ListVideoPage(page);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front(), *video);
  EXPECT_EQ(*store->AddViews("v1", 2), 2);
  EXPECT_EQ(raw.Rows("PRAGMA foreign_key_check").size(), 0u);
}

// A file at version 4 (before the worker registry) is upgraded to version 5
// on open: its queue keeps working, the registry starts empty, and waiting
// tasks can be moved between pools.
TEST(SqliteStoreTest, UpgradesAVersion4DatabaseToTheWorkerRegistry) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  {
    auto conn = sqlite::Connection::Open(path, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_EQ(*sqlite::Migrate(**conn, sqlite::StoreMigrations().first(4), 5), 4);
  }
  {
    RawDb raw(path);
    raw.Exec(
        "INSERT INTO videos (video_id, creator_id, original_key, status, created_at) "
        "VALUES ('v1', 'c1', 'originals/v1/original.mp4', 'transcoding', 123)");
    raw.Exec(
        "INSERT INTO tasks (task_id, video_id, step, pool, priority, params_json, state, "
        "max_attempts, next_run_at, enqueued_at) VALUES ('t1', 'v1', 'transcode_hevc', "
        "'gpu-nvenc', 1, '{}', 'pending', 3, 100, 100)");
  }
  FakeClock clock;
  auto store = MustOpen(path, clock);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT version, applied_at FROM schema_version WHERE version >= 4 "
                     "ORDER BY version"),
            (std::vector<std::string>{"4|5", "5|" + std::to_string(clock.NowMillis()),
                                      "6|" + std::to_string(clock.NowMillis())}));
  EXPECT_TRUE(store->ListLiveWorkers(1'000'000)->empty());

  ports::WorkerRecord w;
  w.worker_id = "gpu-1";
  w.host = "node";
  w.pid = 9;
  w.pools = {"cpu", "gpu-nvenc"};
  ASSERT_TRUE(store->RegisterWorker(w).ok());
  EXPECT_EQ(raw.Rows("SELECT worker_id, pools, capabilities FROM workers"),
            (std::vector<std::string>{"gpu-1|cpu,gpu-nvenc|"}));

  auto waiting = store->ListWaitingTasks("gpu-nvenc", 10);
  ASSERT_TRUE(waiting.ok() && waiting->size() == 1u);
  ASSERT_TRUE(*store->RerouteTask({"t1", "gpu-nvenc", "cpu", R"({"x":1})", "test"}));
  auto leased = store->Lease("w1", {"cpu"}, 1000);
  ASSERT_TRUE(leased.ok() && leased->has_value()) << leased.status().ToString();
  EXPECT_EQ((*leased)->params_json, R"({"x":1})");
  EXPECT_EQ(raw.Rows("PRAGMA foreign_key_check").size(), 0u);
}

// A file at version 5 (before the key vault) is upgraded to version 6 on
// open: its workers survive, the vault starts empty, and a stored key
// survives reopening, kept as hex text.
TEST(SqliteStoreTest, UpgradesAVersion5DatabaseToTheKeyVault) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  {
    auto conn = sqlite::Connection::Open(path, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_EQ(*sqlite::Migrate(**conn, sqlite::StoreMigrations().first(5), 5), 5);
  }
  {
    RawDb raw(path);
    raw.Exec(
        "INSERT INTO workers (worker_id, host, pid, pools, started_at, last_seen) "
        "VALUES ('w1', 'node', 7, 'cpu', 100, 100)");
  }
  FakeClock clock;
  ports::WrappedKey row;
  row.video_id = "v1";
  row.label = "hd";
  row.kid = {0xab, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xcd};
  row.wrapped = std::string("\x01\x00\xff", 3);
  {
    auto store = MustOpen(path, clock);
    ASSERT_NE(store, nullptr);
    RawDb raw(path);
    EXPECT_EQ(raw.Rows("SELECT version, applied_at FROM schema_version WHERE version >= 5 "
                       "ORDER BY version"),
              (std::vector<std::string>{"5|5", "6|" + std::to_string(clock.NowMillis())}));
    EXPECT_EQ(raw.Rows("SELECT worker_id, pools FROM workers"), (std::vector<std::string>{"w1|cpu"}));
    EXPECT_EQ(store->GetKeyByLabel("v1", "hd").status().code(), ErrorCode::kNotFound);
    ASSERT_TRUE(store->PutKeyIfAbsent(row).ok());
  }
  auto reopened = MustOpen(path, clock);
  ASSERT_NE(reopened, nullptr);
  row.created_at = clock.NowMillis();
  EXPECT_EQ(*reopened->GetKeyByKid("v1", row.kid), row);
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT label, kid, wrapped FROM content_keys"),
            (std::vector<std::string>{"hd|ab0102030405060708090a0b0c0d0ecd|0100ff"}));
}

// Purging dead workers seeks the last_seen index (listing live ones may
// scan the primary key instead, for its ORDER BY, while the table is small).
TEST(SqliteStoreTest, WorkerLivenessSeeksTheLastSeenIndex) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  auto store = MustOpen(path, clock);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  std::vector<std::string> plan =
      raw.Rows("EXPLAIN QUERY PLAN DELETE FROM workers WHERE last_seen < 5");
  std::string joined;
  for (const auto& row : plan) joined += row + "\n";
  EXPECT_NE(joined.find("workers_last_seen"), std::string::npos) << joined;
}

TEST(SqliteStoreTest, ParkedTasksSurviveReopen) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  {
    auto store = MustOpen(path, clock);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
    ASSERT_TRUE(store->CreateTasks({Task("t1", "v1")}).ok());
    ASSERT_EQ(*store->ParkTasks("v1", {"transcode"}), 1);
  }
  auto reopened = MustOpen(path, clock);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->GetTask("t1")->next_run_at, ports::kParkedRunAt);
  clock.Advance(1'000'000'000'000);
  EXPECT_FALSE(reopened->Lease("w1", {"cpu"}, 1000)->has_value());
  EXPECT_EQ(*reopened->CreateTasks({Task("t1", "v1")}), 1);
  EXPECT_TRUE(reopened->Lease("w1", {"cpu"}, 1000)->has_value());
}

TEST(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  ASSERT_NE(MustOpen(path, clock), nullptr);
  {
    RawDb raw(path);
    raw.Exec("INSERT INTO schema_version VALUES (99, 'from the future', 0)");
  }
  auto store = SqliteStore::Open(path, clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos) << store.status().message();
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT MAX(version) FROM schema_version"), (std::vector<std::string>{"99"}));
}

TEST(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  testutil::WriteFileAt(path, std::string(4096, 'x'));
  FakeClock clock;
  auto store = SqliteStore::Open(path, clock);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kIo) << store.status().ToString();
}

constexpr sqlite::Migration kFakeV1{1, "one",
                                    "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (7);"};
constexpr sqlite::Migration kFakeV2{2, "two",
                                    "ALTER TABLE a ADD COLUMN y TEXT NOT NULL DEFAULT 'new';"};
constexpr sqlite::Migration kBrokenV2{2, "broken", "CREATE TABLE b (x); CREATE TABLE a (x);"};
constexpr sqlite::Migration kFakeV3{3, "three", "CREATE TABLE c (x);"};

TEST(SqliteSchemaTest, MigratesAnOldDatabaseOneVersionAtATime) {
  const std::string path = testutil::FreshDir() + "/m.db";
  auto conn = sqlite::Connection::Open(path, 1000);
  ASSERT_TRUE(conn.ok());
  const sqlite::Migration v1[] = {kFakeV1};
  const sqlite::Migration v2[] = {kFakeV1, kFakeV2};
  EXPECT_EQ(*sqlite::SchemaVersion(**conn), 0);
  EXPECT_EQ(*sqlite::Migrate(**conn, v1, 1), 1);
  EXPECT_EQ(*sqlite::Migrate(**conn, v2, 2), 2);
  EXPECT_EQ(*sqlite::Migrate(**conn, v2, 3), 2);  // nothing left to do
  EXPECT_EQ(*sqlite::SchemaVersion(**conn), 2);
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT x, y FROM a"), (std::vector<std::string>{"7|new"}));
  EXPECT_EQ(raw.Rows("SELECT version, applied_at FROM schema_version ORDER BY version"),
            (std::vector<std::string>{"1|1", "2|2"}));
  // An older build refuses the newer file.
  EXPECT_EQ(sqlite::Migrate(**conn, v1, 4).status().code(), ErrorCode::kInvalidArgument);
}

TEST(SqliteSchemaTest, AFailedMigrationLeavesTheOldVersion) {
  const std::string path = testutil::FreshDir() + "/m.db";
  auto conn = sqlite::Connection::Open(path, 1000);
  ASSERT_TRUE(conn.ok());
  const sqlite::Migration v1[] = {kFakeV1};
  const sqlite::Migration broken[] = {kFakeV1, kBrokenV2};
  ASSERT_EQ(*sqlite::Migrate(**conn, v1, 1), 1);
  EXPECT_FALSE(sqlite::Migrate(**conn, broken, 2).ok());
  EXPECT_EQ(*sqlite::SchemaVersion(**conn), 1);
  RawDb raw(path);
  EXPECT_TRUE(raw.Rows("SELECT name FROM sqlite_master WHERE name = 'b'").empty());
}

TEST(SqliteSchemaTest, MigrationsMustBeNumberedWithoutGaps) {
  const std::string path = testutil::FreshDir() + "/m.db";
  auto conn = sqlite::Connection::Open(path, 1000);
  ASSERT_TRUE(conn.ok());
  const sqlite::Migration gap[] = {kFakeV1, kFakeV3};
  EXPECT_EQ(sqlite::Migrate(**conn, gap, 1).status().code(), ErrorCode::kInternal);
  EXPECT_EQ(*sqlite::SchemaVersion(**conn), 0);
}

TEST(SqliteStoreTest, ConcurrentFirstOpensMigrateOnce) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { EXPECT_NE(MustOpen(path, clock), nullptr); });
  }
  for (std::thread& t : threads) t.join();
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT COUNT(*) FROM schema_version"),
            (std::vector<std::string>{std::to_string(SqliteStore::LatestSchemaVersion())}));
}

TEST(SqliteStoreTest, WalJournalIsOn) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  auto store = MustOpen(path, clock);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateVideo(Video("v1")).ok());
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("PRAGMA journal_mode"), (std::vector<std::string>{"wal"}));
}

TEST(SqliteStoreTest, WriterBlockedPastTheBusyTimeoutGetsIo) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  SqliteStoreOptions options;
  options.busy_timeout_ms = 50;
  auto store = MustOpen(path, clock, options);
  ASSERT_NE(store, nullptr);
  RawDb other(path);
  other.Exec("BEGIN IMMEDIATE");  // another process holds the write lock
  Status blocked = store->CreateVideo(Video("v1"));
  EXPECT_EQ(blocked.code(), ErrorCode::kIo) << blocked.ToString();
  EXPECT_NE(blocked.message().find("busy"), std::string::npos) << blocked.message();
  EXPECT_TRUE(store->ListVideos(std::nullopt).ok());  // WAL: readers are not blocked
  other.Exec("ROLLBACK");
  EXPECT_TRUE(store->CreateVideo(Video("v1")).ok());
}

TEST(SqliteStoreTest, LeaseSeeksThePartialIndex) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  ASSERT_NE(MustOpen(path, clock), nullptr);
  RawDb raw(path);
  std::vector<std::string> plan =
      raw.Rows("EXPLAIN QUERY PLAN " + std::string(sqlite::kRunnableHeadSql));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("USING INDEX tasks_runnable"), std::string::npos) << plan[0];
  EXPECT_EQ(plan[0].find("TEMP B-TREE"), std::string::npos) << plan[0];  // no sort step
}

TEST(SqliteStoreTest, ReclaimWorkerSeeksTheOwnerIndex) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  ASSERT_NE(MustOpen(path, clock), nullptr);
  RawDb raw(path);
  std::vector<std::string> plan = raw.Rows("EXPLAIN QUERY PLAN SELECT task_id FROM tasks " +
                                           std::string(sqlite::kLeasesOfWorkerWhere));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("USING INDEX tasks_owner"), std::string::npos) << plan[0];
  EXPECT_EQ(plan[0].find("TEMP B-TREE"), std::string::npos) << plan[0];  // no sort step
}

TEST(SqliteStoreTest, TallyStepIsAnsweredFromIndexesOnly) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  ASSERT_NE(MustOpen(path, clock), nullptr);
  RawDb raw(path);
  std::vector<std::string> plan = raw.Rows("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM tasks " +
                                           std::string(sqlite::kUnfinishedOfStepWhere));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("USING COVERING INDEX tasks_video"), std::string::npos) << plan[0];
  plan = raw.Rows("EXPLAIN QUERY PLAN SELECT 1 FROM dead_letters WHERE video_id = 'v'");
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_NE(plan[0].find("dead_letters_by_video"), std::string::npos) << plan[0];
}

// Two connections to one file behave as two worker processes: BEGIN
// IMMEDIATE makes each Lease exclusive, so every task is leased exactly once.
TEST(SqliteStoreTest, TwoConnectionsNeverLeaseTheSameTask) {
  const std::string path = testutil::FreshDir() + "/vtp.db";
  FakeClock clock;
  constexpr int kTasks = 200;
  {
    auto setup = MustOpen(path, clock);
    ASSERT_NE(setup, nullptr);
    ASSERT_TRUE(setup->CreateVideo(Video("v1")).ok());
    std::vector<TaskRecord> tasks;
    for (int i = 0; i < kTasks; ++i) tasks.push_back(Task("t" + std::to_string(1000 + i), "v1"));
    ASSERT_EQ(*setup->CreateTasks(tasks), kTasks);
  }
  std::vector<std::string> leased[2];
  std::latch opened(2);  // both connections exist before either leases
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      auto store = MustOpen(path, clock);
      opened.arrive_and_wait();
      if (store == nullptr) return;
      const std::string worker = "w" + std::to_string(w);
      while (true) {
        auto got = store->Lease(worker, {"cpu"}, 60'000);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        if (!got->has_value()) break;
        leased[w].push_back((*got)->task_id);
        ASSERT_TRUE(store->Complete((*got)->task_id, worker, "{}", 0).ok());
      }
    });
  }
  for (std::thread& t : workers) t.join();
  RecordProperty("leased_by_w0", static_cast<int>(leased[0].size()));
  RecordProperty("leased_by_w1", static_cast<int>(leased[1].size()));
  std::multiset<std::string> all(leased[0].begin(), leased[0].end());
  all.insert(leased[1].begin(), leased[1].end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), static_cast<size_t>(kTasks));
  RawDb raw(path);
  EXPECT_EQ(raw.Rows("SELECT COUNT(*), MAX(attempts) FROM tasks WHERE state = 'completed'"),
            (std::vector<std::string>{std::to_string(kTasks) + "|1"}));
  EXPECT_EQ(raw.Rows("SELECT COUNT(*) FROM task_attempts"),
            (std::vector<std::string>{std::to_string(kTasks)}));
}

}  // namespace
}  // namespace vtp::adapters
