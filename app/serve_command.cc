// `vtp serve`: the API, the orchestrator and (embedded mode) local workers
// in one process tree, on the data directory's SQLite store and local blob
// store. See docs/operations.md for flags, limits and what runs where.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "app/commands.h"
#include "app/drm_flags.h"
#include "app/runtime.h"
#include "app/serve_loop.h"
#include "media/logging.h"

namespace vtp::app {
namespace {

constexpr const char* kServeUsage =
    "usage: vtp serve [--data DIR] [options]\n"
    "\n"
    "Runs the REST API (docs/openapi.json), the pipeline's orchestrator and\n"
    "local worker processes. Needs an API key: `vtp keys create`.\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080; port 0 picks one)\n"
    "  --public-url URL       base of URLs handed to clients (default http://HOST:PORT)\n"
    "  --workers N            local worker processes (default: half the cores; none with a\n"
    "                         distributed --config, where `vtp worker` processes do the work)\n"
    "  --chunk-workers N      parallelism uploads' chunk plans are cut for (default: --workers)\n"
    "  --threads N            HTTP I/O threads (default 4)\n"
    "  --rate R --burst B     per-key rate limit, requests/s and bucket size (default 20, 40)\n"
    "  --max-upload BYTES     largest upload accepted (default 64 GiB)\n"
    "  --upload-expiry-hours H  incomplete uploads expire (default 24)\n"
    "  --webhook-attempts N   deliveries tried before a webhook event is dead (default 8)\n"
    "  --codec-policy FILE    which codecs views earn a video (docs/codecs.md; default: the\n"
    "                         seed's tiers, HEVC > 100 views in the first hour, AV1 > 10000)\n"
    "  --gpu-wait-ms MS       a task waiting this long for a busy GPU worker moves to the\n"
    "                         CPU pool (default 120000; 0: only when no GPU worker is alive)\n"
    "  --drm cenc|cbcs        encrypt every upload (its options.drm may tune, not disable it);\n"
    "                         --drm-key-server, --drm-key-policy, --drm-systems,\n"
    "                         --drm-clear-lead, --drm-key-uri, --drm-license-url and\n"
    "                         --no-ts-aes128 as for vtp run (no --drm-keys: keys are made\n"
    "                         per video, or fetched from the key server)\n"
    "  --clearkey-license     answer W3C ClearKey license requests at\n"
    "                         POST /api/v1/videos/{id}/clearkey (development and tests\n"
    "                         only: production licenses come from your license service)\n"
    "Signed playback URLs: set VTP_PLAYBACK_SECRET (never on the command line).\n"
    "SIGINT/SIGTERM: stop accepting, hand running tasks back, exit 0.\n";

volatile sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

bool ParseListen(const std::string& s, std::string& host, uint16_t& port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = s.substr(0, colon);
  char* end = nullptr;
  long p = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) return false;
  port = static_cast<uint16_t>(p);
  return true;
}

int Usage(const std::string& why) {
  std::fprintf(stderr, "vtp serve: %s\n\n%s", why.c_str(), kServeUsage);
  return 2;
}

// Takes argv[i] (and its value) when it is a DRM flag: nullopt when it is
// none, 0 when taken, else the usage exit status.
std::optional<int> TakeDrmFlag(int argc, char** argv, int& i, ServeOptions& o, bool& any_drm_flag) {
  const std::string flag = argv[i];
  if (flag == "--clearkey-license") {
    o.clearkey_license = true;
    return 0;
  }
  bool missing = false;
  auto value = [&]() -> const char* {
    if (i + 1 >= argc) {
      missing = true;
      return "";
    }
    return argv[++i];
  };
  StatusOr<bool> taken = ParseDrmFlag(flag, value, o.drm, any_drm_flag);
  if (!taken.ok()) return Usage(taken.status().message());
  if (!*taken) return std::nullopt;
  if (missing) return Usage(flag + " needs a value");
  if (flag == "--drm-keys") return Usage("--drm-keys is for vtp run: vtp serve makes keys per video or fetches them");
  return 0;
}

}  // namespace

