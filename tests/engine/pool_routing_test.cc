// Routing by capability and the GPU fallback, through the real scheduler
// (and, for whole jobs, the real worker loop) over both store adapters, with
// the worker registry read through RegistryLivePools. Time moves only
// through FakeClock: staleness and wait bounds are crossed exactly.
//
// Graph: root -> enc (per chunk; may run on gpu-nvenc) and
//               sw  (per chunk; CPU only) -> join.
// The planner writes the pool it was given into each task's params, as the
// ladder planner picks the encoder from TaskPlan::pool.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "adapters/memory_store.h"
#include "adapters/sqlite_store.h"
#include "engine/scheduler.h"
#include "engine/worker.h"
#include "engine/worker_pools.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"

namespace vtp::engine {
namespace {

using nlohmann::json;
using ports::TaskRecord;
using ports::TaskState;

constexpr char kGpu[] = "gpu-nvenc";

struct InMemory {
  using Store = adapters::InMemoryStore;
  static std::unique_ptr<Store> Make(ports::Clock& clock) { return std::make_unique<Store>(clock); }
};
struct Sqlite {
  using Store = adapters::SqliteStore;
  static std::unique_ptr<Store> Make(ports::Clock& clock) {
    auto store = Store::Open(testutil::FreshDir() + "/vtp.db", clock);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};
using Stores = ::testing::Types<InMemory, Sqlite>;
struct StoreNames {
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, InMemory> ? "InMemory" : "Sqlite";
  }
};

PipelineGraph RoutingGraph() {
  PipelineGraph g;
  auto add = [&](std::string name, std::vector<std::string> deps, FanOut f, std::vector<std::string> gpu) {
    StepDef s;
    s.name = std::move(name);
    s.depends_on = std::move(deps);
    s.fan_out = f;
    s.gpu_pools = std::move(gpu);
    s.retry.maximum_attempts = 3;
    EXPECT_TRUE(g.AddStep(std::move(s)).ok());
  };
  add("root", {}, FanOut::kNone, {});
  add("enc", {"root"}, FanOut::kPerChunk, {kGpu});
  add("sw", {"root"}, FanOut::kPerChunk, {});
  add("join", {"enc", "sw"}, FanOut::kNone, {});
  EXPECT_TRUE(g.Validate().ok());
  return g;
}

class RoutingPlanner final : public StepPlanner {
 public:
  StatusOr<JobShape> Shape(const ports::VideoRecord& v, const TaskResults& done) const override {
    JobShape s;
    s.video_id = v.video_id;
    s.has_video = true;
    s.has_audio = false;
    if (auto root = done.Get(v.video_id + "/root")) s.chunks = json::parse(*root).at("chunks").get<int>();
    return s;
  }
  StatusOr<std::vector<std::string>> Params(const ports::VideoRecord&, const std::vector<const TaskPlan*>& tasks,
                                            const TaskResults&) const override {
    std::vector<std::string> out;
    for (const TaskPlan* t : tasks) {
      std::string encoder = t->pool == kGpu ? "hevc_nvenc" : "libx265";
      out.push_back(json{{"task", t->id}, {"pool", t->pool}, {"encoder", encoder}}.dump());
    }
    return out;
  }
  bool Describe(ports::VideoRecord&, const TaskResults&) const override { return false; }
};

// A fake runner whose every run succeeds at once; root's result sets the
// chunk count.
class InstantRunner final : public TaskRunner {
 public:
  Status Start(const TaskRecord& task) override {
    ran.push_back(task.task_id + "@" + task.pool);
    return Status::Ok();
  }
  std::optional<TaskOutcome> Wait(Millis) override { return TaskOutcome{Status::Ok(), R"({"chunks": 3})", 1}; }
  void Cancel() override {}
  std::vector<std::string> ran;
};

template <typename Maker>
class PoolRoutingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(store_, nullptr); }

