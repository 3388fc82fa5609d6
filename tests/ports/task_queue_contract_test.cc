// Contract of ports::TaskQueue (see ports/task_queue.h), run against every
// adapter. Time only moves through FakeClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class TaskQueueContractTest : public StoreTest<Factory> {};
TYPED_TEST_SUITE(TaskQueueContractTest, StoreFactories, StoreFactoryNames);

TaskFailure Failure(std::string message, std::optional<Millis> retry_after) {
  return {"encode_failed", std::move(message), retry_after};
}

// ---- Lease -----------------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, LeaseOnEmptyQueueReturnsNothing) {
  auto leased = this->queue().Lease("w1", {"cpu"}, 1000);
  ASSERT_TRUE(leased.ok());
  EXPECT_FALSE(leased->has_value());
}

TYPED_TEST(TaskQueueContractTest, LeaseValidatesArguments) {
  EXPECT_EQ(this->queue().Lease("", {"cpu"}, 1000).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->queue().Lease("w1", {}, 1000).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->queue().Lease("w1", {"cpu"}, 0).status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(TaskQueueContractTest, LeaseMarksRunningCountsAttemptAndOpensAttemptRow) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  this->clock_.Advance(5);
  Millis t = this->now();
  auto leased = this->queue().Lease("w1", {"cpu"}, 3000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  const TaskRecord& task = **leased;
  EXPECT_EQ(task.task_id, "t1");
  EXPECT_EQ(task.state, TaskState::kRunning);
  EXPECT_EQ(task.attempts, 1);
  EXPECT_EQ(task.worker_id, "w1");
  EXPECT_EQ(task.lease_owner, "w1");
  EXPECT_EQ(task.lease_expires_at, t + 3000);
  EXPECT_EQ(task.heartbeat_at, t);
  EXPECT_EQ(task.started_at, t);
  EXPECT_EQ(this->MustGetTask("t1"), task);

  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].seq, 1);
  EXPECT_EQ((*attempts)[0].attempt, 1);
  EXPECT_EQ((*attempts)[0].worker_id, "w1");
  EXPECT_EQ((*attempts)[0].started_at, t);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kRunning);
  EXPECT_FALSE((*attempts)[0].ended_at.has_value());
}

TYPED_TEST(TaskQueueContractTest, LeasedTaskIsNotLeasedAgain) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1"), this->Task("t2", "v1")});
  std::string a = this->LeaseId("w1");
  std::string b = this->LeaseId("w2");
  EXPECT_NE(a, b);
  EXPECT_EQ(this->LeaseId("w3"), "");
}

TYPED_TEST(TaskQueueContractTest, LeasesByPriorityThenReadyTimeThenTaskId) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("n-b", "v1", Priority::kNormal),
                  this->Task("low", "v1", Priority::kLow),
                  this->Task("n-a", "v1", Priority::kNormal)});
  this->clock_.Advance(1);
  this->AddTasks({this->Task("n-0-later", "v1", Priority::kNormal),
                  this->Task("urgent", "v1", Priority::kUrgent),
                  this->Task("high", "v1", Priority::kHigh)});
  // All within one aging step: priority first, then ready time, then id.
  std::vector<std::string> order;
  for (std::string id = this->LeaseId(); !id.empty(); id = this->LeaseId()) order.push_back(id);
  EXPECT_EQ(order, (std::vector<std::string>{"urgent", "high", "n-a", "n-b", "n-0-later", "low"}));
}

TYPED_TEST(TaskQueueContractTest, LeasesOnlyFromRequestedPools) {
  this->AddVideo("v1");
  TaskRecord gpu = this->Task("gpu-task", "v1", Priority::kUrgent);
  gpu.pool = "gpu";
  this->AddTasks({gpu, this->Task("cpu-task", "v1", Priority::kLow)});
  EXPECT_EQ(this->LeaseId(), "cpu-task");
  EXPECT_EQ(this->LeaseId(), "");
  auto leased = this->queue().Lease("g1", {"cpu", "gpu"}, 1000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  EXPECT_EQ((*leased)->task_id, "gpu-task");
}

// ---- LeaseTask ---------------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, LeaseTaskTakesThatTaskWhateverItsRank) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("urgent", "v1", Priority::kUrgent),
                  this->Task("low", "v1", Priority::kLow)});
  this->clock_.Advance(7);
  Millis t = this->now();
  auto leased = this->queue().LeaseTask("low", "w1", {"cpu"}, 2000);
  ASSERT_TRUE(leased.ok()) << leased.status().ToString();
  ASSERT_TRUE(leased->has_value());
  EXPECT_EQ((*leased)->task_id, "low");
  EXPECT_EQ((*leased)->state, TaskState::kRunning);
  EXPECT_EQ((*leased)->attempts, 1);
  EXPECT_EQ((*leased)->lease_owner, "w1");
  EXPECT_EQ((*leased)->lease_expires_at, t + 2000);
  EXPECT_EQ(this->MustGetTask("low"), **leased);
  auto attempts = this->meta().ListAttempts("low");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kRunning);
  // The other task is untouched and still leased normally.
  EXPECT_EQ(this->LeaseId(), "urgent");
}

