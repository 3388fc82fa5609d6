// Worker against the in-memory store and a scripted TaskRunner. Time moves
// only through FakeClock and the fake runner never blocks, so every lease,
// heartbeat, backoff and timeout below is exact with no real waiting.
#include "engine/worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/memory_store.h"
#include "ports/clock.h"

namespace vtp::engine {
namespace {

using ports::AttemptOutcome;
using ports::TaskRecord;
using ports::TaskState;

// What one run of the fake does.
struct Run {
  enum Kind { kSucceed, kFail, kCrash, kHang, kRefuseStart } kind = kSucceed;
  ErrorCode code = ErrorCode::kEncodeFailed;  // kFail only
};
Run Succeed() { return {Run::kSucceed}; }
Run Fail(ErrorCode code) { return {Run::kFail, code}; }
Run Crash() { return {Run::kCrash}; }
Run Hang() { return {Run::kHang}; }
Run RefuseStart() { return {Run::kRefuseStart}; }

constexpr char kResult[] = R"({"frames":240})";
constexpr int64_t kCpuMs = 1'234;

// Plays `script`, one entry per run (the last entry repeats). Wait() returns
// at once: a hung run just never reports an end.
class FakeRunner final : public TaskRunner {
 public:
  std::vector<Run> script = {Succeed()};
  std::vector<TaskRecord> started;
  int cancels = 0;
  bool running = false;
  bool finish_hung = false;  // a hung run succeeds at its next Wait()

  Status Start(const TaskRecord& task) override {
    started.push_back(task);
    if (Current().kind == Run::kRefuseStart) return IoError("cannot spawn worker");
    running = true;
    return Status::Ok();
  }
  std::optional<TaskOutcome> Wait(Millis) override {
    EXPECT_TRUE(running) << "Wait without a running task";
    Run run = Current();
    if (run.kind == Run::kHang && !finish_hung) return std::nullopt;
    running = false;
    switch (run.kind) {
      case Run::kFail: return TaskOutcome{Status(run.code, "scripted failure"), "", 5};
      case Run::kCrash:
        return TaskOutcome{Status(ErrorCode::kWorkerCrashed, "killed by signal SIGSEGV"), "", 5};
      default: return TaskOutcome{Status::Ok(), kResult, kCpuMs};
    }
  }
  void Cancel() override {
    ++cancels;
    running = false;
  }

 private:
  Run Current() const {
    size_t i = started.empty() ? 0 : started.size() - 1;
    return script[std::min(i, script.size() - 1)];
  }
};

// Fails chosen queue calls, to exercise Run()'s error handling.
class FlakyQueue final : public ports::TaskQueue {
 public:
  explicit FlakyQueue(ports::TaskQueue& inner) : inner_(inner) {}
  std::vector<Status> lease_errors;  // returned by the next Lease calls, in order
  std::optional<Status> heartbeat_error;

  StatusOr<std::optional<TaskRecord>> Lease(std::string_view worker_id,
                                            const std::vector<std::string>& pools,
                                            Millis lease_ms) override {
    if (!lease_errors.empty()) {
      Status s = lease_errors.front();
      lease_errors.erase(lease_errors.begin());
      return s;
    }
    return inner_.Lease(worker_id, pools, lease_ms);
  }
  StatusOr<std::optional<TaskRecord>> LeaseTask(std::string_view id, std::string_view w,
                                                const std::vector<std::string>& pools,
                                                Millis lease_ms) override {
    return inner_.LeaseTask(id, w, pools, lease_ms);
  }
  Status Heartbeat(std::string_view id, std::string_view w, Millis lease_ms) override {
    if (heartbeat_error) return *heartbeat_error;
    return inner_.Heartbeat(id, w, lease_ms);
  }
  Status Complete(std::string_view id, std::string_view w, std::string_view result,
                  int64_t cpu_ms) override {
    return inner_.Complete(id, w, result, cpu_ms);
  }
  Status Fail(std::string_view id, std::string_view w, const ports::TaskFailure& f) override {
    return inner_.Fail(id, w, f);
  }
  Status Release(std::string_view id, std::string_view w) override {
    return inner_.Release(id, w);
  }
  StatusOr<int> ExpireLeases() override { return inner_.ExpireLeases(); }
  StatusOr<int> ReclaimWorker(std::string_view w) override { return inner_.ReclaimWorker(w); }
  StatusOr<std::optional<TaskRecord>> CompleteAndLease(std::string_view id, std::string_view w,
                                                       std::string_view result, int64_t cpu_ms,
                                                       const std::vector<std::string>& pools,
                                                       Millis lease_ms) override {
    return inner_.CompleteAndLease(id, w, result, cpu_ms, pools, lease_ms);
  }

