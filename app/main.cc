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
    "  version                    print the version\n"
    "\n"
    "Run `vtp <command> --help` for a command's options. Exit statuses: docs/errors.md\n";

struct Command {
  std::string_view name;
  int (*fn)(int, char**);
};

constexpr Command kCommands[] = {
    {"probe", vtp::app::ProbeCommand},
    {"run", vtp::app::RunCommand},
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
