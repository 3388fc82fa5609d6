#include "pipeline/worker_pool.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "pipeline/process_runner.h"

namespace vtp::pipeline {

double MonotonicSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

LocalWorkerPool::LocalWorkerPool(int workers, std::string exe, std::string task_dir)
    : workers_(workers < 1 ? 1 : workers), exe_(std::move(exe)), task_dir_(std::move(task_dir)) {
  std::filesystem::create_directories(task_dir_);
}

LocalWorkerPool::~LocalWorkerPool() {
  for (const auto& [pid, r] : running_) ::kill(pid, SIGKILL);
  for (const auto& [pid, r] : running_) {
    int st = 0;
    ::waitpid(pid, &st, 0);
  }
}

Status LocalWorkerPool::Submit(TaskSpec task) {
  queue_.push_back(std::move(task));
  return StartQueued();
}

StatusOr<pid_t> LocalWorkerPool::Spawn(const TaskSpec& task, const std::string& result_path) {
  TaskFiles files = TaskFilesFor(task_dir_, task.id);
  files.result = result_path;
  RETURN_IF_ERROR(WriteTaskFile(files, task));
  return SpawnTaskProcess(exe_, files);
}

Status LocalWorkerPool::StartQueued() {
  while (!queue_.empty() && static_cast<int>(running_.size()) < workers_) {
    TaskSpec task = std::move(queue_.front());
    queue_.pop_front();
    std::string result_path = TaskFilesFor(task_dir_, task.id).result;
    ASSIGN_OR_RETURN(pid_t pid, Spawn(task, result_path));
    running_[pid] = Running{std::move(task), result_path, MonotonicSeconds()};
  }
  return Status::Ok();
}

StatusOr<Completion> LocalWorkerPool::WaitOne() {
  if (running_.empty()) RETURN_IF_ERROR(StartQueued());
  if (running_.empty()) return Internal("WaitOne with no task");
  for (;;) {
    int st = 0;
    rusage ru{};
    pid_t pid = ::wait4(-1, &st, 0, &ru);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return IoError(std::string("waiting for workers: ") + std::strerror(errno));
    }
    auto it = running_.find(pid);
    if (it == running_.end()) continue;  // not ours
    Completion c;
    c.task = std::move(it->second.task);
    c.wall_seconds = MonotonicSeconds() - it->second.started;
    c.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                    static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    c.max_rss_kb = ru.ru_maxrss;
    c.result = ReadTaskResult(it->second.result_path, st);
    running_.erase(it);
    RETURN_IF_ERROR(StartQueued());
    return c;
  }
}

}  // namespace vtp::pipeline
