// RedisTaskQueue beyond the port contracts (which run through
// tests/ports/redis_store_factory.h): Redis losing its data or going away,
// stale and moved entries, the pipeline hash, and many leasers in two
// "processes" (two instances, two clients, two store handles on one file).
// Each test starts its own redis-server (testutil/redis_server.h).
#include "adapters/redis_task_queue.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/redis_client.h"
#include "adapters/sqlite_store.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"
#include "testutil/redis_server.h"

namespace vtp {
namespace {

using adapters::RedisClient;
using adapters::RedisOptions;
using adapters::RedisTaskQueue;
using adapters::RedisTaskQueueOptions;
using adapters::SqliteStore;
using ports::Millis;
using ports::Priority;
using ports::TaskRecord;
using ports::TaskState;

constexpr Millis kLeaseMs = 60'000;

// One "process": its own store handle, Redis connection and queue.
struct Node {
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<RedisClient> client;
  std::unique_ptr<RedisTaskQueue> queue;
};

class RedisTaskQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    ASSERT_EQ(server_.Start(dir_ + "/redis"), "");
    node_ = MakeNode();
    ASSERT_NE(node_.queue, nullptr);
    AddVideo("v1");
  }

  Node MakeNode() {
    Node node;
    ports::QueueOptions queue_options;
    queue_options.aging_step_ms = 1'000;
    adapters::SqliteStoreOptions options;
    options.queue = queue_options;
    auto store = SqliteStore::Open(dir_ + "/vtp.db", clock_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    RedisOptions redis_options;
    redis_options.url = server_.url();
    auto client = RedisClient::Connect(redis_options);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!store.ok() || !client.ok()) return node;
    node.store = std::move(store).value();
    node.client = std::move(client).value();
    RedisTaskQueueOptions queue_opts;
    queue_opts.aging_step_ms = queue_options.aging_step_ms;
    queue_opts.pools = {"cpu", "gpu"};
    node.queue = std::make_unique<RedisTaskQueue>(*node.store, *node.store, *node.client, clock_,
                                                  queue_opts);
    return node;
  }

  RedisTaskQueue& queue() { return *node_.queue; }
  SqliteStore& backing() { return *node_.store; }

  void AddVideo(const std::string& id) {
    ports::VideoRecord v;
    v.video_id = id;
    v.original_key = "originals/" + id;
    ASSERT_TRUE(backing().CreateVideo(v).ok());
  }

  static TaskRecord Task(const std::string& id, const std::string& pool = "cpu",
                         Priority priority = Priority::kNormal) {
    TaskRecord t;
    t.task_id = id;
    t.video_id = "v1";
    t.step = "transcode";
    t.pool = pool;
    t.priority = priority;
    return t;
  }

  void AddTasks(int n, const std::string& prefix = "t") {
    std::vector<TaskRecord> tasks;
    for (int i = 0; i < n; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "%s%03d", prefix.c_str(), i);
      tasks.push_back(Task(id));
    }
    auto created = queue().CreateTasks(tasks);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    ASSERT_EQ(*created, n);
  }

  // Leases through `q` until nothing is runnable; returns the ids.
  std::vector<std::string> DrainIds(RedisTaskQueue& q,
                                    const std::vector<std::string>& pools = {"cpu"}) {
    std::vector<std::string> ids;
    for (;;) {
      auto leased = q.Lease("w", pools, kLeaseMs);
      EXPECT_TRUE(leased.ok()) << leased.status().ToString();
      if (!leased.ok() || !leased->has_value()) return ids;
      ids.push_back((*leased)->task_id);
    }
  }

  // ZSCORE of `task_id` in its queue key; "" when absent.
  std::string Score(const std::string& pool, Priority priority, const std::string& task_id) {
    auto reply = node_.client->Command({"ZSCORE", queue().QueueKey(pool, priority), task_id});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? reply->str : "error";
  }

  ports::FakeClock clock_;
  std::string dir_;
  testutil::RedisServer server_;
  Node node_;
};

