// Port: the metadata store, the durable source of truth for videos, their
// tasks, the attempt log, the dead-letter queue and the events outbox.
// Schema and queue contract: task_queue.h (top) and adapters/sqlite_store.h.
//
// Contract shared by every adapter (tests/ports/metadata_store_contract_test.cc
// runs it against each one):
//  - Every call is atomic: it fully happens or, on error, leaves no trace.
//    Calls that change state and are worth telling others about append their
//    event to the outbox in the same transaction (CreateVideo ->
//    "video.created", UpdateVideoStatus -> "video.status"; queue transitions
//    in task_queue.h), so an event is never lost nor emitted for a change
//    that did not commit.
//  - Times are taken from the adapter's injected Clock, never from the caller
//    (except TaskRecord::next_run_at, see CreateTasks).
//  - Error classes: kNotFound (no such video/task/dead letter),
//    kAlreadyExists (CreateVideo of an existing id), kInvalidArgument
//    (malformed record), kIo (storage failed or stayed busy past its
//    timeout; retry later), kInternal (stored data violates the schema).
//
// Thread safety: adapters are safe to call from many threads, and the
// durable ones from many processes sharing one store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/records.h"

namespace vtp::ports {

// Outbox event types appended by the store itself.
inline constexpr std::string_view kEventVideoCreated = "video.created";
inline constexpr std::string_view kEventVideoStatus = "video.status";
// A waiting task moved to another worker pool (RerouteTask).
inline constexpr std::string_view kEventTaskRerouted = "task.rerouted";

// RerouteTask's request: move `task_id` from `from_pool` to `to_pool` with
// the parameters planned for the new pool.
struct TaskReroute {
  std::string task_id;
  std::string from_pool;
  std::string to_pool;
  std::string params_json;
  std::string reason;  // for operators: "no live worker leases gpu-nvenc"
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // ---- Videos ------------------------------------------------------------

  // Inserts `video` with created_at = now and completed_at unset; appends
  // "video.created". options_json is stored as given and read back
  // unchanged. kAlreadyExists when the id exists, kInvalidArgument when
  // video_id or original_key is empty.
  virtual Status CreateVideo(const VideoRecord& video) = 0;
  virtual StatusOr<VideoRecord> GetVideo(std::string_view video_id) = 0;
  // Replaces every column except video_id, created_at, status and
  // completed_at (probe results, manifest and thumbnail URLs, options_json,
  // ...).
  virtual Status UpdateVideo(const VideoRecord& video) = 0;
  // Sets status and error_message ("" clears it); completed_at becomes now
  // for kReady/kFailed and is cleared otherwise. Appends "video.status" with
  // {"status": ..., "error_message": ...}.
  virtual Status UpdateVideoStatus(std::string_view video_id, VideoStatus status,
                                   std::string_view error_message) = 0;
  // Videos with `status` (all when nullopt), oldest first (created_at,
  // video_id).
  virtual StatusOr<std::vector<VideoRecord>> ListVideos(std::optional<VideoStatus> status) = 0;

  // ---- Tasks -------------------------------------------------------------

