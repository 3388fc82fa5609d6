#include "adapters/memory_store.h"

#include <algorithm>
#include <utility>

namespace vtp::adapters {

using ports::AttemptRecord;
using ports::DeadLetter;
using ports::Event;
using ports::Millis;
using ports::TaskRecord;
using ports::VideoRecord;

InMemoryStore::InMemoryStore(ports::Clock& clock, ports::QueueOptions options)
    : clock_(clock), options_(options) {}

// ---- Videos ----------------------------------------------------------------

Status InMemoryStore::CreateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  std::lock_guard<std::mutex> lock(mu_);
  if (videos_.count(video.video_id) != 0) {
    return Status(ErrorCode::kAlreadyExists, "video " + video.video_id + " exists");
  }
  Millis now = clock_.NowMillis();
  VideoRecord row = NewVideo(video, now);
  AppendEventLocked(VideoCreatedEvent(row), now);
  videos_.emplace(row.video_id, std::move(row));
  return Status::Ok();
}

StatusOr<VideoRecord> InMemoryStore::GetVideo(std::string_view video_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = videos_.find(video_id);
  if (it == videos_.end()) return VideoNotFound(video_id);
  return it->second;
}

Status InMemoryStore::UpdateVideo(const VideoRecord& video) {
  RETURN_IF_ERROR(ValidateVideo(video));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = videos_.find(video.video_id);
  if (it == videos_.end()) return VideoNotFound(video.video_id);
  it->second = MergeVideoUpdate(it->second, video);
  return Status::Ok();
}

Status InMemoryStore::UpdateVideoStatus(std::string_view video_id, ports::VideoStatus status,
                                        std::string_view error_message) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = videos_.find(video_id);
  if (it == videos_.end()) return VideoNotFound(video_id);
  Millis now = clock_.NowMillis();
  SetVideoStatus(it->second, status, error_message, now);
  AppendEventLocked(VideoStatusEvent(it->second), now);
  return Status::Ok();
}

StatusOr<std::vector<VideoRecord>> InMemoryStore::ListVideos(
    std::optional<ports::VideoStatus> status) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<VideoRecord> out;
  for (const auto& [id, v] : videos_) {
    if (!status || v.status == *status) out.push_back(v);
  }
  std::stable_sort(out.begin(), out.end(), [](const VideoRecord& a, const VideoRecord& b) {
    return a.created_at < b.created_at;  // ties keep video_id order (map order)
  });
  return out;
}

// ---- Tasks -----------------------------------------------------------------

StatusOr<int> InMemoryStore::CreateTasks(const std::vector<TaskRecord>& tasks) {
  for (const TaskRecord& t : tasks) RETURN_IF_ERROR(ValidateNewTask(t));
  std::lock_guard<std::mutex> lock(mu_);
  for (const TaskRecord& t : tasks) {
    if (videos_.count(t.video_id) == 0) return VideoNotFound(t.video_id);
  }
  Millis now = clock_.NowMillis();
  int written = 0;
  for (const TaskRecord& t : tasks) {
    std::optional<TaskRecord> row = PlanCreateTask(FindTaskLocked(t.task_id), t, now);
    if (!row) continue;
    tasks_.insert_or_assign(t.task_id, *std::move(row));
    ++written;
  }
  return written;
}

StatusOr<TaskRecord> InMemoryStore::GetTask(std::string_view task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return TaskNotFound(task_id);
  return *t;
}

StatusOr<std::vector<TaskRecord>> InMemoryStore::ListTasks(std::string_view video_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TaskRecord> out;
  for (const auto& [id, t] : tasks_) {
    if (t.video_id == video_id) out.push_back(t);
  }
  return out;
}

StatusOr<std::vector<ports::TaskSummary>> InMemoryStore::ListTaskSummaries(std::string_view video_id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ports::TaskSummary> out;
  for (const auto& [id, t] : tasks_) {
    if (t.video_id == video_id) out.push_back({t.task_id, t.step, t.state, t.next_run_at});
  }
  return out;
}

StatusOr<ports::StepTally> InMemoryStore::TallyStep(std::string_view video_id, std::string_view step) {
  std::lock_guard<std::mutex> lock(mu_);
  ports::StepTally tally;
  for (const auto& [id, t] : tasks_) {
    if (t.video_id != video_id) continue;
    if (t.step == step && t.state != ports::TaskState::kCompleted) ++tally.unfinished;
    if (t.state == ports::TaskState::kFailed) tally.any_dead = true;
  }
  return tally;
}