TYPED_TEST(TaskQueueContractTest, LeaseTaskRefusesWhatIsNotRunnableInThosePools) {
  this->AddVideo("v1");
  TaskRecord later = this->Task("later", "v1");
  later.next_run_at = this->now() + 100;
  TaskRecord gpu = this->Task("gpu", "v1");
  gpu.pool = "gpu";
  this->AddTasks({later, gpu, this->Task("t1", "v1")});
  auto none = [&](const std::string& id, std::vector<std::string> pools) {
    auto leased = this->queue().LeaseTask(id, "w2", pools, 1000);
    EXPECT_TRUE(leased.ok()) << id << ": " << leased.status().ToString();
    return leased.ok() && !leased->has_value();
  };
  EXPECT_TRUE(none("later", {"cpu"}));     // due later
  EXPECT_TRUE(none("gpu", {"cpu"}));       // another pool
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  EXPECT_TRUE(none("t1", {"cpu"}));        // leased by w1 already
  EXPECT_EQ(this->MustGetTask("t1").lease_owner, "w1");
  EXPECT_EQ(this->MustGetTask("later").state, TaskState::kPending);
  EXPECT_EQ(this->MustGetTask("gpu").attempts, 0);
  auto gpu_leased = this->queue().LeaseTask("gpu", "g1", {"cpu", "gpu"}, 1000);
  ASSERT_TRUE(gpu_leased.ok() && gpu_leased->has_value());
  this->clock_.Advance(100);
  auto due = this->queue().LeaseTask("later", "w2", {"cpu"}, 1000);
  ASSERT_TRUE(due.ok() && due->has_value());
}

TYPED_TEST(TaskQueueContractTest, LeaseTaskOfParkedOrCompletedTaskIsNothing) {
  this->AddVideo("v1");
  TaskRecord a = this->Task("a", "v1");
  a.step = "encode";
  TaskRecord b = this->Task("b", "v1");
  b.step = "package";
  this->AddTasks({a, b});
  auto parked = this->meta().ParkTasks("v1", {"package"});
  ASSERT_TRUE(parked.ok());
  auto leased = this->queue().LeaseTask("b", "w1", {"cpu"}, 1000);
  ASSERT_TRUE(leased.ok());
  EXPECT_FALSE(leased->has_value());
  ASSERT_EQ(this->LeaseId("w1"), "a");
  ASSERT_TRUE(this->queue().Complete("a", "w1", "{}", 1).ok());
  auto again = this->queue().LeaseTask("a", "w2", {"cpu"}, 1000);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(this->MustGetTask("a").state, TaskState::kCompleted);
}

TYPED_TEST(TaskQueueContractTest, LeaseTaskValidatesAndKnowsTheTask) {
  EXPECT_EQ(this->queue().LeaseTask("nope", "w1", {"cpu"}, 1000).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(this->queue().LeaseTask("nope", "", {"cpu"}, 1000).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->queue().LeaseTask("nope", "w1", {}, 1000).status().code(),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(TaskQueueContractTest, TaskIsNotLeasedBeforeItsNextRunAt) {
  this->AddVideo("v1");
  TaskRecord delayed = this->Task("t1", "v1");
  delayed.next_run_at = this->now() + 500;
  this->AddTasks({delayed});
  this->clock_.Advance(499);
  EXPECT_EQ(this->LeaseId(), "");
  this->clock_.Advance(1);
  EXPECT_EQ(this->LeaseId(), "t1");
}

// ---- Aging and the starvation bound ---------------------------------------

TYPED_TEST(TaskQueueContractTest, AgedNormalTaskBeatsNewUrgentTaskAfterTwoSteps) {
  // Normal is level 1, urgent level 3: after 2 aging steps of waiting the
  // normal task is at the top level with the earlier ready time.
  this->AddVideo("v1");
  this->AddTasks({this->Task("normal", "v1", Priority::kNormal)});
  this->clock_.Advance(2 * kAgingStepMs - 1);
  this->AddTasks({this->Task("urgent-early", "v1", Priority::kUrgent)});
  EXPECT_EQ(this->LeaseId(), "urgent-early");  // one step short: still level 2
  this->clock_.Advance(1);
  this->AddTasks({this->Task("urgent-late", "v1", Priority::kUrgent)});
  EXPECT_EQ(this->LeaseId(), "normal");
  EXPECT_EQ(this->LeaseId(), "urgent-late");
}

TYPED_TEST(TaskQueueContractTest, AgingLiftsLowTaskOneLevelPerStep) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("low", "v1", Priority::kLow)});
  this->clock_.Advance(kAgingStepMs);  // low -> 1: ties with a fresh normal, ready earlier
  this->AddTasks(
      {this->Task("normal", "v1", Priority::kNormal), this->Task("high", "v1", Priority::kHigh)});
  EXPECT_EQ(this->LeaseId(), "high");
  EXPECT_EQ(this->LeaseId(), "low");
  EXPECT_EQ(this->LeaseId(), "normal");
}

