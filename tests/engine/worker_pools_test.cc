// The routing table as graph data (default routes, a deployment's
// overrides, validation) and a worker's presence in the registry
// (WorkerPresence over InMemoryStore, driven by FakeClock).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/memory_store.h"
#include "engine/pipeline_graph.h"
#include "engine/worker_pools.h"
#include "engine/worker_presence.h"
#include "ports/clock.h"

namespace vtp::engine {
namespace {

using Pools = std::vector<std::string>;

TEST(GpuRoutesTest, DefaultGraphSendsOnlyHevcToNvenc) {
  PipelineGraph g = DefaultPipelineGraph();
  ASSERT_TRUE(g.Validate().ok());
  EXPECT_EQ(g.Find("transcode_hevc")->gpu_pools, Pools{"gpu-nvenc"});
  for (const char* cpu_only : {"transcode", "transcode_vp9", "transcode_av1", "package", "audio"}) {
    EXPECT_TRUE(g.Find(cpu_only)->gpu_pools.empty()) << cpu_only;
    EXPECT_EQ(g.Find(cpu_only)->pool, "cpu") << cpu_only;
  }
  EXPECT_EQ(AcceleratedPools(g), std::set<std::string>{"gpu-nvenc"});
}

TEST(GpuRoutesTest, ADeploymentRewritesTheTable) {
  PipelineGraph g = DefaultPipelineGraph();
  ASSERT_TRUE(ApplyGpuRoutes(g, "transcode=gpu-nvenc,transcode_hevc=gpu-nvenc+gpu-qsv").ok());
  EXPECT_EQ(g.Find("transcode")->gpu_pools, Pools{"gpu-nvenc"});
  EXPECT_EQ(g.Find("transcode_hevc")->gpu_pools, (Pools{"gpu-nvenc", "gpu-qsv"}));
  EXPECT_TRUE(g.Find("transcode_av1")->gpu_pools.empty()) << "steps not named keep theirs";
  ASSERT_TRUE(ApplyGpuRoutes(g, "transcode_hevc=,").ok());
  EXPECT_TRUE(g.Find("transcode_hevc")->gpu_pools.empty()) << "an empty list means CPU only";
  EXPECT_TRUE(ApplyGpuRoutes(g, "").ok());
}

TEST(GpuRoutesTest, BadSpecsLeaveTheGraphAsItWas) {
  PipelineGraph g = DefaultPipelineGraph();
  EXPECT_EQ(ApplyGpuRoutes(g, "transcode_hevc").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApplyGpuRoutes(g, "=gpu-nvenc").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApplyGpuRoutes(g, "transcode=gpu-nvenc++gpu-qsv").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ApplyGpuRoutes(g, "transcode=gpu-nvenc,nope=gpu-nvenc").code(), ErrorCode::kNotFound);
  EXPECT_EQ(ApplyGpuRoutes(g, "transcode=cpu").code(), ErrorCode::kInvalidArgument) << "its own pool";
  EXPECT_EQ(ApplyGpuRoutes(g, "transcode=gpu-nvenc+gpu-nvenc").code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(g.Find("transcode")->gpu_pools.empty());
  EXPECT_EQ(g.Find("transcode_hevc")->gpu_pools, Pools{"gpu-nvenc"});
  EXPECT_EQ(g.SetGpuPools("nope", {}).code(), ErrorCode::kNotFound);
}

class WorkerPresenceTest : public ::testing::Test {
 protected:
  static ports::WorkerRecord Self() {
    ports::WorkerRecord w;
    w.worker_id = "local:h:42";
    w.host = "h";
    w.pid = 42;
    w.pools = {"cpu", "gpu-nvenc"};
    w.capabilities = {"gpu-nvenc", "gpu-vaapi"};
    return w;
  }
  std::vector<ports::WorkerRecord> Live() { return *store_.ListLiveWorkers(kWorkerStaleAfterMs); }

  ports::FakeClock clock_;
  adapters::InMemoryStore store_{clock_};
  WorkerPresence presence_{store_, clock_, Self(), kWorkerRefreshMs};
};

TEST_F(WorkerPresenceTest, RegistersRefreshesAndDeregisters) {
  ports::Millis start = clock_.NowMillis();
  ASSERT_TRUE(presence_.Register().ok());
  ASSERT_EQ(Live().size(), 1u);
  EXPECT_EQ(Live()[0].pools, (Pools{"cpu", "gpu-nvenc"}));
  EXPECT_EQ(Live()[0].started_at, start);

  clock_.Advance(kWorkerRefreshMs - 1);
  EXPECT_EQ(*presence_.Tick(), false) << "not due yet";
  EXPECT_EQ(Live()[0].last_seen, start);
  clock_.Advance(1);
  EXPECT_EQ(*presence_.Tick(), true);
  EXPECT_EQ(Live()[0].last_seen, start + kWorkerRefreshMs);
  EXPECT_EQ(Live()[0].started_at, start);

  // Refreshed every kWorkerRefreshMs, it never goes stale.
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(kWorkerRefreshMs);
    ASSERT_TRUE(presence_.Tick().ok());
  }
  EXPECT_EQ(Live().size(), 1u);

  ASSERT_TRUE(presence_.Deregister().ok());
  EXPECT_TRUE(Live().empty());
  EXPECT_TRUE(presence_.Deregister().ok()) << "twice is harmless";
}

TEST_F(WorkerPresenceTest, ARemovedEntryIsRegisteredAgain) {
  ASSERT_TRUE(presence_.Register().ok());
  clock_.Advance(kWorkerStaleAfterMs + 1);  // a long pause (a stopped process)
  EXPECT_TRUE(Live().empty());
  ASSERT_EQ(*store_.PurgeWorkers(kWorkerStaleAfterMs), 1);
  EXPECT_EQ(*presence_.Tick(), true);
  ASSERT_EQ(Live().size(), 1u);
  EXPECT_EQ(Live()[0].started_at, clock_.NowMillis());
}

TEST(RegistryLivePoolsTest, UnionOfTheLiveWorkersPools) {
  ports::FakeClock clock;
  adapters::InMemoryStore store(clock);
  RegistryLivePools live(store, 1'000);
  EXPECT_TRUE(live.Pools()->empty());
  ports::WorkerRecord a;
  a.worker_id = "a";
  a.pools = {"cpu"};
  ports::WorkerRecord b = a;
  b.worker_id = "b";
  b.pools = {"cpu", "gpu-nvenc"};
  ASSERT_TRUE(store.RegisterWorker(b).ok());
  clock.Advance(600);
  ASSERT_TRUE(store.RegisterWorker(a).ok());
  EXPECT_EQ(*live.Pools(), (std::set<std::string>{"cpu", "gpu-nvenc"}));
  clock.Advance(600);  // b is stale now, a is not
  EXPECT_EQ(*live.Pools(), std::set<std::string>{"cpu"});
}

}  // namespace
}  // namespace vtp::engine
