// Local worker processes: each task runs in its own child process
// (`vtp _task TASKFILE RESULTFILE`), so a codec crash on bad input fails that
// task, never the orchestrator. Not thread-safe: one orchestrator thread
// drives it.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <sys/types.h>

#include "core/status.h"
#include "pipeline/task_spec.h"

namespace vtp::pipeline {

struct Completion {
  TaskSpec task;
  TaskResult result;
  double cpu_seconds = 0;   // user + system of the child
  double wall_seconds = 0;
  int64_t max_rss_kb = 0;
};

class LocalWorkerPool {
 public:
  // `exe` is the vtp binary; task and result files live in `task_dir`.
  LocalWorkerPool(int workers, std::string exe, std::string task_dir);
  ~LocalWorkerPool();  // kills and reaps any child still running
  LocalWorkerPool(const LocalWorkerPool&) = delete;
  LocalWorkerPool& operator=(const LocalWorkerPool&) = delete;

  // Queues a task; it starts as soon as a worker slot is free.
  Status Submit(TaskSpec task);
  // Blocks until some task finishes. Precondition: busy().
  StatusOr<Completion> WaitOne();
  bool busy() const { return !running_.empty() || !queue_.empty(); }

 private:
  struct Running {
    TaskSpec task;
    std::string result_path;
    double started = 0;
  };
  Status StartQueued();
  StatusOr<pid_t> Spawn(const TaskSpec& task, const std::string& result_path);

  int workers_;
  std::string exe_;
  std::string task_dir_;
  std::deque<TaskSpec> queue_;
  std::map<pid_t, Running> running_;
};

// Monotonic seconds, for wall-time accounting.
double MonotonicSeconds();

}  // namespace vtp::pipeline
