// ProcessTaskRunner against the real `vtp _task` (faults injected through
// VTP_FAULTS) and, where a success is needed without media, a shell script
// standing in for it. Waiting on a child is real time by nature; each wait
// is bounded and none is a timed pause standing in for a condition.
#include "pipeline/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>

#include "pipeline/fault_injection.h"
#include "testutil/fixtures.h"

namespace vtp::pipeline {
namespace {

using engine::TaskOutcome;

// $1 = "_task", $2 = task file, $3 = result file, then the extra arguments.
constexpr char kFakeVtp[] = R"sh(#!/bin/sh
i=0
while [ $i -lt 20000 ]; do i=$((i+1)); done
printf '{"ok":true,"output":{"extra":"%s %s"}}' "$4" "$5" > "$3"
)sh";

ports::TaskRecord Task(const std::string& id, const std::string& step, int attempts = 1,
                       const std::string& params_json = R"({"x":1})") {
  ports::TaskRecord t;
  t.task_id = id;
  t.video_id = "v1";
  t.step = step;
  t.attempts = attempts;
  t.params_json = params_json;
  return t;
}

bool Exists(pid_t pid) { return ::kill(pid, 0) == 0; }

class ProcessRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kFaultsEnvVar);
    dir_ = testutil::FreshDir();
    scratch_ = dir_ + "/scratch";
  }
  void TearDown() override { ::unsetenv(kFaultsEnvVar); }

  // Runs `task` on the real vtp binary to its end.
  TaskOutcome RunToEnd(const ports::TaskRecord& task) {
    ProcessTaskRunner runner(testutil::VtpBinary(), scratch_);
    Status started = runner.Start(task);
    EXPECT_TRUE(started.ok()) << started.ToString();
    if (!started.ok()) return {started, "", 0};
    return WaitForEnd(runner);
  }

  static TaskOutcome WaitForEnd(ProcessTaskRunner& runner) {
    for (int i = 0; i < 600; ++i) {  // a minute at most
      if (std::optional<TaskOutcome> o = runner.Wait(100)) {
        EXPECT_EQ(runner.pid(), -1);
        return *o;
      }
    }
    ADD_FAILURE() << "task did not end";
    return {Internal("timeout"), "", 0};
  }

  std::string dir_;
  std::string scratch_;
};

TEST_F(ProcessRunnerTest, UnknownStepIsInvalidArgument) {
  TaskOutcome o = RunToEnd(Task("v1/frobnicate/a", "frobnicate"));
  EXPECT_EQ(o.status.code(), ErrorCode::kInvalidArgument) << o.status.ToString();
  EXPECT_NE(o.status.message().find("unknown step"), std::string::npos) << o.status.message();
  EXPECT_TRUE(o.result_json.empty());
  EXPECT_GE(o.cpu_ms, 0);
}

TEST_F(ProcessRunnerTest, TaskFileHoldsIdStepParamsAndAttempt) {
  RunToEnd(Task("v1/frobnicate/a", "frobnicate", 2, R"({"chunk":3,"list":[1,2]})"));
  std::ifstream f(scratch_ + "/v1.frobnicate.a.task.json");
  ASSERT_TRUE(f) << "task file missing";
  auto spec = TaskSpecFromJson(nlohmann::json::parse(f));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->id, "v1/frobnicate/a");
  EXPECT_EQ(spec->step, "frobnicate");
  EXPECT_EQ(spec->params, (nlohmann::json{{"chunk", 3}, {"list", {1, 2}}}));
  EXPECT_EQ(spec->attempt, 2);
}

TEST_F(ProcessRunnerTest, CrashIsWorkerCrashedNamingTheSignal) {
  ::setenv(kFaultsEnvVar, "frobnicate=crash", 1);
  TaskOutcome o = RunToEnd(Task("v1/frobnicate/a", "frobnicate"));
  EXPECT_EQ(o.status.code(), ErrorCode::kWorkerCrashed) << o.status.ToString();
  EXPECT_NE(o.status.message().find("SIGABRT"), std::string::npos) << o.status.message();
}

TEST_F(ProcessRunnerTest, HangKeepsRunningUntilCancelled) {
  ::setenv(kFaultsEnvVar, "v1/frobnicate/a=hang", 1);
  ProcessTaskRunner runner(testutil::VtpBinary(), scratch_);
  ASSERT_TRUE(runner.Start(Task("v1/frobnicate/a", "frobnicate")).ok());
  pid_t pid = runner.pid();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(runner.Wait(50), std::nullopt);
  EXPECT_EQ(runner.Wait(0), std::nullopt);
  EXPECT_TRUE(Exists(pid));
  runner.Cancel();
  EXPECT_EQ(runner.pid(), -1);
  // Killed and reaped: not even a zombie is left.
  EXPECT_FALSE(Exists(pid));
  EXPECT_EQ(errno, ESRCH);
  runner.Cancel();  // nothing running: no-op
}

TEST_F(ProcessRunnerTest, DestructorKillsTheChild) {
  ::setenv(kFaultsEnvVar, "frobnicate=hang", 1);
  pid_t pid = -1;
  {
    ProcessTaskRunner runner(testutil::VtpBinary(), scratch_);
    ASSERT_TRUE(runner.Start(Task("v1/frobnicate/a", "frobnicate")).ok());
    pid = runner.pid();
  }
  EXPECT_FALSE(Exists(pid));
}

