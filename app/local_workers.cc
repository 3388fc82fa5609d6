#include "app/local_workers.h"

#include <limits>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "pipeline/process_runner.h"

namespace vtp::app {
namespace {

}  // namespace

std::string LocalHostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

std::string LocalWorkerId(pid_t pid) { return "local:" + LocalHostName() + ":" + std::to_string(pid); }

StatusOr<int> ReclaimDeadLocalWorkers(ports::TaskQueue& queue, const std::vector<std::string>& owners) {
  const std::string prefix = "local:" + LocalHostName() + ":";
  int reclaimed = 0;
  for (const auto& owner : owners) {
    if (owner.rfind(prefix, 0) != 0) continue;
    pid_t pid = static_cast<pid_t>(std::atoll(owner.c_str() + prefix.size()));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      ASSIGN_OR_RETURN(int n, queue.ReclaimWorker(owner));
      reclaimed += n;
    }
  }
  return reclaimed;
}

StatusOr<int> ReclaimDeadRegisteredWorkers(ports::TaskQueue& queue, ports::WorkerRegistry& registry,
                                           ports::Millis now, ports::Millis stale_after_ms) {
  // Every registration, however stale: a dead worker stops refreshing.
  ASSIGN_OR_RETURN(std::vector<ports::WorkerRecord> workers,
                   registry.ListLiveWorkers(std::numeric_limits<ports::Millis>::max() / 2));
  const std::string host = LocalHostName();
  int reclaimed = 0;
  for (const ports::WorkerRecord& w : workers) {
    if (w.host != host || w.pid <= 0 || now - w.last_seen <= stale_after_ms) continue;
    if (::kill(static_cast<pid_t>(w.pid), 0) == 0 || errno != ESRCH) continue;
    ASSIGN_OR_RETURN(int n, queue.ReclaimWorker(w.worker_id));
    reclaimed += n;
    RETURN_IF_ERROR(registry.DeregisterWorker(w.worker_id).status());
  }
  return reclaimed;
}

LocalWorkers::~LocalWorkers() { StopAll(); }

Status LocalWorkers::Forget(const std::string& worker_id) {
  RETURN_IF_ERROR(queue_.ReclaimWorker(worker_id).status());
  if (registry_ != nullptr) RETURN_IF_ERROR(registry_->DeregisterWorker(worker_id).status());
  return Status::Ok();
}

StatusOr<pid_t> LocalWorkers::Spawn() {
  std::vector<std::string> args = {exe_, "worker"};
  args.insert(args.end(), args_.begin(), args_.end());
  // Dies with the supervisor; SIGTERM so the worker hands its task back.
  ASSIGN_OR_RETURN(pid_t pid, pipeline::SpawnDependent(std::move(args), SIGTERM, ""));
  running_[pid] = LocalWorkerId(pid);
  return pid;
}

Status LocalWorkers::Start(int count) {
  for (int i = 0; i < count; ++i) RETURN_IF_ERROR(Spawn().status());
  return Status::Ok();
}

StatusOr<int> LocalWorkers::Supervise() {
  int died = 0;
  for (;;) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid <= 0) break;
    auto it = running_.find(pid);
    if (it == running_.end()) continue;
    std::string id = it->second;
    running_.erase(it);
    bool clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    if (!clean) {
      ++died;
      std::fprintf(stderr, "vtp: worker %s %s; reclaiming its task and restarting it\n", id.c_str(),
                   WIFSIGNALED(ws) ? (std::string("killed by ") + strsignal(WTERMSIG(ws))).c_str()
                                   : ("exited with status " + std::to_string(WEXITSTATUS(ws))).c_str());
    }
    // A clean exit (SIGTERM) already released its task and deregistered;
    // this is a no-op then.
    RETURN_IF_ERROR(Forget(id));
    ++restarts_;
    RETURN_IF_ERROR(Spawn().status());
  }
  return died;
}

void LocalWorkers::StopAll(int grace_ms) {
  for (const auto& [pid, id] : running_) ::kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (!running_.empty()) {
    int ws = 0;
    pid_t pid = ::waitpid(-1, &ws, WNOHANG);
    if (pid > 0) {
      running_.erase(pid);
      continue;
    }
    if (pid < 0 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (const auto& [pid, id] : running_) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    (void)Forget(id);
  }
  running_.clear();
}

}  // namespace vtp::app
