#include "pipeline/drm_options.h"

#include <gtest/gtest.h>

#include <functional>

#include "pipeline/job_options.h"

namespace vtp::pipeline {
namespace {

DrmOptions On(const std::string& scheme) {
  DrmOptions o;
  o.scheme = scheme;
  return o;
}

TEST(DrmOptionsTest, OffByDefaultAndAbsentFromStoredOptions) {
  JobOptions job;
  EXPECT_FALSE(job.drm.enabled());
  EXPECT_FALSE(ToJson(job).contains("drm"));
  job.drm = On("cbcs");
  nlohmann::json j = ToJson(job);
  ASSERT_TRUE(j.contains("drm"));
  EXPECT_EQ(j["drm"]["scheme"], "cbcs");
}

TEST(DrmOptionsTest, RoundTripsThroughJobOptionsJson) {
  JobOptions job;
  job.drm = On("cenc");
  job.drm.key_policy = "tiers";
  job.drm.clear_lead_seconds = 4;
  job.drm.systems = {"widevine", "clearkey"};
  job.drm.license_url = "https://lic.example/{video}";
  StatusOr<JobOptions> back = JobOptionsFromJson(ToJson(job));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->drm.scheme, "cenc");
  EXPECT_EQ(back->drm.key_policy, "tiers");
  EXPECT_EQ(back->drm.clear_lead_seconds, 4);
  EXPECT_EQ(back->drm.systems, (std::vector<std::string>{"widevine", "clearkey"}));
  EXPECT_EQ(back->drm.license_url, "https://lic.example/{video}");
}

TEST(DrmOptionsTest, RefusesBadValuesNamingThem) {
  struct Case {
    std::function<void(DrmOptions&)> edit;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {[](DrmOptions& o) { o.scheme = "cens"; }, "scheme 'cens'"},
      {[](DrmOptions& o) { o.key_policy = "per-rung"; }, "key policy 'per-rung'"},
      {[](DrmOptions& o) { o.clear_lead_seconds = -1; }, "clear lead"},
      {[](DrmOptions& o) { o.clear_lead_seconds = 601; }, "clear lead"},
      {[](DrmOptions& o) { o.systems = {"marlin"}; }, "unknown DRM system 'marlin'"},
      {[](DrmOptions& o) { o.systems = {"widevine", "widevine"}; }, "listed twice"},
      {[](DrmOptions& o) { o.systems = {}; }, "at least one DRM system"},
      {[](DrmOptions& o) { o.systems = {"fairplay"}; }, "FairPlay needs the cbcs"},
      {[](DrmOptions& o) { o.key_server = "ftp://keys"; }, "not an http(s) URL"},
      {[](DrmOptions& o) {
         o.key_server = "http://k";
         o.key_file = "/keys.json";
       },
       "exclude each other"},
      {[](DrmOptions& o) { o.key_uri = "/keys/fixed"; }, "must contain {kid}"},
      {[](DrmOptions& o) { o.key_uri = "/keys/{kid} x"; }, "spaces, quotes"},
      {[](DrmOptions& o) { o.license_url = "https://l\"x"; }, "spaces, quotes"},
  };
  for (const auto& c : cases) {
    DrmOptions o = On("cenc");
    c.edit(o);
    Status s = ValidateDrmOptions(o);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.needle;
    EXPECT_NE(s.message().find(c.needle), std::string::npos) << s.message();
  }
  EXPECT_TRUE(ValidateDrmOptions(On("cbcs")).ok());
  DrmOptions fairplay = On("cbcs");
  fairplay.systems = {"fairplay"};
  EXPECT_TRUE(ValidateDrmOptions(fairplay).ok());
  DrmOptions off;  // anything goes while DRM is off: the fields are unused
  off.key_policy = "nonsense";
  EXPECT_TRUE(ValidateDrmOptions(off).ok());
}

TEST(DrmOptionsTest, KeyLabelsFollowThePolicy) {
  DrmOptions o = On("cenc");
  EXPECT_EQ(VideoKeyLabel(o, 2160), "video");
  EXPECT_EQ(AudioKeyLabel(o), "audio");
  o.key_policy = "single";
  EXPECT_EQ(VideoKeyLabel(o, 240), "all");
  EXPECT_EQ(AudioKeyLabel(o), "all");
  o.key_policy = "tiers";
  EXPECT_EQ(VideoKeyLabel(o, 240), "sd");
  EXPECT_EQ(VideoKeyLabel(o, 576), "sd");
  EXPECT_EQ(VideoKeyLabel(o, 720), "hd");
  EXPECT_EQ(VideoKeyLabel(o, 1080), "hd");
  EXPECT_EQ(VideoKeyLabel(o, 1440), "uhd");
  EXPECT_EQ(VideoKeyLabel(o, 2160), "uhd");
  EXPECT_EQ(AudioKeyLabel(o), "audio");
}

TEST(DrmOptionsTest, ClearLeadCountsWholeSegmentsStartingBeforeIt) {
  DrmOptions o = On("cbcs");
  const std::vector<double> segs = {4, 4, 4, 2};
  EXPECT_EQ(ClearSegments(o, segs), 0u);
  o.clear_lead_seconds = 0.5;
  EXPECT_EQ(ClearSegments(o, segs), 1u);
  o.clear_lead_seconds = 4;
  EXPECT_EQ(ClearSegments(o, segs), 1u);
  o.clear_lead_seconds = 4.01;
  EXPECT_EQ(ClearSegments(o, segs), 2u);
  // Never every segment: a protected track keeps at least one encrypted.
  o.clear_lead_seconds = 600;
  EXPECT_EQ(ClearSegments(o, segs), 3u);
  EXPECT_EQ(ClearSegments(o, {}), 0u);
}

TEST(DrmOptionsTest, ExpandsKeyTemplates) {
  EXPECT_EQ(ExpandKeyTemplate("/api/v1/videos/{video}/keys/{kid}", "v1", "00ff"), "/api/v1/videos/v1/keys/00ff");
  EXPECT_EQ(ExpandKeyTemplate("k/{kid}/{kid}", "v", "ab"), "k/ab/ab");
  EXPECT_EQ(ExpandKeyTemplate("static", "v", "ab"), "static");
  EXPECT_EQ(ExpandKeyTemplate("{root}keys/{kid}", "v", "ab", RootOf("h264/720p")), "../../keys/ab");
  EXPECT_EQ(RootOf("audio/track1/aac_128k"), "../../../");
  EXPECT_EQ(RootOf("subtitles"), "../");
  EXPECT_EQ(ExpandKeyTemplate("{root}keys/{kid}", "v", "ab"), "keys/ab");
  // A substituted value containing a placeholder is not expanded again.
  EXPECT_EQ(ExpandKeyTemplate("{video}/{kid}", "{kid}", "ab"), "{kid}/ab");
}

}  // namespace
}  // namespace vtp::pipeline