// The bound stated in task_queue.h: under a stream of urgent work that
// saturates the workers, a normal task is leased at the latest once it has
// waited 2 aging steps (a low one: 3), and no earlier than that.
TYPED_TEST(TaskQueueContractTest, StarvationBoundUnderSaturatingUrgentStream) {
  this->AddVideo("v1");
  const Millis start = this->now();
  this->AddTasks(
      {this->Task("normal", "v1", Priority::kNormal), this->Task("low", "v1", Priority::kLow)});
  constexpr Millis kTick = 100;
  std::optional<Millis> normal_at;
  std::optional<Millis> low_at;
  for (int i = 0; i < 60 && !low_at; ++i) {
    this->AddTasks({this->Task("urgent-" + std::to_string(1000 + i), "v1", Priority::kUrgent)});
    std::string id = this->LeaseId();  // one worker slot per tick
    if (id == "normal") normal_at = this->now();
    if (id == "low") low_at = this->now();
    this->clock_.Advance(kTick);
  }
  ASSERT_TRUE(normal_at.has_value());
  ASSERT_TRUE(low_at.has_value());
  EXPECT_EQ(*normal_at - start, 2 * kAgingStepMs);
  EXPECT_EQ(*low_at - start, 3 * kAgingStepMs);
}

TYPED_TEST(TaskQueueContractTest, WithoutAgingPriorityIsStrict) {
  QueueOptions options;
  options.aging_step_ms = 0;
  this->Recreate(options);
  this->AddVideo("v1");
  this->AddTasks({this->Task("normal", "v1", Priority::kNormal)});
  this->clock_.Advance(1'000'000);
  this->AddTasks({this->Task("urgent", "v1", Priority::kUrgent)});
  EXPECT_EQ(this->LeaseId(), "urgent");
}

// ---- Heartbeat and expiry --------------------------------------------------

TYPED_TEST(TaskQueueContractTest, HeartbeatExtendsTheLease) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 1000), "t1");
  this->clock_.Advance(800);
  ASSERT_TRUE(this->queue().Heartbeat("t1", "w1", 1000).ok());
  EXPECT_EQ(this->MustGetTask("t1").lease_expires_at, this->now() + 1000);
  EXPECT_EQ(this->MustGetTask("t1").heartbeat_at, this->now());
  this->clock_.Advance(800);  // past the first lease, within the extended one
  auto expired = this->queue().ExpireLeases();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 0);
  EXPECT_TRUE(this->queue().Complete("t1", "w1", "{}", 5).ok());
}

TYPED_TEST(TaskQueueContractTest, HeartbeatWithoutTheLeaseIsLeaseLost) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  EXPECT_EQ(this->queue().Heartbeat("t1", "w1", 1000).code(), ErrorCode::kNotFound);  // pending
  EXPECT_EQ(this->queue().Heartbeat("nope", "w1", 1000).code(), ErrorCode::kNotFound);
  ASSERT_EQ(this->LeaseId("w1", 1000), "t1");
  Status other = this->queue().Heartbeat("t1", "w2", 1000);
  EXPECT_EQ(other.code(), ErrorCode::kNotFound);
  EXPECT_NE(other.message().find("lease lost"), std::string::npos) << other.message();
  this->clock_.Advance(1001);  // expired, even before anyone reclaims it
  EXPECT_EQ(this->queue().Heartbeat("t1", "w1", 1000).code(), ErrorCode::kNotFound);
}

