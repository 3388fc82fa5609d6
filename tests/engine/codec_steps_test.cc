// StepDef::codec in the default graph: each codec's transcode step covers
// only its own renditions' packaging, while rendition-less steps wait for
// every codec.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/pipeline_graph.h"

namespace vtp::engine {
namespace {

JobShape TwoCodecShape() {
  JobShape s;
  s.video_id = "v1";
  s.skipped_steps = {"thumbnails", "subtitles", "captions", "transcode_vp9", "transcode_av1"};
  s.has_video = true;
  s.has_audio = true;
  s.chunks = 2;
  s.renditions = std::vector<RenditionRef>{{"h264", "360p"}, {"h264", "720p"}, {"hevc", "360p"}};
  return s;
}

const TaskPlan* Find(const std::vector<TaskPlan>& plan, const std::string& id) {
  for (const auto& t : plan) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(CodecStepsTest, EachCodecPackagesFromItsOwnChunksAfterH264s) {
  auto plan = ExpandTasks(DefaultPipelineGraph(), TwoCodecShape());
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  const TaskPlan* h264 = Find(*plan, "v1/package/h264_720p");
  const TaskPlan* hevc = Find(*plan, "v1/package/hevc_360p");
  ASSERT_TRUE(h264 && hevc);
  EXPECT_EQ(Sorted(h264->depends_on),
            (std::vector<std::string>{"v1/transcode/chunk_000", "v1/transcode/chunk_001"}));
  // HEVC also waits for the H.264 chunks: its presentation delay comes from
  // H.264's chunk 0 (planning it earlier would fail).
  EXPECT_EQ(Sorted(hevc->depends_on),
            (std::vector<std::string>{"v1/transcode/chunk_000", "v1/transcode/chunk_001",
                                      "v1/transcode_hevc/chunk_000", "v1/transcode_hevc/chunk_001"}));
}

TEST(CodecStepsTest, SkippedCodecsHaveNoTasksAndManifestWaitsForAllPackages) {
  auto plan = ExpandTasks(DefaultPipelineGraph(), TwoCodecShape());
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(Find(*plan, "v1/transcode_hevc/chunk_001"));
  EXPECT_FALSE(Find(*plan, "v1/transcode_av1/chunk_000"));
  EXPECT_FALSE(Find(*plan, "v1/transcode_vp9/chunk_000"));
  const TaskPlan* manifest = Find(*plan, "v1/manifest");
  ASSERT_TRUE(manifest);
  for (const char* id : {"v1/package/h264_360p", "v1/package/h264_720p", "v1/package/hevc_360p"}) {
    EXPECT_NE(std::find(manifest->depends_on.begin(), manifest->depends_on.end(), id), manifest->depends_on.end())
        << id;
  }
  // Audio's presentation delay comes from the H.264 chunks only.
  const TaskPlan* audio = Find(*plan, "v1/package_audio");
  ASSERT_TRUE(audio);
  for (const auto& d : audio->depends_on) EXPECT_EQ(d.find("transcode_hevc"), std::string::npos) << d;
}

TEST(CodecStepsTest, CodecBoundPerRenditionStepCoversOnlyItsCodec) {
  PipelineGraph g;
  StepDef enc;
  enc.name = "encode_hevc";
  enc.fan_out = FanOut::kPerRendition;
  enc.codec = "hevc";
  ASSERT_TRUE(g.AddStep(enc).ok());
  JobShape s = TwoCodecShape();
  s.skipped_steps.clear();
  auto plan = ExpandTasks(g, s);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ(plan->front().id, "v1/encode_hevc/hevc_360p");
}

}  // namespace
}  // namespace vtp::engine
