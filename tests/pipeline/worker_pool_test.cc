// LocalWorkerPool against real child processes: a small shell script stands
// in for `vtp _task TASKFILE RESULTFILE` and behaves according to the task's
// step name.
#include "pipeline/worker_pool.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "testutil/fixtures.h"

namespace fs = std::filesystem;

namespace vtp::pipeline {
namespace {

using nlohmann::json;

// $1 = "_task", $2 = task file, $3 = result file. The step selects the
// behaviour; files the script leaves for the test go next to the script.
constexpr char kFakeWorker[] = R"sh(#!/bin/sh
dir=$(dirname "$0")
step=$(sed -n 's/.*"step":"\([^"]*\)".*/\1/p' "$2")
id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' "$2" | tr '/' '.')
case "$step" in
  ok)
    printf '{"ok":true,"output":{"arg1":"%s","id":"%s","task_file_exists":%s}}' \
      "$1" "$id" "$([ -f "$2" ] && echo true || echo false)" > "$3"
    ;;
  exit1)
    exit 1
    ;;
  sigkill)
    kill -9 $$
    ;;
  error)
    printf '{"ok":false,"error":{"code":"corrupt_input","message":"x"}}' > "$3"
    exit 11
    ;;
  ok_then_fail)
    printf '{"ok":true,"output":{}}' > "$3"
    exit 3
    ;;
  truncated)
    printf '{"ok":tr' > "$3"
    ;;
  not_an_object)
    printf '[1,2,3]' > "$3"
    ;;
  wrong_types)
    printf '{"ok":"yes"}' > "$3"
    ;;
  overlap)
    date +%s%N > "$dir/$id.start"
    sleep 0.2
    date +%s%N > "$dir/$id.end"
    printf '{"ok":true,"output":{}}' > "$3"
    ;;
  burn)
    i=0
    while [ $i -lt 100000 ]; do i=$((i+1)); done
    printf '{"ok":true,"output":{}}' > "$3"
    ;;
  sleep)
    echo $$ > "$dir/$id.pid"   # a FIFO: blocks until the test reads it
    exec sleep 30
    ;;
  *)
    exit 99
    ;;
esac
)sh";

class WorkerPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    exe_ = dir_ + "/fake_vtp";
    std::ofstream(exe_) << kFakeWorker;
    ASSERT_EQ(::chmod(exe_.c_str(), 0755), 0);
    tasks_ = dir_ + "/tasks";
  }

  // Runs `tasks` on a pool of `workers` and returns completions by task id.
  std::map<std::string, Completion> RunAll(int workers, const std::vector<TaskSpec>& tasks) {
    LocalWorkerPool pool(workers, exe_, tasks_);
    for (const auto& t : tasks) {
      Status s = pool.Submit(t);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    std::map<std::string, Completion> done;
    while (pool.busy()) {
      auto c = pool.WaitOne();
      EXPECT_TRUE(c.ok()) << c.status().ToString();
      if (!c.ok()) break;
      std::string id = c->task.id;
      done.emplace(id, std::move(*c));
    }
    EXPECT_EQ(done.size(), tasks.size());
    return done;
  }

  Completion RunOne(const std::string& step) {
    auto done = RunAll(1, {{step + "/1", step, json::object()}});
    return done.count(step + "/1") ? done.at(step + "/1") : Completion{};
  }

  std::string dir_;
  std::string exe_;
  std::string tasks_;
};

int64_t ReadNanos(const std::string& path) {
  std::ifstream f(path);
  int64_t v = -1;
  f >> v;
  return v;
}

TEST_F(WorkerPoolTest, SuccessfulTaskReturnsItsOutput) {
  Completion c = RunOne("ok");
  ASSERT_TRUE(c.result.status.ok()) << c.result.status.ToString();
  EXPECT_EQ(c.task.id, "ok/1");
  EXPECT_EQ(c.task.step, "ok");
  EXPECT_EQ(c.result.output.at("arg1"), "_task");
  EXPECT_EQ(c.result.output.at("id"), "ok.1");
  EXPECT_EQ(c.result.output.at("task_file_exists"), true);
  EXPECT_GT(c.wall_seconds, 0);
  EXPECT_GE(c.cpu_seconds, 0);
}