  // Inserts the tasks as pending (this is how work is enqueued). From each
  // record only identity, routing (pool, priority), keys, params_json,
  // max_attempts and next_run_at are taken; next_run_at is raised to now if
  // earlier. A task_id that already exists is skipped and left untouched, so
  // re-planning a video is a no-op -- unless that task is parked (see
  // ParkTasks): then it is unparked, because re-planning a parked task is
  // how the scheduler says its upstream has re-run. Unparking sets
  // next_run_at = max(now, given next_run_at) and enqueued_at = now and
  // replaces params_json, input_key, output_key, priority, pool and
  // max_attempts from the given record (the re-run upstream may have
  // produced other inputs); the rest stays as ParkTasks left it.
  // All-or-nothing. Returns how many were inserted or unparked. kNotFound
  // when a task's video does not exist; kInvalidArgument for an empty
  // task_id/step/pool or max_attempts < 1.
  virtual StatusOr<int> CreateTasks(const std::vector<TaskRecord>& tasks) = 0;
  virtual StatusOr<TaskRecord> GetTask(std::string_view task_id) = 0;
  // The video's tasks ordered by task_id (empty for an unknown video).
  virtual StatusOr<std::vector<TaskRecord>> ListTasks(std::string_view video_id) = 0;
  // The same tasks as ListTasks, in the same order, as TaskSummary.
  virtual StatusOr<std::vector<TaskSummary>> ListTaskSummaries(std::string_view video_id) = 0;
  // StepTally of (video, step), from indexes only: its cost does not grow
  // with the number of the video's tasks, which is why the scheduler asks it
  // after every report. Zero/false for an unknown video or step.
  virtual StatusOr<StepTally> TallyStep(std::string_view video_id, std::string_view step) = 0;
  // Retry-from-step: every task of `video_id` whose step is in `steps` goes
  // back to pending, runnable now, with attempts 0, result_json, error,
  // run times and lease cleared and its dead letter (if any) removed. A
  // running task loses its lease: its worker's Complete/Fail are rejected.
  // The attempt log is kept. Returns how many tasks were reset.
  virtual StatusOr<int> ResetTasks(std::string_view video_id,
                                   const std::vector<std::string>& steps) = 0;
  // Retry-from-step for the steps downstream of the one being re-run:
  // exactly ResetTasks, except that next_run_at = kParkedRunAt, so the
  // tasks are pending but never leased (they must not run on the outputs
  // of the old upstream run) until CreateTasks unparks them once their
  // upstream tasks have re-run.
  // Returns how many tasks were parked.
  virtual StatusOr<int> ParkTasks(std::string_view video_id,
                                  const std::vector<std::string>& steps) = 0;

  // Tasks waiting in `pool`: pending or retrying and not parked (retrying
  // ones in backoff included), ordered by (next_run_at, task_id), at most
  // `limit` (kInvalidArgument when < 1). Running, completed and dead tasks
  // are never listed.
  virtual StatusOr<std::vector<TaskRecord>> ListWaitingTasks(std::string_view pool,
                                                             int limit) = 0;
  // Moves a waiting task to another pool (GPU fallback): pool and
  // params_json are replaced; state, attempts, next_run_at (its place in the
  // queue and its aging credit) and enqueued_at are kept. Appends
  // "task.rerouted" {task_id, step, from_pool, to_pool, reason} in the same
  // transaction. Returns false and changes nothing when the task is no
  // longer waiting in `from_pool` (leased meanwhile, completed, dead,
  // parked, or already moved): a running task is never touched.
  // kNotFound for an unknown task; kInvalidArgument for an empty pool.
  virtual StatusOr<bool> RerouteTask(const TaskReroute& reroute) = 0;

  // Every run of the task, in start order (empty if it never ran).
  // kNotFound for an unknown task.
  virtual StatusOr<std::vector<AttemptRecord>> ListAttempts(std::string_view task_id) = 0;

  // ---- Dead-letter queue -------------------------------------------------

  // Dead tasks, oldest first (dead_at, task_id), each with its attempts.
  virtual StatusOr<std::vector<DeadLetter>> ListDeadLetters() = 0;
  // kNotFound when the task is not dead-lettered.
  virtual StatusOr<DeadLetter> GetDeadLetter(std::string_view task_id) = 0;
  // Takes the task out of the DLQ: pending, runnable now, attempts 0 (the
  // attempt log is kept). kNotFound when the task is not dead-lettered.
  virtual Status RequeueDeadLetter(std::string_view task_id) = 0;

  // ---- Events outbox -----------------------------------------------------

  // Appends an event; event_id, created_at and published_at of `event` are
  // ignored. Returns the assigned id, greater than every id before it.
  // kInvalidArgument for an empty type.
  virtual StatusOr<int64_t> AppendEvent(const Event& event) = 0;
  // Up to `limit` events with event_id > after_id, ascending
  // (kInvalidArgument when limit < 1, here and below).
  virtual StatusOr<std::vector<Event>> ReadEvents(int64_t after_id, int limit) = 0;
  // For an outbox relay (events -> external bus): up to `limit` events not
  // yet marked published, ascending.
  virtual StatusOr<std::vector<Event>> ReadUnpublishedEvents(int limit) = 0;
  // Marks every event with event_id <= through_id published (now).
  // Idempotent; returns how many were newly marked.
  virtual StatusOr<int> MarkEventsPublished(int64_t through_id) = 0;
};

}  // namespace vtp::ports
