// The embedded mode's worker processes: `vtp run` starts N `vtp worker`
// children on its data directory and supervises them. A worker that dies
// (a codec crash that escaped its task process, the OOM killer, a stray
// SIGKILL) has its leases reclaimed at once -- no waiting for them to
// expire -- and is replaced; one that exits after SIGTERM has already handed
// its task back. Workers die with the supervisor (PR_SET_PDEATHSIG), so
// killing `vtp run` never leaves orphans working. A worker that died without
// deregistering is taken out of the worker registry at once, so routing
// stops counting it before its entry would go stale.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "ports/task_queue.h"
#include "ports/worker_registry.h"

namespace vtp::app {

// "local:<host>:<pid>": the id a local worker process registers under.
std::string LocalWorkerId(pid_t pid);
// This machine's host name ("localhost" when it cannot be read).
std::string LocalHostName();

// Reclaims the leases of `lease_owners` that name a local worker on this
// host whose process no longer exists (left by a `vtp run` that was killed).
// Returns how many tasks were reclaimed.
StatusOr<int> ReclaimDeadLocalWorkers(ports::TaskQueue& queue, const std::vector<std::string>& lease_owners);

// Distributed mode's same-host supervision: every registered worker on this
// host (registry host == LocalHostName()) whose process no longer exists and
// whose registration went stale (last_seen older than `stale_after_ms` at
// `now`: a live worker refreshes it every few seconds) has its leases
// reclaimed and its registration removed, so a SIGKILLed `vtp worker` does
// not hold its tasks until their leases expire. The staleness check keeps a
// live worker on another machine with the same host name (cloned VMs,
// containers) from being taken for a dead one. Workers on other hosts are
// left to lease expiry. Returns how many tasks were reclaimed.
StatusOr<int> ReclaimDeadRegisteredWorkers(ports::TaskQueue& queue, ports::WorkerRegistry& registry,
                                           ports::Millis now, ports::Millis stale_after_ms);

class LocalWorkers {
 public:
  // `args` follow "worker" on each child's command line.
  // `registry` may be null (nothing to deregister).
  LocalWorkers(std::string exe, std::vector<std::string> args, ports::TaskQueue& queue,
               ports::WorkerRegistry* registry = nullptr)
      : exe_(std::move(exe)), args_(std::move(args)), queue_(queue), registry_(registry) {}
  ~LocalWorkers();  // StopAll()
  LocalWorkers(const LocalWorkers&) = delete;
  LocalWorkers& operator=(const LocalWorkers&) = delete;

  Status Start(int count);
  // Reaps workers that exited, reclaims what they held and starts
  // replacements. Returns how many died abnormally.
  StatusOr<int> Supervise();
  // SIGTERM to every worker (they hand back their tasks), then SIGKILL to
  // any still alive after `grace_ms`.
  void StopAll(int grace_ms = 5000);

  int restarts() const { return restarts_; }

 private:
  StatusOr<pid_t> Spawn();
  // Reclaims a dead (or stopped) worker's leases and registry entry.
  Status Forget(const std::string& worker_id);
  std::string exe_;
  std::vector<std::string> args_;
  ports::TaskQueue& queue_;
  ports::WorkerRegistry* registry_;
  std::map<pid_t, std::string> running_;  // pid -> worker id
  int restarts_ = 0;
};

}  // namespace vtp::app