StatusOr<int> InMemoryStore::ResetTasks(std::string_view video_id,
                                        const std::vector<std::string>& steps) {
  std::lock_guard<std::mutex> lock(mu_);
  return ResetStepsLocked(video_id, steps, ResetMode::kRunNow, clock_.NowMillis());
}

StatusOr<int> InMemoryStore::ParkTasks(std::string_view video_id,
                                       const std::vector<std::string>& steps) {
  std::lock_guard<std::mutex> lock(mu_);
  return ResetStepsLocked(video_id, steps, ResetMode::kPark, clock_.NowMillis());
}

int InMemoryStore::ResetStepsLocked(std::string_view video_id,
                                    const std::vector<std::string>& steps, ResetMode mode,
                                    Millis now) {
  int reset = 0;
  for (auto& [id, t] : tasks_) {
    if (t.video_id != video_id || !SelectsStep(t, steps)) continue;
    TaskReset plan = PlanReset(t, mode, now);
    if (plan.interrupted) CloseOpenAttemptLocked(id, *plan.interrupted, now);
    t = std::move(plan.task);
    dead_letters_.erase(id);
    ++reset;
  }
  return reset;
}

StatusOr<std::vector<TaskRecord>> InMemoryStore::ListWaitingTasks(std::string_view pool, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TaskRecord> out;
  for (const auto& [id, t] : tasks_) {
    if (t.pool == pool && IsWaiting(t)) out.push_back(t);
  }
  std::sort(out.begin(), out.end(), WaitsLonger);
  if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
  return out;
}

StatusOr<bool> InMemoryStore::RerouteTask(const ports::TaskReroute& reroute) {
  RETURN_IF_ERROR(ValidateReroute(reroute));
  std::lock_guard<std::mutex> lock(mu_);
  TaskRecord* t = FindTaskLocked(reroute.task_id);
  if (t == nullptr) return TaskNotFound(reroute.task_id);
  std::optional<TaskRerouted> moved = PlanReroute(*t, reroute);
  if (!moved) return false;
  *t = std::move(moved->task);
  AppendEventLocked(std::move(moved->event), clock_.NowMillis());
  return true;
}

StatusOr<std::vector<AttemptRecord>> InMemoryStore::ListAttempts(std::string_view task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (FindTaskLocked(task_id) == nullptr) return TaskNotFound(task_id);
  auto it = attempts_.find(task_id);
  if (it == attempts_.end()) return std::vector<AttemptRecord>();
  return it->second;
}

// ---- Dead letters ----------------------------------------------------------

StatusOr<std::vector<DeadLetter>> InMemoryStore::ListDeadLetters() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<DeadLetter> out;
  for (const auto& [id, d] : dead_letters_) out.push_back(WithAttemptsLocked(d));
  std::stable_sort(out.begin(), out.end(),
                   [](const DeadLetter& a, const DeadLetter& b) { return a.dead_at < b.dead_at; });
  return out;
}

StatusOr<DeadLetter> InMemoryStore::GetDeadLetter(std::string_view task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dead_letters_.find(task_id);
  if (it == dead_letters_.end()) return NotFound("task " + std::string(task_id) + " is not dead");
  return WithAttemptsLocked(it->second);
}

Status InMemoryStore::RequeueDeadLetter(std::string_view task_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dead_letters_.find(task_id);
  if (it == dead_letters_.end()) return NotFound("task " + std::string(task_id) + " is not dead");
  TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return Internal("dead letter without task " + std::string(task_id));
  ResetTask(*t, clock_.NowMillis());
  dead_letters_.erase(it);
  return Status::Ok();
}

DeadLetter InMemoryStore::WithAttemptsLocked(DeadLetter dead) const {
  auto it = attempts_.find(dead.task_id);
  if (it != attempts_.end()) dead.attempts = it->second;
  return dead;
}

// ---- Events ----------------------------------------------------------------

StatusOr<int64_t> InMemoryStore::AppendEvent(const Event& event) {
  RETURN_IF_ERROR(ValidateEvent(event));
  std::lock_guard<std::mutex> lock(mu_);
  return AppendEventLocked(event, clock_.NowMillis());
}

