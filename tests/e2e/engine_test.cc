// End-to-end tests of the durable engine behind `vtp run`: retries with
// backoff, fail-fast error classes, the dead-letter queue, workers killed or
// stopped mid-task, a whole run killed and resumed, retry-from-step, the
// stored original, and the jobs commands' argument errors.
//
// Faults are injected with VTP_FAULTS (src/pipeline/fault_injection.h), and
// each test reads the attempt log straight from the data directory's SQLite
// store. Nothing here pauses on a timer: a command is waited for through a pidfd, and a
// test learns that a fault fired (and in which process) from the FIFO named
// by VTP_FAULT_NOTIFY.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/blob_checksum.h"
#include "adapters/local_blob_store.h"
#include "adapters/sqlite_store.h"
#include "e2e/e2e_util.h"
#include "ports/clock.h"
#include "ports/records.h"

extern char** environ;

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ports::AttemptOutcome;
using ports::AttemptRecord;

// Upper bound on any one vtp command of these tests (they take seconds).
constexpr int kTimeoutMs = 240'000;

using EnvVars = std::map<std::string, std::string>;

// ---- Inputs ------------------------------------------------------------------

// 6 s at 25 fps with a keyframe every second: with --segment-seconds 2 and
// --workers 2 the job has 3 chunks (transcode/chunk_000..chunk_002) and one
// 240p rendition.
constexpr int kChunks = 3;
constexpr int kFrames = 150;

std::string AvInput() {
  return testutil::Fixture(
      "engine_av_320x240_6s.mp4",
      "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 "
      "-t 6 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k");
}

std::string VideoOnlyInput() {
  return testutil::Fixture("engine_video_320x240_6s.mp4",
                           "-f lavfi -i testsrc2=size=320x240:rate=25 -t 6 -c:v libx264 "
                           "-preset ultrafast -g 25 -pix_fmt yuv420p");
}