TYPED_TEST(TaskQueueContractTest, ExpiredLeaseReturnsTaskAndCountsTheAttempt) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 1000), "t1");
  this->clock_.Advance(1000);  // now == expiry: still held
  EXPECT_EQ(*this->queue().ExpireLeases(), 0);
  this->clock_.Advance(1);
  EXPECT_EQ(*this->queue().ExpireLeases(), 1);
  EXPECT_EQ(*this->queue().ExpireLeases(), 0);

  TaskRecord t = this->MustGetTask("t1");
  EXPECT_EQ(t.state, TaskState::kRetrying);
  EXPECT_EQ(t.attempts, 1);
  EXPECT_EQ(t.lease_owner, "");
  EXPECT_EQ(t.next_run_at, this->now());
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kLeaseExpired);
  EXPECT_EQ((*attempts)[0].error_code, kLeaseExpiredErrorCode);
  EXPECT_EQ((*attempts)[0].ended_at, this->now());

  ASSERT_EQ(this->LeaseId("w2"), "t1");  // another worker takes it over
  EXPECT_EQ(this->MustGetTask("t1").attempts, 2);
}

TYPED_TEST(TaskQueueContractTest, ExpiredLeaseRetryDelayIsHonoured) {
  QueueOptions options = this->Options();
  options.expired_lease_retry_delay_ms = 500;
  this->Recreate(options);
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 100), "t1");
  this->clock_.Advance(101);
  EXPECT_EQ(*this->queue().ExpireLeases(), 1);
  this->clock_.Advance(499);
  EXPECT_EQ(this->LeaseId("w2"), "");
  this->clock_.Advance(1);
  EXPECT_EQ(this->LeaseId("w2"), "t1");
}

TYPED_TEST(TaskQueueContractTest, ExpiryOfTheLastAttemptDeadLetters) {
  this->AddVideo("v1");
  TaskRecord t = this->Task("t1", "v1");
  t.max_attempts = 1;
  this->AddTasks({t});
  ASSERT_EQ(this->LeaseId("w1", 100), "t1");
  this->clock_.Advance(101);
  EXPECT_EQ(*this->queue().ExpireLeases(), 1);
  EXPECT_EQ(this->MustGetTask("t1").state, TaskState::kFailed);
  auto dead = this->meta().GetDeadLetter("t1");
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->attempts.size(), 1u);
  EXPECT_EQ(dead->attempts[0].outcome, AttemptOutcome::kLeaseExpired);
  EXPECT_NE(dead->reason.find("lease expired"), std::string::npos) << dead->reason;
  EXPECT_EQ(this->LeaseId("w2"), "");
}