StatusOr<std::vector<Event>> InMemoryStore::ReadEvents(int64_t after_id, int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  return EventsAfterLocked(after_id, limit, /*unpublished=*/false);
}

StatusOr<std::vector<Event>> InMemoryStore::ReadUnpublishedEvents(int limit) {
  RETURN_IF_ERROR(ValidateLimit(limit));
  std::lock_guard<std::mutex> lock(mu_);
  return EventsAfterLocked(0, limit, /*unpublished=*/true);
}

StatusOr<int> InMemoryStore::MarkEventsPublished(int64_t through_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  int marked = 0;
  for (Event& e : events_) {
    if (e.event_id > through_id) break;
    if (!e.published_at) {
      e.published_at = now;
      ++marked;
    }
  }
  return marked;
}

StatusOr<int64_t> InMemoryStore::Publish(const Event& event) { return AppendEvent(event); }

StatusOr<std::vector<Event>> InMemoryStore::Poll(int64_t after_id, int limit) {
  return ReadEvents(after_id, limit);
}

int64_t InMemoryStore::AppendEventLocked(Event event, Millis now) {
  event.event_id = static_cast<int64_t>(events_.size()) + 1;
  event.created_at = now;
  event.published_at.reset();
  events_.push_back(std::move(event));
  return events_.back().event_id;
}

std::vector<Event> InMemoryStore::EventsAfterLocked(int64_t after_id, int limit,
                                                    bool unpublished) const {
  std::vector<Event> out;
  size_t start =
      static_cast<size_t>(std::clamp<int64_t>(after_id, 0, static_cast<int64_t>(events_.size())));
  for (size_t i = start; i < events_.size() && static_cast<int>(out.size()) < limit; ++i) {
    if (!unpublished || !events_[i].published_at) out.push_back(events_[i]);
  }
  return out;
}

// ---- Queue -----------------------------------------------------------------

StatusOr<std::optional<TaskRecord>> InMemoryStore::Lease(std::string_view worker_id,
                                                         const std::vector<std::string>& pools,
                                                         Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::lock_guard<std::mutex> lock(mu_);
  return LeaseLocked(worker_id, pools, lease_ms, clock_.NowMillis());
}

StatusOr<std::optional<TaskRecord>> InMemoryStore::CompleteAndLease(
    std::string_view task_id, std::string_view worker_id, std::string_view result_json,
    int64_t cpu_ms, const std::vector<std::string>& pools, Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  RETURN_IF_ERROR(CompleteLocked(task_id, worker_id, result_json, cpu_ms, now));
  return LeaseLocked(worker_id, pools, lease_ms, now);
}

std::optional<TaskRecord> InMemoryStore::LeaseLocked(std::string_view worker_id,
                                                     const std::vector<std::string>& pools,
                                                     Millis lease_ms, Millis now) {
  TaskRecord* best = nullptr;
  ports::LeaseCandidate best_key;
  for (auto& [id, t] : tasks_) {
    if (!IsRunnable(t, now) || std::find(pools.begin(), pools.end(), t.pool) == pools.end()) {
      continue;
    }
    ports::LeaseCandidate key{t.task_id, t.priority, t.next_run_at};
    if (best == nullptr || ports::LeasesBefore(key, best_key, now, options_.aging_step_ms)) {
      best = &t;
      best_key = std::move(key);
    }
  }
  if (best == nullptr) return std::optional<TaskRecord>();
  return StartLocked(*best, worker_id, lease_ms, now);
}

std::optional<TaskRecord> InMemoryStore::StartLocked(TaskRecord& task, std::string_view worker_id,
                                                     Millis lease_ms, Millis now) {
  std::vector<AttemptRecord>& log = attempts_[task.task_id];
  RunStart run = StartRun(task, worker_id, now, lease_ms, static_cast<int>(log.size()) + 1);
  task = run.task;
  log.push_back(std::move(run.attempt));
  return std::optional<TaskRecord>(task);
}

StatusOr<std::optional<TaskRecord>> InMemoryStore::LeaseTask(std::string_view task_id,
                                                             std::string_view worker_id,
                                                             const std::vector<std::string>& pools,
                                                             Millis lease_ms) {
  RETURN_IF_ERROR(ValidateLeaseRequest(worker_id, pools, lease_ms));
  std::lock_guard<std::mutex> lock(mu_);
  TaskRecord* task = FindTaskLocked(task_id);
  if (task == nullptr) return TaskNotFound(task_id);
  Millis now = clock_.NowMillis();
  if (!IsRunnableIn(*task, pools, now)) return std::optional<TaskRecord>();
  return StartLocked(*task, worker_id, lease_ms, now);
}

