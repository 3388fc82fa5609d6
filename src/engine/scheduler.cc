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

bool IsParked(const TaskRecord& t) {
  return t.state == TaskState::kPending && t.next_run_at == ports::kParkedRunAt;
}

bool IsFinal(VideoStatus s) {
  return s == VideoStatus::kReady || s == VideoStatus::kFailed || s == VideoStatus::kRemoved;
}

TaskResults CompletedResults(const std::vector<TaskRecord>& tasks) {
  TaskResults done;
  for (const auto& t : tasks) {
    if (t.state == TaskState::kCompleted) done.emplace(t.task_id, t.result_json);
  }
  return done;
}

}  // namespace

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

VideoStatus Scheduler::PhaseOf(const PlanView& view) const {
  std::set<std::string> completed;
  for (const auto& t : view.tasks) {
    if (t.state == TaskState::kCompleted) completed.insert(t.task_id);
  }
  for (const auto& p : view.plan) {
    if (!completed.count(p.id)) return graph_.Find(p.step)->phase;
  }
  return view.plan_complete ? VideoStatus::kReady : VideoStatus::kProbing;
}

Status Scheduler::SetStatus(const ports::VideoRecord& video, VideoStatus status,
                            const std::string& message) {
  if (video.status == status && video.error_message == message) return Status::Ok();
  return store_.UpdateVideoStatus(video.video_id, status, message);
}

StatusOr<AdvanceResult> Scheduler::Advance(std::string_view video_id) {
  ASSIGN_OR_RETURN(PlanView view, Load(video_id));
  AdvanceResult result;
  result.status = view.video.status;
  if (IsFinal(view.video.status)) return result;
  for (const auto& t : view.tasks) {
    if (t.state != TaskState::kFailed) continue;
    result.status = VideoStatus::kFailed;
    RETURN_IF_ERROR(SetStatus(view.video, result.status, DeadTaskMessage(t)));
    return result;
  }
  TaskResults done = CompletedResults(view.tasks);
  if (planner_.Describe(view.video, done)) RETURN_IF_ERROR(store_.UpdateVideo(view.video));
  ASSIGN_OR_RETURN(JobShape shape, planner_.Shape(view.video, done));
  ASSIGN_OR_RETURN(view.plan, ExpandTasks(graph_, shape));
  view.plan_complete = PlanComplete(graph_, shape);

  std::set<std::string> completed, queued;
  for (const auto& t : view.tasks) {
    if (t.state == TaskState::kCompleted) completed.insert(t.task_id);
    if (t.state != TaskState::kCompleted && !IsParked(t)) queued.insert(t.task_id);
  }
  std::map<std::string, const TaskPlan*> by_id;
  for (const auto& p : view.plan) by_id[p.id] = &p;
  std::vector<TaskRecord> fresh;
  for (const std::string& id : ReadyTasks(view.plan, completed)) {
    if (queued.count(id)) continue;
    const TaskPlan& p = *by_id.at(id);
    StatusOr<std::string> params = planner_.Params(view.video, p, done);
    if (!params.ok()) {
      // Planning is deterministic: retrying it would give the same verdict.
      result.status = VideoStatus::kFailed;
      RETURN_IF_ERROR(SetStatus(view.video, result.status,
                                "planning " + id + ": " + params.status().ToString()));
      return result;
    }
    fresh.push_back(NewTask(view.video, p, std::move(params).value()));
  }
  if (!fresh.empty()) {
    ASSIGN_OR_RETURN(result.created, store_.CreateTasks(fresh));
    ASSIGN_OR_RETURN(view.tasks, store_.ListTasks(video_id));
  }
  result.status = PhaseOf(view);
  RETURN_IF_ERROR(SetStatus(view.video, result.status, ""));
  return result;
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
  ASSIGN_OR_RETURN(std::vector<std::string> steps, Downstream(step));
  ASSIGN_OR_RETURN(PlanView view, Load(video_id));
  for (const auto& t : view.tasks) {
    bool redone = std::find(steps.begin(), steps.end(), t.step) != steps.end();
    if (t.state == TaskState::kFailed && !redone) {
      return InvalidArgument("step " + t.step + " upstream of " + std::string(step) +
                             " failed (" + t.task_id + "); retry from " + t.step);
    }
  }
  RETURN_IF_ERROR(store_.ResetTasks(video_id, {steps.front()}).status());
  std::vector<std::string> later(steps.begin() + 1, steps.end());
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