std::vector<std::string> RunArgs(const std::string& input, const std::string& out, const std::string& data,
                                 const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"run", input, "-o", out, "--data", data, "--preset", "ultrafast",
                                   "--workers", "2", "--segment-seconds", "2", "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// ---- Processes ---------------------------------------------------------------

std::string LogBase() {
  static int n = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string dir = testutil::TestTmpDir() + "/engine-logs";
  fs::create_directories(dir);
  return dir + "/" + (info ? info->name() : "misc") + "." + std::to_string(++n);
}

// The test's environment with `overrides` applied; fault variables the test
// process itself may have are never passed on unless asked for.
std::vector<std::string> EnvironmentWith(const EnvVars& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    if (overrides.count(name) || name == "VTP_FAULTS" || name == "VTP_FAULT_NOTIFY") continue;
    env.push_back(entry);
  }
  for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Holds back the commands started with it until Open(), so that they begin
// at the same moment.
class StartGate {
 public:
  StartGate() { EXPECT_EQ(::pipe2(fds_, O_CLOEXEC), 0) << std::strerror(errno); }
  ~StartGate() {
    Open();
    if (fds_[0] >= 0) ::close(fds_[0]);
  }
  StartGate(const StartGate&) = delete;
  StartGate& operator=(const StartGate&) = delete;

  void Open() {
    if (fds_[1] >= 0) ::close(fds_[1]);
    fds_[1] = -1;
  }
  // In a forked child: blocks until Open(). Async-signal-safe.
  void WaitInChild() const {
    ::close(fds_[1]);
    char c = 0;
    while (::read(fds_[0], &c, 1) < 0 && errno == EINTR) {
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

// `vtp ARGS...` started in a process group of its own, so that a test can
// kill it together with its workers and their task processes; stdout and
// stderr go to log files. The test process is made a child subreaper, so
// processes orphaned by a kill are reparented to it and reaped here.
class Vtp {
 public:
  explicit Vtp(std::vector<std::string> args, const EnvVars& env = {}, const StartGate* gate = nullptr) {
    static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
    EXPECT_TRUE(subreaper) << std::strerror(errno);
    args.insert(args.begin(), testutil::VtpBinary());
    for (const auto& a : args) cmd_ += (cmd_.empty() ? "" : " ") + a;
    std::string base = LogBase();
    out_path_ = base + ".out";
    err_path_ = base + ".err";
    std::vector<std::string> env_strings = EnvironmentWith(env);
    std::vector<char*> argv = CStrings(args);
    std::vector<char*> envp = CStrings(env_strings);
    int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      rlimit no_core = {0, 0};  // the crash faults abort()
      ::setrlimit(RLIMIT_CORE, &no_core);
      if (::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) ::_exit(126);
      if (gate != nullptr) gate->WaitInChild();
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
    if (pid_ > 0) {
      ::setpgid(pid_, pid_);  // also here: no kill(-pgid) can come before the child's own
      pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    }
    ::close(out_fd);
    ::close(err_fd);
    EXPECT_GT(pid_, 0) << cmd_ << ": fork: " << std::strerror(errno);
    EXPECT_GE(pidfd_, 0) << cmd_ << ": pidfd_open: " << std::strerror(errno);
  }

  ~Vtp() {
    if (pid_ > 0 && !reaped_) KillGroup();
    if (pidfd_ >= 0) ::close(pidfd_);
  }
  Vtp(const Vtp&) = delete;
  Vtp& operator=(const Vtp&) = delete;

  int pidfd() const { return pidfd_; }

  // Waits for the command to exit (failing the test and killing it after
  // kTimeoutMs), then kills and reaps whatever of its group is left.
  // Returns the exit status, or 128 + the signal that killed it.
  int Wait() {
    if (reaped_ || pid_ <= 0) return exit_status_;
    pollfd p = {pidfd_, POLLIN, 0};
    int ready = 1;  // without a pidfd, waitid below just blocks
    while (pidfd_ >= 0 && (ready = ::poll(&p, 1, kTimeoutMs)) < 0 && errno == EINTR) {
    }
    if (ready == 0) {
      ADD_FAILURE() << "timed out after " << kTimeoutMs << " ms: " << Describe();
      ::kill(-pid_, SIGKILL);
    }
    siginfo_t info = {};
    while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    // Exited but not reaped yet, so its process group id cannot have been
    // reused: kill what is left of the group (nothing, unless the command
    // left processes behind), then reap them all.
    ::kill(-pid_, SIGKILL);
    int st = 0;
    while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    for (;;) {
      pid_t r = ::waitpid(-pid_, nullptr, 0);
      if (r > 0 || (r < 0 && errno == EINTR)) continue;
      break;
    }
    return exit_status_;
  }

  // SIGKILLs the command, its workers and their task processes at once and
  // reaps them. Returns Wait()'s status.
  int KillGroup() {
    if (!reaped_ && pid_ > 0) ::kill(-pid_, SIGKILL);
    return Wait();
  }

  std::string Stdout() const { return testutil::ReadFile(out_path_); }
  std::string Describe() const {
    return cmd_ + "\n(exit " + std::to_string(exit_status_) + ")\n--- stdout\n" + Stdout() +
           "--- stderr\n" + testutil::ReadFile(err_path_);
  }

 private:
  std::string cmd_;
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
  int exit_status_ = -1;
};

// Runs `vtp ARGS...` to the end; returns the exit status.
struct Done {
  int exit_status;
  std::string out;
  std::string describe;
};
Done RunToEnd(const std::vector<std::string>& args, const EnvVars& env = {}) {
  Vtp v(args, env);
  int rc = v.Wait();
  return {rc, v.Stdout(), v.Describe()};
}

// What a process's /proc says about it.
std::string ProcFile(pid_t pid, const char* name) {
  return testutil::ReadFile("/proc/" + std::to_string(pid) + "/" + name);
}
pid_t ParentOf(pid_t pid) {
  std::string stat = ProcFile(pid, "stat");  // "pid (comm) state ppid ..."
  size_t comm_end = stat.rfind(')');
  if (comm_end == std::string::npos) return -1;
  std::istringstream fields(stat.substr(comm_end + 1));
  std::string state;
  long ppid = -1;
  fields >> state >> ppid;
  return static_cast<pid_t>(ppid);
}
std::string CommandLine(pid_t pid) {
  std::string cmd = ProcFile(pid, "cmdline");
  for (char& c : cmd) c = c == '\0' ? ' ' : c;
  return cmd;
}

// ---- Fault notifications -------------------------------------------------------

struct FaultHit {
  std::string task_id;
  pid_t pid = -1;  // the task process, now failing, crashing or hanging
};

// The FIFO named by VTP_FAULT_NOTIFY: each task process that hits a fault
// writes "<task id> <pid>\n" to it first.
class FaultFifo {
 public:
  explicit FaultFifo(const std::string& dir) : path_(dir + "/faults.fifo") {
    EXPECT_EQ(::mkfifo(path_.c_str(), 0600), 0) << path_ << ": " << std::strerror(errno);
    // O_RDWR: opening waits for no writer, and the FIFO never reads as
    // ended between one task process's write and the next.
    fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    EXPECT_GE(fd_, 0) << path_ << ": " << std::strerror(errno);
  }
  ~FaultFifo() {
    if (fd_ >= 0) ::close(fd_);
  }
  FaultFifo(const FaultFifo&) = delete;
  FaultFifo& operator=(const FaultFifo&) = delete;

  const std::string& path() const { return path_; }

  // Blocks until the next fault fires; nullopt when `run` exits first or
  // kTimeoutMs passes.
  std::optional<FaultHit> Next(const Vtp& run) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        size_t space = line.rfind(' ');
        if (space == std::string::npos) return std::nullopt;
        return FaultHit{line.substr(0, space), static_cast<pid_t>(std::stol(line.substr(space + 1)))};
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd fds[2] = {{fd_, POLLIN, 0}, {run.pidfd(), POLLIN, 0}};
      int ready = ::poll(fds, 2, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) return std::nullopt;
      if (ready <= 0) continue;
      if (fds[0].revents & POLLIN) {
        char bytes[512];
        ssize_t n = ::read(fd_, bytes, sizeof bytes);
        if (n > 0) buffer_.append(bytes, static_cast<size_t>(n));
        continue;
      }
      if (fds[1].revents & POLLIN) return std::nullopt;  // the run ended without the fault
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

// ---- The store -----------------------------------------------------------------

// The data directory's store, opened by the test (SQLite readers may sit
// beside a running vtp). Lookups that fail fail the test and return empty.
class Store {
 public:
  explicit Store(const std::string& data_dir) {
    static ports::SystemClock clock;
    auto opened = adapters::SqliteStore::Open(data_dir + "/vtp.db", clock);
    if (opened.ok()) {
      store_ = std::move(opened).value();
    } else {
      ADD_FAILURE() << data_dir << "/vtp.db: " << opened.status().ToString();
    }
  }
  bool ok() const { return store_ != nullptr; }

  // The id of the video submitted from `input` (its title is the file name).
  std::string VideoIdOf(const std::string& input) {
    auto videos = store_->ListVideos(std::nullopt);
    EXPECT_TRUE(videos.ok()) << videos.status().ToString();
    if (!videos.ok()) return "";
    std::string title = fs::path(input).filename().string();
    for (const auto& v : *videos) {
      if (v.title == title) return v.video_id;
    }
    ADD_FAILURE() << "no video titled " << title;
    return "";
  }
  ports::VideoRecord Video(const std::string& id) { return Get(store_->GetVideo(id), id); }
  ports::TaskRecord Task(const std::string& id) { return Get(store_->GetTask(id), id); }
  std::vector<ports::TaskRecord> Tasks(const std::string& video) { return Get(store_->ListTasks(video), video); }
  std::vector<AttemptRecord> Runs(const std::string& task) { return Get(store_->ListAttempts(task), task); }
  std::map<std::string, std::vector<AttemptRecord>> RunsByTask(const std::string& video) {
    std::map<std::string, std::vector<AttemptRecord>> runs;
    for (const auto& t : Tasks(video)) runs[t.task_id] = Runs(t.task_id);
    return runs;
  }
  std::optional<ports::DeadLetter> DeadLetter(const std::string& task) {
    auto d = store_->GetDeadLetter(task);
    if (!d.ok()) return std::nullopt;
    return *d;
  }

 private:
  template <typename T>
  T Get(StatusOr<T> r, const std::string& what) {
    EXPECT_TRUE(r.ok()) << what << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : T{};
  }

  std::unique_ptr<adapters::SqliteStore> store_;
};

std::vector<std::string> Outcomes(const std::vector<AttemptRecord>& runs) {
  std::vector<std::string> out;
  for (const auto& r : runs) out.emplace_back(ports::AttemptOutcomeName(r.outcome));
  return out;
}

// The attempt log, one run a line, for failure messages.
std::string Describe(const std::vector<AttemptRecord>& runs) {
  std::string s;
  for (const auto& r : runs) {
    s += "\n  run " + std::to_string(r.seq) + " attempt " + std::to_string(r.attempt) + " on " + r.worker_id +
         ": " + std::string(ports::AttemptOutcomeName(r.outcome)) + " " + r.error_code + " " + r.error_message;
  }
  return s;
}

// Runs that counted as attempts: all but those handed back on SIGTERM.
std::vector<AttemptRecord> Counted(const std::vector<AttemptRecord>& runs) {
  std::vector<AttemptRecord> out;
  for (const auto& r : runs) {
    if (r.outcome != AttemptOutcome::kInterrupted) out.push_back(r);
  }
  return out;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Relative path -> SHA-256 of every file below `dir`.
std::map<std::string, std::string> HashTree(const std::string& dir) {
  std::map<std::string, std::string> hashes;
  for (const auto& [rel, bytes] : testutil::TreeContents(dir)) {
    auto h = adapters::Sha256Hex(bytes);
    hashes[rel] = h.ok() ? *h : h.status().ToString();
  }
  return hashes;
}

json ParseJson(const std::string& text) { return json::parse(text, nullptr, /*allow_exceptions=*/false); }

// ---- Tests ---------------------------------------------------------------------

TEST(EngineTest, RetryWithBackoffThenSuccess) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  Done run = RunToEnd(RunArgs(input, dir + "/out", data), {{"VTP_FAULTS", "transcode/chunk_000=fail:2"}});
  ASSERT_EQ(run.exit_status, 0) << run.describe;

  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  auto runs = store.RunsByTask(video);
  const std::string chunk0 = video + "/transcode/chunk_000";
  const auto& log = runs[chunk0];
  ASSERT_EQ(Outcomes(log), (std::vector<std::string>{"failed", "failed", "succeeded"})) << Describe(log);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(log[i].attempt, i + 1) << Describe(log);
  EXPECT_EQ(log[0].error_code, "encode_failed");
  ASSERT_TRUE(log[0].ended_at && log[1].ended_at);
  // The transcode policy backs off 1 s, then 2 s, counted from the end of
  // the failed run.
  EXPECT_GE(log[1].started_at - *log[0].ended_at, 1000) << Describe(log);
  EXPECT_GE(log[2].started_at - *log[1].ended_at, 2000) << Describe(log);

  EXPECT_EQ(runs.count(video + "/transcode/chunk_00" + std::to_string(kChunks - 1)), 1u);
  EXPECT_EQ(runs.count(video + "/publish"), 1u);
  for (const auto& [task, task_runs] : runs) {
    if (task == chunk0) continue;
    EXPECT_EQ(Outcomes(task_runs), std::vector<std::string>{"succeeded"}) << task << Describe(task_runs);
  }
}

// The side branch: each step is retried on its own, and a failure there
// redoes nothing else.
TEST(EngineTest, SideStepsAreRetriedOnTheirOwn) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  std::string srt = testutil::WriteFile("engine_side.srt", "1\n00:00:01,000 --> 00:00:02,000\nhello\n");
  Done run = RunToEnd(RunArgs(input, dir + "/out", data, {"--subtitle", "en:" + srt}),
                      {{"VTP_FAULTS", "audio=fail:1,thumbnails=fail:1,subtitles=fail:1"}});
  ASSERT_EQ(run.exit_status, 0) << run.describe;
  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  auto runs = store.RunsByTask(video);
  for (const char* step : {"/audio", "/thumbnails", "/subtitles"}) {
    EXPECT_EQ(Outcomes(runs[video + step]), (std::vector<std::string>{"failed", "succeeded"}))
        << step << Describe(runs[video + step]);
  }
  for (const auto& [task, task_runs] : runs) {
    if (task == video + "/audio" || task == video + "/thumbnails" || task == video + "/subtitles") continue;
    EXPECT_EQ(Outcomes(task_runs), std::vector<std::string>{"succeeded"}) << task << Describe(task_runs);
  }
  EXPECT_TRUE(fs::exists(dir + "/out/subtitles/en.vtt"));
  EXPECT_TRUE(fs::exists(dir + "/out/thumbnails/thumbnails.vtt"));
}

TEST(EngineTest, NonRetryableErrorFailsFast) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  Done run = RunToEnd(RunArgs(input, dir + "/out", data),
                      {{"VTP_FAULTS", "transcode/chunk_000=fail:9:corrupt_input"}});
  EXPECT_EQ(run.exit_status, 11) << run.describe;  // corrupt_input
  EXPECT_FALSE(fs::exists(dir + "/out"));

  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  const std::string task = video + "/transcode/chunk_000";
  auto log = store.Runs(task);
  ASSERT_EQ(Outcomes(log), std::vector<std::string>{"failed"}) << Describe(log);
  EXPECT_EQ(log[0].error_code, "corrupt_input");
  EXPECT_EQ(store.Task(task).state, ports::TaskState::kFailed);
  EXPECT_TRUE(store.DeadLetter(task).has_value());
  ports::VideoRecord v = store.Video(video);
  EXPECT_EQ(v.status, ports::VideoStatus::kFailed);
  EXPECT_NE(v.error_message.find(task), std::string::npos) << v.error_message;

  Done list = RunToEnd({"dlq", "list", "--json", "--data", data});
  ASSERT_EQ(list.exit_status, 0) << list.describe;
  json dead = ParseJson(list.out);
  ASSERT_TRUE(dead.is_array()) << list.describe;
  int listed = 0;
  for (const auto& d : dead) {
    if (d.value("task_id", "") != task) continue;
    ++listed;
    EXPECT_EQ(d.value("video_id", ""), video);
    EXPECT_EQ(d.value("step", ""), "transcode");
    EXPECT_EQ(d.value("attempts", -1), 1);
  }
  EXPECT_EQ(listed, 1) << list.out;

  Done show = RunToEnd({"dlq", "show", task, "--json", "--data", data});
  ASSERT_EQ(show.exit_status, 0) << show.describe;
  json shown = ParseJson(show.out);
  ASSERT_TRUE(shown.is_object()) << show.describe;
  EXPECT_EQ(shown.value("task_id", ""), task);
  ASSERT_TRUE(shown["attempts"].is_array()) << show.out;
  ASSERT_EQ(shown["attempts"].size(), 1u) << show.out;
  EXPECT_EQ(shown["attempts"][0].value("error_code", ""), "corrupt_input");
  EXPECT_EQ(shown["attempts"][0].value("outcome", ""), "failed");
}

TEST(EngineTest, PoisonTaskGoesToDlqWhileAnotherVideoCompletes) {
  std::string dir = testutil::FreshDir(), data = dir + "/data";
  std::string with_audio = AvInput(), video_only = VideoOnlyInput();
  ASSERT_FALSE(with_audio.empty() || video_only.empty());
  std::string faults = dir + "/faults";
  testutil::WriteFileAt(faults, "package_audio=crash\n");
  EnvVars env = {{"VTP_FAULTS", "@" + faults}};

  // Two jobs at once on one data directory: their workers lease from the
  // same queue, whichever video a task belongs to. The directory is created
  // first: two commands creating it at once is
  // ConcurrentCommandsCreateOneDataDirectory's business.
  Done init = RunToEnd({"dlq", "list", "--data", data});
  ASSERT_EQ(init.exit_status, 0) << init.describe;
  Vtp a(RunArgs(with_audio, dir + "/out_a", data), env);
  Vtp b(RunArgs(video_only, dir + "/out_b", data), env);
  int a_status = a.Wait(), b_status = b.Wait();
  EXPECT_EQ(a_status, 21) << a.Describe();  // worker_crashed
  EXPECT_EQ(b_status, 0) << b.Describe();
  EXPECT_FALSE(fs::exists(dir + "/out_a"));
  EXPECT_TRUE(fs::exists(dir + "/out_b/manifest.m3u8"));

  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string a_id = store.VideoIdOf(with_audio), b_id = store.VideoIdOf(video_only);
  EXPECT_EQ(store.Video(b_id).status, ports::VideoStatus::kReady);
  for (const auto& t : store.Tasks(b_id)) EXPECT_NE(t.step, "package_audio") << t.task_id;
  EXPECT_EQ(store.Video(a_id).status, ports::VideoStatus::kFailed);

  // B's run handing its workers' tasks back when B is done may interrupt a
  // run of A's task; such a run is not an attempt, so only counted runs are
  // checked.
  const std::string task = a_id + "/package_audio";
  auto log = store.Runs(task);
  auto counted = Counted(log);
  ASSERT_EQ(Outcomes(counted), (std::vector<std::string>{"failed", "failed", "failed"})) << Describe(log);
  for (const auto& r : counted) EXPECT_EQ(r.error_code, "worker_crashed") << Describe(log);
  std::optional<ports::DeadLetter> dead = store.DeadLetter(task);
  ASSERT_TRUE(dead.has_value());
  EXPECT_EQ(Counted(dead->attempts).size(), 3u) << Describe(dead->attempts);

  // Lift the fault (task processes read the file when they start) and
  // requeue the dead task: A completes.
  testutil::WriteFileAt(faults, "");
  Done retry = RunToEnd({"dlq", "retry", task, "--quiet", "--data", data}, env);
  ASSERT_EQ(retry.exit_status, 0) << retry.describe;
  EXPECT_EQ(store.Video(a_id).status, ports::VideoStatus::kReady);
  EXPECT_TRUE(fs::exists(dir + "/out_a/manifest.m3u8"));
  log = store.Runs(task);
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().outcome, AttemptOutcome::kSucceeded) << Describe(log);
  EXPECT_FALSE(store.DeadLetter(task).has_value());
}

// Commands started together on a data directory that does not exist yet
// (the first `vtp run`s of a deployment) all open it: none fails with
// "database is busy".
TEST(EngineTest, ConcurrentCommandsCreateOneDataDirectory) {
  std::string dir = testutil::FreshDir();
  constexpr int kDirs = 30, kCommands = 4;
  for (int i = 0; i < kDirs; ++i) {
    std::string data = dir + "/data" + std::to_string(i);
    StartGate gate;
    std::vector<std::unique_ptr<Vtp>> commands;
    for (int j = 0; j < kCommands; ++j) {
      commands.push_back(
          std::make_unique<Vtp>(std::vector<std::string>{"dlq", "list", "--json", "--data", data}, EnvVars{}, &gate));
    }
    gate.Open();
    for (auto& c : commands) {
      EXPECT_EQ(c->Wait(), 0) << c->Describe();
      EXPECT_EQ(ParseJson(c->Stdout()), json::array()) << c->Describe();
    }
  }
}

TEST(EngineTest, WorkerKilledMidTaskIsRetriedElsewhere) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  FaultFifo fifo(dir);
  Vtp run(RunArgs(input, dir + "/out", data),
          {{"VTP_FAULTS", "transcode/chunk_001=hang:1"}, {"VTP_FAULT_NOTIFY", fifo.path()}});

  std::optional<FaultHit> hit = fifo.Next(run);
  ASSERT_TRUE(hit.has_value()) << run.Describe();
  EXPECT_TRUE(EndsWith(hit->task_id, "/transcode/chunk_001")) << hit->task_id;
  pid_t worker = ParentOf(hit->pid);
  ASSERT_GT(worker, 1) << "task process " << hit->pid;
  ASSERT_NE(CommandLine(worker).find(" worker"), std::string::npos) << CommandLine(worker);
  ASSERT_EQ(::kill(worker, SIGKILL), 0) << std::strerror(errno);

  ASSERT_EQ(run.Wait(), 0) << run.Describe();
  Store store(data);
  ASSERT_TRUE(store.ok());
  auto log = store.Runs(hit->task_id);
  ASSERT_EQ(Outcomes(log), (std::vector<std::string>{"lease_expired", "succeeded"})) << Describe(log);
  EXPECT_EQ(log[0].error_code, "lease_expired");
  EXPECT_TRUE(EndsWith(log[0].worker_id, ":" + std::to_string(worker))) << Describe(log);
  EXPECT_NE(log[1].worker_id, log[0].worker_id);
  // A dead worker's run counts: it may have been killed by its input.
  EXPECT_EQ(log[0].attempt, 1);
  EXPECT_EQ(log[1].attempt, 2);
}

TEST(EngineTest, SigtermHandsTaskBackUncounted) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  std::string faults = dir + "/faults";
  testutil::WriteFileAt(faults, "transcode/chunk_001=hang\n");
  FaultFifo fifo(dir);
  Vtp run(RunArgs(input, dir + "/out", data), {{"VTP_FAULTS", "@" + faults}, {"VTP_FAULT_NOTIFY", fifo.path()}});

  std::optional<FaultHit> hit = fifo.Next(run);
  ASSERT_TRUE(hit.has_value()) << run.Describe();
  EXPECT_TRUE(EndsWith(hit->task_id, "/transcode/chunk_001")) << hit->task_id;
  testutil::WriteFileAt(faults, "");  // the next run of the task succeeds
  pid_t worker = ParentOf(hit->pid);
  ASSERT_GT(worker, 1) << "task process " << hit->pid;
  ASSERT_NE(CommandLine(worker).find(" worker"), std::string::npos) << CommandLine(worker);
  ASSERT_EQ(::kill(worker, SIGTERM), 0) << std::strerror(errno);

  ASSERT_EQ(run.Wait(), 0) << run.Describe();
  Store store(data);
  ASSERT_TRUE(store.ok());
  auto log = store.Runs(hit->task_id);
  ASSERT_EQ(Outcomes(log), (std::vector<std::string>{"interrupted", "succeeded"})) << Describe(log);
  EXPECT_TRUE(EndsWith(log[0].worker_id, ":" + std::to_string(worker))) << Describe(log);
  EXPECT_EQ(log[0].attempt, 1) << Describe(log);
  EXPECT_EQ(log[1].attempt, log[0].attempt) << Describe(log);
  EXPECT_EQ(store.Task(hit->task_id).attempts, 1);
}