Status InMemoryStore::Heartbeat(std::string_view task_id, std::string_view worker_id,
                                Millis lease_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return TaskNotFound(task_id);
  ASSIGN_OR_RETURN(*t, PlanHeartbeat(*t, worker_id, lease_ms, clock_.NowMillis()));
  return Status::Ok();
}

Status InMemoryStore::Complete(std::string_view task_id, std::string_view worker_id,
                               std::string_view result_json, int64_t cpu_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  return CompleteLocked(task_id, worker_id, result_json, cpu_ms, clock_.NowMillis());
}

Status InMemoryStore::CompleteLocked(std::string_view task_id, std::string_view worker_id,
                                     std::string_view result_json, int64_t cpu_ms, Millis now) {
  TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return TaskNotFound(task_id);
  ASSIGN_OR_RETURN(std::optional<RunEnd> end,
                   PlanComplete(*t, worker_id, result_json, cpu_ms, now));
  if (end) ApplyRunEndLocked(std::move(*end), now);
  return Status::Ok();
}

Status InMemoryStore::Fail(std::string_view task_id, std::string_view worker_id,
                           const ports::TaskFailure& failure) {
  std::lock_guard<std::mutex> lock(mu_);
  TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return TaskNotFound(task_id);
  Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(RunEnd end, PlanFail(*t, worker_id, failure, now));
  ApplyRunEndLocked(std::move(end), now);
  return Status::Ok();
}

Status InMemoryStore::Release(std::string_view task_id, std::string_view worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  TaskRecord* t = FindTaskLocked(task_id);
  if (t == nullptr) return TaskNotFound(task_id);
  Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(RunEnd end, PlanRelease(*t, worker_id, now));
  ApplyRunEndLocked(std::move(end), now);
  return Status::Ok();
}

StatusOr<int> InMemoryStore::ExpireLeases() {
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  return EndRunsLocked(
      [now](const TaskRecord& t) {
        return t.state == ports::TaskState::kRunning && t.lease_expires_at &&
               now > *t.lease_expires_at;
      },
      [&](const TaskRecord& t) { return PlanExpiry(t, now, options_); }, now);
}

StatusOr<int> InMemoryStore::ReclaimWorker(std::string_view worker_id) {
  RETURN_IF_ERROR(ValidateWorkerId(worker_id));
  std::lock_guard<std::mutex> lock(mu_);
  Millis now = clock_.NowMillis();
  return EndRunsLocked([worker_id](const TaskRecord& t) { return IsLeasedBy(t, worker_id); },
                       [&](const TaskRecord& t) { return PlanReclaim(t, now, options_); }, now);
}

int InMemoryStore::EndRunsLocked(const std::function<bool(const TaskRecord&)>& select,
                                 const std::function<RunEnd(const TaskRecord&)>& plan, Millis now) {
  std::vector<RunEnd> ends;
  for (const auto& [id, t] : tasks_) {
    if (select(t)) ends.push_back(plan(t));
  }
  int ended = static_cast<int>(ends.size());
  for (RunEnd& end : ends) ApplyRunEndLocked(std::move(end), now);
  return ended;
}

TaskRecord* InMemoryStore::FindTaskLocked(std::string_view task_id) {
  auto it = tasks_.find(task_id);
  return it == tasks_.end() ? nullptr : &it->second;
}

void InMemoryStore::CloseOpenAttemptLocked(const std::string& task_id, const RunEnd& end,
                                           Millis now) {
  auto it = attempts_.find(task_id);
  if (it == attempts_.end() || it->second.empty()) return;
  AttemptRecord& last = it->second.back();
  if (last.outcome == ports::AttemptOutcome::kRunning) CloseAttempt(last, end, now);
}

void InMemoryStore::ApplyRunEndLocked(RunEnd end, Millis now) {
  const std::string task_id = end.task.task_id;
  CloseOpenAttemptLocked(task_id, end, now);
  if (end.dead_letter) dead_letters_[task_id] = std::move(*end.dead_letter);
  AppendEventLocked(std::move(end.event), now);
  tasks_[task_id] = std::move(end.task);
}

}  // namespace vtp::adapters
