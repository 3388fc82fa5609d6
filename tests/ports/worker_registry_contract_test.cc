// Contract of ports::WorkerRegistry (see ports/worker_registry.h), run
// against every adapter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class WorkerRegistryContractTest : public StoreTest<Factory> {
 protected:
  static WorkerRecord Worker(const std::string& id, std::vector<std::string> pools = {"cpu"}) {
    WorkerRecord w;
    w.worker_id = id;
    w.host = "node-1.example";
    w.pid = 4242;
    w.pools = std::move(pools);
    w.capabilities = {"gpu-nvenc", "gpu-vaapi"};
    return w;
  }
  std::vector<std::string> LiveIds(Millis stale_after_ms) {
    auto live = this->registry().ListLiveWorkers(stale_after_ms);
    EXPECT_TRUE(live.ok()) << live.status().ToString();
    std::vector<std::string> ids;
    if (live.ok()) {
      for (const auto& w : *live) ids.push_back(w.worker_id);
    }
    return ids;
  }
};
TYPED_TEST_SUITE(WorkerRegistryContractTest, StoreFactories, StoreFactoryNames);

TYPED_TEST(WorkerRegistryContractTest, RegisteredWorkerReadsBackStampedWithNow) {
  WorkerRecord w = this->Worker("w1", {"cpu", "gpu-nvenc"});
  w.started_at = 1;  // ignored: the store stamps both
  w.last_seen = 2;
  ASSERT_TRUE(this->registry().RegisterWorker(w).ok());
  auto live = this->registry().ListLiveWorkers(0);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  WorkerRecord expected = w;
  expected.started_at = this->now();
  expected.last_seen = this->now();
  EXPECT_EQ(*live, std::vector<WorkerRecord>{expected});
}

TYPED_TEST(WorkerRegistryContractTest, EmptyListsReadBackEmpty) {
  WorkerRecord w = this->Worker("w1", {});
  w.capabilities.clear();
  ASSERT_TRUE(this->registry().RegisterWorker(w).ok());
  auto live = this->registry().ListLiveWorkers(0);
  ASSERT_TRUE(live.ok() && live->size() == 1u);
  EXPECT_TRUE(live->front().pools.empty());
  EXPECT_TRUE(live->front().capabilities.empty());
}

TYPED_TEST(WorkerRegistryContractTest, TouchRefreshesLastSeenOnly) {
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("w1")).ok());
  Millis started = this->now();
  this->clock_.Advance(700);
  ASSERT_TRUE(this->registry().TouchWorker("w1").ok());
  auto live = this->registry().ListLiveWorkers(0);
  ASSERT_TRUE(live.ok() && live->size() == 1u);
  EXPECT_EQ(live->front().started_at, started);
  EXPECT_EQ(live->front().last_seen, this->now());
  EXPECT_EQ(this->registry().TouchWorker("ghost").code(), ErrorCode::kNotFound);
}

TYPED_TEST(WorkerRegistryContractTest, LivenessIsLastSeenWithinTheBound) {
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("old")).ok());
  this->clock_.Advance(1'000);
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("new")).ok());
  EXPECT_EQ(this->LiveIds(1'000), (std::vector<std::string>{"new", "old"})) << "by worker_id; bound inclusive";
  EXPECT_EQ(this->LiveIds(999), std::vector<std::string>{"new"});
  this->clock_.Advance(1);
  EXPECT_EQ(this->LiveIds(0), std::vector<std::string>{});
  ASSERT_TRUE(this->registry().TouchWorker("old").ok());
  EXPECT_EQ(this->LiveIds(0), std::vector<std::string>{"old"});
}

TYPED_TEST(WorkerRegistryContractTest, ReRegisteringReplacesTheEntry) {
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("w1", {"cpu"})).ok());
  this->clock_.Advance(50);
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("w1", {"gpu-nvenc"})).ok());
  auto live = this->registry().ListLiveWorkers(0);
  ASSERT_TRUE(live.ok() && live->size() == 1u);
  EXPECT_EQ(live->front().pools, std::vector<std::string>{"gpu-nvenc"});
  EXPECT_EQ(live->front().started_at, this->now());
}

TYPED_TEST(WorkerRegistryContractTest, DeregisterRemovesAndSaysWhetherItDid) {
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("w1")).ok());
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("w2")).ok());
  auto removed = this->registry().DeregisterWorker("w1");
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*this->registry().DeregisterWorker("w1"));
  EXPECT_EQ(this->LiveIds(1'000), std::vector<std::string>{"w2"});
  EXPECT_EQ(this->registry().TouchWorker("w1").code(), ErrorCode::kNotFound);
}

TYPED_TEST(WorkerRegistryContractTest, PurgeRemovesOnlyStaleWorkers) {
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("dead")).ok());
  this->clock_.Advance(5'000);
  ASSERT_TRUE(this->registry().RegisterWorker(this->Worker("alive")).ok());
  EXPECT_EQ(*this->registry().PurgeWorkers(5'000), 0) << "at the bound is not stale";
  this->clock_.Advance(1);
  EXPECT_EQ(*this->registry().PurgeWorkers(5'000), 1);
  EXPECT_EQ(this->LiveIds(1'000'000), std::vector<std::string>{"alive"});
  EXPECT_EQ(this->registry().TouchWorker("dead").code(), ErrorCode::kNotFound);
}

TYPED_TEST(WorkerRegistryContractTest, RejectsMalformedWorkers) {
  EXPECT_EQ(this->registry().RegisterWorker(this->Worker("")).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->registry().RegisterWorker(this->Worker("w", {"cpu,gpu"})).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->registry().RegisterWorker(this->Worker("w", {""})).code(), ErrorCode::kInvalidArgument);
  WorkerRecord spaced = this->Worker("w");
  spaced.capabilities = {"gpu nvenc"};
  EXPECT_EQ(this->registry().RegisterWorker(spaced).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->registry().ListLiveWorkers(-1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->registry().PurgeWorkers(-1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->LiveIds(1'000'000), std::vector<std::string>{});
}

}  // namespace
}  // namespace vtp::ports
