// `vtp report`'s data, built from in-memory task records the way the store
// returns them for a finished video.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/planner.h"
#include "pipeline/json_codec.h"
#include "pipeline/report.h"

namespace vtp::pipeline {
namespace {

using nlohmann::json;
using ports::TaskRecord;
using ports::TaskState;

// Round prices: $0.01/GB egress = $1e-11 a byte, $0.036/vCPU-hour = $1e-5
// a CPU-second.
CostConfig RoundPrices() {
  CostConfig c;
  c.prices.egress_usd_per_gb = 0.01;
  c.prices.cpu_usd_per_vcpu_hour = 0.036;
  return c;
}

TaskRecord Task(const std::string& step, const std::string& suffix, int64_t cpu_ms,
                TaskState state = TaskState::kCompleted) {
  TaskRecord t;
  t.task_id = "v1/" + step + "/" + suffix;
  t.video_id = "v1";
  t.step = step;
  t.state = state;
  t.started_at = 1000;
  t.completed_at = 2000;
  t.cpu_ms = cpu_ms;
  t.result_json = "{}";
  return t;
}

// A 60-second rendition in three 20-second segments at `bitrate` bits/s.
TaskRecord Package(const std::string& codec, int width, int height, int64_t bitrate, int64_t cpu_ms,
                   bool columns = true) {
  std::string rung = std::to_string(height) + "p";
  TaskRecord t = Task("package", codec + "_" + rung, cpu_ms);
  if (columns) {
    t.codec = codec;
    t.resolution = rung;
  }
  media::PackagedTrack track;
  track.codec = codec;
  track.timescale = 90000;
  track.width = width;
  track.height = height;
  track.init_name = "init.mp4";
  for (int i = 0; i < 3; ++i) {
    media::PackagedSegment s;
    s.start = i * 20 * 90000;
    s.duration = 20 * 90000;
    s.seconds = 20;
    s.fmp4_bytes = bitrate / 8 * 20;
    s.ts_bytes = s.fmp4_bytes;
    s.fmp4_name = "segment_" + std::to_string(i) + ".m4s";
    s.ts_name = "segment_" + std::to_string(i) + ".ts";
    track.segments.push_back(s);
  }
  t.result_json = TrackToJson(track).dump();
  return t;
}

ports::VideoRecord Ready() {
  ports::VideoRecord v;
  v.video_id = "v1";
  v.status = ports::VideoStatus::kReady;
  return v;
}

// 1080p (1920x1080 = 2,073,600 px) and 720p (1280x720 = 921,600 px) are in
// the ratio 9:4, so a codec's transcode CPU splits 9/13 : 4/13.
//  h264: transcode 130 CPU-s -> 90 + 40; package 2 + 1.
//        1080p 6 Mbit/s (45,000,000 bytes a view), 720p 3 Mbit/s (22,500,000).
//  hevc: transcode 1014 CPU-s -> 702 + 312; package 18 + 48 -> 720 + 360
//        CPU-s = $0.0072 + $0.0036 = $0.0108. 1080p 3.6 Mbit/s saves
//        18,000,000 bytes = $0.00018 a view; 720p 1.8 Mbit/s saves $0.00009.
//  vp9:  the same bytes as H.264: saves nothing.
//  av1:  transcode 13,000 CPU-s -> 9,000 + 4,000 = $0.09 + $0.04; 1080p
//        2.4 Mbit/s saves 27,000,000 bytes = $0.00027, 720p 1.2 Mbit/s saves
//        13,500,000 = $0.000135.
std::vector<TaskRecord> FinishedVideo() {
  return {
      Task("probe", "", 500),
      Task("transcode", "chunk_000", 65'000),
      Task("transcode", "chunk_001", 65'000),
      // A run that failed for good holds no result; its CPU is not counted.
      Task("transcode_hevc", "chunk_002", 999'000, TaskState::kFailed),
      Task("transcode_hevc", "chunk_000", 507'000),
      Task("transcode_hevc", "chunk_001", 507'000),
      Task("transcode_vp9", "chunk_000", 26'000),
      Task("transcode_av1", "chunk_000", 6'500'000),
      Task("transcode_av1", "chunk_001", 6'500'000),
      Package("h264", 1280, 720, 3'000'000, 1'000),
      Package("h264", 1920, 1080, 6'000'000, 2'000),
      Package("hevc", 1920, 1080, 3'600'000, 18'000),
      Package("hevc", 1280, 720, 1'800'000, 48'000),
      Package("vp9", 1920, 1080, 6'000'000, 0),
      Package("vp9", 1280, 720, 3'000'000, 0),
      Package("av1", 1920, 1080, 2'400'000, 0),
      // Records written before the codec/resolution columns: named by the id.
      Package("av1", 1280, 720, 1'200'000, 0, /*columns=*/false),
      Task("package_audio", "", 3'000),
  };
}

CodecReport Build(const std::vector<TaskRecord>& tasks, const CodecPolicy& policy = CodecPolicy::Default()) {
  auto r = BuildCodecReport(Ready(), tasks, policy, RoundPrices());
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : CodecReport{};
}

TEST(TranscodeStepCodec, NamesTheCodec) {
  EXPECT_EQ(TranscodeStepCodec("transcode"), "h264");
  EXPECT_EQ(TranscodeStepCodec("transcode_hevc"), "hevc");
  EXPECT_EQ(TranscodeStepCodec("transcode_av1"), "av1");
  EXPECT_EQ(TranscodeStepCodec("transcode_"), "");
  EXPECT_EQ(TranscodeStepCodec("package"), "");
}

TEST(CodecUsage, ApportionsTranscodeCpuByPixels) {
  auto usage = MeasureCodecUsage(FinishedVideo());
  ASSERT_TRUE(usage.ok()) << usage.status().ToString();
  ASSERT_EQ(usage->size(), 4u);
  std::vector<std::string> order;
  for (const auto& u : *usage) order.push_back(u.codec);
  EXPECT_EQ(order, (std::vector<std::string>{"h264", "hevc", "vp9", "av1"}));
  const CodecUsage& h264 = (*usage)[0];
  EXPECT_EQ(h264.transcode_step, "transcode");
  EXPECT_EQ(h264.transcode_tasks, 2);
  EXPECT_DOUBLE_EQ(h264.transcode_cpu_seconds, 130);
  EXPECT_DOUBLE_EQ(h264.package_cpu_seconds, 3);
  ASSERT_EQ(h264.rungs.size(), 2u);
  EXPECT_EQ(h264.rungs[0].rung, "1080p");  // largest first
  EXPECT_DOUBLE_EQ(h264.rungs[0].transcode_cpu_seconds_estimate, 90);
  EXPECT_DOUBLE_EQ(h264.rungs[0].package_cpu_seconds, 2);
  EXPECT_EQ(h264.rungs[0].average_bitrate, 6'000'000);
  EXPECT_DOUBLE_EQ(h264.rungs[0].duration_seconds, 60);
  EXPECT_DOUBLE_EQ(h264.rungs[1].transcode_cpu_seconds_estimate, 40);
  const CodecUsage& hevc = (*usage)[1];
  EXPECT_EQ(hevc.transcode_step, "transcode_hevc");
  EXPECT_EQ(hevc.transcode_tasks, 2);  // the failed run is not counted
  EXPECT_DOUBLE_EQ(hevc.transcode_cpu_seconds, 1014);
  EXPECT_DOUBLE_EQ(hevc.rungs[0].transcode_cpu_seconds_estimate, 702);
  EXPECT_DOUBLE_EQ(hevc.rungs[1].transcode_cpu_seconds_estimate, 312);
  const CodecUsage& av1 = (*usage)[3];
  ASSERT_EQ(av1.rungs.size(), 2u);
  EXPECT_EQ(av1.rungs[1].rung, "720p");
  EXPECT_EQ(av1.rungs[1].average_bitrate, 1'200'000);
}

TEST(CodecReport, CostsAndBreakEvens) {
  CodecReport r = Build(FinishedVideo());
  ASSERT_EQ(r.costs.codecs.size(), 4u);
  const CodecCost& hevc = r.costs.codecs[1];
  EXPECT_EQ(hevc.codec, "hevc");
  EXPECT_DOUBLE_EQ(hevc.rungs[0].cpu_seconds, 720);
  EXPECT_DOUBLE_EQ(hevc.rungs[1].cpu_seconds, 360);
  EXPECT_DOUBLE_EQ(hevc.cost_usd, 0.0108);
  EXPECT_DOUBLE_EQ(*hevc.rungs[0].saving_usd_per_view, 0.00018);
  EXPECT_EQ(hevc.rungs[0].break_even_views, 40);  // 0.0072 / 0.00018
  EXPECT_EQ(hevc.rungs[1].break_even_views, 40);  // 0.0036 / 0.00009
  EXPECT_EQ(hevc.break_even_views, 60);           // 0.0108 / 0.00018 (every view at 1080p)
  const CodecCost& av1 = r.costs.codecs[3];
  EXPECT_EQ(av1.rungs[0].break_even_views, 334);  // 0.09 / 0.00027 = 333.3
  EXPECT_EQ(av1.rungs[1].break_even_views, 297);  // 0.04 / 0.000135 = 296.3
  EXPECT_EQ(av1.break_even_views, 482);           // 0.13 / 0.00027 = 481.5
  const CodecCost& vp9 = r.costs.codecs[2];
  EXPECT_DOUBLE_EQ(*vp9.saving_usd_per_view, 0);
  EXPECT_FALSE(vp9.break_even_views.has_value());
}

TEST(CodecReport, VerdictsAgainstThePolicy) {
  CodecReport r = Build(FinishedVideo());
  std::vector<std::string> lines;
  for (const auto& v : r.verdicts) lines.push_back(v.text);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "hevc pays for itself after 60 views; the policy adds it at > 100 views in the first hour "
                       "(break-even is at or below the 100-view threshold)",
                       "vp9 never pays for itself: it saves nothing per view; its policy tier is disabled (opt-in)",
                       "av1 pays for itself after 482 views; the policy adds it at > 10000 total views "
                       "(break-even is at or below the 10000-view threshold)",
                   }));
  auto strict = CodecPolicy::FromJson(R"({"tiers": [{"add": ["hevc"], "when": {"views_first_hour_over": 50}}]})");
  ASSERT_TRUE(strict.ok());
  CodecReport s = Build(FinishedVideo(), *strict);
  EXPECT_EQ(s.verdicts[0].text,
            "hevc pays for itself after 60 views; the policy adds it at > 50 views in the first hour "
            "(break-even is above the 50-view threshold)");
  EXPECT_EQ(s.verdicts[2].text, "av1 pays for itself after 482 views; the policy never adds it");
}

TEST(CodecReport, JsonCarriesTheSameData) {
  json j = CodecReportToJson(Build(FinishedVideo()));
  EXPECT_EQ(j["video_id"], "v1");
  EXPECT_EQ(j["prices"]["egress_usd_per_gb"], 0.01);
  EXPECT_NE(j["cpu_per_rung"].get<std::string>().find("estimate"), std::string::npos);
  ASSERT_EQ(j["codecs"].size(), 4u);
  const json& h264 = j["codecs"][0];
  EXPECT_EQ(h264["codec"], "h264");
  EXPECT_TRUE(h264["saving_usd_per_view"].is_null());
  EXPECT_TRUE(h264["break_even_views"].is_null());
  EXPECT_EQ(h264["never_breaks_even"], false);
  const json& hevc = j["codecs"][1];
  EXPECT_EQ(hevc["break_even_views"], 60);
  EXPECT_EQ(hevc["transcode_tasks"], 2);
  EXPECT_DOUBLE_EQ(hevc["rungs"][0]["transcode_cpu_seconds_estimate"].get<double>(), 702);
  EXPECT_DOUBLE_EQ(hevc["rungs"][0]["package_cpu_seconds"].get<double>(), 18);
  EXPECT_DOUBLE_EQ(hevc["rungs"][0]["cpu_seconds_per_output_second"].get<double>(), 12);
  EXPECT_DOUBLE_EQ(hevc["rungs"][0]["bytes_per_view"].get<double>(), 27'000'000);
  EXPECT_DOUBLE_EQ(hevc["rungs"][0]["saving_bytes_per_view"].get<double>(), 18'000'000);
  EXPECT_EQ(hevc["rungs"][1]["break_even_views"], 40);
  EXPECT_EQ(hevc["viewing_mix"], json({{"1080p", 1.0}}));
  EXPECT_EQ(j["codecs"][2]["never_breaks_even"], true);
  EXPECT_TRUE(j["codecs"][2]["break_even_views"].is_null());
  ASSERT_EQ(j["verdicts"].size(), 3u);
  EXPECT_EQ(j["verdicts"][0]["codec"], "hevc");
  EXPECT_EQ(j["verdicts"][0]["policy"], json({"> 100 views in the first hour"}));
}

TEST(CodecReport, TextTableSaysTheCpuSplitIsAnEstimate) {
  std::string text = CodecReportToText(Build(FinishedVideo()));
  EXPECT_NE(text.find("per-rung CPU is an estimate"), std::string::npos) << text;
  // codec, rung, size, CPU-s, CPU-s/s, kbit/s, MB/view, saved MB/view,
  // saved $/1k views, break-even.
  EXPECT_NE(text.find("hevc  1080p  1920x1080     720.00   12.000    3600.0    27.000      18.000        0.1800          40\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("h264  720p   1280x720       41.00    0.683    3000.0    22.500           -             -           -\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("vp9   720p   1280x720        8.00    0.133    3000.0    22.500       0.000        0.0000       never\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hevc pays for itself after 60 views"), std::string::npos) << text;
}

TEST(CodecReport, RefusesAVideoThatIsNotReady) {
  ports::VideoRecord v = Ready();
  v.status = ports::VideoStatus::kTranscoding;
  auto r = BuildCodecReport(v, FinishedVideo(), CodecPolicy::Default(), RoundPrices());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "video v1 is not ready (status: transcoding); the report needs every rendition encoded and packaged");
}

TEST(CodecReport, RefusesAVideoWithoutVideoRenditions) {
  auto r = BuildCodecReport(Ready(), {Task("probe", "", 1), Task("package_audio", "", 1)}, CodecPolicy::Default(),
                            RoundPrices());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "video v1 has no video renditions to report on");
}

TEST(CodecReport, UnreadablePackageResultIsInternal) {
  std::vector<TaskRecord> tasks = FinishedVideo();
  tasks.back() = Package("h264", 640, 360, 800'000, 0);
  tasks.back().result_json = R"({"codec": "h264"})";
  auto r = BuildCodecReport(Ready(), tasks, CodecPolicy::Default(), RoundPrices());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace vtp::pipeline
