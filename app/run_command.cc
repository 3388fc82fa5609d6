// `vtp run INPUT -o OUTDIR [options]`
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "app/commands.h"
#include "app/progress_bar.h"
#include "media/logging.h"
#include "pipeline/run_job.h"

namespace vtp::app {
namespace {

constexpr const char* kRunUsage =
    "usage: vtp run INPUT -o OUTDIR [options]\n"
    "\n"
    "Transcodes INPUT into an H.264/AAC ladder packaged as HLS (CMAF fMP4 and\n"
    "MPEG-TS) and DASH. Output appears in OUTDIR only once complete.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR         output directory (must not exist or be empty)\n"
    "  --workers N              parallel worker processes (default: half the CPU cores)\n"
    "  --segment-seconds S      segment length, 1..60 (default 4)\n"
    "  --max-chunks N           cap on chunks; 1 disables chunking (default: auto)\n"
    "  --encoder-threads N      x264 threads per encoder (default 1)\n"
    "  --preset NAME            x264 preset, ultrafast..veryslow (default medium)\n"
    "  --force                  replace a non-empty OUTDIR\n"
    "  --json                   print a machine-readable summary on stdout\n"
    "  --quiet                  no progress output\n";

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "vtp";
  return std::string(buf, static_cast<size_t>(n));
}

bool ParseInt(const char* s, int lo, int hi, int* out) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

nlohmann::json SummaryJson(const pipeline::RunReport& r) {
  nlohmann::json rends = nlohmann::json::array();
  for (const auto& s : r.renditions) {
    rends.push_back({{"name", s.name}, {"kind", s.kind}, {"codec", s.codecs},
                     {"width", s.width}, {"height", s.height}, {"segments", s.segments},
                     {"duration_seconds", s.duration_seconds}, {"fmp4_bytes", s.fmp4_bytes},
                     {"ts_bytes", s.ts_bytes}, {"peak_bitrate", s.peak_bitrate},
                     {"average_bitrate", s.average_bitrate}});
  }
  nlohmann::json steps = nlohmann::json::object();
  for (const auto& [name, s] : r.steps) {
    steps[name] = {{"tasks", s.tasks}, {"wall_seconds", s.wall_seconds},
                   {"cpu_seconds", s.cpu_seconds}, {"max_worker_rss_kb", s.max_rss_kb}};
  }
  return {{"status", "ready"}, {"input", r.source.path}, {"output_dir", r.output_dir},
          {"manifests", {{"hls", r.output_dir + "/manifest.m3u8"},
                         {"hls_ts", r.output_dir + "/manifest_ts.m3u8"},
                         {"dash", r.output_dir + "/manifest.mpd"}}},
          {"chunks", r.chunks}, {"renditions", rends}, {"steps", steps},
          {"wall_seconds", r.wall_seconds}, {"cpu_seconds", r.cpu_seconds}};
}

int Fail(const Status& s, bool json) {
  std::fprintf(stderr, "vtp run: %s\n", s.ToString().c_str());
  if (json) {
    nlohmann::json j = {{"status", "failed"},
                        {"error", {{"code", std::string(ErrorCodeName(s.code()))}, {"message", s.message()}}}};
    std::puts(j.dump(2).c_str());
  }
  return ErrorCodeExitStatus(s.code());
}

}  // namespace

int RunCommand(int argc, char** argv) {
  pipeline::RunOptions o;
  bool json = false, quiet = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* flag) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "vtp run: %s needs a value\n", flag);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kRunUsage, stdout);
      return 0;
    } else if (a == "-o" || a == "--output") {
      o.output_dir = value("-o");
    } else if (a == "--workers") {
      if (!ParseInt(value("--workers"), 1, 256, &o.workers)) return Fail(InvalidArgument("--workers must be 1..256"), json);
    } else if (a == "--segment-seconds") {
      int s = 0;
      if (!ParseInt(value("--segment-seconds"), 1, 60, &s)) return Fail(InvalidArgument("--segment-seconds must be 1..60"), json);
      o.segment_seconds = s;
      o.gop_seconds = s % 2 == 0 ? 2.0 : 1.0;
    } else if (a == "--max-chunks") {
      if (!ParseInt(value("--max-chunks"), 0, 100000, &o.max_chunks)) return Fail(InvalidArgument("--max-chunks must be >= 0"), json);
    } else if (a == "--encoder-threads") {
      if (!ParseInt(value("--encoder-threads"), 0, 64, &o.encoder_threads)) return Fail(InvalidArgument("--encoder-threads must be 0..64"), json);
    } else if (a == "--preset") {
      o.x264_preset = value("--preset");
      static const char* kPresets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                       "medium", "slow", "slower", "veryslow", "placebo"};
      bool known = false;
      for (const char* p : kPresets) known = known || o.x264_preset == p;
      if (!known) return Fail(InvalidArgument("--preset must be an x264 preset name (ultrafast..veryslow)"), json);
    } else if (a == "--force") {
      o.force = true;
    } else if (a == "--json") {
      json = true;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "vtp run: unknown option %s\n\n%s", a.c_str(), kRunUsage);
      return 2;
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      std::fprintf(stderr, "vtp run: unexpected argument %s\n", a.c_str());
      return 2;
    }
  }
  if (o.input.empty() || o.output_dir.empty()) {
    std::fputs(kRunUsage, stderr);
    return 2;
  }
  media::ConfigureLibavLogging();
  o.vtp_binary = SelfExe();
  ProgressBar bar(!quiet && ::isatty(STDERR_FILENO));
  auto report = pipeline::RunJob(o, &bar);
  bar.Finish();
  if (!report.ok()) return Fail(report.status(), json);
  if (json) {
    std::puts(SummaryJson(*report).dump(2).c_str());
  } else if (!quiet) {
    std::printf("ready: %s\n  HLS (CMAF):    %s/manifest.m3u8\n  HLS (MPEG-TS): %s/manifest_ts.m3u8\n"
                "  DASH:          %s/manifest.mpd\n  %zu renditions, %.1f s wall, %.1f CPU-s\n",
                report->output_dir.c_str(), report->output_dir.c_str(), report->output_dir.c_str(),
                report->output_dir.c_str(), report->renditions.size(), report->wall_seconds,
                report->cpu_seconds);
  }
  return 0;
}

}  // namespace vtp::app
