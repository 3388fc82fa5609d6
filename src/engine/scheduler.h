// The scheduler: turns the pipeline graph and what the store knows about a
// video into queued tasks. It holds no state of its own -- every call reads
// the video and its tasks from the MetadataStore and writes back through its
// idempotent operations -- so any process may call it at any time (the
// worker that just completed a task, the embedded orchestrator's loop, an API
// server) and calls may overlap: deterministic task ids make a duplicate
// CreateTasks a no-op.
//
// A task is enqueued only once every task it depends on has completed, so
// the queue never holds work that cannot start; the plan grows as results
// arrive (probe tells whether there is video and audio, split how many
// chunks), and the StepPlanner, the application's half, computes each
// task's parameters from the results of the tasks before it. The scheduler
// never looks inside a step.
//
// Routing by capability. A step may name accelerated pools (StepDef::
// gpu_pools). When a task of such a step is created, the scheduler asks the
// injected LivePools which pools live workers lease from and sends the task
// to the first of the step's accelerated pools among them, else to the
// step's own (CPU) pool -- and only then asks the planner for its
// parameters, so they are planned for the pool that will run it
// (TaskPlan::pool). RerouteWaiting, called periodically by whoever
// orchestrates (app/drive.cc, app/serve_loop.cc), moves tasks still waiting
// in an accelerated pool back when no live worker leases it any more or
// they waited too long, re-planning their parameters for the new pool.
//
// Video status: `failed` as soon as one task is dead-lettered (its error in
// error_message; other videos are unaffected), `ready` when the plan is
// fully known and every task in it completed, otherwise the `phase` of the
// earliest unfinished step in topological order.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/pipeline_graph.h"
#include "engine/worker_pools.h"
#include "ports/metadata_store.h"
#include "ports/records.h"

namespace vtp::engine {

// Results of a video's completed tasks, fetched from the store only when the
// planner asks for one (most planning reads two or three of a video's
// hundreds of results) and cached. Not thread-safe.
class TaskResults {
 public:
  using Fetch = std::function<StatusOr<std::string>(const std::string& task_id)>;
  TaskResults(std::set<std::string> completed, Fetch fetch)
      : completed_(std::move(completed)), fetch_(std::move(fetch)) {}
  // Everything in memory (tests, small tools): task id -> result_json.
  explicit TaskResults(const std::map<std::string, std::string>& results);

  bool Completed(const std::string& task_id) const { return completed_.count(task_id) > 0; }
  size_t size() const { return completed_.size(); }
  // result_json of a completed task; nullopt when it has not completed, or
  // when fetching it failed (then error() says why).
  std::optional<std::string> Get(const std::string& task_id) const;
  // The first fetch error, OK if none: a planner that saw "missing" because
  // the store was busy must not be taken at its word.
  const Status& error() const { return error_; }

 private:
  std::set<std::string> completed_;
  Fetch fetch_;
  mutable std::map<std::string, std::string> cache_;
  mutable Status error_;
};

// The application's knowledge of its steps. Implementations must be
// deterministic: the same video and results give the same shape and
// parameters, which is what makes re-planning and re-running idempotent.
class StepPlanner {
 public:
  virtual ~StepPlanner() = default;
  // What is known about the video so far.
  virtual StatusOr<JobShape> Shape(const ports::VideoRecord& video, const TaskResults& done) const = 0;
  // params_json of each of `tasks` (in order), whose dependencies have all
  // completed. One call per planning pass, so what every task needs (the
  // probe and split results) is read and parsed once, not once per chunk.
  // An error, naming the task, fails the video (the input cannot be
  // planned, e.g. no usable ladder).
  virtual StatusOr<std::vector<std::string>> Params(const ports::VideoRecord& video,
                                                    const std::vector<const TaskPlan*>& tasks,
                                                    const TaskResults& done) const = 0;
  // Copies what the results say about the source into the record's seed
  // columns (duration, size, codec, ...). Returns true when it changed it.
  virtual bool Describe(ports::VideoRecord& video, const TaskResults& done) const = 0;
};

// One video's plan as currently known.
struct PlanView {
  ports::VideoRecord video;
  std::vector<ports::TaskRecord> tasks;  // from the store
  std::vector<TaskPlan> plan;            // every task plannable so far
  bool plan_complete = false;            // no step still waits on the shape
};

// What a worker just reported, so that Advance can skip re-planning when the
// report cannot have made anything ready.
struct ReportHint {
  std::string step;
  bool completed = false;
};

struct AdvanceResult {
  int created = 0;  // tasks enqueued (or unparked) by this call
  ports::VideoStatus status = ports::VideoStatus::kUploaded;
  // True when the hint showed nothing could change: the video was not read
  // and `status` is not meaningful.
  bool unchanged = false;
};

struct RerouteOptions {
  // A task runnable for this long in an accelerated pool that does have
  // live workers (all busy) moves to its step's CPU pool anyway; <= 0: only
  // when no live worker leases the pool.
  Millis gpu_wait_ms = kDefaultGpuWaitMs;
  // At most this many waiting tasks looked at per pool and call.
  int batch = 200;
};

struct RerouteResult {
  int moved = 0;
  // "video: error" for each video whose tasks could not be re-planned for
  // the new pool; they stay where they were.
  std::vector<std::string> errors;
};

class Scheduler {
 public:
  // All must outlive the scheduler. `graph` must Validate(). Without
  // `live_pools` no worker counts as live: every task goes to its step's
  // own pool.
  Scheduler(const PipelineGraph& graph, const StepPlanner& planner, ports::MetadataStore& store,
            LivePools* live_pools = nullptr)
      : graph_(graph), planner_(planner), store_(store), live_pools_(live_pools) {}