 private:
  ports::TaskQueue& inner_;
};

// One minute to close, 30 s heartbeat timeout, backoff 1 s, 2 s, ...
RetryPolicy ShortPolicy() {
  RetryPolicy p = DefaultRetryPolicy("transcode");
  p.start_to_close_timeout = 60'000;
  p.heartbeat_timeout = 30'000;
  return p;
}

constexpr char kTaskId[] = "v1/transcode/chunk_000";

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ports::VideoRecord v;
    v.video_id = "v1";
    v.creator_id = "creator-1";
    v.original_key = "originals/v1/original.mp4";
    ASSERT_TRUE(store_.CreateVideo(v).ok());
  }

  void AddTask(const std::string& id = kTaskId, const std::string& step = "transcode") {
    TaskRecord t;
    t.task_id = id;
    t.video_id = "v1";
    t.step = step;
    t.max_attempts = 3;
    t.params_json = R"({"chunk":0})";
    auto n = store_.CreateTasks({t});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
  }

  WorkerOptions Options(RetryPolicy policy = ShortPolicy()) {
    WorkerOptions o;
    o.worker_id = "w1";
    o.policy_for = [policy](const std::string&) { return policy; };
    o.initial_lease_ms = 5'000;
    o.on_reported = [this](const TaskRecord& t, StepEvent) { reported_.push_back(t.task_id); };
    o.idle_wait = [](Millis) { ADD_FAILURE() << "Step() never waits idle"; };
    return o;
  }

  std::unique_ptr<Worker> MakeWorker(WorkerOptions o) {
    return std::make_unique<Worker>(store_, runner_, clock_, std::move(o));
  }

  StepEvent MustStep(Worker& w) {
    StatusOr<StepEvent> e = w.Step();
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? *e : StepEvent::kStopped;
  }