TEST(EngineTest, KillEverythingThenResume) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput(), out = dir + "/out";
  ASSERT_FALSE(input.empty());
  std::string faults = dir + "/faults";
  testutil::WriteFileAt(faults, "package=hang\n");
  FaultFifo fifo(dir);
  EnvVars env = {{"VTP_FAULTS", "@" + faults}, {"VTP_FAULT_NOTIFY", fifo.path()}};

  Vtp first(RunArgs(input, out, data), env);
  std::optional<FaultHit> hit = fifo.Next(first);
  ASSERT_TRUE(hit.has_value()) << first.Describe();
  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  std::map<std::string, size_t> done_before;  // completed task -> its runs
  for (const auto& t : store.Tasks(video)) {
    if (t.state == ports::TaskState::kCompleted) done_before[t.task_id] = store.Runs(t.task_id).size();
  }
  EXPECT_EQ(first.KillGroup(), 128 + SIGKILL) << first.Describe();
  // A package task runs only once every chunk is transcoded.
  for (const char* step : {"/ingest", "/probe", "/split", "/transcode/chunk_000"}) {
    EXPECT_EQ(done_before.count(video + step), 1u) << step;
  }

  testutil::WriteFileAt(faults, "");
  Done second = RunToEnd(RunArgs(input, out, data), env);
  ASSERT_EQ(second.exit_status, 0) << second.describe;
  for (const auto& [task, runs] : done_before) {
    auto log = store.Runs(task);
    EXPECT_EQ(log.size(), runs) << task << " ran again after the resume:" << Describe(log);
  }
  // The hung run died with its worker: reclaimed as a counted run, then redone.
  auto hung = store.Runs(hit->task_id);
  ASSERT_FALSE(hung.empty());
  EXPECT_EQ(hung.front().outcome, AttemptOutcome::kLeaseExpired) << Describe(hung);
  EXPECT_EQ(hung.back().outcome, AttemptOutcome::kSucceeded) << Describe(hung);

  EXPECT_TRUE(fs::exists(out + "/manifest.mpd"));
  int video_streams = 0;
  for (const auto& s : DecodeEachStream(out + "/manifest.m3u8")) {
    EXPECT_GT(s.frames, 0) << s.codec;
    EXPECT_EQ(s.corrupt_frames, 0) << s.codec;
    if (!s.video) continue;
    ++video_streams;
    EXPECT_EQ(s.frames, kFrames);
  }
  EXPECT_EQ(video_streams, 2);  // the one rung, once per audio family (AAC, Opus)
}

