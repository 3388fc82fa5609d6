// The worker loop: lease a task, run it through a TaskRunner, keep its lease
// alive with heartbeats, enforce its timeouts, and report how it ended --
// Complete, Fail with the retry policy's decision, or Release when the worker
// is asked to stop (spot preemption, SIGTERM). The engine's only view of a
// step is the TaskRunner; which process, codec or store is behind it is not
// known here.
//
// Time comes from the injected Clock only, so tests drive leases, heartbeats
// and timeouts with ports::FakeClock by calling Step() (no sleeps); Run()
// loops Step() with an injected idle wait for production.
//
// Not thread-safe, except RequestStop(), which may be called from any thread
// (or, through a flag it reads, from a signal handler -- see app/).
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/retry_policy.h"
#include "ports/clock.h"
#include "ports/records.h"
#include "ports/task_queue.h"

namespace vtp::engine {

// How one run of a task ended, as the runner saw it.
struct TaskOutcome {
  Status status;            // OK, or the error (kWorkerCrashed for a crash)
  std::string result_json;  // on success
  int64_t cpu_ms = 0;       // CPU time the run used
};

// Port: executes one leased task at a time. Start() must not block on the
// work itself; Wait() reports the end.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // Begins running `task` (a leased record: params_json, attempts, ...).
  // An error here is treated as a failed run of the task.
  virtual Status Start(const ports::TaskRecord& task) = 0;
  // Waits at most `max_wait_ms` (real time; 0 = just look) for the running
  // task to end. nullopt while it is still running.
  virtual std::optional<TaskOutcome> Wait(Millis max_wait_ms) = 0;
  // Stops the running task now and forgets it (no outcome follows).
  virtual void Cancel() = 0;
};

// What one Step() did, for tests and logs.
enum class StepEvent {
  kIdle,         // nothing runnable, or still running with nothing due
  kStarted,      // leased and started a task
  kHeartbeat,    // extended the current lease
  kCompleted,    // reported success
  kFailed,       // reported a failure (retry scheduled or dead-lettered)
  kTimedOut,     // killed a run past its deadline and reported it failed
  kReleased,     // stop requested: cancelled and handed the task back
  kLeaseLost,    // the queue refused a heartbeat/report: dropped the run
  kStopped,      // stop requested and nothing running: Run() returns
};

struct WorkerOptions {
  std::string worker_id;                 // unique among live workers
  std::vector<std::string> pools = {"cpu"};
  // The retry policy of a step (start-to-close, heartbeat timeout, retries).
  std::function<RetryPolicy(const std::string& step)> policy_for;
  // Lease length used until the step's policy is known (then heartbeats
  // set it to the policy's heartbeat timeout, or start-to-close when 0).
  Millis initial_lease_ms = 30'000;
  // Real-time slice Step() waits on the runner while a task runs.
  Millis poll_ms = 20;
  // Called after a run was reported (completed, failed, dead-lettered or
  // released), e.g. to let the scheduler plan the video's next tasks.
  // An error is logged by the caller's choice, never fatal to the loop.
  std::function<void(const ports::TaskRecord& task, StepEvent how)> on_reported;
  // Real-time idle wait used by Run() when nothing was runnable.
  std::function<void(Millis)> idle_wait;
  Millis idle_wait_ms = 25;
  // Report a success and lease the next task in one store call
  // (TaskQueue::CompleteAndLease): one write transaction per task fewer.
  // Then Step() returns kCompleted with the next task already started.
  bool chain_leases = false;
  RandomSource* jitter = nullptr;  // for policies with jitter > 0
};

class Worker {
 public:
  Worker(ports::TaskQueue& queue, TaskRunner& runner, const ports::Clock& clock,
         WorkerOptions options);

  // One iteration. With no task: stop -> kStopped; otherwise lease one
  // (kIdle when none), heartbeat at once with the step's lease length
  // (heartbeat_timeout, or start_to_close_timeout when 0) and start it; a
  // Start error is reported as a failed run. With a task: wait up to poll_ms
  // for it; report the outcome; else release it if stop was requested, kill
  // and fail it once now reaches started_at + start_to_close_timeout (the
  // AttemptDeadline of a run whose heartbeats the worker sends itself; error
  // kDeadlineExceeded), heartbeat when a third of the lease has passed.
  // Failures are reported with Decide()'s delay (nullopt dead-letters).
  // Queue errors other than "lease lost" (kNotFound) are returned (the
  // caller backs off and calls again; a report that failed is retried by the
  // next Step).
  StatusOr<StepEvent> Step();

  // Steps until stopped: returns OK after kStopped. Waits idle_wait_ms when
  // nothing is runnable or a queue call failed transiently (kIo, e.g. the
  // database was busy). Any other error cancels and releases the current
  // task (best effort) and is returned.
  Status Run();

  // Makes the worker stop taking work and hand back its current task.
  void RequestStop() { stop_.store(true); }
  bool stop_requested() const { return stop_.load(); }
  // The task being run, if any.
  const std::optional<ports::TaskRecord>& current() const { return current_; }

 private:
  // A run that ended (or was timed out) and still has to be reported.
  struct Finished {
    TaskOutcome outcome;
    StepEvent event;  // kCompleted, kFailed or kTimedOut once reported
  };

  StatusOr<StepEvent> LeaseAndStart();
  StatusOr<StepEvent> Supervise();
  StatusOr<StepEvent> ReportFinished();
  StatusOr<StepEvent> ReleaseCurrent();
  StatusOr<StepEvent> HeartbeatCurrent(Millis now);
  // The queue refused the lease: cancels a live run, forgets the task.
  StepEvent DropLostLease();
  // After a report: tells on_reported and forgets the task.
  void Forget(bool reported, StepEvent how);
  StatusOr<StepEvent> StartLeased(ports::TaskRecord leased);
  StatusOr<StepEvent> CompleteAndChain();
  // Run() giving up with a task in hand: cancel it and hand it back.
  void Abandon();
  void IdleWait();
  RetryPolicy PolicyFor(const std::string& step) const;
  ports::TaskFailure FailureFor(const Status& error, Millis now);

  ports::TaskQueue& queue_;
  TaskRunner& runner_;
  const ports::Clock& clock_;
  WorkerOptions options_;
  std::atomic<bool> stop_{false};
  std::optional<ports::TaskRecord> current_;  // leased, lease held
  bool running_ = false;                      // runner_ has current_ in flight
  std::optional<Finished> finished_;
  RetryPolicy policy_;
  Millis lease_ms_ = 0;       // the policy's lease length (heartbeats ask for it)
  Millis held_lease_ms_ = 0;  // length of the lease the queue holds now
  Millis started_at_ = 0;
  Millis last_heartbeat_ = 0;
};

}  // namespace vtp::engine
