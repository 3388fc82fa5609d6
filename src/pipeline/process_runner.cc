#include "pipeline/process_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

extern char** environ;

namespace vtp::pipeline {
namespace {

// Wait() polls the child this often: short against any poll_ms a worker
// uses, long enough to cost nothing.
constexpr auto kPollStep = std::chrono::milliseconds(2);

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  std::string name = abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
  return name + " (" + strsignal(sig) + ")";
}

Status CrashStatus(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return Status(ErrorCode::kWorkerCrashed,
                  "worker killed by signal " + SignalName(WTERMSIG(wait_status)));
  }
  return Status(ErrorCode::kWorkerCrashed, "worker exited with status " +
                                               std::to_string(WEXITSTATUS(wait_status)) +
                                               " without a result");
}

int64_t CpuMillis(const rusage& ru) {
  int64_t us = (static_cast<int64_t>(ru.ru_utime.tv_sec) + ru.ru_stime.tv_sec) * 1'000'000 +
               ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
  return us / 1'000;
}

// The child between fork and exec: only async-signal-safe calls, since the
// parent may have other threads (one may hold the malloc lock). Reports an
// errno through `err_fd` (close-on-exec, so a successful exec reports
// nothing) and never returns.
[[noreturn]] void ExecChild(const char* exe, char* const argv[], int log_fd, int err_fd,
                            pid_t parent, int death_signal) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);  // the parent's blocked signals are not the child's
  int err = 0;
  if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) {
    err = errno;
  } else if (getppid() != parent) {
    _exit(127);  // the parent died before prctl: no signal will come
  } else if (log_fd >= 0 && (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)) {
    err = errno;
  } else {
    execve(exe, argv, environ);
    err = errno;
  }
  [[maybe_unused]] ssize_t n = write(err_fd, &err, sizeof err);
  _exit(127);
}

// The errno ExecChild reported, or 0 once the exec closed the pipe.
int ReadExecErrno(int fd) {
  int err = 0;
  ssize_t n = 0;
  do {
    n = read(fd, &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(sizeof err) ? err : 0;
}

void Reap(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

// ---- Shared helpers ----------------------------------------------------------

TaskFiles TaskFilesFor(const std::string& dir, const std::string& task_id) {
  std::string safe = task_id;
  std::replace(safe.begin(), safe.end(), '/', '.');
  std::string base = dir + "/" + safe;
  return {base + ".task.json", base + ".result.json", base + ".log"};
}

Status WriteTaskFile(const TaskFiles& files, const TaskSpec& task) {
  {
    std::ofstream f(files.task, std::ios::trunc);
    f << ToJson(task).dump();
    if (!f) return IoError("writing " + files.task);
  }
  // A result left by an earlier run of the same id must not pass for this one.
  std::error_code ec;
  std::filesystem::remove(files.result, ec);
  if (ec) return IoError("removing stale " + files.result + ": " + ec.message());
  return Status::Ok();
}

StatusOr<pid_t> SpawnDependent(std::vector<std::string> args, int death_signal,
                               const std::string& log_path) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int log_fd = -1;
  if (!log_path.empty()) {
    log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log_fd < 0) return IoError("opening " + log_path + ": " + strerror(errno));
  }
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    if (log_fd >= 0) close(log_fd);
    return IoError(std::string("pipe: ") + strerror(errno));
  }
  // fork, not posix_spawn: only the child itself can ask for a death signal.
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) ExecChild(argv[0], argv.data(), log_fd, err_pipe[1], parent, death_signal);
  int fork_errno = errno;
  if (log_fd >= 0) close(log_fd);
  close(err_pipe[1]);
  int exec_errno = pid < 0 ? fork_errno : ReadExecErrno(err_pipe[0]);
  close(err_pipe[0]);
  if (pid > 0 && exec_errno != 0) Reap(pid);
  if (exec_errno != 0) return IoError("starting " + args[0] + ": " + strerror(exec_errno));
  return pid;
}

StatusOr<pid_t> SpawnTaskProcess(const std::string& exe, const TaskFiles& files,
                                 const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {exe, "_task", files.task, files.result};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return SpawnDependent(std::move(args), SIGKILL, files.log);
}

TaskResult ReadTaskResult(const std::string& result_path, int wait_status) {
  TaskResult r;
  std::ifstream f(result_path);
  auto j = f ? nlohmann::json::parse(f, nullptr, false) : nlohmann::json();
  if (!f || j.is_discarded()) {
    r.status = CrashStatus(wait_status);
    return r;
  }
  r = TaskResultFromJson(j);
  if (r.status.ok() && !(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)) {
    r.status = Status(ErrorCode::kWorkerCrashed, "worker exited abnormally after reporting success");
  }
  return r;
}

// ---- ProcessTaskRunner ---------------------------------------------------------

ProcessTaskRunner::ProcessTaskRunner(std::string vtp_binary, std::string scratch_dir,
                                     std::vector<std::string> extra_args)
    : exe_(std::move(vtp_binary)), dir_(std::move(scratch_dir)), extra_args_(std::move(extra_args)) {
  std::error_code ec;  // a failure shows up as Start's kIo
  std::filesystem::create_directories(dir_, ec);
}

ProcessTaskRunner::~ProcessTaskRunner() { Cancel(); }

Status ProcessTaskRunner::Start(const ports::TaskRecord& task) {
  if (pid_ >= 0) return Internal("Start while task is still running");
  auto params = nlohmann::json::parse(task.params_json, nullptr, false);
  if (params.is_discarded() || !params.is_object()) {
    return InvalidArgument("task " + task.task_id + ": params_json is not a JSON object");
  }
  TaskSpec spec{task.task_id, task.step, std::move(params), std::max(1, task.attempts)};
  TaskFiles files = TaskFilesFor(dir_, task.task_id);
  RETURN_IF_ERROR(WriteTaskFile(files, spec));
  ASSIGN_OR_RETURN(pid_, SpawnTaskProcess(exe_, files, extra_args_));
  result_path_ = files.result;
  return Status::Ok();
}

std::optional<engine::TaskOutcome> ProcessTaskRunner::Wait(engine::Millis max_wait_ms) {
  if (pid_ < 0) return engine::TaskOutcome{Internal("Wait with no task running"), "", 0};
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max<engine::Millis>(0, max_wait_ms));
  for (;;) {
    int st = 0;
    rusage ru{};
    pid_t done = wait4(pid_, &st, WNOHANG, &ru);
    if (done < 0 && errno != EINTR) {
      pid_ = -1;
      return engine::TaskOutcome{
          Status(ErrorCode::kWorkerCrashed, std::string("lost the worker: ") + strerror(errno)),
          "", 0};
    }
    if (done == pid_) {
      pid_ = -1;
      TaskResult r = ReadTaskResult(result_path_, st);
      std::string json = r.status.ok() ? r.output.dump() : "";
      return engine::TaskOutcome{std::move(r.status), std::move(json), CpuMillis(ru)};
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kPollStep, deadline - now));
  }
}

void ProcessTaskRunner::Cancel() {
  if (pid_ < 0) return;
  kill(pid_, SIGKILL);
  Reap(pid_);
  pid_ = -1;
}

}  // namespace vtp::pipeline