TEST_F(WorkerPoolTest, TaskFileHoldsTheSpec) {
  TaskSpec t{"package/720p", "ok", json{{"boundaries", {0, 4000}}, {"big", INT64_MAX}}};
  RunAll(1, {t});
  // Ids become file names with '/' replaced, inside the task directory.
  std::ifstream f(tasks_ + "/package.720p.task.json");
  ASSERT_TRUE(f) << "task file missing";
  auto spec = TaskSpecFromJson(json::parse(f));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->id, t.id);
  EXPECT_EQ(spec->step, t.step);
  EXPECT_EQ(spec->params, t.params);
}

TEST_F(WorkerPoolTest, ExitWithoutResultIsWorkerCrashed) {
  Completion c = RunOne("exit1");
  EXPECT_EQ(c.result.status.code(), ErrorCode::kWorkerCrashed);
  EXPECT_NE(c.result.status.message().find("status 1"), std::string::npos)
      << c.result.status.message();
}

TEST_F(WorkerPoolTest, SignalIsWorkerCrashedNamingTheSignal) {
  Completion c = RunOne("sigkill");
  EXPECT_EQ(c.result.status.code(), ErrorCode::kWorkerCrashed);
  EXPECT_NE(c.result.status.message().find("signal"), std::string::npos)
      << c.result.status.message();
  EXPECT_NE(c.result.status.message().find("Killed"), std::string::npos)
      << c.result.status.message();
}

