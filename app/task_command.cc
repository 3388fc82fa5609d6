// `vtp _task TASKFILE RESULTFILE [--data DIR]`: the body of a worker's task
// process. With --data, the configured blob store and key vault (see
// app/backends.h) are open to the ingest and drm steps, and with
// `[work] sync = true` every step pulls its work files from the blob store
// and pushes what it wrote before the result is written
// (pipeline/work_sync.h).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string_view>

#include "adapters/pocketsphinx_stt.h"
#include "app/backends.h"
#include "app/commands.h"
#include "app/drm_keys.h"
#include "media/logging.h"
#include "pipeline/fault_injection.h"
#include "pipeline/task_spec.h"
#include "pipeline/work_sync.h"

namespace vtp::app {
namespace {

// The fault rules: VTP_FAULTS itself, or "@FILE" to read them from FILE
// (so a test can lift a fault while the job runs).
std::optional<std::string> FaultSpec() {
  const char* spec = std::getenv(pipeline::kFaultsEnvVar);
  if (spec == nullptr) return std::nullopt;
  if (spec[0] != '@') return std::string(spec);
  std::ifstream f(spec + 1);
  std::string rules((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  while (!rules.empty() && (rules.back() == '\n' || rules.back() == ' ')) rules.pop_back();
  return rules;
}

// Tells a test which process is about to fail, crash or hang: appends
// "<task id> <pid>\n" to $VTP_FAULT_NOTIFY (a FIFO the test reads, so it
// waits without polling).
void NotifyFault(const pipeline::TaskSpec& task) {
  const char* path = std::getenv("VTP_FAULT_NOTIFY");
  if (path == nullptr || *path == '\0') return;
  int fd = ::open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return;
  std::string line = task.id + " " + std::to_string(::getpid()) + "\n";
  (void)!::write(fd, line.data(), line.size());
  ::close(fd);
}

// Carries out a VTP_FAULTS rule for this run (pipeline/fault_injection.h).
// Returns the result to report instead of running the task, if any.
std::optional<pipeline::TaskResult> InjectFault(const pipeline::TaskSpec& task) {
  std::optional<std::string> spec = FaultSpec();
  if (!spec || spec->empty()) return std::nullopt;
  auto fault = pipeline::FaultFor(*spec, task.id, task.step, task.attempt);
  if (!fault.ok()) return pipeline::TaskResult{fault.status(), {}};
  if (!fault->has_value()) return std::nullopt;
  NotifyFault(task);
  switch ((*fault)->mode) {
    case pipeline::FaultMode::kFail:
      return pipeline::TaskResult{Status((*fault)->error, "injected fault (VTP_FAULTS)"), {}};
    case pipeline::FaultMode::kCrash:
      std::abort();
    case pipeline::FaultMode::kHang:
      for (;;) ::pause();  // until a signal kills the process
  }
  return std::nullopt;
}

KeyOrigin KeyOriginOf(const nlohmann::json& params) {
  KeyOrigin o;
  const nlohmann::json source = params.value("key_source", nlohmann::json::object());
  o.server = source.value("server", "");
  o.file = source.value("file", "");
  o.scheme = params.value("scheme", "cenc") == "cbcs" ? cenc::Scheme::kCbcs : cenc::Scheme::kCenc;
  return o;
}

// The task's work files, fetched before the run; PushChanges uploads what
// the run wrote and what the store still lacks.
struct SyncedWork {
  std::vector<pipeline::WorkRef> refs;
  pipeline::WorkSnapshot before;
  pipeline::StoredSizes stored;  // the store's listing at the pull
  std::optional<pipeline::VideoWorkLock> lock;
};

StatusOr<SyncedWork> PullWorkFor(const pipeline::TaskSpec& task, const pipeline::WorkRoots& roots,
                                 const ports::BlobStore& blobs) {
  SyncedWork w;
  w.refs = pipeline::ReferencedWork(task.step, task.params, roots);
  // Held through the push: a finishing task of the same video on this
  // machine must not remove files this one is about to read.
  ASSIGN_OR_RETURN(pipeline::VideoWorkLock lock, pipeline::VideoWorkLock::Acquire(roots, w.refs));
  w.lock.emplace(std::move(lock));
  StatusOr<pipeline::PullStats> pulled = pipeline::PullWork(blobs, w.refs);
  if (!pulled.ok()) return pulled.status().WithContext("work sync");
  w.stored = std::move(pulled->stored);
  w.before = pipeline::SnapshotWork(w.refs);
  return w;
}

Status PushChanges(SyncedWork& w, ports::BlobStore& blobs) {
  // Against the listing too, not only this run's changes: a retry whose
  // step found its output already written (by an attempt killed before or
  // during its push) must still complete the store.
  auto pushes = pipeline::PlanPush(w.refs, w.before, pipeline::SnapshotWork(w.refs), w.stored);
  StatusOr<int> pushed = pipeline::PushWork(blobs, pushes);
  if (!pushed.ok()) return pushed.status().WithContext("work sync");
  return Status::Ok();
}

// Ingest stores originals and drm reads the key vault: those two open the
// configured adapters (app/backends.h), and so does every step when the
// work area travels through the blob store.
StatusOr<std::unique_ptr<Backends>> OpenBackendsFor(const pipeline::TaskSpec& task, const char* data_dir,
                                                    const service::ClusterConfig& config, ports::Clock& clock) {
  if (data_dir == nullptr) return std::unique_ptr<Backends>();
  if (!config.work_sync && task.step != "ingest" && task.step != "drm") return std::unique_ptr<Backends>();
  // A task needs the SQL store and the blobs, never Redis: a brief Redis
  // outage must not fail a task that was already leased.
  BackendsOptions options;
  options.with_redis = false;
  return Backends::Open(config, data_dir, clock, options);
}

pipeline::TaskResult ExecuteSteps(const pipeline::TaskSpec& task, const char* data_dir, Backends* backends);

pipeline::TaskResult RunTask(const pipeline::TaskSpec& task, const char* data_dir) {
  if (auto injected = InjectFault(task)) return *injected;
  service::ClusterConfig config;
  if (data_dir != nullptr) {
    auto loaded = LoadClusterConfig();
    if (!loaded.ok()) return pipeline::TaskResult{loaded.status(), {}};
    config = *std::move(loaded);
  }
  ports::SystemClock clock;
  auto opened = OpenBackendsFor(task, data_dir, config, clock);
  if (!opened.ok()) return pipeline::TaskResult{opened.status(), {}};
  std::unique_ptr<Backends> backends = std::move(opened).value();
  if (backends == nullptr || !config.work_sync) return ExecuteSteps(task, data_dir, backends.get());

  std::string root = std::filesystem::absolute(data_dir).lexically_normal().string();
  pipeline::WorkRoots roots{root + "/work", root + "/public"};
  auto synced = PullWorkFor(task, roots, backends->blobs());
  if (!synced.ok()) return pipeline::TaskResult{synced.status(), {}};
  pipeline::TaskResult result = ExecuteSteps(task, data_dir, backends.get());
  // Pushed before the result file exists: a completed task always has its
  // outputs in the store; a crash before this re-runs the (deterministic) task.
  if (result.status.ok()) {
    if (Status pushed = PushChanges(*synced, backends->blobs()); !pushed.ok()) result = {pushed, {}};
  }
  if (!config.work_keep_local) synced->lock->ReleaseAndClean();
  return result;
}

pipeline::TaskResult ExecuteSteps(const pipeline::TaskSpec& task, const char* data_dir, Backends* backends) {
  pipeline::TaskContext ctx;
  if (backends != nullptr) ctx.blobs = &backends->blobs();
  // The speech model takes ~0.4 s and ~150 MB to load: only captions pay.
  std::unique_ptr<adapters::PocketSphinxStt> stt;
  if (task.step == "captions") {
    auto opened = adapters::PocketSphinxStt::Open();
    if (!opened.ok()) return pipeline::TaskResult{opened.status(), {}};
    stt = std::move(opened).value();
    ctx.stt = stt.get();
  }
  // Only the drm step holds keys: it opens the store's key vault and the
  // master key, and nothing else in the process sees them.
  std::unique_ptr<ports::KeySource> keys;
  if (task.step == "drm") {
    if (backends == nullptr || data_dir == nullptr) {
      return pipeline::TaskResult{InvalidArgument("the drm step needs --data"), {}};
    }
    auto source = OpenKeySource(backends->store(), data_dir, KeyOriginOf(task.params));
    if (!source.ok()) return pipeline::TaskResult{source.status(), {}};
    keys = std::move(source).value();
    ctx.keys = keys.get();
  }
  return pipeline::ExecuteTask(task, ctx);
}

}  // namespace

int TaskCommand(int argc, char** argv) {
  bool with_data = argc == 4 && std::string_view(argv[2]) == "--data";
  if (argc != 2 && !with_data) {
    std::fputs("usage: vtp _task TASKFILE RESULTFILE [--data DIR] (internal)\n", stderr);
    return 2;
  }
  media::ConfigureLibavLogging();
  pipeline::TaskResult result;
  std::ifstream in(argv[0]);
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    result.status = InvalidArgument(std::string("unreadable task file ") + argv[0]);
  } else {
    auto task = pipeline::TaskSpecFromJson(j);
    result = task.ok() ? RunTask(*task, with_data ? argv[3] : nullptr) : pipeline::TaskResult{task.status(), {}};
  }
  // Written to a temporary name first: the orchestrator treats a missing
  // result file as a crash, never a half-written one as a result.
  std::string tmp = std::string(argv[1]) + ".part";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << pipeline::ToJson(result).dump();
    if (!out) return 70;
  }
  if (std::rename(tmp.c_str(), argv[1]) != 0) return 70;
  return result.status.ok() ? 0 : ErrorCodeExitStatus(result.status.code());
}

}  // namespace vtp::app
