// The video row made for a completed upload: which codecs the deployment's
// policy grants it before anyone has watched it.
#include "control/upload_jobs.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace vtp::control {
namespace {

ports::UploadRecord Upload(const std::string& priority) {
  ports::UploadRecord u;
  u.video_id = "v1";
  u.creator_id = "alice";
  u.filename = "clip.mp4";
  u.length = 1000;
  u.options_json = nlohmann::json{{"priority", priority}, {"job", nlohmann::json::object()}}.dump();
  return u;
}

std::vector<std::string> CodecsOf(const ports::VideoRecord& v) {
  return nlohmann::json::parse(v.options_json).at("codecs").get<std::vector<std::string>>();
}

TEST(UploadJobsTest, TheSeedPolicyGivesEveryUploadH264Only) {
  UploadJobDefaults d{"/pub", "/blobs", 1};
  auto v = VideoForUpload(Upload("urgent"), std::string(64, 'a'), d);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(CodecsOf(*v), std::vector<std::string>{"h264"});
}

TEST(UploadJobsTest, APriorityGrantAddsItsTierAtUpload) {
  auto policy = CodecPolicy::FromJson(R"({"tiers": [
      {"add": ["h264"]},
      {"add": ["hevc"], "when": {"views_first_hour_over": 100}, "grant_to_priorities": ["high", "urgent"]},
      {"add": ["av1"], "when": {"total_views_over": 10000}}]})");
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  UploadJobDefaults d{"/pub", "/blobs", 1, *policy};
  auto high = VideoForUpload(Upload("high"), std::string(64, 'a'), d);
  ASSERT_TRUE(high.ok()) << high.status().ToString();
  EXPECT_EQ(CodecsOf(*high), (std::vector<std::string>{"h264", "hevc"}));
  EXPECT_EQ(high->priority, ports::Priority::kHigh);
  auto normal = VideoForUpload(Upload("normal"), std::string(64, 'a'), d);
  ASSERT_TRUE(normal.ok());
  EXPECT_EQ(CodecsOf(*normal), std::vector<std::string>{"h264"});
}

}  // namespace
}  // namespace vtp::control
