// Value types shared by the metadata store, task queue and event bus ports.
// Plain structs with no behaviour beyond name conversions: adapters map them
// to rows (SQLite, PostgreSQL) or keys (Redis) and back, the engine reads and
// writes them. Columns follow the seed's `videos` and `transcoding_tasks`
// tables plus what a durable queue needs (attempts, lease, next-run time).
//
// Conventions:
//  - Times are ports::Millis (ms since the Unix epoch) read from the injected
//    Clock; std::nullopt where the seed column is nullable and unset.
//  - Strings default to "" for "unknown / not applicable"; adapters store
//    them as given and read them back unchanged.
//  - Enum names are the seed's lower-case ENUM values and are stable: they are
//    what adapters store and what `--json` output shows.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ports/clock.h"

namespace vtp::ports {

// Looks a name up in a {value, name} table; shared by the conversions below.
template <typename E, size_t N>
constexpr std::string_view EnumName(const std::array<std::pair<E, std::string_view>, N>& table,
                                    E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}
template <typename E, size_t N>
constexpr std::optional<E> EnumFromName(const std::array<std::pair<E, std::string_view>, N>& table,
                                        std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// Scheduling priority (seed: priority ENUM). The numeric values are the
// levels the queue compares and ages (see task_queue.h); never renumber.
enum class Priority { kLow = 0, kNormal = 1, kHigh = 2, kUrgent = 3 };
inline constexpr int kMaxPriorityLevel = 3;
inline constexpr std::array<std::pair<Priority, std::string_view>, 4> kPriorityNames = {{
    {Priority::kLow, "low"},
    {Priority::kNormal, "normal"},
    {Priority::kHigh, "high"},
    {Priority::kUrgent, "urgent"},
}};
constexpr std::string_view PriorityName(Priority p) { return EnumName(kPriorityNames, p); }
constexpr std::optional<Priority> PriorityFromName(std::string_view name) {
  return EnumFromName(kPriorityNames, name);
}
constexpr int PriorityLevel(Priority p) { return static_cast<int>(p); }
// nullopt outside 0..kMaxPriorityLevel.
constexpr std::optional<Priority> PriorityFromLevel(int64_t level) {
  if (level < 0 || level > kMaxPriorityLevel) return std::nullopt;
  return static_cast<Priority>(level);
}

// Seed: videos.status ENUM.
enum class VideoStatus {
  kUploaded,
  kProbing,
  kTranscoding,
  kPackaging,
  kModerating,
  kReady,
  kFailed,
  kRemoved,
};
inline constexpr std::array<std::pair<VideoStatus, std::string_view>, 8> kVideoStatusNames = {{
    {VideoStatus::kUploaded, "uploaded"},
    {VideoStatus::kProbing, "probing"},
    {VideoStatus::kTranscoding, "transcoding"},
    {VideoStatus::kPackaging, "packaging"},
    {VideoStatus::kModerating, "moderating"},
    {VideoStatus::kReady, "ready"},
    {VideoStatus::kFailed, "failed"},
    {VideoStatus::kRemoved, "removed"},
}};
constexpr std::string_view VideoStatusName(VideoStatus s) { return EnumName(kVideoStatusNames, s); }
constexpr std::optional<VideoStatus> VideoStatusFromName(std::string_view name) {
  return EnumFromName(kVideoStatusNames, name);
}

// Seed: transcoding_tasks.status ENUM. Transitions (task_queue.h):
//   pending  --Lease-->  running
//   running  --Complete--> completed            (terminal until ResetTasks)
//   running  --Fail(retry_after) / lease expiry--> retrying  --Lease--> running
//   running  --Fail(dead) / last attempt--> failed (dead-lettered)
//   running  --Release (preempted)--> pending   (attempt not counted)
//   any      --ResetTasks / RequeueDeadLetter--> pending (attempts 0)
//   any      --ParkTasks--> pending, parked (attempts 0, never leased)
//   parked   --CreateTasks of its id--> pending (unparked)
enum class TaskState { kPending, kRunning, kCompleted, kFailed, kRetrying };
inline constexpr std::array<std::pair<TaskState, std::string_view>, 5> kTaskStateNames = {{
    {TaskState::kPending, "pending"},
    {TaskState::kRunning, "running"},
    {TaskState::kCompleted, "completed"},
    {TaskState::kFailed, "failed"},
    {TaskState::kRetrying, "retrying"},
}};
constexpr std::string_view TaskStateName(TaskState s) { return EnumName(kTaskStateNames, s); }
constexpr std::optional<TaskState> TaskStateFromName(std::string_view name) {
  return EnumFromName(kTaskStateNames, name);
}

// How one run of a task ended. kRunning marks the attempt in progress.
enum class AttemptOutcome { kRunning, kSucceeded, kFailed, kInterrupted, kLeaseExpired };
inline constexpr std::array<std::pair<AttemptOutcome, std::string_view>, 5> kAttemptOutcomeNames = {
    {
        {AttemptOutcome::kRunning, "running"},
        {AttemptOutcome::kSucceeded, "succeeded"},
        {AttemptOutcome::kFailed, "failed"},
        {AttemptOutcome::kInterrupted, "interrupted"},
        {AttemptOutcome::kLeaseExpired, "lease_expired"},
    }};
constexpr std::string_view AttemptOutcomeName(AttemptOutcome o) {
  return EnumName(kAttemptOutcomeNames, o);
}
constexpr std::optional<AttemptOutcome> AttemptOutcomeFromName(std::string_view name) {
  return EnumFromName(kAttemptOutcomeNames, name);
}

// Seed: videos. original_s3_key -> original_key (a blob-store key, not an S3
// URL); original_width/height/codec/bitrate_kbps drop the "original_" prefix.
struct VideoRecord {
  std::string video_id;
  std::string creator_id;
  std::string title;
  std::string original_key;
  std::string original_format;  // "mp4", "mkv", ...
  double duration_sec = 0;
  int width = 0;
  int height = 0;
  std::string codec;
  int bitrate_kbps = 0;
  int64_t file_size_bytes = 0;
  VideoStatus status = VideoStatus::kUploaded;
  std::string preset = "standard";
  Priority priority = Priority::kNormal;
  std::string manifest_url;
  std::string thumbnail_url;
  std::string error_message;
  // The job's options as given at submission; opaque to the store, which
  // keeps them so a retry or re-plan runs with what the job asked for.
  std::string options_json = "{}";
  Millis created_at = 0;               // stamped by the store
  std::optional<Millis> completed_at;  // set when status becomes ready/failed

  bool operator==(const VideoRecord&) const = default;
};

// next_run_at of a parked task (ParkTasks): pending but never runnable,
// because no clock reaches it. A sentinel time rather than a state of its
// own, so every adapter's "runnable" query and index work unchanged.
inline constexpr Millis kParkedRunAt = std::numeric_limits<int64_t>::max();

// Seed: transcoding_tasks, plus the queue's columns. task_type -> step,
// s3_input_key/s3_output_key -> input_key/output_key, retry_count ->
// attempts (runs counted against max_attempts).
struct TaskRecord {
  // Identity: deterministic from (video, step, chunk, rendition), so that
  // re-planning a video yields the same ids and CreateTasks is idempotent.
  std::string task_id;
  std::string video_id;
  std::string step;                  // "probe", "split", "transcode", "package", ...
  std::string resolution;            // "720p" or ""
  std::string codec;                 // "h264" or ""
  std::optional<int> segment_index;  // chunk index for per-chunk steps
  std::string pool = "cpu";          // worker pool that may lease it ("cpu", "gpu")
  Priority priority = Priority::kNormal;
  std::string input_key;
  std::string output_key;
  std::string params_json = "{}";  // opaque to the store
  std::string result_json;         // set by Complete, opaque to the store

  // Queue state, owned by the store: values passed to CreateTasks are
  // ignored except max_attempts and next_run_at.
  TaskState state = TaskState::kPending;
  int attempts = 0;         // counted runs so far (interrupted runs excluded)
  int max_attempts = 3;     // seed: 3 tries, then the DLQ
  std::string worker_id;    // last worker that leased the task
  std::string lease_owner;  // "" unless running
  std::optional<Millis> lease_expires_at;
  std::optional<Millis> heartbeat_at;
  Millis next_run_at = 0;            // earliest lease time; also the "ready time" aging counts from
                                     // (kParkedRunAt while parked)
  Millis enqueued_at = 0;            // when the task last entered the queue
  std::optional<Millis> started_at;  // start of the latest run
  std::optional<Millis> completed_at;
  std::optional<int64_t> duration_ms;  // completed_at - started_at
  std::optional<int64_t> cpu_ms;       // reported by the worker
  std::string error_message;           // latest failure, "code: message"

  bool operator==(const TaskRecord&) const = default;
};

// The queue state of a task without its parameters and results: what the
// scheduler reads after every report, so it stays cheap for videos of
// hundreds of tasks.
struct TaskSummary {
  std::string task_id;
  std::string step;
  TaskState state = TaskState::kPending;
  Millis next_run_at = 0;

  bool operator==(const TaskSummary&) const = default;
};

// What the scheduler asks after a task of `step` completed: how many of the
// video's tasks of that step are not completed yet, and whether any of the
// video's tasks is dead-lettered.
struct StepTally {
  int unfinished = 0;
  bool any_dead = false;

  bool operator==(const StepTally&) const = default;
};

// One run of a task, in the order runs started. `seq` numbers every run
// (1, 2, ...); `attempt` is the counted attempt the run was (tasks.attempts
// right after the lease), so an interrupted run and the run that replaces it
// share an attempt number. ResetTasks / RequeueDeadLetter restart `attempt`
// at 1 but keep the history.
struct AttemptRecord {
  std::string task_id;
  int seq = 0;
  int attempt = 0;
  std::string worker_id;
  Millis started_at = 0;
  std::optional<Millis> ended_at;
  AttemptOutcome outcome = AttemptOutcome::kRunning;
  std::string error_code;  // ErrorCodeName() of the failure, "lease_expired", or ""
  std::string error_message;

  bool operator==(const AttemptRecord&) const = default;
};

// A task that will not run again until an operator requeues it.
struct DeadLetter {
  std::string task_id;
  std::string video_id;
  std::string step;
  Millis dead_at = 0;
  std::string reason;                   // why it was given up on, for humans
  std::vector<AttemptRecord> attempts;  // every run, with its error

  bool operator==(const DeadLetter&) const = default;
};

// One entry of the events outbox / event bus. Ids are assigned by the store,
// strictly increasing in commit order and never reused.
struct Event {
  int64_t event_id = 0;
  std::string video_id;  // "" for events not about one video
  std::string type;      // "video.created", "task.completed", ... (task_queue.h)
  std::string payload_json = "{}";
  Millis created_at = 0;
  std::optional<Millis> published_at;  // set by MarkEventsPublished

  bool operator==(const Event&) const = default;
};

}  // namespace vtp::ports