TEST(EngineTest, RetryFromStepReusesUpstreamAndIsByteIdentical) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput(), out = dir + "/out";
  ASSERT_FALSE(input.empty());
  Done run = RunToEnd(RunArgs(input, out, data, {"--keep-work"}));
  ASSERT_EQ(run.exit_status, 0) << run.describe;
  std::map<std::string, std::string> before = HashTree(out);
  ASSERT_FALSE(before.empty());

  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  Done retry = RunToEnd({"retry", video, "--from", "transcode", "--workers", "2", "--quiet", "--data", data});
  ASSERT_EQ(retry.exit_status, 0) << retry.describe;
  EXPECT_NE(retry.out.find("retrying " + video + " from transcode"), std::string::npos) << retry.describe;
  EXPECT_EQ(store.Video(video).status, ports::VideoStatus::kReady);

  // Everything downstream of transcode runs again (package_audio muxes
  // against the video's timeline, so it depends on transcode too); ingest,
  // probe, split and audio are reused.
  const std::set<std::string> redone = {"transcode", "package", "package_audio", "manifest", "publish"};
  std::set<std::string> steps;
  for (const auto& t : store.Tasks(video)) {
    steps.insert(t.step);
    auto log = store.Runs(t.task_id);
    size_t expected = redone.count(t.step) ? 2 : 1;
    EXPECT_EQ(log.size(), expected) << t.task_id << Describe(log);
    for (const auto& r : log) EXPECT_EQ(r.outcome, AttemptOutcome::kSucceeded) << t.task_id << Describe(log);
  }
  EXPECT_EQ(steps, (std::set<std::string>{"ingest", "probe", "split", "transcode", "audio", "package",
                                          "package_audio", "thumbnails", "manifest", "publish"}));
  EXPECT_EQ(HashTree(out), before);
}