  TaskRecord Task(const std::string& id = kTaskId) {
    auto t = store_.GetTask(id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : TaskRecord{};
  }

  std::vector<ports::AttemptRecord> Attempts(const std::string& id = kTaskId) {
    auto a = store_.ListAttempts(id);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : std::vector<ports::AttemptRecord>{};
  }

  Millis now() const { return clock_.NowMillis(); }

  ports::FakeClock clock_;
  adapters::InMemoryStore store_{clock_};
  FakeRunner runner_;
  std::vector<std::string> reported_;
};

TEST_F(WorkerTest, RetriesWithBackoffThenSucceeds) {
  AddTask();
  runner_.script = {Fail(ErrorCode::kEncodeFailed), Fail(ErrorCode::kIo), Succeed()};
  auto w = MakeWorker(Options(DefaultRetryPolicy("transcode")));

  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(runner_.started.back().attempts, 1);
  EXPECT_EQ(runner_.started.back().params_json, R"({"chunk":0})");
  ASSERT_EQ(MustStep(*w), StepEvent::kFailed);
  EXPECT_EQ(Task().state, TaskState::kRetrying);
  EXPECT_EQ(Task().next_run_at, now() + 1'000);  // the transcode policy's first delay

  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
  clock_.Advance(999);
  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
  clock_.Advance(1);
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(runner_.started.back().attempts, 2);
  ASSERT_EQ(MustStep(*w), StepEvent::kFailed);
  EXPECT_EQ(Task().next_run_at, now() + 2'000);  // doubled

  clock_.Advance(2'000);
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_EQ(MustStep(*w), StepEvent::kCompleted);
  TaskRecord done = Task();
  EXPECT_EQ(done.state, TaskState::kCompleted);
  EXPECT_EQ(done.attempts, 3);
  EXPECT_EQ(done.result_json, kResult);
  EXPECT_EQ(done.cpu_ms, kCpuMs);
  std::vector<ports::AttemptRecord> a = Attempts();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].error_code, "encode_failed");
  EXPECT_EQ(a[1].error_code, "io_error");
  EXPECT_EQ(a[2].outcome, AttemptOutcome::kSucceeded);
  EXPECT_EQ(reported_, std::vector<std::string>(3, kTaskId));
  EXPECT_FALSE(w->current().has_value());
}

TEST_F(WorkerTest, ChainedLeasesCompleteAndStartTheNextInOneCall) {
  AddTask("a");
  AddTask("b");
  runner_.script = {Succeed(), Succeed()};
  WorkerOptions o = Options();
  o.chain_leases = true;
  auto w = MakeWorker(o);
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_EQ(MustStep(*w), StepEvent::kCompleted);
  EXPECT_EQ(Task("a").state, TaskState::kCompleted);
  ASSERT_TRUE(w->current().has_value()) << "the next task came with the completion";
  EXPECT_EQ(w->current()->task_id, "b");
  EXPECT_EQ(Task("b").state, TaskState::kRunning);
  EXPECT_EQ(runner_.started.size(), 2u);
  ASSERT_EQ(MustStep(*w), StepEvent::kCompleted);
  EXPECT_EQ(Task("b").state, TaskState::kCompleted);
  EXPECT_FALSE(w->current().has_value());
  EXPECT_EQ(reported_, (std::vector<std::string>{"a", "b"}));
}

TEST_F(WorkerTest, NonRetryableErrorDeadLettersAtTheFirstAttempt) {
  AddTask();
  runner_.script = {Fail(ErrorCode::kCorruptInput)};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_EQ(MustStep(*w), StepEvent::kFailed);
  EXPECT_EQ(Task().state, TaskState::kFailed);
  EXPECT_EQ(Task().attempts, 1);
  auto dead = store_.GetDeadLetter(kTaskId);
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  ASSERT_EQ(dead->attempts.size(), 1u);
  EXPECT_EQ(dead->attempts[0].error_code, "corrupt_input");
  clock_.Advance(3'600'000);
  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
  EXPECT_EQ(runner_.started.size(), 1u);
}

TEST_F(WorkerTest, PoisonTaskIsDeadLetteredAfterMaxAttemptsWithEveryError) {
  AddTask();
  runner_.script = {Crash(), Fail(ErrorCode::kEncodeFailed), Crash()};
  auto w = MakeWorker(Options());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    SCOPED_TRACE(attempt);
    ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
    ASSERT_EQ(MustStep(*w), StepEvent::kFailed);
    clock_.Advance(NextRetryDelay(ShortPolicy(), attempt));
  }
  EXPECT_EQ(Task().state, TaskState::kFailed);
  auto dead = store_.GetDeadLetter(kTaskId);
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  std::vector<std::string> codes;
  for (const auto& a : dead->attempts) codes.push_back(a.error_code);
  EXPECT_EQ(codes, (std::vector<std::string>{"worker_crashed", "encode_failed", "worker_crashed"}));
  EXPECT_EQ(dead->attempts[0].error_message, "killed by signal SIGSEGV");
  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
}

TEST_F(WorkerTest, HungRunIsKilledAtStartToCloseAndRetried) {
  AddTask();
  runner_.script = {Hang(), Succeed()};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  const Millis started = now();
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(10'000);
    ASSERT_EQ(MustStep(*w), StepEvent::kHeartbeat) << i;
  }
  clock_.Set(started + 60'000 - 1);
  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
  EXPECT_EQ(runner_.cancels, 0);
  clock_.Advance(1);
  ASSERT_EQ(MustStep(*w), StepEvent::kTimedOut);
  EXPECT_EQ(runner_.cancels, 1);
  EXPECT_FALSE(runner_.running);
  EXPECT_EQ(Task().state, TaskState::kRetrying);
  EXPECT_EQ(Task().next_run_at, now() + 1'000);
  std::vector<ports::AttemptRecord> a = Attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].error_code, "deadline_exceeded");

  clock_.Advance(1'000);
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_EQ(MustStep(*w), StepEvent::kCompleted);
  EXPECT_EQ(Task().attempts, 2);
  EXPECT_EQ(reported_.size(), 2u);
}

TEST_F(WorkerTest, HeartbeatsExtendTheLease) {
  AddTask();
  runner_.script = {Hang()};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  // Leased for initial_lease_ms (5 s), then at once for the heartbeat timeout.
  EXPECT_EQ(Task().lease_expires_at, now() + 30'000);
  clock_.Advance(9'999);
  EXPECT_EQ(MustStep(*w), StepEvent::kIdle);
  clock_.Advance(1);
  ASSERT_EQ(MustStep(*w), StepEvent::kHeartbeat);
  EXPECT_EQ(Task().lease_expires_at, now() + 30'000);
  EXPECT_EQ(Task().heartbeat_at, now());
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(10'000);
    ASSERT_EQ(MustStep(*w), StepEvent::kHeartbeat);
  }
  // 50 s in: well past the first lease, still held.
  auto expired = store_.ExpireLeases();
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 0);
  runner_.finish_hung = true;
  EXPECT_EQ(MustStep(*w), StepEvent::kCompleted);
  EXPECT_EQ(Task().attempts, 1);
}

TEST_F(WorkerTest, StepWithoutHeartbeatsLeasesForStartToClose) {
  AddTask("v1/probe", "probe");
  runner_.script = {Hang()};
  RetryPolicy probe = DefaultRetryPolicy("probe");
  ASSERT_EQ(probe.heartbeat_timeout, 0);
  auto w = MakeWorker(Options(probe));
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(Task("v1/probe").lease_expires_at, now() + probe.start_to_close_timeout);
}

TEST_F(WorkerTest, StopReleasesTheRunningTaskWithoutCountingTheAttempt) {
  AddTask();
  runner_.script = {Hang()};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  w->RequestStop();
  ASSERT_EQ(MustStep(*w), StepEvent::kReleased);
  EXPECT_EQ(runner_.cancels, 1);
  TaskRecord t = Task();
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.attempts, 0);
  EXPECT_EQ(t.lease_owner, "");
  std::vector<ports::AttemptRecord> a = Attempts();
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_EQ(reported_.size(), 1u);
  // Stopped: the task is runnable again, but this worker takes no more work.
  EXPECT_EQ(MustStep(*w), StepEvent::kStopped);
  EXPECT_EQ(MustStep(*w), StepEvent::kStopped);
  EXPECT_EQ(runner_.started.size(), 1u);
}

TEST_F(WorkerTest, StopWithNothingRunningLeasesNothing) {
  AddTask();
  auto w = MakeWorker(Options());
  w->RequestStop();
  EXPECT_TRUE(w->stop_requested());
  EXPECT_EQ(MustStep(*w), StepEvent::kStopped);
  EXPECT_TRUE(runner_.started.empty());
  EXPECT_EQ(Task().state, TaskState::kPending);
}

TEST_F(WorkerTest, LeaseLostWhenTheTaskIsResetMidRun) {
  AddTask();
  runner_.script = {Hang(), Succeed()};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_TRUE(store_.ResetTasks("v1", {"transcode"}).ok());
  clock_.Advance(10'000);
  ASSERT_EQ(MustStep(*w), StepEvent::kLeaseLost);
  EXPECT_EQ(runner_.cancels, 1);
  EXPECT_FALSE(w->current().has_value());
  EXPECT_TRUE(reported_.empty());
  // The reset task is leased again as a fresh first attempt.
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(runner_.started.back().attempts, 1);
  EXPECT_EQ(MustStep(*w), StepEvent::kCompleted);
}

TEST_F(WorkerTest, LeaseLostWhenReportingDropsTheResult) {
  AddTask();
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  ASSERT_TRUE(store_.ResetTasks("v1", {"transcode"}).ok());
  ASSERT_EQ(MustStep(*w), StepEvent::kLeaseLost);  // Complete refused
  EXPECT_EQ(runner_.cancels, 0);                   // the run had already ended
  EXPECT_EQ(Task().state, TaskState::kPending);
  EXPECT_TRUE(reported_.empty());
}

TEST_F(WorkerTest, StartErrorIsAFailedRun) {
  AddTask();
  runner_.script = {RefuseStart(), Succeed()};
  auto w = MakeWorker(Options());
  ASSERT_EQ(MustStep(*w), StepEvent::kFailed);
  EXPECT_EQ(Task().state, TaskState::kRetrying);
  EXPECT_EQ(Attempts().at(0).error_code, "io_error");
  clock_.Advance(1'000);
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(MustStep(*w), StepEvent::kCompleted);
}

TEST_F(WorkerTest, RunWaitsWhenIdleAndReturnsOnceStopped) {
  AddTask();
  WorkerOptions o = Options();
  std::vector<Millis> waits;
  o.idle_wait_ms = 7;
  Worker* self = nullptr;
  o.idle_wait = [&](Millis ms) {
    waits.push_back(ms);
    clock_.Advance(ms);
    if (waits.size() == 3) self->RequestStop();
  };
  auto w = MakeWorker(std::move(o));
  self = w.get();
  ASSERT_TRUE(w->Run().ok());
  EXPECT_EQ(Task().state, TaskState::kCompleted);
  EXPECT_EQ(waits, (std::vector<Millis>{7, 7, 7}));
}

TEST_F(WorkerTest, RunRidesOutABusyDatabase) {
  AddTask();
  FlakyQueue queue(store_);
  queue.lease_errors = {IoError("database is busy"), IoError("database is busy")};
  WorkerOptions o = Options();
  int waits = 0;
  o.idle_wait = [&](Millis) { ++waits; };
  Worker* self = nullptr;
  o.on_reported = [&](const TaskRecord&, StepEvent) { self->RequestStop(); };
  Worker w(queue, runner_, clock_, std::move(o));
  self = &w;
  ASSERT_TRUE(w.Run().ok());
  EXPECT_EQ(waits, 2);
  EXPECT_EQ(Task().state, TaskState::kCompleted);
}

TEST_F(WorkerTest, RunReturnsAPermanentErrorAndHandsTheTaskBack) {
  AddTask();
  runner_.script = {Hang()};
  FlakyQueue queue(store_);
  WorkerOptions o = Options();
  o.idle_wait = [&](Millis ms) { clock_.Advance(ms); };
  Worker w(queue, runner_, clock_, std::move(o));
  ASSERT_EQ(MustStep(w), StepEvent::kStarted);
  queue.heartbeat_error = Internal("schema mismatch");
  clock_.Advance(10'000);
  Status s = w.Run();
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(runner_.cancels, 1);
  EXPECT_EQ(Task().state, TaskState::kPending);
  EXPECT_EQ(Task().attempts, 0);
}

TEST_F(WorkerTest, WithoutPolicyFunctionUsesTheGenericPolicy) {
  AddTask("v1/custom/x", "custom");
  runner_.script = {Hang()};
  WorkerOptions o = Options();
  o.policy_for = nullptr;
  auto w = MakeWorker(std::move(o));
  ASSERT_EQ(MustStep(*w), StepEvent::kStarted);
  EXPECT_EQ(Task("v1/custom/x").lease_expires_at, now() + GenericRetryPolicy().heartbeat_timeout);
}

}  // namespace
}  // namespace vtp::engine
