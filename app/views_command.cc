// `vtp views VIDEO N [--policy FILE] [--no-wait] [--workers N] [--quiet]`:
// records N views of a video (the popularity signal the API's POST
// /videos/{id}/views also feeds) and applies the codec policy: when a tier's
// threshold is crossed the video gains that codec's ladder, encoded by local
// workers unless --no-wait, and published beside what players already use.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/commands.h"
#include "app/drive.h"
#include "app/runtime.h"
#include "pipeline/upgrade.h"

namespace vtp::app {
namespace {

constexpr const char* kViewsUsage =
    "usage: vtp views VIDEO N [--policy FILE] [--no-wait] [--workers N] [--quiet] [--data DIR]\n"
    "\n"
    "Adds N (1..1000000) views to VIDEO and applies the codec policy (default: the\n"
    "seed's tiers, HEVC after more than 100 views in the first hour, AV1 after more\n"
    "than 10000 views; docs/codecs.md). Codecs the policy adds are encoded and\n"
    "published next to the existing renditions (a new master version; every\n"
    "existing playlist and segment stays as it is).\n"
    "\n"
    "  --policy FILE   codec policy JSON (docs/codecs.md)\n"
    "  --no-wait       queue the work for `vtp worker` instead of running it here\n"
    "  --workers N     local worker processes (default: half the CPU cores)\n"
    "  --quiet         no progress output\n";

int Fail(const Status& s) {
  std::fprintf(stderr, "vtp views: %s\n", s.ToString().c_str());
  return ErrorCodeExitStatus(s.code());
}

int Usage() {
  std::fputs(kViewsUsage, stderr);
  return 2;
}

}  // namespace

int ViewsCommand(int argc, char** argv) {
  std::string data = TakeDataFlag(argc, argv);
  std::string video_id, policy_path;
  int64_t count = 0;
  bool no_wait = false, quiet = false;
  int workers = 0, positional = 0;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      std::fputs(kViewsUsage, stdout);
      return 0;
    } else if (a == "--policy" && has_value) {
      policy_path = argv[++i];
    } else if (a == "--no-wait") {
      no_wait = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--workers" && has_value) {
      workers = std::atoi(argv[++i]);
      if (workers < 1 || workers > 256) return Fail(InvalidArgument("--workers must be 1..256"));
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "vtp views: unknown option %s\n", a.c_str());
      return Usage();
    } else if (positional == 0) {
      video_id = a;
      ++positional;
    } else if (positional == 1) {
      char* end = nullptr;
      count = std::strtoll(a.c_str(), &end, 10);
      if (end == a.c_str() || *end != '\0' || count < 1 || count > 1'000'000) {
        return Fail(InvalidArgument("N must be a whole number of views, 1..1000000: '" + a + "'"));
      }
      ++positional;
    } else {
      return Usage();
    }
  }
  if (positional != 2) return Usage();
  StatusOr<CodecPolicy> policy = LoadCodecPolicy(policy_path);
  if (!policy.ok()) return Fail(policy.status());
  auto rt = Runtime::Open(data);
  if (!rt.ok()) return Fail(rt.status());
  Runtime& r = **rt;
  if (auto added = r.store->AddViews(video_id, count); !added.ok()) return Fail(added.status());
  auto tally = r.store->GetViews(video_id);
  if (!tally.ok()) return Fail(tally.status());
  auto outcome = pipeline::ApplyCodecPolicy(*r.store, *r.scheduler, r.paths, *policy, video_id,
                                            tally->first_hour, tally->total);
  if (!outcome.ok()) return Fail(outcome.status());
  std::printf("%s: %lld views (%lld in the first hour)\n", video_id.c_str(),
              static_cast<long long>(tally->total), static_cast<long long>(tally->first_hour));
  for (const auto& reason : outcome->reasons) std::printf("  %s\n", reason.Line().c_str());
  const pipeline::UpgradeResult& up = outcome->upgrade;
  if (up.added.empty()) return 0;
  std::string added;
  for (const auto& c : up.added) added += (added.empty() ? "" : ", ") + c;
  std::printf("adding %s (master version %d)%s\n", added.c_str(), up.manifest_version,
              up.from_probe ? "; intermediates were removed, so the job re-runs from the probe" : "");
  if (no_wait) {
    std::printf("queued; run `vtp worker` to process it\n");
    return 0;
  }
  InstallInterruptHandler();
  auto end = Drive(r, workers, quiet, video_id);
  if (!end.ok()) return Fail(end.status());
  if (end->status == ports::VideoStatus::kFailed) return Fail(FailureOf(r, *end).WithContext(video_id));
  std::printf("%s: %s\n", video_id.c_str(), std::string(ports::VideoStatusName(end->status)).c_str());
  return 0;
}

}  // namespace vtp::app