TEST(EngineTest, OriginalIsStoredWithChecksumAndInputUntouched) {
  std::string dir = testutil::FreshDir(), data = dir + "/data";
  std::string input = dir + "/upload.mp4";
  ASSERT_FALSE(AvInput().empty());
  fs::copy_file(AvInput(), input);
  const std::string bytes = testutil::ReadFile(input);
  const std::string stamp = testutil::BinaryStamp(input);
  auto sha = adapters::Sha256Hex(bytes);
  ASSERT_TRUE(sha.ok());

  Done run = RunToEnd(RunArgs(input, dir + "/out", data, {"--json"}));
  ASSERT_EQ(run.exit_status, 0) << run.describe;
  json summary = ParseJson(run.out);
  ASSERT_TRUE(summary.is_object()) << run.describe;
  std::string video = summary.value("video_id", "");
  Store store(data);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store.VideoIdOf(input), video);

  // The input is read, never moved, changed or linked into the store.
  EXPECT_EQ(testutil::ReadFile(input), bytes);
  EXPECT_EQ(testutil::BinaryStamp(input), stamp);
  const std::string key = "originals/" + video + "/original.mp4";
  EXPECT_EQ(store.Video(video).original_key, key);
  const std::string stored = data + "/blobs/" + key;
  EXPECT_EQ(testutil::ReadFile(stored), bytes);
  struct stat in_st {}, stored_st {};
  ASSERT_EQ(::stat(input.c_str(), &in_st), 0);
  ASSERT_EQ(::stat(stored.c_str(), &stored_st), 0);
  EXPECT_NE(in_st.st_ino, stored_st.st_ino) << "the stored original is a hard link to the upload";

  auto blobs = adapters::LocalBlobStore::Open(data + "/blobs");
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  auto checksum = (*blobs)->Checksum(key);
  ASSERT_TRUE(checksum.ok()) << checksum.status().ToString();
  EXPECT_EQ(*checksum, *sha);
  Status verified = (*blobs)->Verify(key);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  json ingest = ParseJson(store.Task(video + "/ingest").result_json);
  EXPECT_EQ(ingest.value("sha256", ""), *sha);

  Done status = RunToEnd({"status", video, "--json", "--data", data});
  ASSERT_EQ(status.exit_status, 0) << status.describe;
  json j = ParseJson(status.out);
  ASSERT_TRUE(j.is_object()) << status.describe;
  EXPECT_EQ(j.value("status", ""), "ready");
  const json& transcode = j["pipeline_progress"]["transcode"];
  ASSERT_TRUE(transcode.is_object()) << status.out;
  EXPECT_EQ(transcode.value("total", -1), kChunks);
  EXPECT_EQ(transcode.value("completed", -1), transcode.value("total", -2));
  EXPECT_EQ(transcode.value("percent", -1), 100);
}

