// End-to-end checks of `vtp probe`: exit statuses and output formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "testutil/fixtures.h"

namespace vtp {
namespace {

using testutil::CommandResult;
using testutil::Fixture;
using testutil::RunCommand;
using testutil::WriteFile;

std::string Clip() {
  return Fixture("probe_clip.mp4",
                 "-f lavfi -i testsrc2=size=320x240:rate=30 "
                 "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 "
                 "-c:v libx264 -g 30 -c:a aac");
}

CommandResult Vtp(const std::string& args, bool merge_stderr = false) {
  std::string redirect = merge_stderr ? "" : " 2>/dev/null";
  return RunCommand("'" + testutil::VtpBinary() + "' " + args + redirect, merge_stderr);
}

std::string RandomFile() {
  std::mt19937 rng(7);
  std::string bytes(20000, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return WriteFile("probe_cli_random.bin", bytes);
}

TEST(ProbeCliTest, JsonOnSuccess) {
  CommandResult r = Vtp("probe --json '" + Clip() + "'");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["container"], "mov,mp4,m4a,3gp,3g2,mj2");
  EXPECT_EQ(j["primary_video"], 0);
  EXPECT_EQ(j["primary_audio"], 1);
  ASSERT_EQ(j["streams"].size(), 2u);
  EXPECT_EQ(j["streams"][0]["video"]["width"], 320);
  EXPECT_EQ(j["streams"][0]["video"]["real_frame_rate"], "30/1");
  EXPECT_EQ(j["streams"][1]["audio"]["sample_rate"], 48000);
}

TEST(ProbeCliTest, TextOnSuccess) {
  CommandResult r = Vtp("probe '" + Clip() + "'");
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_NE(r.output.find("video*: h264"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gop:"), std::string::npos) << r.output;
}

TEST(ProbeCliTest, RandomBytesExitWithNotMedia) {
  std::string path = RandomFile();
  CommandResult text = Vtp("probe '" + path + "'", /*merge_stderr=*/true);
  EXPECT_EQ(text.exit_status, 10);
  EXPECT_NE(text.output.find("vtp probe: not_media: "), std::string::npos) << text.output;

  CommandResult json = Vtp("probe --json '" + path + "'");
  EXPECT_EQ(json.exit_status, 10);
  nlohmann::json j = nlohmann::json::parse(json.output);
  EXPECT_EQ(j["error"]["code"], "not_media");
  EXPECT_NE(j["error"]["message"].get<std::string>().find("probe_cli_random.bin"),
            std::string::npos);
}

TEST(ProbeCliTest, LimitFlags) {
  EXPECT_EQ(Vtp("probe --max-width 100 '" + Clip() + "'").exit_status, 14);
  EXPECT_EQ(Vtp("probe --max-duration=1.5 '" + Clip() + "'").exit_status, 14);
  EXPECT_EQ(Vtp("probe --max-streams 1 '" + Clip() + "'").exit_status, 14);
  EXPECT_EQ(Vtp("probe --max-height 240 '" + Clip() + "'").exit_status, 0);
}

TEST(ProbeCliTest, UsageErrors) {
  EXPECT_EQ(Vtp("probe").exit_status, 2);
  EXPECT_EQ(Vtp("probe --max-width abc '" + Clip() + "'").exit_status, 2);
  EXPECT_EQ(Vtp("probe --frobnicate 1 '" + Clip() + "'").exit_status, 2);
  EXPECT_EQ(Vtp("probe a.mp4 b.mp4").exit_status, 2);
  CommandResult help = Vtp("probe --help");
  EXPECT_EQ(help.exit_status, 0);
  EXPECT_NE(help.output.find("usage: vtp probe"), std::string::npos);
}

TEST(ProbeCliTest, MissingFileExitsNotFound) {
  EXPECT_EQ(Vtp("probe /nonexistent/vtp-probe-input.mp4").exit_status, 3);
}

}  // namespace
}  // namespace vtp
