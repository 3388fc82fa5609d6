#include "adapters/task_transitions.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

namespace vtp::adapters {
namespace {

using ports::AttemptOutcome;
using ports::Millis;
using ports::TaskRecord;
using ports::TaskState;

Status InvalidIfEmpty(std::string_view value, std::string_view what) {
  if (value.empty()) return InvalidArgument(std::string(what) + " is empty");
  return Status::Ok();
}

std::string FormatError(std::string_view code, std::string_view message) {
  if (code.empty()) return std::string(message);
  return std::string(code) + ": " + std::string(message);
}

std::string AttemptOf(const TaskRecord& task) {
  return std::to_string(task.attempts) + "/" + std::to_string(task.max_attempts);
}

ports::Event MakeEvent(std::string video_id, std::string_view type, const nlohmann::json& payload) {
  ports::Event e;
  e.video_id = std::move(video_id);
  e.type = std::string(type);
  e.payload_json = payload.dump();
  return e;
}

nlohmann::json TaskPayload(const TaskRecord& task) {
  return {{"task_id", task.task_id}, {"step", task.step}, {"attempt", task.attempts}};
}

void ClearLease(TaskRecord& task) {
  task.lease_owner.clear();
  task.lease_expires_at.reset();
}

// The common end of an unsuccessful counted run (Fail and lease expiry):
// retry at `retry_at`, or dead-letter when none is asked for or the attempts
// are used up.
RunEnd EndUnsuccessfulRun(const TaskRecord& before, Millis now, AttemptOutcome outcome,
                          std::string_view error_code, std::string_view message,
                          std::optional<Millis> retry_at, std::string_view dead_reason_prefix) {
  RunEnd end;
  end.task = before;
  end.outcome = outcome;
  end.error_code = std::string(error_code);
  end.error_message = std::string(message);
  TaskRecord& t = end.task;
  ClearLease(t);
  t.error_message = FormatError(error_code, message);
  bool exhausted = t.attempts >= t.max_attempts;
  if (retry_at && !exhausted) {
    t.state = TaskState::kRetrying;
    t.next_run_at = std::max(*retry_at, now);
    t.enqueued_at = now;
    nlohmann::json payload = TaskPayload(t);
    payload["error_code"] = end.error_code;
    payload["error_message"] = end.error_message;
    payload["next_run_at"] = t.next_run_at;
    end.event = MakeEvent(t.video_id, ports::kEventTaskRetrying, payload);
    return end;
  }
  t.state = TaskState::kFailed;
  ports::DeadLetter dead;
  dead.task_id = t.task_id;
  dead.video_id = t.video_id;
  dead.step = t.step;
  dead.dead_at = now;
  dead.reason = std::string(dead_reason_prefix) +
                (exhausted ? " on final attempt " : " (not retried) on attempt ") + AttemptOf(t) +
                ": " + t.error_message;
  nlohmann::json payload = TaskPayload(t);
  payload["reason"] = dead.reason;
  end.event = MakeEvent(t.video_id, ports::kEventTaskDeadLettered, payload);
  end.dead_letter = std::move(dead);
  return end;
}

// A run whose lease is taken away (expired or reclaimed) counts as a failed
// attempt: the worker may have died of a poison input (task_queue.h).
RunEnd EndLeaseRun(const TaskRecord& task, Millis now, const ports::QueueOptions& options,
                   std::string_view message, std::string_view dead_reason_prefix) {
  return EndUnsuccessfulRun(
      task, now, AttemptOutcome::kLeaseExpired, ports::kLeaseExpiredErrorCode, message,
      now + std::max<Millis>(0, options.expired_lease_retry_delay_ms), dead_reason_prefix);
}

}  // namespace

Status TaskNotFound(std::string_view task_id) {
  return NotFound("no task " + std::string(task_id));
}

Status VideoNotFound(std::string_view video_id) {
  return NotFound("no video " + std::string(video_id));
}

Status LeaseLost(const TaskRecord& task, std::string_view worker_id) {
  std::string why;
  if (task.state != TaskState::kRunning) {
    why = "task is " + std::string(TaskStateName(task.state));
  } else if (task.lease_owner != worker_id) {
    why = "leased to " + task.lease_owner;
  } else {
    why = "lease expired";
  }
  return NotFound("lease lost: task " + task.task_id + " is not leased to " +
                  std::string(worker_id) + " (" + why + ")");
}

Status ValidateVideo(const ports::VideoRecord& video) {
  RETURN_IF_ERROR(InvalidIfEmpty(video.video_id, "video_id"));
  return InvalidIfEmpty(video.original_key, "original_key");
}

Status ValidateNewTask(const TaskRecord& task) {
  RETURN_IF_ERROR(InvalidIfEmpty(task.task_id, "task_id"));
  RETURN_IF_ERROR(InvalidIfEmpty(task.video_id, "video_id of task " + task.task_id));
  RETURN_IF_ERROR(InvalidIfEmpty(task.step, "step of task " + task.task_id));
  RETURN_IF_ERROR(InvalidIfEmpty(task.pool, "pool of task " + task.task_id));
  if (task.max_attempts < 1) {
    return InvalidArgument("max_attempts of task " + task.task_id + " is below 1");
  }
  if (!ports::PriorityFromLevel(ports::PriorityLevel(task.priority))) {
    return InvalidArgument("priority of task " + task.task_id + " is out of range");
  }
  return Status::Ok();
}

Status ValidateWorkerId(std::string_view worker_id) {
  return InvalidIfEmpty(worker_id, "worker_id");
}

Status ValidateLeaseRequest(std::string_view worker_id, const std::vector<std::string>& pools,
                            Millis lease_ms) {
  RETURN_IF_ERROR(ValidateWorkerId(worker_id));
  if (pools.empty()) return InvalidArgument("no pools to lease from");
  if (lease_ms <= 0) return InvalidArgument("lease duration must be positive");
  return Status::Ok();
}

Status ValidateLimit(int limit) {
  if (limit < 1) return InvalidArgument("limit must be at least 1");
  return Status::Ok();
}

Status ValidateEvent(const ports::Event& event) { return InvalidIfEmpty(event.type, "event type"); }

ports::VideoRecord NewVideo(const ports::VideoRecord& in, Millis now) {
  ports::VideoRecord v = in;
  v.created_at = now;
  v.completed_at.reset();
  return v;
}

ports::VideoRecord MergeVideoUpdate(const ports::VideoRecord& current,
                                    const ports::VideoRecord& update) {
  ports::VideoRecord v = update;
  v.video_id = current.video_id;
  v.created_at = current.created_at;
  v.status = current.status;
  v.completed_at = current.completed_at;
  return v;
}

void SetVideoStatus(ports::VideoRecord& video, ports::VideoStatus status,
                    std::string_view error_message, Millis now) {
  video.status = status;
  video.error_message = std::string(error_message);
  bool terminal = status == ports::VideoStatus::kReady || status == ports::VideoStatus::kFailed;
  video.completed_at = terminal ? std::optional<Millis>(now) : std::nullopt;
}

ports::Event VideoCreatedEvent(const ports::VideoRecord& video) {
  return MakeEvent(video.video_id, ports::kEventVideoCreated,
                   {{"priority", ports::PriorityName(video.priority)}, {"preset", video.preset}});
}

ports::Event VideoStatusEvent(const ports::VideoRecord& video) {
  return MakeEvent(
      video.video_id, ports::kEventVideoStatus,
      {{"status", ports::VideoStatusName(video.status)}, {"error_message", video.error_message}});
}

TaskRecord NewPendingTask(const TaskRecord& in, Millis now) {
  TaskRecord t;
  t.task_id = in.task_id;
  t.video_id = in.video_id;
  t.step = in.step;
  t.resolution = in.resolution;
  t.codec = in.codec;
  t.segment_index = in.segment_index;
  t.pool = in.pool;
  t.priority = in.priority;
  t.input_key = in.input_key;
  t.output_key = in.output_key;
  t.params_json = in.params_json;
  t.max_attempts = in.max_attempts;
  t.state = TaskState::kPending;
  t.next_run_at = std::max(in.next_run_at, now);
  t.enqueued_at = now;
  return t;
}

std::optional<TaskRecord> PlanCreateTask(const TaskRecord* existing, const TaskRecord& in,
                                         Millis now) {
  if (existing == nullptr) return NewPendingTask(in, now);
  if (!IsParked(*existing)) return std::nullopt;  // re-planning is a no-op
  // Unpark: the upstream re-ran, so what the task reads and how it is routed
  // come from the new plan; its reset queue state is kept.
  TaskRecord t = *existing;
  t.next_run_at = std::max(in.next_run_at, now);
  t.enqueued_at = now;
  t.params_json = in.params_json;
  t.input_key = in.input_key;
  t.output_key = in.output_key;
  t.priority = in.priority;
  t.pool = in.pool;
  t.max_attempts = in.max_attempts;
  return t;
}

bool IsParked(const TaskRecord& task) {
  return task.state == TaskState::kPending && task.next_run_at == ports::kParkedRunAt;
}

bool ResetTask(TaskRecord& task, Millis now) {
  bool was_running = task.state == TaskState::kRunning;
  task.state = TaskState::kPending;
  task.attempts = 0;
  task.worker_id.clear();
  ClearLease(task);
  task.heartbeat_at.reset();
  task.next_run_at = now;
  task.enqueued_at = now;
  task.started_at.reset();
  task.completed_at.reset();
  task.duration_ms.reset();
  task.cpu_ms.reset();
  task.result_json.clear();
  task.error_message.clear();
  return was_running;
}

bool IsRunnable(const TaskRecord& task, Millis now) {
  return (task.state == TaskState::kPending || task.state == TaskState::kRetrying) &&
         task.next_run_at <= now;
}

bool IsRunnableIn(const ports::TaskRecord& task, const std::vector<std::string>& pools,
                  ports::Millis now) {
  return IsRunnable(task, now) && std::find(pools.begin(), pools.end(), task.pool) != pools.end();
}

bool HoldsLease(const TaskRecord& task, std::string_view worker_id, Millis now) {
  return IsLeasedBy(task, worker_id) && task.lease_expires_at.has_value() &&
         now <= *task.lease_expires_at;
}

bool IsLeasedBy(const TaskRecord& task, std::string_view worker_id) {
  return task.state == TaskState::kRunning && task.lease_owner == worker_id;
}

RunStart StartRun(const TaskRecord& task, std::string_view worker_id, Millis now, Millis lease_ms,
                  int seq) {
  RunStart run{task, {}};
  TaskRecord& t = run.task;
  t.state = TaskState::kRunning;
  t.attempts += 1;
  t.worker_id = std::string(worker_id);
  t.lease_owner = std::string(worker_id);
  t.lease_expires_at = now + lease_ms;
  t.heartbeat_at = now;
  t.started_at = now;
  t.completed_at.reset();
  t.duration_ms.reset();
  t.cpu_ms.reset();
  ports::AttemptRecord& a = run.attempt;
  a.task_id = t.task_id;
  a.seq = seq;
  a.attempt = t.attempts;
  a.worker_id = t.worker_id;
  a.started_at = now;
  a.outcome = AttemptOutcome::kRunning;
  return run;
}

StatusOr<TaskRecord> PlanHeartbeat(const TaskRecord& task, std::string_view worker_id,
                                   Millis lease_ms, Millis now) {
  if (lease_ms <= 0) return InvalidArgument("lease duration must be positive");
  if (!HoldsLease(task, worker_id, now)) return LeaseLost(task, worker_id);
  TaskRecord t = task;
  t.lease_expires_at = now + lease_ms;
  t.heartbeat_at = now;
  return t;
}

StatusOr<std::optional<RunEnd>> PlanComplete(const TaskRecord& task, std::string_view worker_id,
                                             std::string_view result_json, int64_t cpu_ms,
                                             Millis now) {
  if (task.state == TaskState::kCompleted) return std::optional<RunEnd>();
  if (!HoldsLease(task, worker_id, now)) return LeaseLost(task, worker_id);
  RunEnd end;
  end.task = task;
  end.outcome = AttemptOutcome::kSucceeded;
  TaskRecord& t = end.task;
  t.state = TaskState::kCompleted;
  t.result_json = std::string(result_json);
  t.cpu_ms = cpu_ms;
  t.completed_at = now;
  t.duration_ms = now - t.started_at.value_or(now);
  t.error_message.clear();
  ClearLease(t);
  nlohmann::json payload = TaskPayload(t);
  payload["duration_ms"] = *t.duration_ms;
  end.event = MakeEvent(t.video_id, ports::kEventTaskCompleted, payload);
  return std::optional<RunEnd>(std::move(end));
}

StatusOr<RunEnd> PlanFail(const TaskRecord& task, std::string_view worker_id,
                          const ports::TaskFailure& failure, Millis now) {
  if (!HoldsLease(task, worker_id, now)) return LeaseLost(task, worker_id);
  std::optional<Millis> retry_at;
  if (failure.retry_after) retry_at = now + std::max<Millis>(0, *failure.retry_after);
  return EndUnsuccessfulRun(task, now, AttemptOutcome::kFailed, failure.error_code,
                            failure.error_message, retry_at, "failed");
}

StatusOr<RunEnd> PlanRelease(const TaskRecord& task, std::string_view worker_id, Millis now) {
  if (!HoldsLease(task, worker_id, now)) return LeaseLost(task, worker_id);
  RunEnd end;
  end.task = task;
  end.outcome = AttemptOutcome::kInterrupted;
  end.error_message = "released by " + std::string(worker_id);
  TaskRecord& t = end.task;
  t.state = TaskState::kPending;
  t.attempts = std::max(0, t.attempts - 1);
  ClearLease(t);
  nlohmann::json payload = TaskPayload(t);
  payload["worker_id"] = std::string(worker_id);
  end.event = MakeEvent(t.video_id, ports::kEventTaskInterrupted, payload);
  return end;
}

RunEnd PlanExpiry(const TaskRecord& task, Millis now, const ports::QueueOptions& options) {
  std::string message = "lease of " + task.lease_owner + " expired at " +
                        std::to_string(task.lease_expires_at.value_or(0));
  return EndLeaseRun(task, now, options, message, "lease expired");
}

RunEnd PlanReclaim(const TaskRecord& task, Millis now, const ports::QueueOptions& options) {
  std::string message =
      "lease of " + task.lease_owner + " reclaimed at " + std::to_string(now) + " (worker gone)";
  return EndLeaseRun(task, now, options, message, "lease reclaimed");
}

void CloseAttempt(ports::AttemptRecord& attempt, const RunEnd& end, Millis now) {
  attempt.ended_at = now;
  attempt.outcome = end.outcome;
  attempt.error_code = end.error_code;
  attempt.error_message = end.error_message;
}

bool SelectsStep(const TaskRecord& task, const std::vector<std::string>& steps) {
  return std::find(steps.begin(), steps.end(), task.step) != steps.end();
}

TaskReset PlanReset(const TaskRecord& task, ResetMode mode, Millis now) {
  TaskReset reset{task, std::nullopt};
  bool was_running = ResetTask(reset.task, now);
  if (mode == ResetMode::kPark) reset.task.next_run_at = ports::kParkedRunAt;
  if (was_running) {
    RunEnd interrupted;
    interrupted.outcome = AttemptOutcome::kInterrupted;
    interrupted.error_message =
        std::string(mode == ResetMode::kPark ? kParkMessage : kResetMessage);
    reset.interrupted = std::move(interrupted);
  }
  return reset;
}

// ---- Reroute ----------------------------------------------------------------

Status ValidateReroute(const ports::TaskReroute& reroute) {
  RETURN_IF_ERROR(InvalidIfEmpty(reroute.task_id, "task_id"));
  RETURN_IF_ERROR(InvalidIfEmpty(reroute.from_pool, "from_pool of task " + reroute.task_id));
  return InvalidIfEmpty(reroute.to_pool, "to_pool of task " + reroute.task_id);
}

bool IsWaiting(const TaskRecord& task) {
  return (task.state == TaskState::kPending || task.state == TaskState::kRetrying) &&
         task.next_run_at != ports::kParkedRunAt;
}

bool WaitsLonger(const TaskRecord& a, const TaskRecord& b) {
  if (a.next_run_at != b.next_run_at) return a.next_run_at < b.next_run_at;
  return a.task_id < b.task_id;
}

std::optional<TaskRerouted> PlanReroute(const TaskRecord& task, const ports::TaskReroute& reroute) {
  if (!IsWaiting(task) || task.pool != reroute.from_pool) return std::nullopt;
  TaskRerouted out;
  out.task = task;
  out.task.pool = reroute.to_pool;
  out.task.params_json = reroute.params_json;
  out.event = MakeEvent(task.video_id, ports::kEventTaskRerouted,
                        {{"task_id", task.task_id},
                         {"step", task.step},
                         {"from_pool", reroute.from_pool},
                         {"to_pool", reroute.to_pool},
                         {"reason", reroute.reason}});
  return out;
}

}  // namespace vtp::adapters