  // Stores a new video and enqueues its first tasks. kAlreadyExists when the
  // id is taken (the caller decides whether that is a resume).
  Status Submit(const ports::VideoRecord& video);

  // Enqueues every task that became ready and updates the video's status.
  // Idempotent. A video that is ready, failed or removed is left as it is.
  // With a hint that a task of step S completed while another task of S is
  // unfinished, and every step after S waits for all of S (chunk 3 of 60
  // done, packaging needs all 60), nothing can have become ready and the
  // plan is not recomputed: that keeps the per-report cost of a video of
  // hundreds of tasks low.
  StatusOr<AdvanceResult> Advance(std::string_view video_id, const ReportHint* hint = nullptr);

  // Re-runs `step` and everything downstream of it, reusing every completed
  // task upstream: the step's tasks go back to the queue, the downstream
  // ones are parked until their inputs have been produced again.
  // kInvalidArgument for an unknown or disabled step, kFailedPrecondition-
  // like kInvalidArgument when an upstream step is dead (retry from there).
  Status RetryFrom(std::string_view video_id, std::string_view step);
  // RetryFrom for a step whose parameters changed (the job gained an input,
  // e.g. an uploaded subtitle file): the step's own tasks are parked too, so
  // they are planned afresh -- new parameters, and new tasks where the step
  // had none -- instead of re-run as they were.
  Status ReplanFrom(std::string_view video_id, std::string_view step);

  // `vtp dlq retry`: takes the task out of the dead-letter queue and, if
  // its video failed because of it, lets the video carry on.
  Status RequeueDeadLetter(std::string_view task_id);

  StatusOr<PlanView> View(std::string_view video_id) const;

  // The GPU fallback: every task waiting (pending or retrying, not running)
  // in an accelerated pool of the graph moves -- re-planned with the new
  // pool, a "task.rerouted" event in the outbox -- when no live worker
  // leases that pool (to the step's next live accelerated pool, else its
  // CPU pool), or when it has been runnable for gpu_wait_ms at `now` (to
  // the CPU pool). Leased tasks are never moved. Cheap when nothing waits
  // there: one registry read and one indexed query per accelerated pool.
  StatusOr<RerouteResult> RerouteWaiting(Millis now, const RerouteOptions& options = {});

  // The steps that run again when retrying from `step`: it and every step
  // that depends on it, directly or not, in topological order.
  StatusOr<std::vector<std::string>> Downstream(std::string_view step) const;

 private:
  struct Move {
    ports::TaskRecord task;
    std::string to_pool;
    std::string reason;
  };

  StatusOr<PlanView> Load(std::string_view video_id) const;
  // Results of `completed`, fetched from the store on demand.
  TaskResults LazyResults(std::set<std::string> completed) const;
  // Sets the pool of each of `ready` (ChoosePool over the live pools).
  Status Route(const std::vector<TaskPlan*>& ready);
  // Re-plans one video's moves for their new pools and applies them.
  Status MoveTasks(const std::string& video_id, const std::vector<Move>& moves,
                   RerouteResult& result);
  Status Rerun(std::string_view video_id, std::string_view step, bool replan);
  // True when every step after `step` needs all of its tasks.
  bool AllDependentsWaitForAll(const std::string& step) const;
  ports::TaskRecord NewTask(const ports::VideoRecord& video, const TaskPlan& plan,
                            std::string params) const;
  ports::VideoStatus PhaseOf(const std::vector<TaskPlan>& plan, bool plan_complete,
                             const std::set<std::string>& completed) const;
  Status SetStatus(const ports::VideoRecord& video, ports::VideoStatus status,
                   const std::string& message);

  const PipelineGraph& graph_;
  const StepPlanner& planner_;
  ports::MetadataStore& store_;
  LivePools* live_pools_;
};

// "transcode task v1/transcode/chunk_003 failed after 3 attempts:
// encode_failed: ..." -- the video's error_message for a dead task.
std::string DeadTaskMessage(const ports::TaskRecord& task);

}  // namespace vtp::engine
