#include "app/runtime.h"

#include <fstream>
#include <sstream>

#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <vector>


namespace vtp::app {

std::string DefaultDataDir() {
  if (const char* d = std::getenv("VTP_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/vtp";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/vtp";
  return ".vtp";
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "vtp";
  return std::string(buf, static_cast<size_t>(n));
}

std::string TakeDataFlag(int& argc, char** argv) {
  std::string dir;
  int out = 0;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--data") == 0) {
      if (i + 1 >= argc) {
        std::fputs("vtp: --data needs a directory\n", stderr);
        std::exit(2);
      }
      dir = argv[++i];
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  return dir.empty() ? DefaultDataDir() : dir;
}

namespace {

// Every pool a step of `graph` may be leased from, each once.
std::vector<std::string> GraphPools(const engine::PipelineGraph& graph) {
  std::set<std::string> pools;
  for (const engine::StepDef& step : graph.steps()) {
    pools.insert(step.pool);
    pools.insert(step.gpu_pools.begin(), step.gpu_pools.end());
  }
  return {pools.begin(), pools.end()};
}

}  // namespace

StatusOr<std::unique_ptr<Runtime>> Runtime::Open(const std::string& data_dir) {
  namespace fs = std::filesystem;
  auto rt = std::make_unique<Runtime>();
  std::error_code ec;
  rt->data_dir = fs::absolute(data_dir, ec).lexically_normal().string();
  for (const char* sub : {"blobs", "work", "tmp"}) {
    fs::create_directories(rt->data_dir + "/" + sub, ec);
    if (ec) return IoError("creating data directory " + rt->data_dir + "/" + sub + ": " + ec.message());
  }
  rt->graph = pipeline::LadderGraph();
  if (const char* routes = std::getenv("VTP_GPU_ROUTES"); routes != nullptr) {
    RETURN_IF_ERROR(engine::ApplyGpuRoutes(rt->graph, routes).WithContext("VTP_GPU_ROUTES"));
    RETURN_IF_ERROR(pipeline::CheckGpuRoutes(rt->graph).WithContext("VTP_GPU_ROUTES"));
  }
  BackendsOptions backends;
  backends.pools = GraphPools(rt->graph);
  ASSIGN_OR_RETURN(rt->config, LoadClusterConfig());
  ASSIGN_OR_RETURN(rt->backends, Backends::Open(rt->config, rt->data_dir, rt->clock, backends));
  rt->store = &rt->backends->store();
  rt->blobs = &rt->backends->blobs();
  rt->paths = {rt->data_dir + "/blobs", rt->data_dir + "/work"};
  rt->planner = std::make_unique<pipeline::LadderPlanner>(rt->paths);
  rt->live_pools = std::make_unique<engine::RegistryLivePools>(*rt->store);
  rt->scheduler = std::make_unique<engine::Scheduler>(rt->graph, *rt->planner, *rt->store, rt->live_pools.get());
  return rt;
}

engine::RetryPolicy Runtime::PolicyFor(const std::string& step) const {
  const engine::StepDef* s = graph.Find(step);
  return s ? s->retry : engine::GenericRetryPolicy();
}

StatusOr<CodecPolicy> LoadCodecPolicy(const std::string& path) {
  if (path.empty()) return CodecPolicy::Default();
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read codec policy " + path);
  std::ostringstream text;
  text << in.rdbuf();
  StatusOr<CodecPolicy> p = CodecPolicy::FromJson(text.str());
  if (!p.ok()) return p.status().WithContext(path);
  return p;
}

}  // namespace vtp::app
