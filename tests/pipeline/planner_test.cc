// The ladder planner's pure parts: job options survive the store, and a
// video whose options are unreadable cannot be planned (a clear error, not a
// crash). Parameters of real steps are exercised end to end in tests/e2e.
#include "pipeline/planner.h"

#include <gtest/gtest.h>

namespace vtp::pipeline {
namespace {

TEST(JobOptionsTest, RoundTripsThroughJson) {
  JobOptions o;
  o.source = "/up/in.mov";
  o.source_sha256 = std::string(64, 'a');
  o.source_ext = "mov";
  o.output_dir = "/out/x";
  o.replace_output = true;
  o.segment_seconds = 6;
  o.gop_seconds = 2;
  o.chunk_workers = 4;
  o.max_chunks = 9;
  o.encoder_threads = 2;
  o.x264_preset = "veryfast";
  o.limits.max_width = 1234;
  auto back = JobOptionsFromJson(nlohmann::json::parse(ToJson(o).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(o));
  EXPECT_EQ(back->limits.max_width, 1234);
}

TEST(JobOptionsTest, MissingFieldIsInvalidArgument) {
  nlohmann::json j = ToJson(JobOptions{});
  j.erase("x264_preset");
  EXPECT_EQ(JobOptionsFromJson(j).status().code(), ErrorCode::kInvalidArgument);
}

TEST(LadderPlannerTest, UnreadableOptionsAreAnError) {
  LadderPlanner planner({"/d/blobs", "/d/work"});
  ports::VideoRecord v;
  v.video_id = "v1";
  v.options_json = "{not json";
  EXPECT_EQ(planner.Shape(v, engine::TaskResults(std::map<std::string, std::string>{})).status().code(), ErrorCode::kInvalidArgument);
}

TEST(LadderPlannerTest, BeforeProbeOnlyTheIdIsKnownAndIngestIsPlannable) {
  LadderPlanner planner({"/d/blobs", "/d/work"});
  ports::VideoRecord v;
  v.video_id = "v1";
  JobOptions o;
  o.source = "/up/in.mp4";
  o.source_sha256 = std::string(64, 'b');
  o.source_ext = "mp4";
  v.options_json = ToJson(o).dump();
  auto shape = planner.Shape(v, engine::TaskResults(std::map<std::string, std::string>{}));
  ASSERT_TRUE(shape.ok());
  EXPECT_FALSE(shape->has_video.has_value());
  engine::TaskPlan ingest;
  ingest.id = "v1/ingest";
  ingest.step = "ingest";
  auto params = planner.Params(v, {&ingest}, engine::TaskResults(std::map<std::string, std::string>{}));
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  ASSERT_EQ(params->size(), 1u);
  auto p = nlohmann::json::parse(params->front());
  EXPECT_EQ(p["key"], "originals/v1/original.mp4");
  EXPECT_EQ(p["source"], "/up/in.mp4");
  EXPECT_EQ(p["sha256"], std::string(64, 'b'));
  engine::TaskPlan unknown;
  unknown.id = "v1/bogus";
  unknown.step = "bogus";
  EXPECT_EQ(planner.Params(v, {&ingest, &unknown}, engine::TaskResults(std::map<std::string, std::string>{})).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::pipeline
