#include "engine/scheduler.h"

#include <algorithm>
#include <set>

#include "engine/priority.h"
#include "engine/progress.h"
#include "ports/task_queue.h"

namespace vtp::engine {
namespace {

using ports::TaskRecord;
using ports::TaskState;
using ports::VideoStatus;

bool IsFinal(VideoStatus s) {
  return s == VideoStatus::kReady || s == VideoStatus::kFailed || s == VideoStatus::kRemoved;
}

TaskResults CompletedResults(const std::vector<TaskRecord>& tasks) {
  std::map<std::string, std::string> done;
  for (const auto& t : tasks) {
    if (t.state == TaskState::kCompleted) done.emplace(t.task_id, t.result_json);
  }
  return TaskResults(done);
}

}  // namespace

TaskResults::TaskResults(const std::map<std::string, std::string>& results) : cache_(results) {
  for (const auto& [id, result] : results) completed_.insert(id);
}

std::optional<std::string> TaskResults::Get(const std::string& task_id) const {
  if (!Completed(task_id)) return std::nullopt;
  auto it = cache_.find(task_id);
  if (it != cache_.end()) return it->second;
  if (!fetch_) return std::nullopt;
  StatusOr<std::string> fetched = fetch_(task_id);
  if (!fetched.ok()) {
    if (error_.ok()) error_ = fetched.status();
    return std::nullopt;
  }
  return cache_.emplace(task_id, std::move(fetched).value()).first->second;
}

std::string DeadTaskMessage(const TaskRecord& task) {
  return task.step + " task " + task.task_id + " failed after " + std::to_string(task.attempts) +
         (task.attempts == 1 ? " attempt: " : " attempts: ") + task.error_message;
}

Status Scheduler::Submit(const ports::VideoRecord& video) {
  RETURN_IF_ERROR(store_.CreateVideo(video));
  return Advance(video.video_id).status();
}

StatusOr<PlanView> Scheduler::Load(std::string_view video_id) const {
  PlanView v;
  ASSIGN_OR_RETURN(v.video, store_.GetVideo(video_id));
  ASSIGN_OR_RETURN(v.tasks, store_.ListTasks(video_id));
  return v;
}

StatusOr<PlanView> Scheduler::View(std::string_view video_id) const {
  ASSIGN_OR_RETURN(PlanView v, Load(video_id));
  ASSIGN_OR_RETURN(JobShape shape, planner_.Shape(v.video, CompletedResults(v.tasks)));
  ASSIGN_OR_RETURN(v.plan, ExpandTasks(graph_, shape));
  v.plan_complete = PlanComplete(graph_, shape);
  return v;
}

TaskRecord Scheduler::NewTask(const ports::VideoRecord& video, const TaskPlan& plan,
                              std::string params) const {
  TaskRecord t;
  t.task_id = plan.id;
  t.video_id = video.video_id;
  t.step = plan.step;
  if (plan.rendition) {
    t.codec = plan.rendition->codec;
    t.resolution = plan.rendition->name;
  }
  t.segment_index = plan.chunk;
  t.pool = plan.pool;
  t.priority = SubmissionPriority(video.priority, video.duration_sec);
  t.params_json = std::move(params);
  t.max_attempts = plan.retry.maximum_attempts;
  return t;
}

VideoStatus Scheduler::PhaseOf(const std::vector<TaskPlan>& plan, bool plan_complete,
                               const std::set<std::string>& completed) const {
  for (const auto& p : plan) {
    if (!completed.count(p.id)) return graph_.Find(p.step)->phase;
  }
  return plan_complete ? VideoStatus::kReady : VideoStatus::kProbing;
}

Status Scheduler::SetStatus(const ports::VideoRecord& video, VideoStatus status,
                            const std::string& message) {
  if (video.status == status && video.error_message == message) return Status::Ok();
  return store_.UpdateVideoStatus(video.video_id, status, message);
}

bool Scheduler::AllDependentsWaitForAll(const std::string& step) const {
  const StepDef* done = graph_.Find(step);
  if (!done) return false;
  for (const auto& s : graph_.steps()) {
    bool depends = std::find(s.depends_on.begin(), s.depends_on.end(), step) != s.depends_on.end();
    if (depends && !WaitsForAll(s, *done)) return false;
  }
  return true;
}

StatusOr<AdvanceResult> Scheduler::Advance(std::string_view video_id, const ReportHint* hint) {
  AdvanceResult result;
  // The common report -- one chunk of many done -- is answered by one
  // indexed count, whatever the size of the video.
  if (hint && hint->completed && AllDependentsWaitForAll(hint->step)) {
    ASSIGN_OR_RETURN(ports::StepTally tally, store_.TallyStep(video_id, hint->step));
    if (!tally.any_dead && tally.unfinished > 0) {
      result.unchanged = true;
      return result;
    }
  }
  // Summaries, not full records: a video has hundreds of tasks whose
  // parameters and results planning does not need.
  ASSIGN_OR_RETURN(std::vector<ports::TaskSummary> tasks, store_.ListTaskSummaries(video_id));
  ASSIGN_OR_RETURN(ports::VideoRecord video, store_.GetVideo(video_id));
  result.status = video.status;
  if (IsFinal(video.status)) return result;
  for (const auto& t : tasks) {
    if (t.state != TaskState::kFailed) continue;
    ASSIGN_OR_RETURN(TaskRecord dead, store_.GetTask(t.task_id));
    result.status = VideoStatus::kFailed;
    RETURN_IF_ERROR(SetStatus(video, result.status, DeadTaskMessage(dead)));
    return result;
  }
  std::set<std::string> completed, queued;
  for (const auto& t : tasks) {
    if (t.state == TaskState::kCompleted) completed.insert(t.task_id);
    bool parked = t.state == TaskState::kPending && t.next_run_at == ports::kParkedRunAt;
    if (t.state != TaskState::kCompleted && !parked) queued.insert(t.task_id);
  }
  TaskResults done = LazyResults(completed);
  bool described = planner_.Describe(video, done);
  RETURN_IF_ERROR(done.error());
  if (described) RETURN_IF_ERROR(store_.UpdateVideo(video));
  StatusOr<JobShape> shape = planner_.Shape(video, done);
  RETURN_IF_ERROR(done.error());
  if (!shape.ok()) return shape.status();
  ASSIGN_OR_RETURN(std::vector<TaskPlan> plan, ExpandTasks(graph_, *shape));

  std::map<std::string, TaskPlan*> by_id;
  for (auto& p : plan) by_id[p.id] = &p;
  std::vector<TaskPlan*> routed;
  for (const std::string& id : ReadyTasks(plan, completed)) {
    if (!queued.count(id)) routed.push_back(by_id.at(id));
  }
  // The pool first: the planner reads it (a GPU pool's task uses its
  // hardware encoder).
  RETURN_IF_ERROR(Route(routed));
  std::vector<const TaskPlan*> ready(routed.begin(), routed.end());
  std::vector<TaskRecord> fresh;
  if (!ready.empty()) {
    StatusOr<std::vector<std::string>> params = planner_.Params(video, ready, done);
    RETURN_IF_ERROR(done.error());  // the store failed us, not the input
    if (!params.ok()) {
      // Planning is deterministic: retrying it would give the same verdict.
      result.status = VideoStatus::kFailed;
      RETURN_IF_ERROR(SetStatus(video, result.status, params.status().ToString()));
      return result;
    }
    if (params->size() != ready.size()) return Internal("planner returned the wrong number of parameters");
    for (size_t i = 0; i < ready.size(); ++i) fresh.push_back(NewTask(video, *ready[i], std::move((*params)[i])));
  }
  if (!fresh.empty()) {
    ASSIGN_OR_RETURN(result.created, store_.CreateTasks(fresh));
  }
  result.status = PhaseOf(plan, PlanComplete(graph_, *shape), completed);
  RETURN_IF_ERROR(SetStatus(video, result.status, ""));
  return result;
}

TaskResults Scheduler::LazyResults(std::set<std::string> completed) const {
  return TaskResults(std::move(completed), [this](const std::string& id) -> StatusOr<std::string> {
    ASSIGN_OR_RETURN(TaskRecord t, store_.GetTask(id));
    return t.result_json;
  });
}

Status Scheduler::Route(const std::vector<TaskPlan*>& ready) {
  bool eligible = std::any_of(ready.begin(), ready.end(),
                              [this](const TaskPlan* t) { return !graph_.Find(t->step)->gpu_pools.empty(); });
  if (!eligible || live_pools_ == nullptr) return Status::Ok();
  ASSIGN_OR_RETURN(std::set<std::string> live, live_pools_->Pools());
  for (TaskPlan* t : ready) t->pool = ChoosePool(*graph_.Find(t->step), live);
  return Status::Ok();
}

StatusOr<RerouteResult> Scheduler::RerouteWaiting(Millis now, const RerouteOptions& options) {
  RerouteResult result;
  std::set<std::string> accelerated = AcceleratedPools(graph_);
  if (accelerated.empty()) return result;
  std::set<std::string> live;
  if (live_pools_ != nullptr) {
    ASSIGN_OR_RETURN(live, live_pools_->Pools());
  }
  std::map<std::string, std::vector<Move>> by_video;
  for (const std::string& pool : accelerated) {
    bool alive = live.count(pool) > 0;
    if (alive && options.gpu_wait_ms <= 0) continue;
    ASSIGN_OR_RETURN(std::vector<TaskRecord> waiting, store_.ListWaitingTasks(pool, options.batch));
    std::set<std::string> others = live;
    others.erase(pool);
    for (TaskRecord& t : waiting) {
      const StepDef* step = graph_.Find(t.step);
      if (step == nullptr) continue;  // not a step of this graph: not ours to re-plan
      Move m;
      if (!alive) {
        m.to_pool = ChoosePool(*step, others);
        m.reason = "no live worker leases " + pool;
      } else {
        // Oldest ready time first: once one has not waited long enough, none after it has.
        if (t.next_run_at > now || now - t.next_run_at < options.gpu_wait_ms) break;
        m.to_pool = step->pool;
        m.reason = "waited " + std::to_string(now - t.next_run_at) + " ms in " + pool;
      }
      if (m.to_pool == t.pool) continue;  // also some step's own pool: nowhere better to go
      std::string video_id = t.video_id;
      m.task = std::move(t);
      by_video[video_id].push_back(std::move(m));
    }
  }
  for (const auto& [video_id, moves] : by_video) RETURN_IF_ERROR(MoveTasks(video_id, moves, result));
  return result;
}

Status Scheduler::MoveTasks(const std::string& video_id, const std::vector<Move>& moves,
                            RerouteResult& result) {
  ASSIGN_OR_RETURN(ports::VideoRecord video, store_.GetVideo(video_id));
  if (IsFinal(video.status)) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<ports::TaskSummary> tasks, store_.ListTaskSummaries(video_id));
  std::set<std::string> completed;
  for (const auto& t : tasks) {
    if (t.state == TaskState::kCompleted) completed.insert(t.task_id);
  }
  TaskResults done = LazyResults(std::move(completed));
  StatusOr<JobShape> shape = planner_.Shape(video, done);
  RETURN_IF_ERROR(done.error());
  if (!shape.ok()) {
    result.errors.push_back(video_id + ": " + shape.status().ToString());
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(std::vector<TaskPlan> plan, ExpandTasks(graph_, *shape));
  // Copies of the tasks' plans with the new pool: what Params is asked for.
  std::vector<TaskPlan> moved_plans;
  std::vector<const Move*> kept;
  for (const Move& m : moves) {
    auto it = std::find_if(plan.begin(), plan.end(), [&](const TaskPlan& p) { return p.id == m.task.task_id; });
    if (it == plan.end()) continue;  // no longer in the plan: the next Advance decides
    moved_plans.push_back(*it);
    moved_plans.back().pool = m.to_pool;
    kept.push_back(&m);
  }
  if (kept.empty()) return Status::Ok();
  std::vector<const TaskPlan*> asks;
  for (const auto& p : moved_plans) asks.push_back(&p);
  StatusOr<std::vector<std::string>> params = planner_.Params(video, asks, done);
  RETURN_IF_ERROR(done.error());
  if (!params.ok()) {
    result.errors.push_back(video_id + ": " + params.status().ToString());
    return Status::Ok();
  }
  if (params->size() != asks.size()) return Internal("planner returned the wrong number of parameters");
  for (size_t i = 0; i < kept.size(); ++i) {
    ports::TaskReroute r{kept[i]->task.task_id, kept[i]->task.pool, kept[i]->to_pool, std::move((*params)[i]),
                         kept[i]->reason};
    ASSIGN_OR_RETURN(bool moved, store_.RerouteTask(r));
    if (moved) ++result.moved;
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> Scheduler::Downstream(std::string_view step) const {
  const StepDef* from = graph_.Find(step);
  if (!from) return InvalidArgument("no step '" + std::string(step) + "'");
  if (!from->enabled) return InvalidArgument("step '" + std::string(step) + "' is disabled");
  ASSIGN_OR_RETURN(std::vector<const StepDef*> order, graph_.TopologicalOrder());
  std::set<std::string> affected = {from->name};
  std::vector<std::string> steps;
  for (const StepDef* s : order) {
    bool hit = affected.count(s->name) > 0;
    for (const auto& d : s->depends_on) hit = hit || affected.count(d) > 0;
    if (!hit) continue;
    affected.insert(s->name);
    steps.push_back(s->name);
  }
  return steps;
}

Status Scheduler::RetryFrom(std::string_view video_id, std::string_view step) {
  return Rerun(video_id, step, false);
}

Status Scheduler::ReplanFrom(std::string_view video_id, std::string_view step) {
  return Rerun(video_id, step, true);
}

Status Scheduler::Rerun(std::string_view video_id, std::string_view step, bool replan) {
  ASSIGN_OR_RETURN(std::vector<std::string> steps, Downstream(step));
  ASSIGN_OR_RETURN(PlanView view, Load(video_id));
  for (const auto& t : view.tasks) {
    bool redone = std::find(steps.begin(), steps.end(), t.step) != steps.end();
    if (t.state == TaskState::kFailed && !redone) {
      return InvalidArgument("step " + t.step + " upstream of " + std::string(step) +
                             " failed (" + t.task_id + "); retry from " + t.step);
    }
  }
  if (!replan) RETURN_IF_ERROR(store_.ResetTasks(video_id, {steps.front()}).status());
  std::vector<std::string> later(steps.begin() + (replan ? 0 : 1), steps.end());
  if (!later.empty()) RETURN_IF_ERROR(store_.ParkTasks(video_id, later).status());
  RETURN_IF_ERROR(store_.UpdateVideoStatus(video_id, graph_.Find(step)->phase, ""));
  return Advance(video_id).status();
}

Status Scheduler::RequeueDeadLetter(std::string_view task_id) {
  ASSIGN_OR_RETURN(TaskRecord task, store_.GetTask(task_id));
  RETURN_IF_ERROR(store_.RequeueDeadLetter(task_id));
  ASSIGN_OR_RETURN(ports::VideoRecord video, store_.GetVideo(task.video_id));
  if (video.status == VideoStatus::kFailed) {
    RETURN_IF_ERROR(store_.UpdateVideoStatus(task.video_id, graph_.Find(task.step)->phase, ""));
  }
  return Advance(task.video_id).status();
}

}  // namespace vtp::engine
