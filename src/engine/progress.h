// How far one video's pipeline has got, and when it should finish: the model
// behind the status API (engine/progress_json.h) and `vtp`'s text view.
//
// ComputeProgress joins three things the scheduler already has:
//  - the graph (which steps exist, in which order, which are disabled),
//  - the plan: ExpandTasks over the JobShape known so far. A step whose
//    expansion needs something not known yet (transcode before split has
//    counted the chunks) is absent from it; `plan_complete` says whether the
//    shape is fully known (PlanComplete below), i.e. whether an absent step
//    is deferred or has no tasks at all,
//  - the video's TaskRecords from the metadata store. The scheduler creates a
//    task only once its dependencies have completed, so a planned task with
//    no record is simply pending. Records are matched to the plan by task
//    id; records that match no planned task (another video, a stale plan)
//    are ignored.
//
// Step states, from the step's planned tasks (in this order of precedence):
//   skipped    no planned task and never will have one: disabled in the
//              graph, or absent from a complete plan (not applicable to this
//              input, such as `split` for audio-only input, or an empty
//              fan-out). Skipped steps are listed, not omitted, so a client
//              sees the whole graph.
//   pending    enabled but absent from an incomplete plan (deferred: its task
//              count is not known yet, `total` is nullopt; a step that will
//              turn out not to apply also shows here until the plan is
//              complete), or planned and none of the states below applies;
//   failed     some task is dead (TaskState::kFailed, dead-lettered);
//   retrying   some task failed and waits for its next attempt;
//   running    some task is running, or some but not all have completed;
//   completed  every planned task has completed.
// A parked task (pending, next_run_at == INT64_MAX, waiting for upstream
// tasks to re-run) is pending like any other.
//
// Estimated completion, from measured throughput:
//  - each step's mean run time is the mean duration_ms (else completed_at -
//    started_at) of its completed tasks; a step with none uses the mean over
//    every completed task of the video; with no measured task at all there
//    is no estimate (nullopt);
//  - remaining work = for every planned task not completed, its step's mean
//    (less the time already spent when it is running, never below zero),
//    summed and divided by `parallelism`, rounded up to a millisecond. This
//    assumes the workers stay busy with this video; it ignores the critical
//    path, so sequential tails (manifest, publish) are underestimated when
//    parallelism > 1;
//  - estimated_completion = now + remaining work. When the plan is complete
//    and every task has completed it is the latest completed_at instead, so
//    it stops moving;
//  - deferred steps (plan_complete false) contribute nothing: their task count
//    and run time are both unknown. The estimate is then a lower bound and
//    `estimate_is_lower_bound` says so;
//  - a dead task stops the pipeline until an operator acts, so there is no
//    estimate while any task is dead.
//
// Percent is over the planned tasks; while the plan is incomplete it
// overstates progress, since the deferred steps' tasks are not counted yet,
// and is capped at 99.
//
// started_at is the earliest started_at among the matched records (a
// record's started_at is the start of its latest run, so after a re-run of
// the first task this is when that re-run started).
//
// Pure: no I/O, no clock (`now` is passed in); thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/pipeline_graph.h"
#include "ports/clock.h"
#include "ports/records.h"

namespace vtp::engine {

using ports::Millis;

enum class StepState { kPending, kRunning, kCompleted, kFailed, kRetrying, kSkipped };
// "pending", "running", "completed", "failed", "retrying", "skipped": stable,
// they are what the status API shows.
std::string_view StepStateName(StepState s);

struct StepStatus {
  std::string step;
  StepState state = StepState::kPending;
  bool fan_out = false;  // the step's FanOut is not kNone
  // Tasks of the step by state; completed + running + retrying + failed <=
  // total (the rest are pending, with or without a record).
  int completed = 0;
  int running = 0;
  int retrying = 0;
  int failed = 0;  // dead
  // Planned tasks; nullopt while the step is deferred; 0 when skipped.
  std::optional<int> total;

  bool operator==(const StepStatus&) const = default;
};

struct PipelineProgress {
  std::vector<StepStatus> steps;  // every graph step, in TopologicalOrder
  int tasks_completed = 0;        // over the plan
  int tasks_total = 0;            // planned tasks (deferred steps excluded)
  // 100 * tasks_completed / tasks_total (at most 99 while the plan is
  // incomplete); 0 for an empty plan.
  double percent = 0;
  bool plan_complete = false;     // as passed in
  std::optional<Millis> started_at;
  std::optional<Millis> estimated_completion;
  // True when estimated_completion leaves out deferred steps.
  bool estimate_is_lower_bound = false;

  bool operator==(const PipelineProgress&) const = default;
};

// Whether ExpandTasks(graph, shape) plans every task the video will have:
// every enabled step's applicability is known and, where it applies, the
// axes it fans out over are known. (A step depending on a deferred step is
// deferred too, but then that step is itself incomplete, so checking each
// step on its own suffices.)
bool PlanComplete(const PipelineGraph& graph, const JobShape& shape);

// See the top of this file. `plan` is ExpandTasks(graph, shape); `tasks` are
// the video's records (any order). kInvalidArgument for an invalid graph, a
// planned task whose step is not in the graph, or parallelism < 1.
StatusOr<PipelineProgress> ComputeProgress(const PipelineGraph& graph, const std::vector<TaskPlan>& plan,
                                           bool plan_complete, const std::vector<ports::TaskRecord>& tasks,
                                           Millis now, int parallelism);

// floor(100 * completed / total), in integers so 45/60 is exactly 75; 0 when
// total <= 0.
int WholePercent(int completed, int total);

// floor(p.percent): what the text and JSON views show.
int OverallPercent(const PipelineProgress& p);

// "2025-03-14T11:15:00Z": UTC, whole seconds (rounded down).
std::string FormatUtcTime(Millis t);

// For humans: one line per step (completed/total, percent, state; "?" for a
// deferred step's count, "-" for a skipped step), then the totals ("(more
// steps to plan)" while the plan is incomplete), the start and the estimate
// ("at least ..." for a lower bound, "unknown" for none). Columns are padded
// to the widest entry; each line ends with '\n':
//   split        1/1  100%  completed
//   transcode  45/60   75%  running
//   package        ?        pending
//   drm            -        skipped
//   total      47/62   75%  (more steps to plan)
//   started    2025-03-14T10:45:00Z
//   eta        at least 2025-03-14T11:15:00Z
std::string ProgressToText(const PipelineProgress& p);

}  // namespace vtp::engine
