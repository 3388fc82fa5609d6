// scheduler_bench: the whole embedded engine with no-op tasks (issue 3) --
// what engine_bench's queue numbers become once every task also goes through
// the scheduler: W worker PROCESSES, each with its own SqliteStore on one
// database file and an engine::Worker whose TaskRunner finishes every task at
// once, and which calls Scheduler::Advance after each report, exactly as
// `vtp worker` does. The parent submits V videos of a toy pipeline
//     root -> work (per chunk, C chunks) -> join
// (C + 2 tasks each; the seed's ~360 tasks per video is C = 358) and waits
// until every video is ready.
//
// Reported: tasks/s (all tasks / first enqueue .. last completion) and
// queue-to-start latency (started_at - enqueued_at of every task, from the
// store, ms resolution) p50 / p99 / max.
//
// usage: scheduler_bench [--videos V] [--chunks C] [--workers W] [--dir DIR]
// Exit status 0 when every video became ready, 1 otherwise, 2 on bad usage.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sqlite_store.h"
#include "engine/scheduler.h"
#include "engine/worker.h"

namespace {

using namespace vtp;
using engine::FanOut;
using ports::Millis;

engine::PipelineGraph Graph() {
  engine::PipelineGraph g;
  auto add = [&](const char* name, std::vector<std::string> deps, FanOut f) {
    engine::StepDef s;
    s.name = name;
    s.depends_on = std::move(deps);
    s.fan_out = f;
    (void)g.AddStep(std::move(s));
  };
  add("root", {}, FanOut::kNone);
  add("work", {"root"}, FanOut::kPerChunk);
  add("join", {"work"}, FanOut::kNone);
  return g;
}

class ToyPlanner final : public engine::StepPlanner {
 public:
  explicit ToyPlanner(int chunks) : chunks_(chunks) {}
  StatusOr<engine::JobShape> Shape(const ports::VideoRecord& v, const engine::TaskResults& done) const override {
    engine::JobShape s;
    s.video_id = v.video_id;
    s.has_video = true;
    s.has_audio = false;
    if (done.Completed(v.video_id + "/root")) s.chunks = chunks_;
    return s;
  }
  StatusOr<std::vector<std::string>> Params(const ports::VideoRecord&,
                                            const std::vector<const engine::TaskPlan*>& tasks,
                                            const engine::TaskResults&) const override {
    return std::vector<std::string>(tasks.size(), "{}");
  }
  bool Describe(ports::VideoRecord&, const engine::TaskResults&) const override { return false; }

 private:
  int chunks_;
};

class NoopRunner final : public engine::TaskRunner {
 public:
  Status Start(const ports::TaskRecord&) override { return Status::Ok(); }
  std::optional<engine::TaskOutcome> Wait(Millis) override { return engine::TaskOutcome{}; }
  void Cancel() override {}
};

volatile sig_atomic_t g_stop = 0;
engine::Worker* g_worker = nullptr;
void OnTerm(int) {
  g_stop = 1;
  if (g_worker) g_worker->RequestStop();
}

int WorkerMain(const std::string& db, int chunks, int index) {
  ports::SystemClock clock;
  auto store = adapters::SqliteStore::Open(db, clock);
  if (!store.ok()) return 1;
  engine::PipelineGraph graph = Graph();
  ToyPlanner planner(chunks);
  engine::Scheduler scheduler(graph, planner, **store);
  NoopRunner runner;
  engine::WorkerOptions o;
  o.worker_id = "bench-" + std::to_string(index);
  o.poll_ms = 0;
  o.chain_leases = std::getenv("NO_CHAIN") == nullptr;
  o.on_reported = [&](const ports::TaskRecord& t, engine::StepEvent how) {
    engine::ReportHint hint{t.step, how == engine::StepEvent::kCompleted};
    (void)scheduler.Advance(t.video_id, &hint);
  };
  engine::Worker worker(**store, runner, clock, o);
  g_worker = &worker;
  signal(SIGTERM, OnTerm);
  for (;;) {
    auto ev = worker.Step();
    if (ev.ok() && *ev == engine::StepEvent::kStopped) return 0;
    if (!ev.ok() || *ev == engine::StepEvent::kIdle) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

double Percentile(std::vector<Millis> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[i]);
}

}  // namespace

int main(int argc, char** argv) {
  int videos = 20, chunks = 98, workers = 2;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return std::fprintf(stderr, "bad usage\n"), 2;
    if (a == "--videos") videos = std::atoi(argv[++i]);
    else if (a == "--chunks") chunks = std::atoi(argv[++i]);
    else if (a == "--workers") workers = std::atoi(argv[++i]);
    else if (a == "--dir") dir = argv[++i];
    else return std::fprintf(stderr, "unknown option %s\n", a.c_str()), 2;
  }
  std::string root = dir + "/scheduler_bench." + std::to_string(::getpid());
  std::filesystem::create_directories(root);
  std::string db = root + "/vtp.db";
  ports::SystemClock clock;
  auto store = adapters::SqliteStore::Open(db, clock);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  std::vector<pid_t> pids;
  for (int w = 0; w < workers; ++w) {
    pid_t pid = fork();
    if (pid == 0) _exit(WorkerMain(db, chunks, w));
    pids.push_back(pid);
  }
  engine::PipelineGraph graph = Graph();
  ToyPlanner planner(chunks);
  engine::Scheduler scheduler(graph, planner, **store);
  auto t0 = std::chrono::steady_clock::now();
  for (int v = 0; v < videos; ++v) {
    ports::VideoRecord rec;
    rec.video_id = "v" + std::to_string(v);
    rec.original_key = "originals/" + rec.video_id + "/original.mp4";
    if (Status s = scheduler.Submit(rec); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  }
  bool all_ready = false;
  while (!all_ready) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto ready = (*store)->ListVideos(ports::VideoStatus::kReady);
    all_ready = ready.ok() && static_cast<int>(ready->size()) == videos;
    if (std::chrono::steady_clock::now() - t0 > std::chrono::minutes(5)) break;
  }
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (pid_t p : pids) kill(p, SIGTERM);
  for (pid_t p : pids) waitpid(p, nullptr, 0);
  std::vector<Millis> latency;
  Millis first = INT64_MAX, last = 0;
  for (int v = 0; v < videos; ++v) {
    auto tasks = (*store)->ListTasks("v" + std::to_string(v));
    if (!tasks.ok()) return 1;
    for (const auto& t : *tasks) {
      if (!t.started_at || !t.completed_at) continue;
      latency.push_back(*t.started_at - t.enqueued_at);
      first = std::min(first, t.enqueued_at);
      last = std::max(last, *t.completed_at);
    }
  }
  double span = static_cast<double>(last - first) / 1000.0;
  std::printf("| %d | %d | %d | %zu | %.2f | %.0f | %.0f / %.0f / %.0f |\n", videos, chunks + 2, workers,
              latency.size(), span, static_cast<double>(latency.size()) / std::max(span, 0.001),
              Percentile(latency, 0.5), Percentile(latency, 0.99), Percentile(latency, 1.0));
  std::filesystem::remove_all(root);
  if (!all_ready) std::fprintf(stderr, "not every video became ready within 5 minutes (%.1f s)\n", wall);
  return all_ready ? 0 : 1;
}
