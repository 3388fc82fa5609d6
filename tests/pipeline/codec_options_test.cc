// The job's video codecs: validation, the stored form, and which transcode
// steps a video skips.
#include <gtest/gtest.h>

#include "pipeline/job_options.h"
#include "pipeline/planner.h"

namespace vtp::pipeline {
namespace {

TEST(CodecOptionsTest, DefaultIsH264Only) {
  EXPECT_EQ(JobOptions{}.codecs, std::vector<std::string>{"h264"});
  EXPECT_TRUE(ValidateJobOptions(JobOptions{}).ok());
}

TEST(CodecOptionsTest, RefusesUnknownDuplicateOrMissingH264) {
  EXPECT_TRUE(ValidateCodecs({"h264", "hevc", "vp9", "av1"}).ok());
  EXPECT_TRUE(ValidateCodecs({"av1", "h264"}).ok());
  Status unknown = ValidateCodecs({"h264", "h266"});
  EXPECT_EQ(unknown.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("h266"), std::string::npos);
  EXPECT_EQ(ValidateCodecs({"h264", "hevc", "hevc"}).code(), ErrorCode::kInvalidArgument);
  Status no_h264 = ValidateCodecs({"hevc"});
  EXPECT_EQ(no_h264.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(no_h264.message().find("h264 is required"), std::string::npos);
  EXPECT_EQ(ValidateCodecs({}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ValidateCodecs({""}).code(), ErrorCode::kInvalidArgument);
}

TEST(CodecOptionsTest, RoundTripAndOlderRowsDefault) {
  JobOptions o;
  o.codecs = {"h264", "av1"};
  o.keep_hdr = false;
  o.manifest_version = 3;
  auto back = JobOptionsFromJson(nlohmann::json::parse(ToJson(o).dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->codecs, o.codecs);
  EXPECT_FALSE(back->keep_hdr);
  EXPECT_EQ(back->manifest_version, 3);
  nlohmann::json old = ToJson(JobOptions{});
  old.erase("codecs");
  old.erase("keep_hdr");
  old.erase("manifest_version");
  auto legacy = JobOptionsFromJson(old);
  ASSERT_TRUE(legacy.ok()) << legacy.status().ToString();
  EXPECT_EQ(legacy->codecs, std::vector<std::string>{"h264"});
  EXPECT_TRUE(legacy->keep_hdr);
  EXPECT_EQ(legacy->manifest_version, 1);
}

TEST(CodecOptionsTest, StoredRowsAreValidatedToo) {
  nlohmann::json j = ToJson(JobOptions{});
  j["codecs"] = {"hevc"};
  EXPECT_EQ(JobOptionsFromJson(j).status().code(), ErrorCode::kInvalidArgument);
  j = ToJson(JobOptions{});
  j["manifest_version"] = 0;
  EXPECT_EQ(JobOptionsFromJson(j).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CodecOptionsTest, TranscodeStepNames) {
  EXPECT_EQ(TranscodeStep("h264"), "transcode");
  EXPECT_EQ(TranscodeStep("hevc"), "transcode_hevc");
  EXPECT_EQ(TranscodeStep("av1"), "transcode_av1");
}

TEST(CodecOptionsTest, ShapeSkipsTheStepsOfCodecsNotAsked) {
  LadderPlanner planner({"/d/blobs", "/d/work"});
  ports::VideoRecord v;
  v.video_id = "v1";
  JobOptions o;
  o.source = "/up/in.mp4";
  o.source_sha256 = std::string(64, 'b');
  o.source_ext = "mp4";
  o.codecs = {"h264", "vp9"};
  v.options_json = ToJson(o).dump();
  auto shape = planner.Shape(v, engine::TaskResults(std::map<std::string, std::string>{}));
  ASSERT_TRUE(shape.ok()) << shape.status().ToString();
  EXPECT_EQ(shape->skipped_steps.count("transcode"), 0u);
  EXPECT_EQ(shape->skipped_steps.count("transcode_vp9"), 0u);
  EXPECT_EQ(shape->skipped_steps.count("transcode_hevc"), 1u);
  EXPECT_EQ(shape->skipped_steps.count("transcode_av1"), 1u);
}

TEST(CodecOptionsTest, GpuRoutesMustHaveAnEncoder) {
  engine::PipelineGraph g = engine::DefaultPipelineGraph();
  ASSERT_TRUE(engine::ApplyGpuRoutes(g, "transcode_hevc=gpu-nvenc,transcode=gpu-nvenc").ok());
  EXPECT_TRUE(CheckGpuRoutes(g).ok());
  engine::PipelineGraph av1 = engine::DefaultPipelineGraph();
  ASSERT_TRUE(engine::ApplyGpuRoutes(av1, "transcode_av1=gpu-nvenc").ok());
  Status s = CheckGpuRoutes(av1);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("no av1 encoder"), std::string::npos) << s.ToString();
  engine::PipelineGraph vaapi = engine::DefaultPipelineGraph();
  ASSERT_TRUE(engine::ApplyGpuRoutes(vaapi, "transcode=gpu-vaapi").ok());
  EXPECT_EQ(CheckGpuRoutes(vaapi).code(), ErrorCode::kInvalidArgument);
  engine::PipelineGraph audio = engine::DefaultPipelineGraph();
  ASSERT_TRUE(engine::ApplyGpuRoutes(audio, "audio=gpu-nvenc").ok());
  EXPECT_EQ(CheckGpuRoutes(audio).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::pipeline