TEST_F(ProcessRunnerTest, InjectedFailureAppliesToTheFirstNAttempts) {
  ::setenv(kFaultsEnvVar, "frobnicate/a=fail:1:corrupt_input", 1);
  TaskOutcome first = RunToEnd(Task("v1/frobnicate/a", "frobnicate", 1));
  EXPECT_EQ(first.status.code(), ErrorCode::kCorruptInput) << first.status.ToString();
  EXPECT_NE(first.status.message().find("VTP_FAULTS"), std::string::npos);
  TaskOutcome second = RunToEnd(Task("v1/frobnicate/a", "frobnicate", 2));
  EXPECT_EQ(second.status.code(), ErrorCode::kInvalidArgument) << second.status.ToString();
}

TEST_F(ProcessRunnerTest, MalformedFaultSpecFailsTheTask) {
  ::setenv(kFaultsEnvVar, "frobnicate=explode", 1);
  TaskOutcome o = RunToEnd(Task("v1/frobnicate/a", "frobnicate"));
  EXPECT_EQ(o.status.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(o.status.message().find("'frobnicate=explode'"), std::string::npos)
      << o.status.message();
}

TEST_F(ProcessRunnerTest, SuccessReturnsOutputExtraArgsAndCpuTime) {
  const std::string exe = dir_ + "/fake_vtp";
  std::ofstream(exe) << kFakeVtp;
  ASSERT_EQ(::chmod(exe.c_str(), 0755), 0);
  ProcessTaskRunner runner(exe, scratch_, {"--data", "/d"});
  ASSERT_TRUE(runner.Start(Task("v1/x", "x")).ok());
  TaskOutcome o = WaitForEnd(runner);
  ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  EXPECT_EQ(o.result_json, R"({"extra":"--data /d"})");
  EXPECT_GT(o.cpu_ms, 0);
}

TEST_F(ProcessRunnerTest, StartErrors) {
  ProcessTaskRunner missing(dir_ + "/no_such_vtp", scratch_);
  Status s = missing.Start(Task("v1/x", "x"));
  EXPECT_EQ(s.code(), ErrorCode::kIo) << s.ToString();
  EXPECT_EQ(missing.pid(), -1);

  ProcessTaskRunner runner(testutil::VtpBinary(), scratch_);
  for (const char* bad : {"[1]", "{", "", "null"}) {
    EXPECT_EQ(runner.Start(Task("v1/x", "x", 1, bad)).code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(runner.Wait(0)->status.code(), ErrorCode::kInternal);  // nothing started

  ::setenv(kFaultsEnvVar, "x=hang", 1);
  ASSERT_TRUE(runner.Start(Task("v1/x", "x")).ok());
  EXPECT_EQ(runner.Start(Task("v1/y", "x")).code(), ErrorCode::kInternal);  // one at a time
}

// The child must not outlive a worker that dies without cleaning up. This
// process becomes a subreaper so the orphaned child is reparented to it and
// its death can be observed with waitpid.
TEST_F(ProcessRunnerTest, ChildDiesWithTheWorker) {
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  ::setenv(kFaultsEnvVar, "x=hang", 1);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t worker = ::fork();
  ASSERT_GE(worker, 0);
  if (worker == 0) {
    ProcessTaskRunner runner(testutil::VtpBinary(), scratch_);
    pid_t child = runner.Start(Task("v1/x", "x")).ok() ? runner.pid() : -1;
    [[maybe_unused]] ssize_t n = ::write(fds[1], &child, sizeof child);
    ::_exit(0);  // no destructor: only the death signal can stop the child
  }
  ::close(fds[1]);
  pid_t child = -1;
  ASSERT_EQ(::read(fds[0], &child, sizeof child), static_cast<ssize_t>(sizeof child));
  ::close(fds[0]);
  int st = 0;
  ASSERT_EQ(::waitpid(worker, &st, 0), worker);
  ASSERT_GT(child, 0);
  // Block until the orphan exits (a pidfd becomes readable then), at most
  // 10 s; by now it has been reparented to this process, so reap it.
  pid_t reaped = 0;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    if (::poll(&p, 1, 10'000) == 1) reaped = ::waitpid(child, &st, 0);
    ::close(pidfd);
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  if (reaped != child) {
    ::kill(child, SIGKILL);
    FAIL() << "task process outlived its worker";
  }
  EXPECT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

TEST(TaskSpecAttemptTest, RoundTripsDefaultsAndRejectsBadValues) {
  TaskSpec t{"a", "split", nlohmann::json::object(), 3};
  auto back = TaskSpecFromJson(ToJson(t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->attempt, 3);
  auto old = TaskSpecFromJson(nlohmann::json{{"id", "a"}, {"step", "split"}});
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->attempt, 1);
  for (const nlohmann::json& bad : {nlohmann::json(0), nlohmann::json(-2), nlohmann::json("2"),
                                    nlohmann::json(1.5), nlohmann::json(int64_t{1} << 40)}) {
    auto j = nlohmann::json{{"id", "a"}, {"step", "split"}, {"attempt", bad}};
    EXPECT_EQ(TaskSpecFromJson(j).status().code(), ErrorCode::kInvalidArgument) << bad.dump();
  }
}

}  // namespace
}  // namespace vtp::pipeline
