// `vtp probe FILE [--json] [limits]`: prints what media::Probe learned, or
// classifies why the file is unusable (exit statuses: docs/errors.md).
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "app/commands.h"
#include "core/status.h"
#include "domain/media_info_json.h"
#include "media/logging.h"
#include "media/probe.h"

namespace vtp::app {
namespace {

constexpr const char* kProbeUsage =
    "usage: vtp probe FILE [--json] [--max-width N] [--max-height N]\n"
    "                      [--max-duration SECONDS] [--max-streams N]\n"
    "\n"
    "Describes a media file (container, streams, colour, rotation, frame rate,\n"
    "interlacing, keyframes/GOPs) or classifies why it cannot be used.\n"
    "\n"
    "  --json                  print a JSON object instead of text\n"
    "  --max-width N           refuse video wider than N pixels (default 8192)\n"
    "  --max-height N          refuse video taller than N pixels (default 8192)\n"
    "  --max-duration SECONDS  refuse inputs longer than this (default 43200)\n"
    "  --max-streams N         refuse inputs with more streams (default 64)\n"
    "\n"
    "Exit status 0 on success, else the error class's status (docs/errors.md).\n";

struct ProbeOptions {
  std::string path;
  bool json = false;
  bool help = false;
  ProbeLimits limits;
};

template <typename T>
Status ParseNumber(std::string_view flag, std::string_view text, T* out) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= T{0}) {
    return InvalidArgument(std::string(flag) + " expects a positive number, got '" +
                           std::string(text) + "'");
  }
  *out = value;
  return Status::Ok();
}

// Applies one "--flag VALUE" (or "--flag=VALUE") limit option.
Status ParseLimit(std::string_view flag, std::string_view value, ProbeLimits* limits) {
  if (flag == "--max-width") return ParseNumber(flag, value, &limits->max_width);
  if (flag == "--max-height") return ParseNumber(flag, value, &limits->max_height);
  if (flag == "--max-duration") return ParseNumber(flag, value, &limits->max_duration_seconds);
  if (flag == "--max-streams") return ParseNumber(flag, value, &limits->max_streams);
  return InvalidArgument("unknown option '" + std::string(flag) + "'");
}

StatusOr<ProbeOptions> ParseArgs(int argc, char** argv) {
  ProbeOptions opts;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      opts.help = true;
    } else if (arg == "--json") {
      opts.json = true;
    } else if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string_view::npos) {
        RETURN_IF_ERROR(ParseLimit(arg.substr(0, eq), arg.substr(eq + 1), &opts.limits));
      } else if (i + 1 < argc) {
        RETURN_IF_ERROR(ParseLimit(arg, argv[++i], &opts.limits));
      } else {
        return InvalidArgument("option '" + std::string(arg) + "' needs a value");
      }
    } else if (opts.path.empty()) {
      opts.path = std::string(arg);
    } else {
      return InvalidArgument("only one FILE may be given (got '" + opts.path + "' and '" +
                             std::string(arg) + "')");
    }
  }
  if (opts.path.empty() && !opts.help) return InvalidArgument("missing FILE");
  return opts;
}

int Fail(const Status& status, bool json) {
  std::string name(ErrorCodeName(status.code()));
  std::fprintf(stderr, "vtp probe: %s: %s\n", name.c_str(), status.message().c_str());
  if (json) {
    nlohmann::json j{{"error", {{"code", name}, {"message", status.message()}}}};
    std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  return ErrorCodeExitStatus(status.code());
}

bool WantsJson(int argc, char** argv) {
  for (int i = 0; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

}  // namespace

int ProbeCommand(int argc, char** argv) {
  media::ConfigureLibavLogging();
  StatusOr<ProbeOptions> opts = ParseArgs(argc, argv);
  if (!opts.ok()) {
    std::fputs(kProbeUsage, stderr);
    return Fail(opts.status(), WantsJson(argc, argv));
  }
  if (opts->help) {
    std::fputs(kProbeUsage, stdout);
    return 0;
  }
  StatusOr<MediaInfo> info = media::Probe(opts->path, opts->limits);
  if (!info.ok()) return Fail(info.status(), opts->json);
  if (opts->json) {
    // File names and tags need not be UTF-8; replace rather than throw.
    std::puts(ToJson(*info).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fputs(ToText(*info).c_str(), stdout);
  }
  return 0;
}

}  // namespace vtp::app
