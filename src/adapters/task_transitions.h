// The store ports' semantics as pure functions, shared by every adapter:
// validation, the record a call produces from the record it finds, the outbox
// event it appends. Adapters only load, lock and save (each in its own
// technology), so they cannot drift apart on what a call means; the contract
// suites in tests/ports check that they do not.
//
// Nothing here does I/O or reads a clock: `now` is passed in.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/metadata_store.h"
#include "ports/records.h"
#include "ports/task_queue.h"

namespace vtp::adapters {

// ---- Errors --------------------------------------------------------------

Status TaskNotFound(std::string_view task_id);
Status VideoNotFound(std::string_view video_id);
// kNotFound "lease lost: ..." (task_queue.h: Leases).
Status LeaseLost(const ports::TaskRecord& task, std::string_view worker_id);

// ---- Validation ----------------------------------------------------------

Status ValidateVideo(const ports::VideoRecord& video);
Status ValidateNewTask(const ports::TaskRecord& task);
Status ValidateWorkerId(std::string_view worker_id);
Status ValidateLeaseRequest(std::string_view worker_id, const std::vector<std::string>& pools,
                            ports::Millis lease_ms);
Status ValidateLimit(int limit);
Status ValidateEvent(const ports::Event& event);

// ---- Videos --------------------------------------------------------------

// The row CreateVideo inserts: `in` stamped with created_at = now.
ports::VideoRecord NewVideo(const ports::VideoRecord& in, ports::Millis now);
// `current` with the mutable columns of `update` (UpdateVideo).
ports::VideoRecord MergeVideoUpdate(const ports::VideoRecord& current,
                                    const ports::VideoRecord& update);
void SetVideoStatus(ports::VideoRecord& video, ports::VideoStatus status,
                    std::string_view error_message, ports::Millis now);
ports::Event VideoCreatedEvent(const ports::VideoRecord& video);
ports::Event VideoStatusEvent(const ports::VideoRecord& video);

// ---- Tasks ---------------------------------------------------------------

// The row CreateTasks writes for `in`, given the row stored under its id
// (nullptr when none): a new pending task, the stored task unparked when it
// is parked, or nullopt to leave the stored task untouched.
std::optional<ports::TaskRecord> PlanCreateTask(const ports::TaskRecord* existing,
                                                const ports::TaskRecord& in, ports::Millis now);
// Pending with next_run_at == kParkedRunAt (MetadataStore::ParkTasks).
bool IsParked(const ports::TaskRecord& task);

// RequeueDeadLetter, and the first half of ResetTasks / ParkTasks. Returns
// true when the task was running, so the adapter closes its open attempt.
bool ResetTask(ports::TaskRecord& task, ports::Millis now);
inline constexpr std::string_view kResetMessage = "task reset while running";
inline constexpr std::string_view kParkMessage = "task parked while running";

bool IsRunnable(const ports::TaskRecord& task, ports::Millis now);
// Runnable now and waiting in one of `pools` (TaskQueue::LeaseTask).
bool IsRunnableIn(const ports::TaskRecord& task, const std::vector<std::string>& pools,
                  ports::Millis now);
bool HoldsLease(const ports::TaskRecord& task, std::string_view worker_id, ports::Millis now);
// Running under `worker_id`'s lease, expired or not (ReclaimWorker).
bool IsLeasedBy(const ports::TaskRecord& task, std::string_view worker_id);

// Lease of `task` by `worker_id`; the attempt row gets sequence number `seq`.
struct RunStart {
  ports::TaskRecord task;
  ports::AttemptRecord attempt;
};
RunStart StartRun(const ports::TaskRecord& task, std::string_view worker_id, ports::Millis now,
                  ports::Millis lease_ms, int seq);

StatusOr<ports::TaskRecord> PlanHeartbeat(const ports::TaskRecord& task, std::string_view worker_id,
                                          ports::Millis lease_ms, ports::Millis now);

// How a run ends: the new task row, how its open attempt closes, the dead
// letter to insert (attempts left for the adapter to fill from its log) and
// the outbox event to append.
struct RunEnd {
  ports::TaskRecord task;
  ports::AttemptOutcome outcome = ports::AttemptOutcome::kSucceeded;
  std::string error_code;
  std::string error_message;
  std::optional<ports::DeadLetter> dead_letter;
  ports::Event event;
};
// nullopt: the task is already completed (duplicate completion, no-op).
StatusOr<std::optional<RunEnd>> PlanComplete(const ports::TaskRecord& task,
                                             std::string_view worker_id,
                                             std::string_view result_json, int64_t cpu_ms,
                                             ports::Millis now);
StatusOr<RunEnd> PlanFail(const ports::TaskRecord& task, std::string_view worker_id,
                          const ports::TaskFailure& failure, ports::Millis now);
StatusOr<RunEnd> PlanRelease(const ports::TaskRecord& task, std::string_view worker_id,
                             ports::Millis now);
// Precondition: the task is running and its lease expired (now > expiry).
RunEnd PlanExpiry(const ports::TaskRecord& task, ports::Millis now,
                  const ports::QueueOptions& options);
// ReclaimWorker: the same end as PlanExpiry, now. Precondition: running.
RunEnd PlanReclaim(const ports::TaskRecord& task, ports::Millis now,
                   const ports::QueueOptions& options);
// Closes `attempt` (the task's open run) the way `end` says.
void CloseAttempt(ports::AttemptRecord& attempt, const RunEnd& end, ports::Millis now);

// ---- Reroute (MetadataStore::RerouteTask) -----------------------------------

Status ValidateReroute(const ports::TaskReroute& reroute);
// Pending or retrying, and not parked: what ListWaitingTasks lists and
// RerouteTask may move.
bool IsWaiting(const ports::TaskRecord& task);
// ListWaitingTasks' order: (next_run_at, task_id).
bool WaitsLonger(const ports::TaskRecord& a, const ports::TaskRecord& b);
struct TaskRerouted {
  ports::TaskRecord task;
  ports::Event event;  // "task.rerouted"
};
// The moved task and its event; nullopt when `task` is not waiting in
// reroute.from_pool (nothing changes).
std::optional<TaskRerouted> PlanReroute(const ports::TaskRecord& task,
                                        const ports::TaskReroute& reroute);

// ResetTasks (kRunNow) and ParkTasks (kPark): which tasks of the video a
// call selects, and what it makes of each.
enum class ResetMode { kRunNow, kPark };
bool SelectsStep(const ports::TaskRecord& task, const std::vector<std::string>& steps);
struct TaskReset {
  ports::TaskRecord task;
  // Set when the task was running: how its open attempt closes (interrupted).
  std::optional<RunEnd> interrupted;
};
TaskReset PlanReset(const ports::TaskRecord& task, ResetMode mode, ports::Millis now);

}  // namespace vtp::adapters