TEST_F(RedisTaskQueueTest, CreateTasksQueuesEachTaskInItsPoolAndLevelSet) {
  std::vector<TaskRecord> tasks = {Task("a"), Task("b", "gpu", Priority::kUrgent)};
  tasks[0].next_run_at = clock_.NowMillis() + 5'000;
  ASSERT_TRUE(queue().CreateTasks(tasks).ok());
  EXPECT_EQ(Score("cpu", Priority::kNormal, "a"), std::to_string(clock_.NowMillis() + 5'000));
  EXPECT_EQ(Score("gpu", Priority::kUrgent, "b"), std::to_string(clock_.NowMillis()));
  auto cpu = queue().Lease("w", {"cpu"}, kLeaseMs);  // "a" is due later
  ASSERT_TRUE(cpu.ok());
  EXPECT_FALSE(cpu->has_value());
  clock_.Advance(5'000);
  EXPECT_EQ(DrainIds(queue(), {"cpu", "gpu"}), (std::vector<std::string>{"b", "a"}));
}

TEST_F(RedisTaskQueueTest, FlushMidRunThenReconcileRestoresEveryWaitingTaskAndNoneIsLeasedTwice) {
  AddTasks(20);
  std::set<std::string> leased;
  for (int i = 0; i < 5; ++i) {
    auto t = queue().Lease("w", {"cpu"}, kLeaseMs);
    ASSERT_TRUE(t.ok() && t->has_value());
    leased.insert((*t)->task_id);
  }
  ASSERT_EQ(server_.Flush(), "");
  EXPECT_TRUE(DrainIds(queue()).empty()) << "Redis is empty until the reconciler runs";
  auto restored = queue().Reconcile();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, 15);
  auto again = queue().Reconcile();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0) << "nothing is missing any more";
  for (const std::string& id : DrainIds(queue())) {
    EXPECT_TRUE(leased.insert(id).second) << id << " leased twice";
  }
  EXPECT_EQ(leased.size(), 20u);
  for (const std::string& id : leased) ASSERT_TRUE(queue().Complete(id, "w", "{}", 1).ok()) << id;
}

TEST_F(RedisTaskQueueTest, RestartLosesTheQueueAndReconcileRestoresItInOrder) {
  AddTasks(3);
  ASSERT_EQ(server_.Restart(), "");
  auto restored = queue().Reconcile();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, 3);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"t000", "t001", "t002"}));
}

TEST_F(RedisTaskQueueTest, AnEntryLeasedThroughTheStoreIsDroppedAsStale) {
  AddTasks(2);
  auto direct = backing().LeaseTask("t000", "other", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(direct.ok() && direct->has_value());
  EXPECT_NE(Score("cpu", Priority::kNormal, "t000"), "") << "the stale entry is still queued";
  auto leased = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(leased.ok() && leased->has_value()) << leased.status().ToString();
  EXPECT_EQ((*leased)->task_id, "t001");
  EXPECT_EQ(Score("cpu", Priority::kNormal, "t000"), "") << "dropped, not re-added";
  EXPECT_EQ(backing().GetTask("t000")->lease_owner, "other");
}

TEST_F(RedisTaskQueueTest, AStaleScoreIsCorrectedFromTheStore) {
  AddTasks(1);
  auto leased = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ports::TaskFailure failure;
  failure.error_code = "encode_failed";
  failure.retry_after = 30'000;
  ASSERT_TRUE(queue().Fail("t000", "w", failure).ok());
  const std::string due = std::to_string(clock_.NowMillis() + 30'000);
  EXPECT_EQ(Score("cpu", Priority::kNormal, "t000"), due);
  // A stray early entry, as a racing reconciler could leave one.
  ASSERT_TRUE(
      node_.client->Command({"ZADD", queue().QueueKey("cpu", Priority::kNormal), "0", "t000"})
          .ok());
  auto early = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());
  EXPECT_EQ(Score("cpu", Priority::kNormal, "t000"), due) << "re-added with its true next_run_at";
  clock_.Advance(30'000);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"t000"}));
}

TEST_F(RedisTaskQueueTest, ARerouteMovesTheEntryToTheNewPool) {
  ASSERT_TRUE(queue().CreateTasks({Task("g", "gpu")}).ok());
  ports::TaskReroute reroute{"g", "gpu", "cpu", R"({"encoder":"libx265"})", "no gpu worker"};
  auto moved = queue().RerouteTask(reroute);
  ASSERT_TRUE(moved.ok() && *moved);
  EXPECT_EQ(Score("gpu", Priority::kNormal, "g"), "");
  EXPECT_EQ(Score("cpu", Priority::kNormal, "g"), std::to_string(clock_.NowMillis()));
  EXPECT_TRUE(DrainIds(queue(), {"gpu"}).empty());
  EXPECT_EQ(DrainIds(queue(), {"cpu"}), (std::vector<std::string>{"g"}));
}

TEST_F(RedisTaskQueueTest, AStaleEntryInTheOldPoolIsMovedToTheTasksPool) {
  ASSERT_TRUE(queue().CreateTasks({Task("g", "gpu")}).ok());
  ports::TaskReroute reroute{"g", "gpu", "cpu", "{}", "no gpu worker"};
  ASSERT_TRUE(backing().RerouteTask(reroute).ok());  // behind the dispatcher's back
  EXPECT_TRUE(DrainIds(queue(), {"gpu"}).empty());
  EXPECT_EQ(Score("cpu", Priority::kNormal, "g"), std::to_string(clock_.NowMillis()));
  EXPECT_EQ(DrainIds(queue(), {"cpu"}), (std::vector<std::string>{"g"}));
}

TEST_F(RedisTaskQueueTest, RedisDownFailsLeaseButTransitionsStillCommit) {
  AddTasks(2);
  auto leased = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  server_.Stop();
  auto down = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kIo);
  ASSERT_TRUE(queue().Complete((*leased)->task_id, "w", R"({"ok":1})", 5).ok());
  EXPECT_EQ(backing().GetTask((*leased)->task_id)->state, TaskState::kCompleted);
  ASSERT_TRUE(queue().CreateTasks({Task("late")}).ok());
  EXPECT_GE(queue().write_through_failures(), 2);
  EXPECT_NE(queue().last_write_through_error().find("redis"), std::string::npos);
  EXPECT_EQ(queue().Reconcile().status().code(), ErrorCode::kIo);

  ASSERT_EQ(server_.Restart(), "");
  auto restored = queue().Reconcile();
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(*restored, 2);
  // Equal ready times: task_id order.
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"late", "t001"}));
}

