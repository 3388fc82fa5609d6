#include "pipeline/worker_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

extern char** environ;

namespace vtp::pipeline {
namespace {

std::string SafeName(const std::string& id) {
  std::string s = id;
  for (char& c : s) {
    if (c == '/') c = '.';
  }
  return s;
}

Status WriteJson(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path, std::ios::trunc);
  f << j.dump();
  if (!f) return IoError("writing " + path);
  return Status::Ok();
}

TaskResult ReadResult(const std::string& path, int wait_status) {
  std::ifstream f(path);
  if (f) {
    auto j = nlohmann::json::parse(f, nullptr, false);
    if (!j.is_discarded()) return TaskResultFromJson(j);
  }
  TaskResult r;
  if (WIFSIGNALED(wait_status)) {
    r.status = Status(ErrorCode::kWorkerCrashed, std::string("worker killed by signal ") +
                                                     strsignal(WTERMSIG(wait_status)));
  } else {
    r.status = Status(ErrorCode::kWorkerCrashed, "worker exited with status " +
                                                     std::to_string(WEXITSTATUS(wait_status)) +
                                                     " without a result");
  }
  return r;
}

}  // namespace

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
  std::string base = task_dir_ + "/" + SafeName(task.id);
  std::string task_path = base + ".task.json";
  RETURN_IF_ERROR(WriteJson(task_path, ToJson(task)));
  std::filesystem::remove(result_path);
  std::string log_path = base + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> args = {exe_, "_task", task_path, result_path};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int err = posix_spawn(&pid, exe_.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return IoError("starting worker " + exe_ + ": " + std::strerror(err));
  return pid;
}

Status LocalWorkerPool::StartQueued() {
  while (!queue_.empty() && static_cast<int>(running_.size()) < workers_) {
    TaskSpec task = std::move(queue_.front());
    queue_.pop_front();
    std::string result_path = task_dir_ + "/" + SafeName(task.id) + ".result.json";
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
    c.result = ReadResult(it->second.result_path, st);
    if (c.result.status.ok() && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
      c.result.status = Status(ErrorCode::kWorkerCrashed, "worker exited abnormally after reporting success");
    }
    running_.erase(it);
    RETURN_IF_ERROR(StartQueued());
    return c;
  }
}

}  // namespace vtp::pipeline