TEST_F(WorkerPoolTest, ReportedErrorKeepsItsCode) {
  Completion c = RunOne("error");
  EXPECT_EQ(c.result.status.code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(c.result.status.message(), "x");
}

TEST_F(WorkerPoolTest, SuccessFollowedByBadExitIsWorkerCrashed) {
  Completion c = RunOne("ok_then_fail");
  EXPECT_EQ(c.result.status.code(), ErrorCode::kWorkerCrashed);
}

TEST_F(WorkerPoolTest, HalfWrittenResultIsWorkerCrashed) {
  Completion c = RunOne("truncated");
  EXPECT_EQ(c.result.status.code(), ErrorCode::kWorkerCrashed);
}

TEST_F(WorkerPoolTest, StaleResultOfSameIdIsNotReused) {
  // The first run leaves an ok result file; the second run of the same id
  // writes none and must not be mistaken for a success.
  auto first = RunAll(1, {{"same", "ok", json::object()}});
  ASSERT_TRUE(first.at("same").result.status.ok());
  auto second = RunAll(1, {{"same", "exit1", json::object()}});
  EXPECT_EQ(second.at("same").result.status.code(), ErrorCode::kWorkerCrashed);
}

TEST_F(WorkerPoolTest, MixedOutcomesAreReportedPerTask) {
  auto done = RunAll(3, {{"a", "ok", json::object()},
                         {"b", "exit1", json::object()},
                         {"c", "error", json::object()},
                         {"d", "sigkill", json::object()},
                         {"e", "ok", json::object()}});
  ASSERT_EQ(done.size(), 5u);
  EXPECT_TRUE(done.at("a").result.status.ok());
  EXPECT_EQ(done.at("b").result.status.code(), ErrorCode::kWorkerCrashed);
  EXPECT_EQ(done.at("c").result.status.code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(done.at("d").result.status.code(), ErrorCode::kWorkerCrashed);
  EXPECT_TRUE(done.at("e").result.status.ok());
  EXPECT_EQ(done.at("e").result.output.at("id"), "e");
}

TEST_F(WorkerPoolTest, ConcurrencyIsBoundedByWorkers) {
  constexpr int kWorkers = 2;
  constexpr int kTasks = 6;
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < kTasks; ++i) tasks.push_back({"overlap/" + std::to_string(i), "overlap", json::object()});
  auto done = RunAll(kWorkers, tasks);
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (int i = 0; i < kTasks; ++i) {
    std::string base = dir_ + "/overlap." + std::to_string(i);
    int64_t start = ReadNanos(base + ".start");
    int64_t end = ReadNanos(base + ".end");
    ASSERT_GT(start, 0) << i;
    ASSERT_GE(end, start) << i;
    spans.push_back({start, end});
    EXPECT_TRUE(done.at("overlap/" + std::to_string(i)).result.status.ok());
    EXPECT_GE(done.at("overlap/" + std::to_string(i)).wall_seconds, 0.2);
  }
  // The most spans alive at any start instant.
  int most = 0;
  for (const auto& [s, e] : spans) {
    int alive = 0;
    for (const auto& [s2, e2] : spans) alive += (s2 <= s && s < e2) ? 1 : 0;
    most = std::max(most, alive);
  }
  EXPECT_LE(most, kWorkers);
  EXPECT_EQ(most, kWorkers) << "tasks ran one at a time";
}

TEST_F(WorkerPoolTest, CpuTimeOfChildIsMeasured) {
  Completion c = RunOne("burn");
  ASSERT_TRUE(c.result.status.ok()) << c.result.status.ToString();
  EXPECT_GT(c.cpu_seconds, 0.01);
  EXPECT_GE(c.wall_seconds + 0.05, c.cpu_seconds);  // one single-threaded child
  EXPECT_GT(c.max_rss_kb, 0);
}

TEST_F(WorkerPoolTest, SleepingChildUsesWallNotCpu) {
  auto done = RunAll(1, {{"overlap/0", "overlap", json::object()}});
  const Completion& c = done.at("overlap/0");
  EXPECT_GE(c.wall_seconds, 0.2);
  EXPECT_LT(c.cpu_seconds, c.wall_seconds);
}

TEST_F(WorkerPoolTest, DestroyingThePoolKillsRunningChildren) {
  const std::string pid_file = dir_ + "/sleep.1.pid";
  pid_t pid = 0;
  auto t0 = std::chrono::steady_clock::now();
  {
    // The child reports its pid through a FIFO: reading it blocks until the
    // child is running, with no polling.
    ASSERT_EQ(::mkfifo(pid_file.c_str(), 0600), 0);
    LocalWorkerPool pool(1, exe_, tasks_);
    ASSERT_TRUE(pool.Submit({"sleep/1", "sleep", json::object()}).ok());
    ASSERT_TRUE(pool.Submit({"queued/1", "ok", json::object()}).ok());
    pid = static_cast<pid_t>(ReadNanos(pid_file));
    ASSERT_GT(pid, 0);
    ASSERT_EQ(::kill(pid, 0), 0) << "worker should be running";
    t0 = std::chrono::steady_clock::now();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 5.0) << "destructor waited for the child instead of killing it";
  // Killed and reaped: the pid no longer exists (not even as a zombie).
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(WorkerPoolTest, MissingBinaryIsReported) {
  LocalWorkerPool pool(1, dir_ + "/no_such_vtp", tasks_);
  Status s = pool.Submit({"ok/1", "ok", json::object()});
  if (!s.ok()) {
    EXPECT_EQ(s.code(), ErrorCode::kIo);
    return;
  }
  // Some posix_spawn implementations report exec failure as exit 127.
  auto c = pool.WaitOne();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->result.status.code(), ErrorCode::kWorkerCrashed);
}

// Disabled: TaskResultFromJson throws nlohmann::json::type_error on a result
// file that parses but is not an object of the expected types, and the
// exception escapes WaitOne into the orchestrator (see the report; enable
// once TaskResultFromJson validates its input).
TEST_F(WorkerPoolTest, MalformedResultIsWorkerCrashedNotAnException) {
  for (const std::string step : {"not_an_object", "wrong_types"}) {
    Completion c;
    EXPECT_NO_THROW(c = RunOne(step)) << step;
    EXPECT_FALSE(c.result.status.ok()) << step;
    EXPECT_EQ(c.result.status.code(), ErrorCode::kWorkerCrashed) << step;
  }
}

TEST_F(WorkerPoolTest, WaitOneWithNothingToDoIsAnError) {
  LocalWorkerPool pool(1, exe_, tasks_);
  EXPECT_FALSE(pool.busy());
  auto c = pool.WaitOne();
  EXPECT_FALSE(c.ok());
}

TEST_F(WorkerPoolTest, NonPositiveWorkerCountRunsOneAtATime) {
  auto done = RunAll(0, {{"a", "ok", json::object()}, {"b", "ok", json::object()}});
  EXPECT_TRUE(done.at("a").result.status.ok());
  EXPECT_TRUE(done.at("b").result.status.ok());
}

}  // namespace
}  // namespace vtp::pipeline
