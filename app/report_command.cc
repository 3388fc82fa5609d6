// vtp report VIDEO [--json] [--prices FILE] [--policy FILE] [--data DIR]
//
// What each codec of a finished video cost to encode and what it saves per
// view against H.264, the views after which it pays for itself, and the
// codec policy's verdict. Reads the store only (task CPU and package
// results); prices and the viewing mix come from --prices (the format in
// domain/cost_model.h), the policy from --policy (domain/codec_policy.h),
// both defaulting to the documented values.
#include <cstdio>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/runtime.h"
#include "domain/codec_policy.h"
#include "domain/cost_model.h"
#include "pipeline/atomic_files.h"
#include "pipeline/report.h"

namespace vtp::app {
namespace {

constexpr char kUsage[] =
    "usage: vtp report VIDEO [--json] [--prices FILE] [--policy FILE] [--data DIR]\n"
    "  per codec and rung: encode CPU, bitrate, bytes per view, saving vs H.264 and the\n"
    "  views after which the codec pays for itself, then the codec policy's verdict.\n"
    "  --prices FILE  egress/CPU/storage prices and the viewing mix (JSON, src/domain/cost_model.h)\n"
    "  --policy FILE  the codec policy (JSON, src/domain/codec_policy.h); default: the seed's tiers\n";

struct ReportFlags {
  std::string video;
  bool json = false;
  std::string prices;
  std::string policy;
};

// False (usage printed) on an unknown option or a missing value.
bool Parse(int argc, char** argv, ReportFlags& f) {
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json") {
      f.json = true;
    } else if ((a == "--prices" || a == "--policy") && i + 1 < argc) {
      (a == "--prices" ? f.prices : f.policy) = argv[++i];
    } else if ((!a.empty() && a[0] == '-') || !f.video.empty()) {
      return false;
    } else {
      f.video = a;
    }
  }
  return !f.video.empty();
}

int Fail(const Status& s) {
  std::fprintf(stderr, "vtp report: %s\n", s.ToString().c_str());
  return ErrorCodeExitStatus(s.code());
}

StatusOr<CostConfig> LoadPrices(const std::string& path) {
  if (path.empty()) return CostConfig{};
  ASSIGN_OR_RETURN(std::string text, pipeline::ReadFileBytes(path));
  StatusOr<CostConfig> c = CostConfigFromJson(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

StatusOr<pipeline::CodecReport> Build(Runtime& rt, const ReportFlags& f) {
  ASSIGN_OR_RETURN(CostConfig prices, LoadPrices(f.prices));
  ASSIGN_OR_RETURN(CodecPolicy policy, LoadCodecPolicy(f.policy));
  StatusOr<ports::VideoRecord> video = rt.store->GetVideo(f.video);
  if (!video.ok()) {
    if (video.status().code() == ErrorCode::kNotFound) {
      return NotFound("unknown video " + f.video + " (`vtp status` lists the videos in " + rt.data_dir + ")");
    }
    return video.status();
  }
  ASSIGN_OR_RETURN(std::vector<ports::TaskRecord> tasks, rt.store->ListTasks(f.video));
  return pipeline::BuildCodecReport(*video, tasks, policy, prices);
}

}  // namespace

int ReportCommand(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  std::string data = TakeDataFlag(argc, argv);
  ReportFlags f;
  if (!Parse(argc, argv, f)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto rt = Runtime::Open(data);
  if (!rt.ok()) return Fail(rt.status());
  auto report = Build(**rt, f);
  if (!report.ok()) return Fail(report.status());
  if (f.json) {
    std::puts(pipeline::CodecReportToJson(*report).dump(2).c_str());
  } else {
    std::fputs(pipeline::CodecReportToText(*report).c_str(), stdout);
  }
  return 0;
}

}  // namespace vtp::app