TEST_F(RedisTaskQueueTest, ExpiredLeasesAreQueuedAgain) {
  AddTasks(1);
  auto leased = queue().Lease("w", {"cpu"}, 1'000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  clock_.Advance(1'001);
  auto expired = queue().ExpireLeases();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 1);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"t000"}));
  auto reclaimed = queue().ReclaimWorker("w");
  ASSERT_TRUE(reclaimed.ok());
  EXPECT_EQ(*reclaimed, 1);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"t000"}));
}

TEST_F(RedisTaskQueueTest, ParkedTasksLeaveTheQueueAndReturnWhenUnparked) {
  ASSERT_TRUE(queue().CreateTasks({Task("a"), Task("b")}).ok());
  auto parked = queue().ParkTasks("v1", {"transcode"});
  ASSERT_TRUE(parked.ok());
  EXPECT_EQ(*parked, 2);
  EXPECT_EQ(Score("cpu", Priority::kNormal, "a"), "");
  EXPECT_TRUE(DrainIds(queue()).empty());
  auto unparked = queue().CreateTasks({Task("a")});
  ASSERT_TRUE(unparked.ok());
  EXPECT_EQ(*unparked, 1);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"a"}));
  auto reset = queue().ResetTasks("v1", {"transcode"});
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(*reset, 2);
  EXPECT_EQ(DrainIds(queue()), (std::vector<std::string>{"a", "b"}));
}

TEST_F(RedisTaskQueueTest, RecreatingAnExistingTaskAddsNoStaleEntry) {
  AddTasks(1);
  auto leased = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  auto created = queue().CreateTasks({Task("t000"), Task("new")});
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(*created, 1);
  EXPECT_EQ(Score("cpu", Priority::kNormal, "t000"), "") << "running: not queued";
  EXPECT_EQ(Score("cpu", Priority::kNormal, "new"), std::to_string(clock_.NowMillis()));
}

TEST_F(RedisTaskQueueTest, PipelineHashFollowsTransitionsAndIsRebuiltFromTheStore) {
  AddTasks(3);
  auto leased = queue().Lease("w", {"cpu"}, kLeaseMs);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ASSERT_TRUE(queue().Complete("t000", "w", "{}", 1).ok());
  ASSERT_TRUE(queue().Lease("w", {"cpu"}, kLeaseMs).ok());
  ports::TaskFailure dead;
  dead.error_code = "not_media";
  ASSERT_TRUE(queue().Fail("t001", "w", dead).ok());
  clock_.Advance(7);
  ASSERT_TRUE(queue().Lease("w", {"cpu"}, kLeaseMs).ok());
  const std::map<std::string, std::string> expected = {
      {"t000", "completed"},
      {"t001", "failed"},
      {"t002", "running"},
      {"updated_at", std::to_string(clock_.NowMillis())}};
  auto hash = queue().ReadPipeline("v1");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(*hash, expected);
  ASSERT_EQ(server_.Flush(), "");
  auto gone = queue().ReadPipeline("v1");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
  ASSERT_TRUE(queue().RebuildPipeline("v1").ok());
  auto rebuilt = queue().ReadPipeline("v1");
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(*rebuilt, expected);
  auto ttl = node_.client->Command({"PTTL", queue().PipelineKey("v1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 0);
}

TEST_F(RedisTaskQueueTest, ManyThreadsInTwoInstancesLeaseEachTaskExactlyOnce) {
  AddTasks(300);
  Node other = MakeNode();
  ASSERT_NE(other.queue, nullptr);
  std::mutex mu;
  std::map<std::string, int> leases;
  std::vector<std::string> errors;
  auto worker = [&](RedisTaskQueue* q, int n) {
    const std::string name = "w" + std::to_string(n);
    for (;;) {
      auto leased = q->Lease(name, {"cpu"}, kLeaseMs);
      if (!leased.ok()) {  // a busy SQLite writer: kIo, retried as a worker would
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(leased.status().ToString());
        if (errors.size() > 1000) return;
        continue;
      }
      if (!leased->has_value()) return;
      const std::string id = (*leased)->task_id;
      {
        std::lock_guard<std::mutex> lock(mu);
        ++leases[id];
      }
      Status done = q->Complete(id, name, "{}", 1);
      if (!done.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(done.ToString());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back(worker, i % 2 == 0 ? &queue() : other.queue.get(), i);
  for (auto& t : threads) t.join();
  EXPECT_EQ(leases.size(), 300u) << (errors.empty() ? "" : errors.front());
  for (const auto& [id, count] : leases) EXPECT_EQ(count, 1) << id;
  auto waiting = backing().ListWaitingTasks("cpu", 1000);
  ASSERT_TRUE(waiting.ok());
  EXPECT_TRUE(waiting->empty());
}

}  // namespace
}  // namespace vtp
