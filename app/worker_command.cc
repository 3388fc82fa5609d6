// `vtp worker [--data DIR] [--pool cpu|gpu|auto|P[,P...]] [--id ID]
// [--exit-when-idle]`: one worker process. Leases tasks from the data
// directory's queue, runs each in its own `vtp _task` child (a codec crash
// kills that child, not the worker), heartbeats, reports, and asks the
// scheduler to plan what the result made ready. It registers in the worker
// registry (id, host, pid, pools, detected hardware) and refreshes its entry
// while it runs, so the scheduler routes GPU-eligible work to its pools only
// while it is alive. SIGTERM/SIGINT: stop taking work, hand the current task
// back (not counted as an attempt), deregister and exit 0.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "app/commands.h"
#include "app/local_workers.h"
#include "app/runtime.h"
#include "engine/worker.h"
#include "engine/worker_presence.h"
#include "media/hardware_encoders.h"
#include "pipeline/process_runner.h"

namespace vtp::app {
namespace {

constexpr const char* kWorkerUsage =
    "usage: vtp worker [--data DIR] [--pool cpu|gpu|auto|NAME[,NAME...]] [--id ID] [--exit-when-idle]\n"
    "\n"
    "Runs tasks from the data directory's queue until SIGTERM/SIGINT, which\n"
    "hands the current task back to the queue (not counted as an attempt).\n"
    "  --pool            worker pools to lease from (default cpu): cpu; gpu = the\n"
    "                    GPU encoders detected here (an error when there are none);\n"
    "                    auto = cpu plus the detected GPU encoders; or a list of\n"
    "                    pool names (cpu, gpu-nvenc)\n"
    "  --id              worker id (default local:<host>:<pid>)\n"
    "  --exit-when-idle  exit 0 once nothing is runnable\n";

engine::Worker* g_worker = nullptr;

void OnStopSignal(int) {
  if (g_worker) g_worker->RequestStop();
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

void Idle(ports::Millis ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// What --pool asked for: pool names, or hardware detection first.
struct PoolChoice {
  std::vector<std::string> pools;
  std::vector<std::string> capabilities;  // detected hardware, used or not
};

// "gpu" / "auto": detects the GPU encoders, prints what it found, and adds
// the routable ones to the pools. kInvalidArgument for "gpu" when none is.
StatusOr<PoolChoice> DetectPools(const std::string& mode) {
  PoolChoice c;
  if (mode == "auto") c.pools.push_back("cpu");
  std::string why_not;
  for (const auto& cap : media::DetectHardwareEncoders()) {
    if (!cap.available) {
      std::printf("vtp worker: %s: unavailable (%s)\n", cap.name.c_str(), cap.reason.c_str());
      why_not += "\n  " + cap.name + ": " + cap.reason;
      continue;
    }
    c.capabilities.push_back(cap.name);
    if (!cap.routable) {
      std::printf("vtp worker: %s: detected, not used (vtp does not encode there yet)\n", cap.name.c_str());
      why_not += "\n  " + cap.name + ": detected, but vtp does not encode there yet";
      continue;
    }
    std::string encoders;
    for (const auto& e : cap.encoders) encoders += (encoders.empty() ? "" : ", ") + e;
    std::printf("vtp worker: %s: available (%s)\n", cap.name.c_str(), encoders.c_str());
    c.pools.push_back(cap.name);
  }
  std::fflush(stdout);
  if (c.pools.empty()) return InvalidArgument("--pool gpu: no usable GPU encoder here:" + why_not);
  return c;
}

StatusOr<PoolChoice> ChoosePools(const std::string& arg) {
  if (arg == "gpu" || arg == "auto") return DetectPools(arg);
  PoolChoice c;
  c.pools = SplitList(arg);
  return c;
}

}  // namespace

int WorkerCommand(int argc, char** argv) {
  std::string data = TakeDataFlag(argc, argv);
  engine::WorkerOptions opts;
  opts.worker_id = LocalWorkerId(::getpid());
  bool exit_when_idle = false;
  std::string pool_arg = "cpu";
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--help" || a == "-h") {
      std::fputs(kWorkerUsage, stdout);
      return 0;
    } else if (a == "--pool" && has_value) {
      pool_arg = argv[++i];
    } else if (a == "--id" && has_value) {
      opts.worker_id = argv[++i];
    } else if (a == "--exit-when-idle") {
      exit_when_idle = true;
    } else {
      std::fprintf(stderr, "vtp worker: bad argument %s\n\n%s", a.c_str(), kWorkerUsage);
      return 2;
    }
  }
  StatusOr<PoolChoice> pools = ChoosePools(pool_arg);
  if (!pools.ok()) {
    std::fprintf(stderr, "vtp worker: %s\n", pools.status().message().c_str());
    return 2;
  }
  opts.pools = pools->pools;
  if (opts.pools.empty() || opts.worker_id.empty()) {
    std::fputs("vtp worker: --pool and --id must not be empty\n", stderr);
    return 2;
  }
  auto rt = Runtime::Open(data);
  if (!rt.ok()) {
    std::fprintf(stderr, "vtp worker: %s\n", rt.status().ToString().c_str());
    return ErrorCodeExitStatus(rt.status().code());
  }
  Runtime& r = **rt;
  // Scratch of its own: a task reclaimed from a dead worker may start here
  // while the dead worker's task process is still being killed.
  std::string scratch = r.data_dir + "/tmp/" + std::to_string(::getpid());
  pipeline::ProcessTaskRunner runner(SelfExe(), scratch, {"--data", r.data_dir});
  opts.policy_for = [&r](const std::string& step) { return r.PolicyFor(step); };
  opts.on_reported = [&r](const ports::TaskRecord& task, engine::StepEvent how) {
    engine::ReportHint hint{task.step, how == engine::StepEvent::kCompleted};
    auto advanced = r.scheduler->Advance(task.video_id, &hint);
    if (!advanced.ok()) {
      std::fprintf(stderr, "vtp worker: planning %s: %s\n", task.video_id.c_str(),
                   advanced.status().ToString().c_str());
    }
  };
  opts.idle_wait = Idle;
  opts.chain_leases = true;
  ports::WorkerRecord self;
  self.worker_id = opts.worker_id;
  self.host = LocalHostName();
  self.pid = ::getpid();
  self.pools = opts.pools;
  self.capabilities = pools->capabilities;
  engine::WorkerPresence presence(*r.store, r.clock, self);
  if (Status registered = presence.Register(); !registered.ok()) {
    std::fprintf(stderr, "vtp worker: registering: %s\n", registered.ToString().c_str());
    return ErrorCodeExitStatus(registered.code());
  }
  engine::Worker worker(*r.store, runner, r.clock, opts);
  g_worker = &worker;
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  ports::Millis next_expiry = 0, next_reconcile = 0;
  for (;;) {
    StatusOr<engine::StepEvent> ev = worker.Step();
    if (ev.ok() && *ev == engine::StepEvent::kStopped) break;
    if (!ev.ok()) std::fprintf(stderr, "vtp worker: %s\n", ev.status().ToString().c_str());
    bool idle = !ev.ok() || (*ev == engine::StepEvent::kIdle && !worker.current());
    if (auto refreshed = presence.Tick(); !refreshed.ok()) {
      std::fprintf(stderr, "vtp worker: refreshing registration: %s\n", refreshed.status().ToString().c_str());
    }
    if (r.clock.NowMillis() >= next_expiry) {
      // Any process may reclaim expired leases; every worker doing it once a
      // second keeps a crashed remote worker's task from waiting long.
      (void)r.store->ExpireLeases();
      (void)ReclaimDeadRegisteredWorkers(*r.store, *r.store, r.clock.NowMillis(), 2 * engine::kWorkerRefreshMs);
      next_expiry = r.clock.NowMillis() + 1000;
    }
    if (idle && r.clock.NowMillis() >= next_reconcile) {
      // An idle worker may be idle because Redis lost the queue (flush,
      // restart): put back what the store says is waiting.
      if (auto restored = r.backends->Reconcile(); !restored.ok()) {
        std::fprintf(stderr, "vtp worker: reconciling the queue: %s\n", restored.status().ToString().c_str());
      }
      next_reconcile = r.clock.NowMillis() + 2000;
    }
    if (idle && exit_when_idle) break;
    if (idle) Idle(opts.idle_wait_ms);
  }
  g_worker = nullptr;
  if (Status gone = presence.Deregister(); !gone.ok()) {
    std::fprintf(stderr, "vtp worker: deregistering: %s\n", gone.ToString().c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  return 0;
}

}  // namespace vtp::app
