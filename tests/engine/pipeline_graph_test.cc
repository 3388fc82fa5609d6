#include "engine/pipeline_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace vtp::engine {
namespace {

using Ids = std::vector<std::string>;

const std::vector<RenditionRef> kTwoRungs = {{"h264", "360p"}, {"h264", "720p"}};

// The side steps (thumbnails, subtitles, captions) are skipped unless a test
// is about them, so the video/audio branches read as they always have.
const std::set<std::string> kSideSteps = {"thumbnails", "subtitles", "captions"};
// The other codecs' transcode steps, skipped as the planner skips them for
// an H.264-only job (the default codec set).
const std::set<std::string> kOtherCodecs = {"transcode_hevc", "transcode_vp9", "transcode_av1"};

JobShape FullShape(int chunks = 3, bool audio = true) {
  JobShape s;
  s.video_id = "v1";
  s.skipped_steps = kSideSteps;
  s.skipped_steps.insert(kOtherCodecs.begin(), kOtherCodecs.end());
  s.skipped_steps.insert("drm");  // a clear job
  s.has_video = true;
  s.has_audio = audio;
  s.chunks = chunks;
  s.renditions = kTwoRungs;
  return s;
}

std::vector<TaskPlan> Expand(const PipelineGraph& g, const JobShape& s) {
  auto plan = ExpandTasks(g, s);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return plan.ok() ? *plan : std::vector<TaskPlan>{};
}

Ids IdsOf(const std::vector<TaskPlan>& plan) {
  Ids ids;
  for (const auto& t : plan) ids.push_back(t.id);
  return ids;
}

const TaskPlan& Get(const std::vector<TaskPlan>& plan, const std::string& id) {
  static const TaskPlan kMissing;
  for (const auto& t : plan) {
    if (t.id == id) return t;
  }
  ADD_FAILURE() << "no task " << id;
  return kMissing;
}

StepDef Step(std::string name, std::vector<std::string> deps, FanOut fan = FanOut::kNone) {
  StepDef s;
  s.name = std::move(name);
  s.depends_on = std::move(deps);
  s.fan_out = fan;
  return s;
}

// probe -> split -> transcode(fan) -> package(per rendition) -> manifest.
PipelineGraph SmallGraph(FanOut transcode_fan) {
  PipelineGraph g;
  EXPECT_TRUE(g.AddStep(Step("probe", {})).ok());
  EXPECT_TRUE(g.AddStep(Step("split", {"probe"})).ok());
  EXPECT_TRUE(g.AddStep(Step("transcode", {"split"}, transcode_fan)).ok());
  EXPECT_TRUE(g.AddStep(Step("package", {"transcode"}, FanOut::kPerRendition)).ok());
  EXPECT_TRUE(g.AddStep(Step("manifest", {"package"})).ok());
  return g;
}

TEST(PipelineGraphTest, DefaultGraphIsValidAndOrdered) {
  PipelineGraph g = DefaultPipelineGraph();
  ASSERT_TRUE(g.Validate().ok());
  auto order = g.TopologicalOrder();
  ASSERT_TRUE(order.ok());
  Ids names;
  for (const StepDef* s : *order) names.push_back(s->name);
  EXPECT_EQ(names, (Ids{"ingest", "probe", "split", "transcode", "transcode_hevc", "transcode_vp9", "transcode_av1",
                        "audio", "package", "package_audio", "thumbnails", "subtitles", "captions", "drm", "verify",
                        "manifest", "publish"}));
  EXPECT_FALSE(g.Find("verify")->enabled);
  EXPECT_EQ(g.Find("drm")->fan_out, FanOut::kNone);
  EXPECT_EQ(g.Find("drm")->depends_on, (Ids{"package", "package_audio"}));
  for (const char* step : {"thumbnails", "subtitles", "captions", "drm"}) {
    EXPECT_TRUE(g.Find(step)->enabled) << step;
    EXPECT_EQ(g.Find(step)->retry, DefaultRetryPolicy(step)) << step;
  }
  EXPECT_EQ(g.Find("transcode")->retry, DefaultRetryPolicy("transcode"));
  EXPECT_EQ(g.Find("transcode")->pool, "cpu");
}

TEST(PipelineGraphTest, ValidationErrors) {
  PipelineGraph g;
  EXPECT_EQ(g.AddStep(Step("Bad-Name", {})).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(g.AddStep(Step("", {})).code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(g.AddStep(Step("a", {"b"})).ok());  // forward reference is fine
  EXPECT_EQ(g.AddStep(Step("a", {})).code(), ErrorCode::kAlreadyExists);
  Status unknown = g.Validate();
  EXPECT_EQ(unknown.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("unknown step 'b'"), std::string::npos) << unknown.message();

  ASSERT_TRUE(g.AddStep(Step("b", {"c"})).ok());
  ASSERT_TRUE(g.AddStep(Step("c", {"a"})).ok());
  ASSERT_TRUE(g.AddStep(Step("d", {})).ok());
  Status cycle = g.Validate();
  EXPECT_EQ(cycle.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(cycle.message().find("cycle among steps: a, b, c"), std::string::npos) << cycle.message();
  EXPECT_FALSE(g.TopologicalOrder().ok());
  EXPECT_FALSE(ExpandTasks(g, FullShape()).ok());

  PipelineGraph self;
  ASSERT_TRUE(self.AddStep(Step("x", {"x"})).ok());
  EXPECT_NE(self.Validate().message().find("depends on itself"), std::string::npos);

  PipelineGraph bad_policy;
  StepDef s = Step("x", {});
  s.retry.maximum_attempts = 0;
  ASSERT_TRUE(bad_policy.AddStep(s).ok());
  EXPECT_NE(bad_policy.Validate().message().find("step 'x'"), std::string::npos);

  PipelineGraph no_pool;
  s = Step("x", {});
  s.pool = "";
  ASSERT_TRUE(no_pool.AddStep(s).ok());
  EXPECT_EQ(no_pool.Validate().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(no_pool.SetEnabled("nope", true).code(), ErrorCode::kNotFound);
}

TEST(PipelineGraphTest, ExpansionOfTheDefaultGraph) {
  JobShape shape = FullShape();
  shape.skipped_steps = kOtherCodecs;  // a protected job with every side step
  auto plan = Expand(DefaultPipelineGraph(), shape);
  EXPECT_EQ(IdsOf(plan), (Ids{"v1/ingest", "v1/probe", "v1/split", "v1/transcode/chunk_000",
                              "v1/transcode/chunk_001", "v1/transcode/chunk_002", "v1/audio",
                              "v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio",
                              "v1/thumbnails", "v1/subtitles", "v1/captions", "v1/drm", "v1/manifest",
                              "v1/publish"}));
  EXPECT_EQ(Get(plan, "v1/probe").depends_on, (Ids{"v1/ingest"}));
  EXPECT_EQ(Get(plan, "v1/transcode/chunk_001").depends_on, (Ids{"v1/split"}));
  EXPECT_EQ(Get(plan, "v1/transcode/chunk_001").chunk, 1);
  EXPECT_EQ(Get(plan, "v1/audio").depends_on, (Ids{"v1/probe", "v1/split"}));
  EXPECT_EQ(Get(plan, "v1/package/h264_720p").depends_on,
            (Ids{"v1/transcode/chunk_000", "v1/transcode/chunk_001", "v1/transcode/chunk_002"}));
  EXPECT_EQ(Get(plan, "v1/package/h264_720p").rendition, (RenditionRef{"h264", "720p"}));
  EXPECT_EQ(Get(plan, "v1/package_audio").depends_on,
            (Ids{"v1/audio", "v1/transcode/chunk_000", "v1/transcode/chunk_001", "v1/transcode/chunk_002"}));
  for (const char* side : {"v1/thumbnails", "v1/subtitles", "v1/captions"}) {
    EXPECT_EQ(Get(plan, side).depends_on, (Ids{"v1/probe", "v1/split"})) << side;
  }
  // One drm task encrypts every packaged rendition, audio included.
  EXPECT_EQ(Get(plan, "v1/drm").depends_on,
            (Ids{"v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio"}));
  EXPECT_EQ(Get(plan, "v1/manifest").depends_on,
            (Ids{"v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio", "v1/drm", "v1/thumbnails",
                 "v1/subtitles", "v1/captions"}));
  EXPECT_EQ(Get(plan, "v1/publish").depends_on, (Ids{"v1/manifest"}));
  EXPECT_EQ(Get(plan, "v1/transcode/chunk_000").retry, DefaultRetryPolicy("transcode"));
}

TEST(PipelineGraphTest, SkippedStepsHaveNoTasksAndHoldNothingBack) {
  JobShape shape = FullShape();
  shape.skipped_steps = {"captions", "subtitles", "drm"};  // thumbnails run; a clear job
  auto plan = Expand(DefaultPipelineGraph(), shape);
  for (const auto& t : plan) {
    EXPECT_NE(t.step, "captions");
    EXPECT_NE(t.step, "subtitles");
    EXPECT_NE(t.step, "drm");
  }
  EXPECT_EQ(Get(plan, "v1/manifest").depends_on,
            (Ids{"v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio", "v1/thumbnails"}));
  // Skipping is known before the shape is: probe's result alone cannot tell
  // about captions, the job's options can.
  JobShape early;
  early.video_id = "v1";
  early.skipped_steps = {"captions"};
  for (const auto& t : Expand(DefaultPipelineGraph(), early)) EXPECT_NE(t.step, "captions");
}

TEST(PipelineGraphTest, IdsAreDeterministicUniqueAndTopological) {
  PipelineGraph g = DefaultPipelineGraph();
  ASSERT_TRUE(g.SetEnabled("verify", true).ok());
  auto a = Expand(g, FullShape(250));
  auto b = Expand(g, FullShape(250));
  EXPECT_EQ(IdsOf(a), IdsOf(b));
  std::set<std::string> seen;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].depends_on, b[i].depends_on);
    for (const auto& d : a[i].depends_on) EXPECT_TRUE(seen.count(d)) << a[i].id << " before " << d;
    EXPECT_TRUE(seen.insert(a[i].id).second) << "duplicate " << a[i].id;
  }
  EXPECT_EQ(TaskId("v1", "transcode", 3, std::nullopt), "v1/transcode/chunk_003");
  EXPECT_EQ(TaskId("v1", "transcode", 1234, RenditionRef{"h264", "720p"}), "v1/transcode/chunk_1234/h264_720p");
  EXPECT_EQ(TaskId("v1", "package", std::nullopt, RenditionRef{"h264", "720p"}), "v1/package/h264_720p");
}

TEST(PipelineGraphTest, PlanGrowsAsTheShapeIsLearnt) {
  PipelineGraph g = DefaultPipelineGraph();
  JobShape s;
  s.video_id = "v1";
  s.skipped_steps = kSideSteps;
  s.skipped_steps.insert(kOtherCodecs.begin(), kOtherCodecs.end());
  s.skipped_steps.insert("drm");
  EXPECT_EQ(IdsOf(Expand(g, s)), (Ids{"v1/ingest", "v1/probe"}));
  s.has_video = true;
  s.has_audio = true;
  auto after_probe = Expand(g, s);
  EXPECT_EQ(IdsOf(after_probe), (Ids{"v1/ingest", "v1/probe", "v1/split", "v1/audio"}));
  s.chunks = 2;
  s.renditions = kTwoRungs;
  auto full = Expand(g, s);
  EXPECT_EQ(full.size(), 11u);
  // Re-expansion returns the earlier tasks unchanged.
  for (const auto& t : after_probe) {
    EXPECT_EQ(Get(full, t.id).depends_on, t.depends_on) << t.id;
  }
}

TEST(PipelineGraphTest, AudioOnlyInputSkipsTheVideoBranch) {
  JobShape s;
  s.video_id = "a1";
  s.skipped_steps = kSideSteps;
  s.skipped_steps.insert("drm");
  s.has_video = false;
  s.has_audio = true;
  auto plan = Expand(DefaultPipelineGraph(), s);  // no chunks or renditions needed
  EXPECT_EQ(IdsOf(plan), (Ids{"a1/ingest", "a1/probe", "a1/audio", "a1/package_audio", "a1/manifest", "a1/publish"}));
  EXPECT_EQ(Get(plan, "a1/audio").depends_on, (Ids{"a1/probe"}));
  EXPECT_EQ(Get(plan, "a1/package_audio").depends_on, (Ids{"a1/audio"}));
  EXPECT_EQ(Get(plan, "a1/manifest").depends_on, (Ids{"a1/package_audio"}));
}

TEST(PipelineGraphTest, SilentVideoSkipsTheAudioBranch) {
  auto plan = Expand(DefaultPipelineGraph(), FullShape(2, /*audio=*/false));
  for (const auto& t : plan) EXPECT_EQ(t.step.find("audio"), std::string::npos) << t.id;
  EXPECT_EQ(Get(plan, "v1/manifest").depends_on, (Ids{"v1/package/h264_360p", "v1/package/h264_720p"}));
}

TEST(PipelineGraphTest, ReadySetEvolvesAsTasksComplete) {
  auto plan = Expand(DefaultPipelineGraph(), FullShape(3));
  std::set<std::string> done;
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/ingest"}));
  done = {"v1/ingest", "v1/probe"};
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/split"}));
  done.insert("v1/split");
  EXPECT_EQ(ReadyTasks(plan, done),
            (Ids{"v1/transcode/chunk_000", "v1/transcode/chunk_001", "v1/transcode/chunk_002", "v1/audio"}));
  done.insert({"v1/transcode/chunk_000", "v1/transcode/chunk_002", "v1/audio"});
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/transcode/chunk_001"}));
  done.insert("v1/transcode/chunk_001");
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio"}));
  done.insert({"v1/package/h264_360p", "v1/package/h264_720p"});
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/package_audio"}));  // manifest still waits for audio
  done.insert("v1/package_audio");
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/manifest"}));
  done.insert({"v1/manifest", "v1/publish"});
  EXPECT_TRUE(ReadyTasks(plan, done).empty());
}

TEST(PipelineGraphTest, RenditionPackagesAsSoonAsItsOwnChunksAreDone) {
  // Transcode at (chunk x rendition) granularity: package(per rendition)
  // then waits only for its own rendition's chunks.
  auto plan = Expand(SmallGraph(FanOut::kPerChunkXRendition), FullShape(2));
  EXPECT_EQ(Get(plan, "v1/package/h264_360p").depends_on,
            (Ids{"v1/transcode/chunk_000/h264_360p", "v1/transcode/chunk_001/h264_360p"}));
  std::set<std::string> done = {"v1/probe", "v1/split", "v1/transcode/chunk_000/h264_360p",
                                "v1/transcode/chunk_001/h264_360p", "v1/transcode/chunk_000/h264_720p"};
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/transcode/chunk_001/h264_720p", "v1/package/h264_360p"}));
  // With one task per chunk encoding every rung, all chunks gate every rung.
  auto coarse = Expand(SmallGraph(FanOut::kPerChunk), FullShape(2));
  EXPECT_EQ(Get(coarse, "v1/package/h264_360p").depends_on,
            (Ids{"v1/transcode/chunk_000", "v1/transcode/chunk_001"}));
}

TEST(PipelineGraphTest, AxesMatchAcrossEveryFanOutPair) {
  PipelineGraph g;
  ASSERT_TRUE(g.AddStep(Step("cells", {}, FanOut::kPerChunkXRendition)).ok());
  ASSERT_TRUE(g.AddStep(Step("per_chunk", {"cells"}, FanOut::kPerChunk)).ok());
  ASSERT_TRUE(g.AddStep(Step("per_cell", {"cells"}, FanOut::kPerChunkXRendition)).ok());
  ASSERT_TRUE(g.AddStep(Step("per_rendition", {"per_chunk"}, FanOut::kPerRendition)).ok());
  ASSERT_TRUE(g.AddStep(Step("after_rendition", {"per_rendition"}, FanOut::kPerChunkXRendition)).ok());
  auto plan = Expand(g, FullShape(2));
  EXPECT_EQ(Get(plan, "v1/per_chunk/chunk_001").depends_on,
            (Ids{"v1/cells/chunk_001/h264_360p", "v1/cells/chunk_001/h264_720p"}));
  EXPECT_EQ(Get(plan, "v1/per_cell/chunk_001/h264_720p").depends_on, (Ids{"v1/cells/chunk_001/h264_720p"}));
  EXPECT_EQ(Get(plan, "v1/per_rendition/h264_720p").depends_on,
            (Ids{"v1/per_chunk/chunk_000", "v1/per_chunk/chunk_001"}));
  EXPECT_EQ(Get(plan, "v1/after_rendition/chunk_000/h264_360p").depends_on, (Ids{"v1/per_rendition/h264_360p"}));
}

TEST(PipelineGraphTest, AddingAStepNeedsNoSchedulerChange) {
  PipelineGraph g = SmallGraph(FanOut::kPerChunk);
  StepDef verify = Step("verify", {"package"}, FanOut::kPerRendition);
  verify.pool = "qc";
  ASSERT_TRUE(g.AddStep(verify).ok());
  auto plan = Expand(g, FullShape(1));
  const TaskPlan& v = Get(plan, "v1/verify/h264_720p");
  EXPECT_EQ(v.depends_on, (Ids{"v1/package/h264_720p"}));
  EXPECT_EQ(v.pool, "qc");
  std::set<std::string> done = {"v1/probe", "v1/split", "v1/transcode/chunk_000", "v1/package/h264_720p"};
  EXPECT_EQ(ReadyTasks(plan, done), (Ids{"v1/package/h264_360p", "v1/verify/h264_720p"}));
}

TEST(PipelineGraphTest, EnablingAPlaceholderInsertsIt) {
  PipelineGraph g = DefaultPipelineGraph();
  ASSERT_TRUE(g.SetEnabled("verify", true).ok());
  JobShape protected_job = FullShape(1);
  protected_job.skipped_steps.erase("drm");
  auto plan = Expand(g, protected_job);
  EXPECT_EQ(Get(plan, "v1/verify/h264_360p").depends_on, (Ids{"v1/package/h264_360p", "v1/drm"}));
  EXPECT_EQ(Get(plan, "v1/publish").depends_on,
            (Ids{"v1/manifest", "v1/verify/h264_360p", "v1/verify/h264_720p"}));
  ASSERT_TRUE(g.SetEnabled("drm", false).ok());
  plan = Expand(g, protected_job);
  EXPECT_EQ(Get(plan, "v1/verify/h264_360p").depends_on, (Ids{"v1/package/h264_360p"}));  // drm off
  EXPECT_EQ(Get(plan, "v1/manifest").depends_on,
            (Ids{"v1/package/h264_360p", "v1/package/h264_720p", "v1/package_audio"}));
}

TEST(PipelineGraphTest, StepsThatWillHaveNoTasksDoNotHoldThePlanBack) {
  // y is disabled, so z need not wait for x's chunk count to be known.
  PipelineGraph g;
  ASSERT_TRUE(g.AddStep(Step("x", {}, FanOut::kPerChunk)).ok());
  StepDef y = Step("y", {"x"});
  y.enabled = false;
  ASSERT_TRUE(g.AddStep(y).ok());
  ASSERT_TRUE(g.AddStep(Step("z", {"y"})).ok());
  JobShape s;
  s.video_id = "v1";
  auto plan = Expand(g, s);
  EXPECT_EQ(IdsOf(plan), (Ids{"v1/z"}));
  EXPECT_TRUE(plan[0].depends_on.empty());
}

TEST(PipelineGraphTest, ShapeValidation) {
  PipelineGraph g = DefaultPipelineGraph();
  JobShape s = FullShape();
  for (const char* id : {"", "../x", "a/b", "v 1", "v.1"}) {
    s.video_id = id;
    EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument) << id;
  }
  s = FullShape(-1);
  EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument);
  s = FullShape(kMaxChunks + 1);
  EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument);
  s = FullShape();
  s.renditions->push_back({"h264", "720p"});
  EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument);
  s.renditions = std::vector<RenditionRef>{{"h264_x", "720p"}};
  EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument);
  s.renditions = std::vector<RenditionRef>{{"h264", ""}};
  EXPECT_EQ(ExpandTasks(g, s).status().code(), ErrorCode::kInvalidArgument);
}