// ---- ReclaimWorker ---------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerReclaimsOnlyThatWorkersTasks) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("a", "v1"), this->Task("b", "v1"), this->Task("c", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 60'000), "a");
  ASSERT_EQ(this->LeaseId("w2", 60'000), "b");
  ASSERT_EQ(this->LeaseId("w1", 60'000), "c");
  this->clock_.Advance(10);  // well within every lease

  auto reclaimed = this->queue().ReclaimWorker("w1");
  ASSERT_TRUE(reclaimed.ok()) << reclaimed.status().ToString();
  EXPECT_EQ(*reclaimed, 2);
  for (const char* id : {"a", "c"}) {
    TaskRecord t = this->MustGetTask(id);
    EXPECT_EQ(t.state, TaskState::kRetrying) << id;
    EXPECT_EQ(t.attempts, 1) << id;  // counted, as an expiry is
    EXPECT_EQ(t.lease_owner, "") << id;
    EXPECT_FALSE(t.lease_expires_at.has_value()) << id;
    EXPECT_EQ(t.next_run_at, this->now()) << id;
    auto attempts = this->meta().ListAttempts(id);
    ASSERT_TRUE(attempts.ok());
    ASSERT_EQ(attempts->size(), 1u);
    EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kLeaseExpired) << id;
    EXPECT_EQ((*attempts)[0].error_code, kLeaseExpiredErrorCode) << id;
    EXPECT_EQ((*attempts)[0].ended_at, this->now()) << id;
  }
  EXPECT_EQ(this->MustGetTask("b").lease_owner, "w2");  // the other worker keeps its lease
  EXPECT_EQ(this->queue().Complete("a", "w1", "{}", 0).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->queue().Complete("b", "w2", "{}", 0).ok());
  EXPECT_EQ(*this->queue().ReclaimWorker("w1"), 0);
  EXPECT_EQ(*this->queue().ReclaimWorker("nobody"), 0);
  EXPECT_EQ(this->LeaseId("w3"), "a");  // runnable again at once (no retry delay)
}

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerEmitsTheSameEventsAsExpiry) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 100), "t1");
  this->clock_.Advance(101);
  ASSERT_EQ(*this->queue().ExpireLeases(), 1);
  ASSERT_EQ(this->LeaseId("w2", 100), "t1");
  ASSERT_EQ(*this->queue().ReclaimWorker("w2"), 1);
  auto events = this->bus().Poll(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  const Event& expired = (*events)[1];
  const Event& reclaimed = (*events)[2];
  EXPECT_EQ(expired.type, kEventTaskRetrying);
  EXPECT_EQ(reclaimed.type, kEventTaskRetrying);
  EXPECT_EQ(reclaimed.video_id, "v1");
  for (const char* field : {"\"task_id\":\"t1\"", "\"step\":\"transcode\"",
                            "\"error_code\":\"lease_expired\"", "\"attempt\":2"}) {
    EXPECT_NE(reclaimed.payload_json.find(field), std::string::npos) << reclaimed.payload_json;
  }
}

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerHonoursTheExpiredLeaseRetryDelay) {
  QueueOptions options = this->Options();
  options.expired_lease_retry_delay_ms = 500;
  this->Recreate(options);
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 60'000), "t1");
  ASSERT_EQ(*this->queue().ReclaimWorker("w1"), 1);
  EXPECT_EQ(this->MustGetTask("t1").next_run_at, this->now() + 500);
  this->clock_.Advance(499);
  EXPECT_EQ(this->LeaseId("w2"), "");
  this->clock_.Advance(1);
  EXPECT_EQ(this->LeaseId("w2"), "t1");
}

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerDeadLettersTheLastAttempt) {
  this->AddVideo("v1");
  TaskRecord t = this->Task("t1", "v1");
  t.max_attempts = 2;
  this->AddTasks({t});
  ASSERT_EQ(this->LeaseId("w1", 60'000), "t1");
  ASSERT_EQ(*this->queue().ReclaimWorker("w1"), 1);
  ASSERT_EQ(this->LeaseId("w1", 60'000), "t1");  // the restarted worker, same id
  ASSERT_EQ(*this->queue().ReclaimWorker("w1"), 1);
  EXPECT_EQ(this->MustGetTask("t1").state, TaskState::kFailed);
  auto dead = this->meta().GetDeadLetter("t1");
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->attempts.size(), 2u);
  EXPECT_EQ(dead->attempts[1].outcome, AttemptOutcome::kLeaseExpired);
  EXPECT_NE(dead->reason.find("final attempt 2/2"), std::string::npos) << dead->reason;
  std::vector<std::string> types = this->EventTypes();
  EXPECT_EQ(types.back(), kEventTaskDeadLettered);
  EXPECT_EQ(std::count(types.begin(), types.end(), std::string(kEventTaskRetrying)), 1);
  EXPECT_EQ(this->LeaseId("w2"), "");
}

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerTakesLeasesThatAlreadyExpired) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 100), "t1");
  this->clock_.Advance(500);  // expired, not yet reclaimed by ExpireLeases
  EXPECT_EQ(*this->queue().ReclaimWorker("w1"), 1);
  EXPECT_EQ(*this->queue().ExpireLeases(), 0);  // reclaimed once, not twice
  EXPECT_EQ(this->MustGetTask("t1").attempts, 1);
  EXPECT_EQ(this->meta().ListAttempts("t1")->size(), 1u);
}

TYPED_TEST(TaskQueueContractTest, ReclaimWorkerRejectsAnEmptyWorkerId) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  EXPECT_EQ(this->queue().ReclaimWorker("").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->MustGetTask("t1").lease_owner, "w1");
}

// ---- Parked tasks ----------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, ParkedTaskIsNeverLeasedEvenYearsLater) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("parked", "v1", Priority::kUrgent),
                  this->Task("other", "v1", Priority::kLow, "package")});
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"transcode"}), 1);
  EXPECT_EQ(this->LeaseId(), "other");  // the rest of the queue flows
  ASSERT_TRUE(this->queue().Complete("other", "w1", "{}", 0).ok());
  constexpr Millis kYear = 365LL * 24 * 3600 * 1000;
  for (int i = 0; i < 3; ++i) {
    this->clock_.Advance(100 * kYear);  // aging would long have maxed out
    EXPECT_EQ(this->LeaseId(), "");
    EXPECT_EQ(*this->queue().ExpireLeases(), 0);
  }
  EXPECT_EQ(this->MustGetTask("parked").state, TaskState::kPending);
  EXPECT_EQ(this->MustGetTask("parked").next_run_at, kParkedRunAt);
}