int ServeCommand(int argc, char** argv) {
  std::string data = TakeDataFlag(argc, argv);
  ServeOptions o;
  // The AES-128 key is served beside the media, with the media's
  // credentials (public, or the playback token), so every HLS client that
  // can fetch the playlist can fetch the key.
  o.drm.key_uri = pipeline::kMediaRelativeKeyUri;
  bool any_drm_flag = false;
  std::string listen = "127.0.0.1:8080";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool v = i + 1 < argc;
    auto num = [&](double lo, double hi, double& out) {
      char* end = nullptr;
      out = std::strtod(argv[++i], &end);
      return *end == '\0' && out >= lo && out <= hi;
    };
    double x = 0;
    if (a == "--help" || a == "-h") {
      std::fputs(kServeUsage, stdout);
      return 0;
    } else if (a == "--listen" && v) {
      listen = argv[++i];
    } else if (a == "--public-url" && v) {
      o.public_url = argv[++i];
    } else if (a == "--workers" && v) {
      if (!num(0, 256, x)) return Usage("--workers must be 0..256");
      o.workers = static_cast<int>(x);
    } else if (a == "--chunk-workers" && v) {
      if (!num(1, 256, x)) return Usage("--chunk-workers must be 1..256");
      o.chunk_workers = static_cast<int>(x);
    } else if (a == "--threads" && v) {
      if (!num(1, 256, x)) return Usage("--threads must be 1..256");
      o.threads = static_cast<int>(x);
    } else if (a == "--rate" && v) {
      if (!num(0.001, 1e6, x)) return Usage("--rate must be > 0");
      o.rate.rate_per_second = x;
    } else if (a == "--burst" && v) {
      if (!num(1, 1e7, x)) return Usage("--burst must be >= 1");
      o.rate.burst = x;
    } else if (a == "--max-upload" && v) {
      if (!num(1, 1e15, x)) return Usage("--max-upload must be a positive number of bytes");
      o.max_upload = static_cast<uint64_t>(x);
    } else if (a == "--upload-expiry-hours" && v) {
      if (!num(0, 24 * 365, x)) return Usage("--upload-expiry-hours must be 0..8760");
      o.upload_expiry_ms = static_cast<int64_t>(x * 3600 * 1000);
    } else if (a == "--gpu-wait-ms" && v) {
      if (!num(0, 1e12, x)) return Usage("--gpu-wait-ms must be a number of milliseconds >= 0");
      o.gpu_wait_ms = static_cast<int64_t>(x);
    } else if (a == "--codec-policy" && v) {
      StatusOr<CodecPolicy> policy = LoadCodecPolicy(argv[++i]);
      if (!policy.ok()) return Usage(policy.status().ToString());
      o.codec_policy = std::move(policy).value();
    } else if (a == "--webhook-attempts" && v) {
      if (!num(1, 100, x)) return Usage("--webhook-attempts must be 1..100");
      o.webhook_attempts = static_cast<int>(x);
    } else if (std::optional<int> drm = TakeDrmFlag(argc, argv, i, o, any_drm_flag)) {
      if (*drm != 0) return *drm;
    } else {
      return Usage("bad argument " + a);
    }
  }
  if (!ParseListen(listen, o.host, o.port)) return Usage("--listen must be HOST:PORT");
  if (Status drm = PrepareDrm(o.drm, any_drm_flag); !drm.ok()) return Usage(drm.message());
  if (const char* s = std::getenv("VTP_PLAYBACK_SECRET"); s && *s) o.playback_secret = s;
  media::ConfigureLibavLogging();
  auto rt = Runtime::Open(data);
  if (!rt.ok()) {
    std::fprintf(stderr, "vtp serve: %s\n", rt.status().ToString().c_str());
    return ErrorCodeExitStatus(rt.status().code());
  }
  struct sigaction sa = {};
  sa.sa_handler = OnStop;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  Status s = RunServer(**rt, o, [] { return g_stop != 0; });
  if (!s.ok()) {
    std::fprintf(stderr, "vtp serve: %s\n", s.ToString().c_str());
    return ErrorCodeExitStatus(s.code());
  }
  return 0;
}

}  // namespace vtp::app
