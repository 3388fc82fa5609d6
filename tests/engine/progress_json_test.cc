#include "engine/progress_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::engine {
namespace {

using ports::TaskRecord;
using ports::TaskState;
using ports::VideoRecord;
using ports::VideoStatus;

constexpr Millis kStart = 1'741'949'100'000;  // 2025-03-14T10:45:00Z
constexpr Millis kNow = 1'741'950'000'000;    // 2025-03-14T11:00:00Z

StepDef Step(std::string name, std::vector<std::string> deps, FanOut fan = FanOut::kNone, bool enabled = true) {
  StepDef s;
  s.name = std::move(name);
  s.depends_on = std::move(deps);
  s.fan_out = fan;
  s.enabled = enabled;
  return s;
}

// probe -> transcode (per chunk) -> package (per rendition) -> manifest,
// with drm (per rendition) disabled between package and manifest.
PipelineGraph Graph() {
  PipelineGraph g;
  EXPECT_TRUE(g.AddStep(Step("probe", {})).ok());
  EXPECT_TRUE(g.AddStep(Step("transcode", {"probe"}, FanOut::kPerChunk)).ok());
  EXPECT_TRUE(g.AddStep(Step("package", {"transcode"}, FanOut::kPerRendition)).ok());
  EXPECT_TRUE(g.AddStep(Step("drm", {"package"}, FanOut::kPerRendition, false)).ok());
  EXPECT_TRUE(g.AddStep(Step("manifest", {"package", "drm"})).ok());
  return g;
}

JobShape Shape(bool chunks_known = true) {
  JobShape s;
  s.video_id = "vid-1";
  s.has_video = true;
  s.has_audio = false;
  if (chunks_known) s.chunks = 4;
  s.renditions = std::vector<RenditionRef>{{"h264", "720p"}};
  return s;
}

TaskRecord Rec(std::string id, TaskState state, Millis started, int64_t duration) {
  TaskRecord r;
  r.task_id = std::move(id);
  r.video_id = "vid-1";
  r.state = state;
  r.started_at = started;
  if (state == TaskState::kCompleted) {
    r.completed_at = started + duration;
    r.duration_ms = duration;
  }
  return r;
}

PipelineProgress Compute(const std::vector<TaskRecord>& tasks, const JobShape& shape = Shape()) {
  PipelineGraph g = Graph();
  auto plan = ExpandTasks(g, shape);
  EXPECT_TRUE(plan.ok());
  auto p = ComputeProgress(g, plan.ok() ? *plan : std::vector<TaskPlan>{}, PlanComplete(g, shape), tasks, kNow, 1);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : PipelineProgress{};
}

VideoRecord Video(VideoStatus status) {
  VideoRecord v;
  v.video_id = "vid-1";
  v.status = status;
  return v;
}

TEST(ProgressJsonTest, SeedShape) {
  // probe 1 s; chunks 0-2 10 s each, chunk 3 running for 4 s. Overall mean
  // (1 + 30) / 4 = 7.75 s: chunk 3 10 - 4 = 6 s, package and manifest 7.75 s
  // each, so 21.5 s from 11:00:00.
  std::vector<TaskRecord> tasks = {Rec("vid-1/probe", TaskState::kCompleted, kStart, 1'000),
                                   Rec("vid-1/transcode/chunk_000", TaskState::kCompleted, kStart + 1'000, 10'000),
                                   Rec("vid-1/transcode/chunk_001", TaskState::kCompleted, kStart + 1'000, 10'000),
                                   Rec("vid-1/transcode/chunk_002", TaskState::kCompleted, kStart + 1'000, 10'000),
                                   Rec("vid-1/transcode/chunk_003", TaskState::kRunning, kNow - 4'000, 0)};
  EXPECT_EQ(ProgressToJson(Video(VideoStatus::kTranscoding), Compute(tasks)).dump(),
            R"({"estimate_is_lower_bound":false,"estimated_completion":"2025-03-14T11:00:21Z","percent":57,)"
            R"("pipeline_progress":{"drm":"skipped","manifest":"pending",)"
            R"("package":{"completed":0,"percent":0,"state":"pending","total":1},"probe":"completed",)"
            R"("transcode":{"completed":3,"percent":75,"state":"running","total":4}},)"
            R"("started_at":"2025-03-14T10:45:00Z","status":"transcoding","video_id":"vid-1"})");
}

TEST(ProgressJsonTest, UnknownTimesAreNullAndDeferredFanOutIsAString) {
  nlohmann::json j = ProgressToJson(Video(VideoStatus::kProbing), Compute({}, Shape(false)));
  EXPECT_EQ(j.dump(),
            R"({"estimate_is_lower_bound":false,"estimated_completion":null,"percent":0,)"
            R"("pipeline_progress":{"drm":"skipped","manifest":"pending","package":"pending",)"
            R"("probe":"pending","transcode":"pending"},)"
            R"("started_at":null,"status":"probing","video_id":"vid-1"})");
  EXPECT_FALSE(j.contains("error_message"));
}

TEST(ProgressJsonTest, LowerBoundEstimate) {
  nlohmann::json j = ProgressToJson(Video(VideoStatus::kTranscoding),
                                    Compute({Rec("vid-1/probe", TaskState::kCompleted, kStart, 1'000)}, Shape(false)));
  EXPECT_EQ(j.at("estimate_is_lower_bound"), true);
  EXPECT_EQ(j.at("estimated_completion"), "2025-03-14T11:00:00Z");  // nothing planned is left
  EXPECT_EQ(j.at("percent"), 99);  // every planned task is done, but more are to come
}

TEST(ProgressJsonTest, FailedVideoCarriesItsError) {
  VideoRecord v = Video(VideoStatus::kFailed);
  v.error_message = "encode_failed: libx264 refused the frame";
  std::vector<TaskRecord> tasks = {Rec("vid-1/probe", TaskState::kCompleted, kStart, 1'000),
                                   Rec("vid-1/transcode/chunk_000", TaskState::kFailed, kStart + 1'000, 0)};
  nlohmann::json j = ProgressToJson(v, Compute(tasks));
  EXPECT_EQ(j.at("status"), "failed");
  EXPECT_EQ(j.at("error_message"), "encode_failed: libx264 refused the frame");
  EXPECT_EQ(j.at("pipeline_progress").at("transcode").dump(),
            R"({"completed":0,"percent":0,"state":"failed","total":4})");
  EXPECT_TRUE(j.at("estimated_completion").is_null());
}

}  // namespace
}  // namespace vtp::engine