TYPED_TEST(TaskQueueContractTest, UnparkedTaskIsLeasedWithItsNewParams) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("split", "v1", Priority::kNormal, "split"),
                  this->Task("tc", "v1", Priority::kNormal, "transcode")});
  for (const char* id : {"split", "tc"}) {
    ASSERT_EQ(this->LeaseId("w1"), id);
    ASSERT_TRUE(this->queue().Complete(id, "w1", "{}", 0).ok());
  }
  // Retry from split: split re-runs now, transcode waits for it.
  ASSERT_EQ(*this->meta().ResetTasks("v1", {"split"}), 1);
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"transcode"}), 1);
  ASSERT_EQ(this->LeaseId("w1"), "split");
  EXPECT_EQ(this->LeaseId("w2"), "");  // transcode is held back
  this->clock_.Advance(1000);
  ASSERT_TRUE(this->queue().Complete("split", "w1", R"({"chunks":3})", 0).ok());
  EXPECT_EQ(this->LeaseId("w2"), "");  // completing upstream alone does not release it

  TaskRecord replanned = this->Task("tc", "v1", Priority::kNormal, "transcode");
  replanned.params_json = R"({"chunks":3})";
  ASSERT_EQ(*this->meta().CreateTasks({replanned}), 1);
  auto leased = this->queue().Lease("w2", {"cpu"}, 1000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  EXPECT_EQ((*leased)->task_id, "tc");
  EXPECT_EQ((*leased)->params_json, R"({"chunks":3})");
  EXPECT_EQ((*leased)->attempts, 1);
  EXPECT_TRUE(this->queue().Complete("tc", "w2", "{}", 0).ok());
}

// ---- Complete --------------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, CompleteRecordsResultTimingAndReleasesLease) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  Millis started = this->now();
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  this->clock_.Advance(250);
  ASSERT_TRUE(this->queue().Complete("t1", "w1", R"({"bytes":42})", 180).ok());
  TaskRecord t = this->MustGetTask("t1");
  EXPECT_EQ(t.state, TaskState::kCompleted);
  EXPECT_EQ(t.result_json, R"({"bytes":42})");
  EXPECT_EQ(t.cpu_ms, 180);
  EXPECT_EQ(t.started_at, started);
  EXPECT_EQ(t.completed_at, this->now());
  EXPECT_EQ(t.duration_ms, 250);
  EXPECT_EQ(t.lease_owner, "");
  EXPECT_FALSE(t.lease_expires_at.has_value());
  EXPECT_EQ(t.attempts, 1);
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kSucceeded);
  EXPECT_EQ((*attempts)[0].ended_at, this->now());
  EXPECT_EQ(this->LeaseId("w2"), "");
}

TYPED_TEST(TaskQueueContractTest, DuplicateCompletionIsANoOp) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(this->queue().Complete("t1", "w1", "first", 1).ok());
  TaskRecord after_first = this->MustGetTask("t1");
  this->clock_.Advance(100);
  EXPECT_TRUE(this->queue().Complete("t1", "w1", "second", 2).ok());
  EXPECT_TRUE(this->queue().Complete("t1", "w9", "third", 3).ok());
  EXPECT_EQ(this->MustGetTask("t1"), after_first);
  std::vector<std::string> types = this->EventTypes();
  EXPECT_EQ(std::count(types.begin(), types.end(), std::string(kEventTaskCompleted)), 1);
}

TYPED_TEST(TaskQueueContractTest, CompletionByWorkerThatLostItsLeaseIsRejected) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1", 100), "t1");
  this->clock_.Advance(101);
  // Expired but not yet reclaimed: already lost.
  EXPECT_EQ(this->queue().Complete("t1", "w1", "stale", 1).code(), ErrorCode::kNotFound);
  ASSERT_EQ(*this->queue().ExpireLeases(), 1);
  ASSERT_EQ(this->LeaseId("w2"), "t1");
  Status stale = this->queue().Complete("t1", "w1", "stale", 1);
  EXPECT_EQ(stale.code(), ErrorCode::kNotFound);
  EXPECT_NE(stale.message().find("lease lost"), std::string::npos) << stale.message();
  ASSERT_TRUE(this->queue().Complete("t1", "w2", "fresh", 1).ok());
  EXPECT_EQ(this->MustGetTask("t1").result_json, "fresh");
  EXPECT_EQ(this->queue().Complete("nope", "w1", "", 0).code(), ErrorCode::kNotFound);
}

// ---- Release (preemption) --------------------------------------------------