  void Submit(const std::string& id) {
    ports::VideoRecord v;
    v.video_id = id;
    v.original_key = "originals/" + id + "/original.mp4";
    ASSERT_TRUE(scheduler_.Submit(v).ok());
  }
  void Register(const std::string& id, std::vector<std::string> pools) {
    ports::WorkerRecord w;
    w.worker_id = id;
    w.host = "h";
    w.pid = 7;
    w.pools = std::move(pools);
    ASSERT_TRUE(store_->RegisterWorker(w).ok());
  }
  // Leases from `pools` and completes with `result`; returns the task id.
  std::string RunNext(std::vector<std::string> pools, const std::string& result = "{}") {
    auto t = store_->Lease("w", pools, 60'000);
    EXPECT_TRUE(t.ok() && t->has_value()) << (t.ok() ? "nothing runnable" : t.status().ToString());
    if (!t.ok() || !t->has_value()) return "";
    EXPECT_TRUE(store_->Complete((*t)->task_id, "w", result, 1).ok());
    EXPECT_TRUE(scheduler_.Advance((*t)->video_id).ok());
    return (*t)->task_id;
  }
  // Submits v1 and runs its root: two chunks of enc and sw get created.
  void StartJob() {
    Submit("v1");
    ASSERT_EQ(RunNext({"cpu"}, R"({"chunks": 2})"), "v1/root");
  }
  TaskRecord Get(const std::string& id) { return *store_->GetTask(id); }
  json Params(const std::string& id) { return json::parse(Get(id).params_json); }
  RerouteResult Reroute(Millis gpu_wait_ms = kDefaultGpuWaitMs) {
    RerouteOptions o;
    o.gpu_wait_ms = gpu_wait_ms;
    auto r = scheduler_.RerouteWaiting(clock_.NowMillis(), o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RerouteResult{};
  }
  // Drives two CPU-only workers (the real worker loop) and the
  // orchestrator's fallback until v1 is ready; returns how many rounds it
  // took, or -1.
  int DriveToReady(InstantRunner& runner, Millis step_ms) {
    std::vector<std::unique_ptr<Worker>> workers;
    for (const char* id : {"cpu-a", "cpu-b"}) {
      WorkerOptions o;
      o.worker_id = id;
      o.pools = {"cpu"};
      o.on_reported = [this](const TaskRecord& task, StepEvent how) {
        ReportHint hint{task.step, how == StepEvent::kCompleted};
        EXPECT_TRUE(scheduler_.Advance(task.video_id, &hint).ok());
      };
      workers.push_back(std::make_unique<Worker>(*store_, runner, clock_, o));
    }
    for (int round = 0; round < 200; ++round) {
      for (auto& w : workers) EXPECT_TRUE(w->Step().ok());
      EXPECT_TRUE(scheduler_.RerouteWaiting(clock_.NowMillis(), RerouteOptions{}).ok());
      if (store_->GetVideo("v1")->status == ports::VideoStatus::kReady) return round;
      clock_.Advance(step_ms);
    }
    return -1;
  }
  std::vector<json> Rerouted() {
    std::vector<json> out;
    std::vector<ports::Event> events = *store_->ReadEvents(0, 1000);
    for (const auto& e : events) {
      if (e.type == ports::kEventTaskRerouted) out.push_back(json::parse(e.payload_json));
    }
    return out;
  }

  ports::FakeClock clock_;
  std::unique_ptr<typename Maker::Store> store_ = Maker::Make(clock_);
  PipelineGraph graph_ = RoutingGraph();
  RoutingPlanner planner_;
  RegistryLivePools live_{*store_, kWorkerStaleAfterMs};
  Scheduler scheduler_{graph_, planner_, *store_, &live_};
};
TYPED_TEST_SUITE(PoolRoutingTest, Stores, StoreNames);

TYPED_TEST(PoolRoutingTest, WithoutAGpuWorkerEveryTaskGoesToTheCpu) {
  this->Register("cpu-1", {"cpu"});
  this->StartJob();
  for (const char* id : {"v1/enc/chunk_000", "v1/enc/chunk_001", "v1/sw/chunk_000"}) {
    EXPECT_EQ(this->Get(id).pool, "cpu") << id;
    EXPECT_EQ(this->Params(id)["pool"], "cpu") << id;
  }
  EXPECT_EQ(this->Params("v1/enc/chunk_000")["encoder"], "libx265");
}

TYPED_TEST(PoolRoutingTest, ALiveNvencWorkerGetsTheEligibleStepsWithGpuParams) {
  this->Register("cpu-1", {"cpu"});
  this->Register("gpu-1", {"cpu", kGpu});
  this->StartJob();
  for (const char* id : {"v1/enc/chunk_000", "v1/enc/chunk_001"}) {
    EXPECT_EQ(this->Get(id).pool, kGpu) << id;
    EXPECT_EQ(this->Params(id)["pool"], kGpu) << id;
    EXPECT_EQ(this->Params(id)["encoder"], "hevc_nvenc") << id;
  }
  EXPECT_EQ(this->Get("v1/sw/chunk_000").pool, "cpu") << "a step without GPU pools stays on the CPU";
  // A CPU worker never sees the GPU tasks; the GPU pool's worker does.
  auto cpu = this->store_->Lease("cpu-1", {"cpu"}, 60'000);
  ASSERT_TRUE(cpu.ok() && cpu->has_value());
  EXPECT_EQ((*cpu)->step, "sw");
  auto gpu = this->store_->Lease("gpu-1", {kGpu}, 60'000);
  ASSERT_TRUE(gpu.ok() && gpu->has_value());
  EXPECT_EQ((*gpu)->step, "enc");
  // Nothing moves while the GPU worker is alive and the wait is short.
  EXPECT_EQ(this->Reroute().moved, 0);
}

TYPED_TEST(PoolRoutingTest, AWorkerThatGoesStaleLeavesItsTasksToTheCpuReplanned) {
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  TaskRecord before = this->Get("v1/enc/chunk_001");
  ASSERT_EQ(before.pool, kGpu);
  this->clock_.Advance(kWorkerStaleAfterMs);
  EXPECT_EQ(this->Reroute().moved, 0) << "last_seen exactly at the bound is still live";
  this->clock_.Advance(1);
  RerouteResult r = this->Reroute();
  EXPECT_EQ(r.moved, 2);
  EXPECT_TRUE(r.errors.empty());
  for (const char* id : {"v1/enc/chunk_000", "v1/enc/chunk_001"}) {
    EXPECT_EQ(this->Get(id).pool, "cpu") << id;
    EXPECT_EQ(this->Params(id)["pool"], "cpu") << id;
    EXPECT_EQ(this->Params(id)["encoder"], "libx265") << id;
  }
  TaskRecord after = this->Get("v1/enc/chunk_001");
  EXPECT_EQ(after.state, before.state);
  EXPECT_EQ(after.next_run_at, before.next_run_at) << "it keeps its place in the queue";
  EXPECT_EQ(after.attempts, before.attempts);
  std::vector<json> events = this->Rerouted();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["from_pool"], kGpu);
  EXPECT_EQ(events[0]["to_pool"], "cpu");
  EXPECT_EQ(events[0]["step"], "enc");
  EXPECT_EQ(events[0]["reason"], "no live worker leases gpu-nvenc");
  EXPECT_EQ(this->Reroute().moved, 0) << "idempotent";
  EXPECT_EQ(this->RunNext({"cpu"}).substr(0, 6), "v1/enc");
}

TYPED_TEST(PoolRoutingTest, AWorkerThatDeregistersLeavesAtOnce) {
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  ASSERT_EQ(*this->store_->DeregisterWorker("gpu-1"), true);
  EXPECT_EQ(this->Reroute().moved, 2);
  EXPECT_EQ(this->Get("v1/enc/chunk_000").pool, "cpu");
}

TYPED_TEST(PoolRoutingTest, TasksThatWaitPastTheBoundMoveWhileTheGpuWorkerIsBusy) {
  constexpr Millis kWait = 10'000;
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  // The GPU worker is busy with chunk 0 the whole time and stays alive.
  auto busy = this->store_->Lease("gpu-1", {kGpu}, 600'000);
  ASSERT_TRUE(busy.ok() && busy->has_value());
  ASSERT_EQ((*busy)->task_id, "v1/enc/chunk_000");
  this->clock_.Advance(kWait - 1);
  ASSERT_TRUE(this->store_->TouchWorker("gpu-1").ok());
  EXPECT_EQ(this->Reroute(kWait).moved, 0);
  EXPECT_EQ(this->Get("v1/enc/chunk_001").pool, kGpu);
  this->clock_.Advance(1);
  EXPECT_EQ(this->Reroute(0).moved, 0) << "no wait bound: only a dead pool moves";
  EXPECT_EQ(this->Reroute(kWait).moved, 1);
  EXPECT_EQ(this->Get("v1/enc/chunk_001").pool, "cpu");
  EXPECT_EQ(this->Params("v1/enc/chunk_001")["encoder"], "libx265");
  std::vector<json> events = this->Rerouted();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["reason"], "waited 10000 ms in gpu-nvenc");
}

TYPED_TEST(PoolRoutingTest, RunningTasksAreNeverMoved) {
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  auto leased = this->store_->Lease("gpu-1", {kGpu}, 600'000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  const std::string running = (*leased)->task_id;
  std::string params = this->Get(running).params_json;
  this->clock_.Advance(kWorkerStaleAfterMs + kDefaultGpuWaitMs);
  EXPECT_EQ(this->Reroute().moved, 1) << "only the waiting chunk";
  TaskRecord still = this->Get(running);
  EXPECT_EQ(still.state, TaskState::kRunning);
  EXPECT_EQ(still.pool, kGpu);
  EXPECT_EQ(still.params_json, params);
  // Its worker may still finish it.
  EXPECT_TRUE(this->store_->Complete(running, "gpu-1", "{}", 1).ok());
}

TYPED_TEST(PoolRoutingTest, ARetryingGpuTaskMovesKeepingItsBackoff) {
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  auto leased = this->store_->Lease("gpu-1", {kGpu}, 60'000);
  ASSERT_TRUE(leased.ok() && leased->has_value());
  ASSERT_TRUE(this->store_->Fail((*leased)->task_id, "gpu-1", {"encode_failed", "nvenc died", 5'000}).ok());
  TaskRecord failed = this->Get((*leased)->task_id);
  ASSERT_TRUE(this->store_->DeregisterWorker("gpu-1").ok());
  EXPECT_EQ(this->Reroute().moved, 2);
  TaskRecord moved = this->Get((*leased)->task_id);
  EXPECT_EQ(moved.state, TaskState::kRetrying);
  EXPECT_EQ(moved.pool, "cpu");
  EXPECT_EQ(moved.next_run_at, failed.next_run_at);
  EXPECT_EQ(moved.attempts, 1);
}

TYPED_TEST(PoolRoutingTest, AStepPrefersItsFirstLiveAcceleratedPool) {
  ASSERT_TRUE(this->graph_.SetGpuPools("enc", {kGpu, "gpu-qsv"}).ok());
  this->Register("qsv-1", {"gpu-qsv"});
  this->Register("gpu-1", {kGpu});
  this->StartJob();
  EXPECT_EQ(this->Get("v1/enc/chunk_000").pool, kGpu);
  ASSERT_TRUE(this->store_->DeregisterWorker("gpu-1").ok());
  EXPECT_EQ(this->Reroute().moved, 2);
  EXPECT_EQ(this->Get("v1/enc/chunk_000").pool, "gpu-qsv") << "the next live accelerated pool";
  EXPECT_EQ(this->Params("v1/enc/chunk_000")["pool"], "gpu-qsv");
}

TYPED_TEST(PoolRoutingTest, CpuOnlyWorkersFinishAJobWithGpuEligibleSteps) {
  this->Register("cpu-a", {"cpu"});
  this->Submit("v1");
  InstantRunner runner;
  EXPECT_GE(this->DriveToReady(runner, 100), 0);
  EXPECT_EQ(runner.ran.size(), 8u);  // root, 3 enc, 3 sw, join
  for (const auto& r : runner.ran) EXPECT_EQ(r.substr(r.find('@')), "@cpu") << r;
}

TYPED_TEST(PoolRoutingTest, AJobWhoseGpuWorkerDiesStillFinishesOnTheCpu) {
  this->Register("gpu-1", {kGpu});  // never leases: it dies right away
  this->Submit("v1");
  InstantRunner runner;
  // One second per round: the GPU worker's entry goes stale after 30.
  int rounds = this->DriveToReady(runner, 1'000);
  EXPECT_GT(rounds, 30);
  EXPECT_EQ(runner.ran.size(), 8u);
  EXPECT_EQ(this->Rerouted().size(), 3u);
}

TEST(ChoosePoolTest, FirstLiveAcceleratedPoolElseTheStepsOwn) {
  StepDef s;
  s.pool = "cpu";
  EXPECT_EQ(ChoosePool(s, {kGpu}), "cpu");
  s.gpu_pools = {kGpu, "gpu-qsv"};
  EXPECT_EQ(ChoosePool(s, {}), "cpu");
  EXPECT_EQ(ChoosePool(s, {"gpu-qsv", "cpu"}), "gpu-qsv");
  EXPECT_EQ(ChoosePool(s, {"gpu-qsv", kGpu}), kGpu);
}

TEST(SchedulerRoutingTest, WithoutLivePoolsEverythingStaysOnItsStepsPool) {
  ports::FakeClock clock;
  adapters::InMemoryStore store(clock);
  PipelineGraph graph = RoutingGraph();
  RoutingPlanner planner;
  Scheduler scheduler(graph, planner, store);  // no registry wired
  ports::VideoRecord v;
  v.video_id = "v1";
  v.original_key = "k";
  ASSERT_TRUE(scheduler.Submit(v).ok());
  auto t = store.Lease("w", {"cpu"}, 1000);
  ASSERT_TRUE(t.ok() && t->has_value());
  ASSERT_TRUE(store.Complete("v1/root", "w", R"({"chunks": 1})", 1).ok());
  ASSERT_TRUE(scheduler.Advance("v1").ok());
  EXPECT_EQ(store.GetTask("v1/enc/chunk_000")->pool, "cpu");
}

}  // namespace
}  // namespace vtp::engine