TEST(PipelineGraphTest, LargeFanOutStaysLinear) {
  // 2000 chunks x 6 rungs at cell granularity: 12k transcode tasks whose
  // edges are matched by index, not by an all-pairs scan.
  std::vector<RenditionRef> rungs;
  for (const char* r : {"240p", "360p", "480p", "720p", "1080p", "2160p"}) rungs.push_back({"h264", r});
  JobShape s = FullShape(2000);
  s.renditions = rungs;
  PipelineGraph g = SmallGraph(FanOut::kPerChunkXRendition);
  ASSERT_TRUE(g.AddStep(Step("verify", {"transcode"}, FanOut::kPerChunkXRendition)).ok());
  auto plan = Expand(g, s);
  EXPECT_EQ(plan.size(), 2u + 12'000u + 6u + 1u + 12'000u);
  EXPECT_EQ(Get(plan, "v1/package/h264_1080p").depends_on.size(), 2000u);
  EXPECT_EQ(Get(plan, "v1/verify/chunk_1999/h264_2160p").depends_on,
            (Ids{"v1/transcode/chunk_1999/h264_2160p"}));
}

TEST(PipelineGraphTest, FanOutNames) {
  EXPECT_EQ(FanOutName(FanOut::kNone), "none");
  EXPECT_EQ(FanOutName(FanOut::kPerChunk), "per_chunk");
  EXPECT_EQ(FanOutName(FanOut::kPerRendition), "per_rendition");
  EXPECT_EQ(FanOutName(FanOut::kPerChunkXRendition), "per_chunk_x_rendition");
}

}  // namespace
}  // namespace vtp::engine
