#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

#include "app/backends.h"
#include "app/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: vtp <command> [options]\n"
    "\n"
    "commands:\n"
    "  probe FILE [--json]        describe a media file, or classify why it is unusable\n"
    "  run INPUT -o OUTDIR        transcode INPUT into an H.264/AAC HLS + DASH ladder\n"
    "  worker                     run tasks from the data directory's queue\n"
    "  status [VIDEO] [--json]    pipeline progress and ETA of a video (or list videos)\n"
    "  dlq list|show|retry        inspect and requeue dead-lettered tasks\n"
    "  retry VIDEO --from STEP    re-run a step and everything after it\n"
    "  views VIDEO N              add views; the codec policy may add HEVC/VP9/AV1\n"
    "  report VIDEO [--json]      per-codec encode cost, saving per view and break-even views\n"
    "  serve                      run the REST API, orchestrator and local workers\n"
    "  keys create|list|revoke    API keys for serve\n"
    "  version                    print the version\n"
    "\n"
    "Commands that use jobs take --data DIR (default $VTP_DATA_DIR, else the\n"
    "configuration's data_dir, else ~/.local/share/vtp) and --config FILE (or\n"
    "$VTP_CONFIG): a cluster.toml choosing PostgreSQL, Redis and S3 adapters\n"
    "(docs/distributed.md). Run `vtp <command> --help` for a command's options.\n"
    "Exit statuses: docs/errors.md\n";

struct Command {
  std::string_view name;
  int (*fn)(int, char**);
};

constexpr Command kCommands[] = {
    {"probe", vtp::app::ProbeCommand},
    {"run", vtp::app::RunCommand},
    {"worker", vtp::app::WorkerCommand},
    {"status", vtp::app::StatusCommand},
    {"dlq", vtp::app::DlqCommand},
    {"retry", vtp::app::RetryCommand},
    {"serve", vtp::app::ServeCommand},
    {"keys", vtp::app::KeysCommand},
    {"report", vtp::app::ReportCommand},
    {"views", vtp::app::ViewsCommand},
    {"_task", vtp::app::TaskCommand},
};

// Moves "--config FILE" out of argv into $VTP_CONFIG (absolute), where every
// command and every process it spawns (local workers, task processes) finds
// it; the file's data_dir becomes $VTP_DATA_DIR unless --data or
// $VTP_DATA_DIR says otherwise. Returns false when --config has no value.
bool TakeConfigFlag(int& argc, char** argv) {
  int out = 0;
  std::string path;
  bool has_data = false;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--config") == 0) {
      if (i + 1 >= argc) return false;
      path = argv[++i];
      continue;
    }
    if (std::strcmp(argv[i], "--data") == 0) has_data = true;
    argv[out++] = argv[i];
  }
  argc = out;
  if (path.empty()) return true;
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(path, ec).string();
  ::setenv("VTP_CONFIG", absolute.c_str(), 1);
  const char* data_env = std::getenv("VTP_DATA_DIR");
  if (has_data || (data_env != nullptr && *data_env != '\0')) return true;
  auto config = vtp::app::ReadClusterConfigFile(absolute);
  // A bad file is reported, naming the file, when the command opens it.
  if (config.ok() && !config->data_dir.empty()) ::setenv("VTP_DATA_DIR", config->data_dir.c_str(), 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string_view name = argv[1];
  if (name == "version" || name == "--version") {
    std::puts("vtp 0.1.0");
    return 0;
  }
  int rest = argc - 2;
  if (!TakeConfigFlag(rest, argv + 2)) {
    std::fputs("vtp: --config needs a file\n", stderr);
    return 2;
  }
  for (const auto& c : kCommands) {
    if (c.name == name) return c.fn(rest, argv + 2);
  }
  std::fprintf(stderr, "vtp: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
