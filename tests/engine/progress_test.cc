#include "engine/progress.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace vtp::engine {
namespace {

using ports::TaskRecord;
using ports::TaskState;

constexpr Millis kNow = 1'741'950'000'000;  // 2025-03-14T11:00:00Z
constexpr Millis kParked = std::numeric_limits<Millis>::max();

StepDef Step(std::string name, std::vector<std::string> deps, FanOut fan = FanOut::kNone,
             Applies applies = Applies::kAlways, bool enabled = true) {
  StepDef s;
  s.name = std::move(name);
  s.depends_on = std::move(deps);
  s.fan_out = fan;
  s.applies = applies;
  s.enabled = enabled;
  return s;
}

// probe -> split -> transcode (per chunk) -> package (per rendition) ->
// manifest, audio after probe into manifest, thumbnails disabled.
PipelineGraph Graph() {
  PipelineGraph g;
  EXPECT_TRUE(g.AddStep(Step("probe", {})).ok());
  EXPECT_TRUE(g.AddStep(Step("split", {"probe"}, FanOut::kNone, Applies::kIfVideo)).ok());
  EXPECT_TRUE(g.AddStep(Step("transcode", {"split"}, FanOut::kPerChunk, Applies::kIfVideo)).ok());
  EXPECT_TRUE(g.AddStep(Step("audio", {"probe"}, FanOut::kNone, Applies::kIfAudio)).ok());
  EXPECT_TRUE(g.AddStep(Step("package", {"transcode"}, FanOut::kPerRendition, Applies::kIfVideo)).ok());
  EXPECT_TRUE(g.AddStep(Step("thumbnails", {"probe"}, FanOut::kNone, Applies::kIfVideo, false)).ok());
  EXPECT_TRUE(g.AddStep(Step("manifest", {"package", "audio"})).ok());
  return g;
}

// 4 chunks, 2 rungs: 1 + 1 + 4 + 1 + 2 + 1 = 10 tasks.
JobShape Shape() {
  JobShape s;
  s.video_id = "v1";
  s.has_video = true;
  s.has_audio = true;
  s.chunks = 4;
  s.renditions = std::vector<RenditionRef>{{"h264", "360p"}, {"h264", "720p"}};
  return s;
}

std::vector<TaskPlan> Plan(const PipelineGraph& g, const JobShape& s) {
  auto plan = ExpandTasks(g, s);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : std::vector<TaskPlan>{};
}

TaskRecord Rec(std::string id, TaskState state) {
  TaskRecord r;
  r.task_id = std::move(id);
  r.video_id = "v1";
  r.state = state;
  return r;
}
TaskRecord Done(std::string id, Millis started, int64_t duration) {
  TaskRecord r = Rec(std::move(id), TaskState::kCompleted);
  r.started_at = started;
  r.completed_at = started + duration;
  r.duration_ms = duration;
  return r;
}
TaskRecord Running(std::string id, Millis started) {
  TaskRecord r = Rec(std::move(id), TaskState::kRunning);
  r.started_at = started;
  return r;
}
TaskRecord Parked(std::string id) {
  TaskRecord r = Rec(std::move(id), TaskState::kPending);
  r.next_run_at = kParked;
  return r;
}

PipelineProgress Compute(const std::vector<TaskRecord>& tasks, int parallelism = 1, const JobShape& shape = Shape()) {
  PipelineGraph g = Graph();
  auto p = ComputeProgress(g, Plan(g, shape), PlanComplete(g, shape), tasks, kNow, parallelism);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : PipelineProgress{};
}

const StepStatus& StepOf(const PipelineProgress& p, const std::string& name) {
  static const StepStatus kMissing;
  for (const auto& s : p.steps) {
    if (s.step == name) return s;
  }
  ADD_FAILURE() << "no step " << name;
  return kMissing;
}

// probe and split done, 1 s each, starting at kNow - 100 s.
std::vector<TaskRecord> FrontDone() {
  return {Done("v1/probe", kNow - 100'000, 1'000), Done("v1/split", kNow - 99'000, 3'000)};
}

TEST(ProgressTest, StepStateNames) {
  EXPECT_EQ(StepStateName(StepState::kPending), "pending");
  EXPECT_EQ(StepStateName(StepState::kRunning), "running");
  EXPECT_EQ(StepStateName(StepState::kCompleted), "completed");
  EXPECT_EQ(StepStateName(StepState::kFailed), "failed");
  EXPECT_EQ(StepStateName(StepState::kRetrying), "retrying");
  EXPECT_EQ(StepStateName(StepState::kSkipped), "skipped");
}

TEST(ProgressTest, NothingStartedIsPendingInTopologicalOrder) {
  PipelineProgress p = Compute({});
  std::vector<std::string> names;
  for (const auto& s : p.steps) names.push_back(s.step);
  EXPECT_EQ(names,
            (std::vector<std::string>{"probe", "split", "transcode", "audio", "package", "thumbnails", "manifest"}));
  for (const auto& s : p.steps) {
    if (s.step == "thumbnails") continue;
    EXPECT_EQ(s.state, StepState::kPending) << s.step;
  }
  EXPECT_EQ(StepOf(p, "thumbnails"), (StepStatus{"thumbnails", StepState::kSkipped, false, 0, 0, 0, 0, 0}));
  EXPECT_EQ(StepOf(p, "transcode"), (StepStatus{"transcode", StepState::kPending, true, 0, 0, 0, 0, 4}));
  EXPECT_EQ(StepOf(p, "package").total, 2);
  EXPECT_EQ(StepOf(p, "manifest"), (StepStatus{"manifest", StepState::kPending, false, 0, 0, 0, 0, 1}));
  EXPECT_EQ(p.tasks_completed, 0);
  EXPECT_EQ(p.tasks_total, 10);
  EXPECT_EQ(p.percent, 0);
  EXPECT_TRUE(p.plan_complete);
  EXPECT_FALSE(p.started_at);
  EXPECT_FALSE(p.estimated_completion);
  EXPECT_FALSE(p.estimate_is_lower_bound);
}

TEST(ProgressTest, StepStateRules) {
  const std::string c0 = "v1/transcode/chunk_000", c1 = "v1/transcode/chunk_001", c2 = "v1/transcode/chunk_002",
                    c3 = "v1/transcode/chunk_003";
  struct Case {
    const char* what;
    std::vector<TaskRecord> tasks;
    StepState want;
  };
  const std::vector<Case> cases = {
      {"no records", {}, StepState::kPending},
      {"records all pending", {Rec(c0, TaskState::kPending), Rec(c1, TaskState::kPending)}, StepState::kPending},
      {"one running", {Running(c0, kNow)}, StepState::kRunning},
      {"some done, rest not created", {Done(c0, kNow, 1)}, StepState::kRunning},
      {"some done, rest pending", {Done(c0, kNow, 1), Rec(c1, TaskState::kPending)}, StepState::kRunning},
      {"all done", {Done(c0, kNow, 1), Done(c1, kNow, 1), Done(c2, kNow, 1), Done(c3, kNow, 1)},
       StepState::kCompleted},
      {"retrying beats running", {Running(c0, kNow), Rec(c1, TaskState::kRetrying)}, StepState::kRetrying},
      {"retrying beats all others done",
       {Done(c0, kNow, 1), Done(c1, kNow, 1), Done(c2, kNow, 1), Rec(c3, TaskState::kRetrying)},
       StepState::kRetrying},
      {"dead beats retrying", {Rec(c0, TaskState::kRetrying), Rec(c1, TaskState::kFailed)}, StepState::kFailed},
      {"dead beats running", {Running(c0, kNow), Rec(c1, TaskState::kFailed)}, StepState::kFailed},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(StepOf(Compute(c.tasks), "transcode").state, c.want) << c.what;
  }
}

TEST(ProgressTest, FanOutCountsAndPercent) {
  std::vector<TaskRecord> tasks = FrontDone();
  tasks.push_back(Done("v1/transcode/chunk_000", kNow - 90'000, 10'000));
  tasks.push_back(Done("v1/transcode/chunk_001", kNow - 90'000, 20'000));
  tasks.push_back(Done("v1/transcode/chunk_002", kNow - 90'000, 10'000));
  tasks.push_back(Running("v1/transcode/chunk_003", kNow - 5'000));
  tasks.push_back(Rec("v1/audio", TaskState::kRetrying));
  PipelineProgress p = Compute(tasks);
  EXPECT_EQ(StepOf(p, "transcode"), (StepStatus{"transcode", StepState::kRunning, true, 3, 1, 0, 0, 4}));
  EXPECT_EQ(StepOf(p, "audio"), (StepStatus{"audio", StepState::kRetrying, false, 0, 0, 1, 0, 1}));
  EXPECT_EQ(StepOf(p, "probe"), (StepStatus{"probe", StepState::kCompleted, false, 1, 0, 0, 0, 1}));
  EXPECT_EQ(p.tasks_completed, 5);
  EXPECT_EQ(p.tasks_total, 10);
  EXPECT_DOUBLE_EQ(p.percent, 50.0);
}

TEST(ProgressTest, WholePercentRoundsDown) {
  EXPECT_EQ(WholePercent(45, 60), 75);
  EXPECT_EQ(WholePercent(2, 3), 66);
  EXPECT_EQ(WholePercent(59, 60), 98);
  EXPECT_EQ(WholePercent(999, 1000), 99);
  EXPECT_EQ(WholePercent(60, 60), 100);
  EXPECT_EQ(WholePercent(0, 0), 0);
}

TEST(ProgressTest, DeferredStepsHaveNoTotal) {
  JobShape s = Shape();
  s.chunks.reset();  // split has not counted them yet
  PipelineGraph g = Graph();
  EXPECT_FALSE(PlanComplete(g, s));
  PipelineProgress p = Compute({Done("v1/probe", kNow - 10'000, 1'000)}, 1, s);
  EXPECT_FALSE(p.plan_complete);
  EXPECT_EQ(StepOf(p, "transcode"), (StepStatus{"transcode", StepState::kPending, true, 0, 0, 0, 0, std::nullopt}));
  // Waiting on transcode's chunks, so deferred too.
  EXPECT_EQ(StepOf(p, "package").total, std::nullopt);
  EXPECT_EQ(StepOf(p, "manifest"), (StepStatus{"manifest", StepState::kPending, false, 0, 0, 0, 0, std::nullopt}));
  EXPECT_EQ(StepOf(p, "split").total, 1);
  EXPECT_EQ(StepOf(p, "thumbnails").state, StepState::kSkipped);  // disabled: skipped even now
  EXPECT_EQ(p.tasks_completed, 1);
  EXPECT_EQ(p.tasks_total, 3);  // probe, split, audio
}

TEST(ProgressTest, InapplicableStepsAreSkippedOnceThePlanIsComplete) {
  JobShape s;
  s.video_id = "v1";
  s.has_video = false;
  s.has_audio = true;
  PipelineGraph g = Graph();
  EXPECT_TRUE(PlanComplete(g, s));  // no chunks or rungs needed for audio only
  PipelineProgress p = Compute({Done("v1/probe", kNow - 10'000, 1'000)}, 1, s);
  for (const char* step : {"split", "transcode", "package", "thumbnails"}) {
    EXPECT_EQ(StepOf(p, step).state, StepState::kSkipped) << step;
    EXPECT_EQ(StepOf(p, step).total, 0) << step;
  }
  EXPECT_EQ(StepOf(p, "audio").state, StepState::kPending);
  EXPECT_EQ(p.tasks_total, 3);  // probe, audio, manifest
  // Unknown input kind: every kIfVideo / kIfAudio step is still open.
  s.has_video.reset();
  EXPECT_FALSE(PlanComplete(g, s));
  s.has_video = true;
  EXPECT_FALSE(PlanComplete(g, s));  // chunks, renditions unknown
  EXPECT_TRUE(PlanComplete(g, Shape()));
}

TEST(ProgressTest, ParkedTasksArePending) {
  std::vector<TaskRecord> tasks = FrontDone();
  tasks.push_back(Done("v1/transcode/chunk_000", kNow - 90'000, 10'000));
  tasks.push_back(Done("v1/transcode/chunk_001", kNow - 90'000, 10'000));
  tasks.push_back(Parked("v1/transcode/chunk_002"));
  tasks.push_back(Parked("v1/transcode/chunk_003"));
  tasks.push_back(Parked("v1/package/h264_360p"));
  tasks.push_back(Parked("v1/package/h264_720p"));
  PipelineProgress p = Compute(tasks);
  EXPECT_EQ(StepOf(p, "transcode"), (StepStatus{"transcode", StepState::kRunning, true, 2, 0, 0, 0, 4}));
  EXPECT_EQ(StepOf(p, "package"), (StepStatus{"package", StepState::kPending, true, 0, 0, 0, 0, 2}));
  // Parked tasks are remaining work: 2 chunks x 10 s + the overall mean
  // (1 + 3 + 10 + 10) / 4 = 6 s for 2 packages, audio and manifest.
  EXPECT_EQ(p.estimated_completion, kNow + 20'000 + 4 * 6'000);
}

// probe 1 s, split 3 s, chunks 0/1 10 s and 20 s (mean 15 s), chunk 2 running
// for 5 s, chunk 3 not created; audio, package, manifest unmeasured, so the
// overall mean (1 + 3 + 10 + 20) / 4 = 8.5 s.
std::vector<TaskRecord> MidTranscode() {
  std::vector<TaskRecord> tasks = FrontDone();
  tasks.push_back(Done("v1/transcode/chunk_000", kNow - 50'000, 10'000));
  tasks.push_back(Done("v1/transcode/chunk_001", kNow - 50'000, 20'000));
  tasks.push_back(Running("v1/transcode/chunk_002", kNow - 5'000));
  return tasks;
}

TEST(ProgressTest, EtaFromMeasuredThroughput) {
  // chunk 2: 15 - 5 = 10 s; chunk 3: 15 s; audio 8.5 s; package 2 x 8.5 s;
  // manifest 8.5 s: 59 s of work.
  PipelineProgress p = Compute(MidTranscode(), 1);
  EXPECT_EQ(p.estimated_completion, kNow + 59'000);
  EXPECT_FALSE(p.estimate_is_lower_bound);
  EXPECT_EQ(Compute(MidTranscode(), 2).estimated_completion, kNow + 29'500);
  EXPECT_EQ(Compute(MidTranscode(), 3).estimated_completion, kNow + 19'667);  // 19666.67, rounded up
  EXPECT_EQ(p.started_at, kNow - 100'000);
}

TEST(ProgressTest, RunningTaskPastItsMeanCountsAsAboutToFinish) {
  std::vector<TaskRecord> tasks = MidTranscode();
  tasks[4].started_at = kNow - 40'000;  // chunk 2: 40 s > 15 s mean
  EXPECT_EQ(Compute(tasks).estimated_completion, kNow + 49'000);
}

TEST(ProgressTest, EtaUsesCompletedMinusStartedWithoutDuration) {
  std::vector<TaskRecord> tasks = {Done("v1/probe", kNow - 10'000, 4'000)};
  tasks[0].duration_ms.reset();
  // 9 remaining tasks x 4 s.
  EXPECT_EQ(Compute(tasks).estimated_completion, kNow + 36'000);
}

TEST(ProgressTest, NoEtaBeforeAnythingCompletes) {
  PipelineProgress p = Compute({Running("v1/probe", kNow - 3'000)});
  EXPECT_EQ(p.started_at, kNow - 3'000);
  EXPECT_FALSE(p.estimated_completion);
  // Completed but never timed: nothing measured either.
  EXPECT_FALSE(Compute({Rec("v1/probe", TaskState::kCompleted)}).estimated_completion);
}

TEST(ProgressTest, NoEtaWhileATaskIsDead) {
  std::vector<TaskRecord> tasks = MidTranscode();
  tasks.push_back(Rec("v1/transcode/chunk_003", TaskState::kFailed));
  PipelineProgress p = Compute(tasks);
  EXPECT_EQ(StepOf(p, "transcode").state, StepState::kFailed);
  EXPECT_EQ(StepOf(p, "transcode").failed, 1);
  EXPECT_FALSE(p.estimated_completion);
}

TEST(ProgressTest, EtaIsALowerBoundWhileStepsAreDeferred) {
  JobShape s = Shape();
  s.chunks.reset();
  // Planned: probe (done, 2 s), split (running 1 s), audio: 1 + 2 s.
  PipelineProgress p = Compute({Done("v1/probe", kNow - 10'000, 2'000), Running("v1/split", kNow - 1'000)}, 1, s);
  EXPECT_EQ(p.estimated_completion, kNow + 3'000);
  EXPECT_TRUE(p.estimate_is_lower_bound);
}

TEST(ProgressTest, FinishedPipelineReportsItsLastCompletion) {
  std::vector<TaskRecord> tasks = FrontDone();
  for (const char* id : {"v1/transcode/chunk_000", "v1/transcode/chunk_001", "v1/transcode/chunk_002",
                         "v1/transcode/chunk_003", "v1/audio", "v1/package/h264_360p", "v1/package/h264_720p"}) {
    tasks.push_back(Done(id, kNow - 60'000, 1'000));
  }
  tasks.push_back(Done("v1/manifest", kNow - 30'000, 500));
  PipelineProgress p = Compute(tasks);
  EXPECT_EQ(p.tasks_completed, 10);
  EXPECT_DOUBLE_EQ(p.percent, 100.0);
  EXPECT_EQ(p.estimated_completion, kNow - 29'500);
  EXPECT_FALSE(p.estimate_is_lower_bound);
}

TEST(ProgressTest, RecordsOutsideThePlanAreIgnored) {
  std::vector<TaskRecord> tasks = {Running("v1/probe", kNow - 1'000), Done("v2/probe", kNow - 90'000, 5'000),
                                   Done("v1/verify", kNow - 90'000, 5'000)};
  PipelineProgress p = Compute(tasks);
  EXPECT_EQ(p.tasks_completed, 0);
  EXPECT_EQ(p.started_at, kNow - 1'000);
  EXPECT_FALSE(p.estimated_completion);
}

TEST(ProgressTest, RejectsBadArguments) {
  PipelineGraph g = Graph();
  std::vector<TaskPlan> plan = Plan(g, Shape());
  EXPECT_EQ(ComputeProgress(g, plan, true, {}, kNow, 0).status().code(), ErrorCode::kInvalidArgument);
  std::vector<TaskPlan> stray = plan;
  stray[0].step = "nope";
  EXPECT_EQ(ComputeProgress(g, stray, true, {}, kNow, 1).status().code(), ErrorCode::kInvalidArgument);
  PipelineGraph cyclic;
  ASSERT_TRUE(cyclic.AddStep(Step("a", {"b"})).ok());
  ASSERT_TRUE(cyclic.AddStep(Step("b", {"a"})).ok());
  EXPECT_EQ(ComputeProgress(cyclic, {}, true, {}, kNow, 1).status().code(), ErrorCode::kInvalidArgument);
}

TEST(ProgressTest, FormatUtcTime) {
  EXPECT_EQ(FormatUtcTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatUtcTime(1'741'949'100'000), "2025-03-14T10:45:00Z");
  EXPECT_EQ(FormatUtcTime(1'741'949'100'999), "2025-03-14T10:45:00Z");  // rounded down
  EXPECT_EQ(FormatUtcTime(951'868'799'000), "2000-02-29T23:59:59Z");
  EXPECT_EQ(FormatUtcTime(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtcTime(std::numeric_limits<Millis>::max()), "9999-12-31T23:59:59Z");
  EXPECT_EQ(FormatUtcTime(std::numeric_limits<Millis>::min()), "0000-01-01T00:00:00Z");
}

TEST(ProgressTest, TextView) {
  EXPECT_EQ(ProgressToText(Compute(MidTranscode(), 2)),
            "probe        1/1  100%  completed\n"
            "split        1/1  100%  completed\n"
            "transcode    2/4   50%  running\n"
            "audio        0/1    0%  pending\n"
            "package      0/2    0%  pending\n"
            "thumbnails     -        skipped\n"
            "manifest     0/1    0%  pending\n"
            "total       4/10   40%\n"
            "started     2025-03-14T10:58:20Z\n"
            "eta         2025-03-14T11:00:29Z\n");
  JobShape s = Shape();
  s.chunks.reset();
  EXPECT_EQ(ProgressToText(Compute({Running("v1/probe", kNow)}, 1, s)),
            "probe       0/1    0%  running\n"
            "split       0/1    0%  pending\n"
            "transcode     ?        pending\n"
            "audio       0/1    0%  pending\n"
            "package       ?        pending\n"
            "thumbnails    -        skipped\n"
            "manifest      ?        pending\n"
            "total       0/3    0%  (more steps to plan)\n"
            "started     2025-03-14T11:00:00Z\n"
            "eta         unknown\n");
}

TEST(ProgressTest, TextViewMarksALowerBound) {
  JobShape s = Shape();
  s.chunks.reset();
  std::string text = ProgressToText(Compute({Done("v1/probe", kNow - 10'000, 2'000)}, 1, s));
  EXPECT_NE(text.find("\ntotal       1/3   33%  (more steps to plan)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\neta         at least 2025-03-14T11:00:04Z\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace vtp::engine