TYPED_TEST(TaskQueueContractTest, CompleteAndLeaseCompletesThenLeasesTheNext) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1", Priority::kUrgent), this->Task("t2", "v1"),
                  this->Task("t3", "v1", Priority::kLow)});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  auto next = this->queue().CompleteAndLease("t1", "w1", R"({"r":1})", 7, {"cpu"}, 1000);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->task_id, "t2");  // the best runnable, as Lease would pick
  EXPECT_EQ((*next)->lease_owner, "w1");
  EXPECT_EQ((*next)->attempts, 1);
  TaskRecord done = this->MustGetTask("t1");
  EXPECT_EQ(done.state, TaskState::kCompleted);
  EXPECT_EQ(done.result_json, R"({"r":1})");
  EXPECT_EQ(done.cpu_ms, 7);
  // A lost lease completes nothing and leases nothing.
  EXPECT_EQ(this->queue().CompleteAndLease("t2", "w2", "{}", 0, {"cpu"}, 1000).status().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(this->MustGetTask("t3").state, TaskState::kPending);
  // The last task: completed, nothing left to lease.
  ASSERT_TRUE(this->queue().CompleteAndLease("t2", "w1", "{}", 0, {"cpu"}, 1000).ok());
  auto last = this->queue().CompleteAndLease("t1", "w1", "{}", 0, {"gpu"}, 1000);
  ASSERT_TRUE(last.ok()) << "a duplicate completion is still a no-op success";
  EXPECT_FALSE(last->has_value()) << "no gpu work";
  EXPECT_EQ(this->queue().CompleteAndLease("t1", "w1", "{}", 0, {}, 1000).status().code(),
            ErrorCode::kInvalidArgument);
}

TYPED_TEST(TaskQueueContractTest, ReleaseHandsBackWithoutCountingTheAttempt) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  Millis ready = this->MustGetTask("t1").next_run_at;
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  EXPECT_EQ(this->queue().Release("t1", "w2").code(), ErrorCode::kNotFound);
  this->clock_.Advance(50);
  ASSERT_TRUE(this->queue().Release("t1", "w1").ok());
  TaskRecord t = this->MustGetTask("t1");
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.lease_owner, "");
  EXPECT_EQ(t.next_run_at, ready);  // keeps its place in line

  ASSERT_EQ(this->LeaseId("w2"), "t1");
  EXPECT_EQ(this->MustGetTask("t1").attempts, 1);
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_EQ((*attempts)[0].attempt, 1);
  EXPECT_EQ((*attempts)[1].seq, 2);
  EXPECT_EQ((*attempts)[1].attempt, 1);  // the same attempt, run again
  EXPECT_EQ((*attempts)[1].worker_id, "w2");
}

TYPED_TEST(TaskQueueContractTest, ReleasedTasksNeverReachTheDeadLetterQueue) {
  this->AddVideo("v1");
  TaskRecord t = this->Task("t1", "v1");
  t.max_attempts = 1;
  this->AddTasks({t});
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(this->LeaseId("w1"), "t1");
    ASSERT_TRUE(this->queue().Release("t1", "w1").ok());
  }
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  EXPECT_TRUE(this->queue().Complete("t1", "w1", "{}", 0).ok());
}

// ---- Fail, retry, dead letters ---------------------------------------------

TYPED_TEST(TaskQueueContractTest, FailWithRetryAtIsNotLeasableUntilThen) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  Millis retry_at = this->now() + 5000;
  ASSERT_TRUE(this->queue().Fail("t1", "w1", Failure("boom", 5000)).ok());
  TaskRecord t = this->MustGetTask("t1");
  EXPECT_EQ(t.state, TaskState::kRetrying);
  EXPECT_EQ(t.next_run_at, retry_at);
  EXPECT_EQ(t.attempts, 1);
  EXPECT_EQ(t.error_message, "encode_failed: boom");
  EXPECT_EQ(t.lease_owner, "");
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ((*attempts)[0].error_code, "encode_failed");
  EXPECT_EQ((*attempts)[0].error_message, "boom");

  this->clock_.Advance(4999);
  EXPECT_EQ(this->LeaseId("w2"), "");
  this->clock_.Advance(1);
  EXPECT_EQ(this->LeaseId("w2"), "t1");
  EXPECT_EQ(this->MustGetTask("t1").attempts, 2);
}

TYPED_TEST(TaskQueueContractTest, FailRequiresTheLease) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  EXPECT_EQ(this->queue().Fail("t1", "w1", Failure("x", std::nullopt)).code(),
            ErrorCode::kNotFound);
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  EXPECT_EQ(this->queue().Fail("t1", "w2", Failure("x", std::nullopt)).code(),
            ErrorCode::kNotFound);
  ASSERT_TRUE(this->queue().Complete("t1", "w1", "{}", 0).ok());
  EXPECT_EQ(this->queue().Fail("t1", "w1", Failure("late", std::nullopt)).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(this->MustGetTask("t1").state, TaskState::kCompleted);
}

