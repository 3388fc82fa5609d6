// ProcessTaskRunner: the engine's TaskRunner port over worker processes.
// Each run is `<vtp> _task TASKFILE RESULTFILE` in its own child process, so
// a codec crash or hang on hostile input costs that run only; the worker
// reports it as worker_crashed (or the engine kills it at its deadline).
//
// Also the child-process helpers behind it: task and result files, the
// spawn, and reading a result back.
//
// Not thread-safe: one worker thread drives a runner, and only that thread
// may Start it (see SpawnTaskProcess on the death signal).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/worker.h"
#include "pipeline/task_spec.h"

namespace vtp::pipeline {

class ProcessTaskRunner final : public engine::TaskRunner {
 public:
  // `vtp_binary` is the executable to run; task, result and log files go to
  // `scratch_dir` (created if missing), named after the task id.
  // `extra_args` follow RESULTFILE on the child's command line (e.g.
  // {"--data", DIR}).
  ProcessTaskRunner(std::string vtp_binary, std::string scratch_dir,
                    std::vector<std::string> extra_args = {});
  ~ProcessTaskRunner() override;  // cancels a running child
  ProcessTaskRunner(const ProcessTaskRunner&) = delete;
  ProcessTaskRunner& operator=(const ProcessTaskRunner&) = delete;

  // Writes the task file {id, step, params (params_json parsed), attempt
  // (= task.attempts)} and spawns the child. kInvalidArgument for
  // params_json that is not a JSON object, kIo when the file cannot be
  // written or the binary cannot be executed, kInternal when a run is
  // already in flight.
  Status Start(const ports::TaskRecord& task) override;
  // Polls the child for up to max_wait_ms. Its outcome: the result file
  // (TaskResultFromJson; output serialized into result_json), cpu_ms = the
  // child's user + system time; kWorkerCrashed naming the signal or exit
  // status when it died without a result.
  std::optional<engine::TaskOutcome> Wait(engine::Millis max_wait_ms) override;
  // SIGKILL and reap; no-op when nothing runs.
  void Cancel() override;

  // The running child, or -1. For tests and logs.
  pid_t pid() const { return pid_; }

 private:
  std::string exe_;
  std::string dir_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::string result_path_;
};

// ---- Child-process helpers -------------------------------------------------

// Files of one run: "<dir>/<id with '/' -> '.'>.{task.json,result.json,log}".
struct TaskFiles {
  std::string task;
  std::string result;
  std::string log;
};
TaskFiles TaskFilesFor(const std::string& dir, const std::string& task_id);

// Writes `task` to files.task and removes a stale files.result.
Status WriteTaskFile(const TaskFiles& files, const TaskSpec& task);

// Starts args[0] with `args` (execve, this environment) as a child that gets
// `death_signal` when the calling thread exits (PR_SET_PDEATHSIG), so it
// never outlives its parent; stdout and stderr go to `log_path` unless it is
// empty. kIo, with errno's text, when the binary cannot be executed.
StatusOr<pid_t> SpawnDependent(std::vector<std::string> args, int death_signal,
                               const std::string& log_path);

// Starts `exe _task files.task files.result extra_args...` with stdout and
// stderr going to files.log, in the caller's environment. The child gets SIGKILL when the
// calling thread exits (PR_SET_PDEATHSIG), so a dead worker leaves no
// orphan running. kIo when the binary cannot be executed.
StatusOr<pid_t> SpawnTaskProcess(const std::string& exe, const TaskFiles& files,
                                 const std::vector<std::string>& extra_args = {});

// The result of a reaped child from its result file and wait status: what
// it reported, or kWorkerCrashed when it wrote no readable result, died by a
// signal, or exited non-zero after reporting success.
TaskResult ReadTaskResult(const std::string& result_path, int wait_status);

}  // namespace vtp::pipeline
