#include <cstdio>
#include <cstring>
#include <string_view>

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
    "Commands that use jobs take --data DIR (default $VTP_DATA_DIR, else\n"
    "~/.local/share/vtp). Run `vtp <command> --help` for a command's options.\n"
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
  for (const auto& c : kCommands) {
    if (c.name == name) return c.fn(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "vtp: unknown command '%s'\n\n%s", argv[1], kUsage);
  return 2;
}