TYPED_TEST(TaskQueueContractTest, NonRetryableFailureDeadLettersAtOnce) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1", Priority::kNormal, "probe")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(
      this->queue().Fail("t1", "w1", {"corrupt_input", "moov atom not found", std::nullopt}).ok());
  EXPECT_EQ(this->MustGetTask("t1").state, TaskState::kFailed);
  auto dead = this->meta().GetDeadLetter("t1");
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  EXPECT_EQ(dead->video_id, "v1");
  EXPECT_EQ(dead->step, "probe");
  EXPECT_EQ(dead->dead_at, this->now());
  EXPECT_NE(dead->reason.find("corrupt_input: moov atom not found"), std::string::npos);
  ASSERT_EQ(dead->attempts.size(), 1u);
  EXPECT_EQ(dead->attempts[0].error_code, "corrupt_input");
  EXPECT_EQ(this->LeaseId("w2"), "");
}

TYPED_TEST(TaskQueueContractTest, PoisonTaskIsDeadLetteredWithEveryAttemptsError) {
  this->AddVideo("v1");
  this->AddVideo("v2");
  this->AddTasks({this->Task("poison", "v1"), this->Task("healthy", "v2", Priority::kLow)});
  for (int i = 1; i <= 3; ++i) {
    ASSERT_EQ(this->LeaseId("w1"), "poison") << i;
    // The engine asks for a retry every time; the store still stops at
    // max_attempts.
    ASSERT_TRUE(this->queue()
                    .Fail("poison", "w1", Failure("crash " + std::to_string(i), 0))
                    .ok());
  }
  EXPECT_EQ(this->MustGetTask("poison").state, TaskState::kFailed);
  auto dead = this->meta().GetDeadLetter("poison");
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->attempts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(dead->attempts[i].attempt, i + 1);
    EXPECT_EQ(dead->attempts[i].outcome, AttemptOutcome::kFailed);
    EXPECT_EQ(dead->attempts[i].error_message, "crash " + std::to_string(i + 1));
  }
  EXPECT_NE(dead->reason.find("final attempt 3/3"), std::string::npos) << dead->reason;
  auto all = this->meta().ListDeadLetters();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0], *dead);
  // Other work keeps flowing.
  EXPECT_EQ(this->LeaseId("w1"), "healthy");
}

TYPED_TEST(TaskQueueContractTest, RequeuedDeadLetterRunsAgainWithFreshAttempts) {
  this->AddVideo("v1");
  TaskRecord t = this->Task("t1", "v1");
  t.max_attempts = 1;
  this->AddTasks({t});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(this->queue().Fail("t1", "w1", Failure("boom", std::nullopt)).ok());
  this->clock_.Advance(10);
  ASSERT_TRUE(this->meta().RequeueDeadLetter("t1").ok());
  EXPECT_EQ(this->meta().GetDeadLetter("t1").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->meta().ListDeadLetters()->empty());
  TaskRecord requeued = this->MustGetTask("t1");
  EXPECT_EQ(requeued.state, TaskState::kPending);
  EXPECT_EQ(requeued.attempts, 0);
  EXPECT_EQ(requeued.error_message, "");
  EXPECT_EQ(requeued.next_run_at, this->now());
  ASSERT_EQ(this->LeaseId("w2"), "t1");
  EXPECT_TRUE(this->queue().Complete("t1", "w2", "{}", 0).ok());
  EXPECT_EQ(this->meta().ListAttempts("t1")->size(), 2u);  // history kept
  EXPECT_EQ(this->meta().RequeueDeadLetter("t1").code(), ErrorCode::kNotFound);
}

// ---- Events ----------------------------------------------------------------

TYPED_TEST(TaskQueueContractTest, TransitionsOutOfRunningAppendEvents) {
  this->AddVideo("v1");
  TaskRecord once = this->Task("once", "v1");
  once.max_attempts = 1;
  this->AddTasks({this->Task("t1", "v1", Priority::kUrgent), once});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(this->queue().Release("t1", "w1").ok());
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(this->queue().Fail("t1", "w1", Failure("x", 0)).ok());
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_TRUE(this->queue().Complete("t1", "w1", "{}", 0).ok());
  ASSERT_EQ(this->LeaseId("w1"), "once");
  ASSERT_TRUE(this->queue().Fail("once", "w1", Failure("y", 0)).ok());

  auto events = this->bus().Poll(0, 100);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> types;
  for (const Event& e : *events) {
    types.push_back(e.type);
    EXPECT_EQ(e.video_id, "v1");
  }
  EXPECT_EQ(types, (std::vector<std::string>{
                       std::string(kEventVideoCreated), std::string(kEventTaskInterrupted),
                       std::string(kEventTaskRetrying), std::string(kEventTaskCompleted),
                       std::string(kEventTaskDeadLettered)}));
  EXPECT_NE(events->back().payload_json.find("\"task_id\":\"once\""), std::string::npos)
      << events->back().payload_json;
}

}  // namespace
}  // namespace vtp::ports