TEST(EngineTest, BadArguments) {
  std::string dir = testutil::FreshDir(), data = dir + "/data", input = AvInput();
  ASSERT_FALSE(input.empty());
  Done run = RunToEnd(RunArgs(input, dir + "/out", data));
  ASSERT_EQ(run.exit_status, 0) << run.describe;
  Store store(data);
  ASSERT_TRUE(store.ok());
  std::string video = store.VideoIdOf(input);
  size_t runs_before = 0;
  for (const auto& [task, log] : store.RunsByTask(video)) runs_before += log.size();

  struct Case {
    std::vector<std::string> args;
    int exit_status;
  };
  const std::vector<Case> cases = {
      {{"retry", video}, 2},                       // no --from
      {{"retry", "nope", "--from", "transcode"}, 3},  // not_found
      {{"retry", video, "--from", "bogus"}, 2},     // invalid_argument
      {{"dlq", "show", "nope"}, 3},
      {{"status", "nope"}, 3},
      {{"worker", "--bogus"}, 2},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.end(), {"--data", data});
    Done d = RunToEnd(args);
    EXPECT_EQ(d.exit_status, c.exit_status) << d.describe;
  }

  // None of them touched the finished video.
  EXPECT_EQ(store.Video(video).status, ports::VideoStatus::kReady);
  size_t runs_after = 0;
  for (const auto& [task, log] : store.RunsByTask(video)) runs_after += log.size();
  EXPECT_EQ(runs_after, runs_before);
}

}  // namespace
}  // namespace vtp::e2e
