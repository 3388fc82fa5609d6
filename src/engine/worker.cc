#include "engine/worker.h"

#include <chrono>
#include <thread>
#include <utility>

namespace vtp::engine {

Worker::Worker(ports::TaskQueue& queue, TaskRunner& runner, const ports::Clock& clock,
               WorkerOptions options)
    : queue_(queue), runner_(runner), clock_(clock), options_(std::move(options)) {}

StatusOr<StepEvent> Worker::Step() {
  if (!current_) {
    if (stop_requested()) return StepEvent::kStopped;
    return LeaseAndStart();
  }
  return Supervise();
}

Status Worker::Run() {
  for (;;) {
    StatusOr<StepEvent> event = Step();
    if (!event.ok()) {
      if (event.status().code() == ErrorCode::kIo) {
        IdleWait();
        continue;
      }
      Abandon();
      return event.status();
    }
    if (*event == StepEvent::kStopped) return Status::Ok();
    if (*event == StepEvent::kIdle && !current_) IdleWait();
  }
}

StatusOr<StepEvent> Worker::LeaseAndStart() {
  ASSIGN_OR_RETURN(std::optional<ports::TaskRecord> leased,
                   queue_.Lease(options_.worker_id, options_.pools, options_.initial_lease_ms));
  if (!leased) return StepEvent::kIdle;
  return StartLeased(std::move(*leased));
}

StatusOr<StepEvent> Worker::StartLeased(ports::TaskRecord leased) {
  current_ = std::move(leased);
  policy_ = PolicyFor(current_->step);
  lease_ms_ = policy_.heartbeat_timeout > 0 ? policy_.heartbeat_timeout
                                            : policy_.start_to_close_timeout;
  started_at_ = current_->started_at.value_or(clock_.NowMillis());
  last_heartbeat_ = started_at_;
  held_lease_ms_ = options_.initial_lease_ms;
  // The lease was taken before the step (and so its policy) was known; it
  // is fixed at once unless it already has the right length (the common
  // case, which saves a write transaction per task).
  Status beat = Status::Ok();
  if (lease_ms_ != held_lease_ms_) {
    beat = queue_.Heartbeat(current_->task_id, options_.worker_id, lease_ms_);
    if (beat.code() == ErrorCode::kNotFound) return DropLostLease();
    if (beat.ok()) held_lease_ms_ = lease_ms_;
  }
  Status started = runner_.Start(*current_);
  if (!started.ok()) {
    finished_ = Finished{TaskOutcome{started, "", 0}, StepEvent::kFailed};
    return ReportFinished();
  }
  running_ = true;
  // A transient heartbeat error is still returned; the run goes on under the
  // initial lease and the next heartbeat comes a third of it later.
  if (!beat.ok()) return beat;
  return StepEvent::kStarted;
}

StatusOr<StepEvent> Worker::Supervise() {
  if (finished_) return ReportFinished();
  if (running_) {
    if (std::optional<TaskOutcome> outcome = runner_.Wait(options_.poll_ms)) {
      running_ = false;
      StepEvent event = outcome->status.ok() ? StepEvent::kCompleted : StepEvent::kFailed;
      finished_ = Finished{std::move(*outcome), event};
      return ReportFinished();
    }
  }
  if (stop_requested()) return ReleaseCurrent();
  Millis now = clock_.NowMillis();
  // The worker heartbeats on behalf of a live run, so the heartbeat term is
  // measured at now and only start-to-close can pass.
  if (now >= AttemptDeadline(policy_, started_at_, now)) {
    runner_.Cancel();
    running_ = false;
    Status late(ErrorCode::kDeadlineExceeded,
                "ran past its start-to-close timeout of " +
                    std::to_string(policy_.start_to_close_timeout) + " ms; killed");
    finished_ = Finished{TaskOutcome{std::move(late), "", 0}, StepEvent::kTimedOut};
    return ReportFinished();
  }
  if (now - last_heartbeat_ >= held_lease_ms_ / 3) return HeartbeatCurrent(now);
  return StepEvent::kIdle;
}

StatusOr<StepEvent> Worker::ReportFinished() {
  const TaskOutcome& outcome = finished_->outcome;
  const std::string& id = current_->task_id;
  if (options_.chain_leases && outcome.status.ok() && !stop_requested()) return CompleteAndChain();
  Status reported =
      outcome.status.ok()
          ? queue_.Complete(id, options_.worker_id, outcome.result_json, outcome.cpu_ms)
          : queue_.Fail(id, options_.worker_id, FailureFor(outcome.status, clock_.NowMillis()));
  if (reported.code() == ErrorCode::kNotFound) return DropLostLease();
  RETURN_IF_ERROR(reported);  // finished_ is kept: the next Step reports again
  StepEvent event = finished_->event;
  Forget(true, event);
  return event;
}

StatusOr<StepEvent> Worker::CompleteAndChain() {
  const TaskOutcome& outcome = finished_->outcome;
  StatusOr<std::optional<ports::TaskRecord>> next =
      queue_.CompleteAndLease(current_->task_id, options_.worker_id, outcome.result_json,
                              outcome.cpu_ms, options_.pools, options_.initial_lease_ms);
  if (next.status().code() == ErrorCode::kNotFound) return DropLostLease();
  RETURN_IF_ERROR(next.status());  // finished_ is kept: the next Step reports again
  Forget(true, StepEvent::kCompleted);
  if (*next) {
    StatusOr<StepEvent> started = StartLeased(std::move(**next));
    if (!started.ok()) return started.status();
  }
  return StepEvent::kCompleted;
}

StatusOr<StepEvent> Worker::ReleaseCurrent() {
  if (running_) {
    runner_.Cancel();
    running_ = false;
  }
  Status released = queue_.Release(current_->task_id, options_.worker_id);
  if (released.code() == ErrorCode::kNotFound) return DropLostLease();
  RETURN_IF_ERROR(released);
  Forget(true, StepEvent::kReleased);
  return StepEvent::kReleased;
}

StatusOr<StepEvent> Worker::HeartbeatCurrent(Millis now) {
  Status beat = queue_.Heartbeat(current_->task_id, options_.worker_id, lease_ms_);
  if (beat.code() == ErrorCode::kNotFound) return DropLostLease();
  RETURN_IF_ERROR(beat);
  last_heartbeat_ = now;
  held_lease_ms_ = lease_ms_;
  return StepEvent::kHeartbeat;
}

StepEvent Worker::DropLostLease() {
  if (running_) runner_.Cancel();
  Forget(false, StepEvent::kLeaseLost);
  return StepEvent::kLeaseLost;
}

void Worker::Forget(bool reported, StepEvent how) {
  ports::TaskRecord task = std::move(*current_);
  current_.reset();
  running_ = false;
  finished_.reset();
  if (reported && options_.on_reported) options_.on_reported(task, how);
}

void Worker::Abandon() {
  if (!current_) return;
  if (running_) runner_.Cancel();
  // Best effort: if the release fails too, the lease expires and the run
  // counts as an attempt, which is the safe side.
  static_cast<void>(queue_.Release(current_->task_id, options_.worker_id));
  Forget(false, StepEvent::kLeaseLost);
}

void Worker::IdleWait() {
  if (options_.idle_wait) {
    options_.idle_wait(options_.idle_wait_ms);
    return;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(options_.idle_wait_ms));
}

RetryPolicy Worker::PolicyFor(const std::string& step) const {
  return options_.policy_for ? options_.policy_for(step) : GenericRetryPolicy();
}

ports::TaskFailure Worker::FailureFor(const Status& error, Millis now) {
  RetryDecision decision = Decide(policy_, current_->attempts, error.code(), now, options_.jitter);
  std::optional<Millis> after;
  if (decision.action == RetryAction::kRetry) after = decision.delay;
  return ports::TaskFailure{std::string(ErrorCodeName(error.code())), error.message(), after};
}

}  // namespace vtp::engine
