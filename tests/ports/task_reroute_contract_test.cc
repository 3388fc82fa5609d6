// Contract of MetadataStore::ListWaitingTasks and RerouteTask (the GPU
// fallback's store operations; ports/metadata_store.h), run against every
// adapter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class TaskRerouteContractTest : public StoreTest<Factory> {
 protected:
  void SetUp() override {
    StoreTest<Factory>::SetUp();
    this->AddVideo("v1");
  }
  static TaskRecord GpuTask(const std::string& id) {
    TaskRecord t = StoreTest<Factory>::Task(id, "v1");
    t.pool = "gpu-nvenc";
    t.params_json = R"({"encoder":"hevc_nvenc"})";
    return t;
  }
  std::vector<std::string> WaitingIds(const std::string& pool, int limit = 100) {
    auto waiting = this->meta().ListWaitingTasks(pool, limit);
    EXPECT_TRUE(waiting.ok()) << waiting.status().ToString();
    std::vector<std::string> ids;
    if (waiting.ok()) {
      for (const auto& t : *waiting) ids.push_back(t.task_id);
    }
    return ids;
  }
  static TaskReroute ToCpu(const std::string& id) {
    return {id, "gpu-nvenc", "cpu", R"({"encoder":"libx265"})", "no live worker leases gpu-nvenc"};
  }
};
TYPED_TEST_SUITE(TaskRerouteContractTest, StoreFactories, StoreFactoryNames);

TYPED_TEST(TaskRerouteContractTest, ListsWaitingTasksOfOnePoolOldestFirst) {
  this->AddTasks({this->GpuTask("c")});
  this->clock_.Advance(10);
  this->AddTasks({this->GpuTask("b"), this->GpuTask("a"), this->Task("cpu-1", "v1")});
  EXPECT_EQ(this->WaitingIds("gpu-nvenc"), (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_EQ(this->WaitingIds("gpu-nvenc", 2), (std::vector<std::string>{"c", "a"}));
  EXPECT_EQ(this->WaitingIds("cpu"), std::vector<std::string>{"cpu-1"});
  EXPECT_EQ(this->WaitingIds("gpu-qsv"), std::vector<std::string>{});
  EXPECT_EQ(this->meta().ListWaitingTasks("gpu-nvenc", 0).status().code(), ErrorCode::kInvalidArgument);
  auto full = this->meta().ListWaitingTasks("gpu-nvenc", 1);
  ASSERT_TRUE(full.ok() && full->size() == 1u);
  EXPECT_EQ(full->front(), this->MustGetTask("c")) << "whole records";
}

TYPED_TEST(TaskRerouteContractTest, WaitingSetExcludesEachNonWaitingState) {
  this->AddTasks({this->GpuTask("a-run"), this->GpuTask("b-done"), this->GpuTask("c-dead"),
                  this->GpuTask("d-retry"), this->GpuTask("e-wait")});
  auto lease_as = [&](const std::string& expected) {
    auto t = this->queue().Lease("w", {"gpu-nvenc"}, 60'000);
    ASSERT_TRUE(t.ok() && t->has_value());
    ASSERT_EQ((*t)->task_id, expected);
  };
  lease_as("a-run");
  lease_as("b-done");
  ASSERT_TRUE(this->queue().Complete("b-done", "w", "{}", 1).ok());
  lease_as("c-dead");
  ASSERT_TRUE(this->queue().Fail("c-dead", "w", {"encode_failed", "x", std::nullopt}).ok());
  lease_as("d-retry");
  ASSERT_TRUE(this->queue().Fail("d-retry", "w", {"encode_failed", "x", 60'000}).ok());
  EXPECT_EQ(this->WaitingIds("gpu-nvenc"), (std::vector<std::string>{"e-wait", "d-retry"}))
      << "pending and retrying (in backoff too), ready time first";
}

TYPED_TEST(TaskRerouteContractTest, RerouteReplacesPoolAndParamsKeepingThePlace) {
  this->AddTasks({this->GpuTask("t1")});
  TaskRecord before = this->MustGetTask("t1");
  this->clock_.Advance(30);
  auto moved = this->meta().RerouteTask(this->ToCpu("t1"));
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_TRUE(*moved);
  TaskRecord expected = before;
  expected.pool = "cpu";
  expected.params_json = R"({"encoder":"libx265"})";
  EXPECT_EQ(this->MustGetTask("t1"), expected);
  EXPECT_EQ(this->LeaseId(), "t1") << "a CPU worker leases it now";

  auto events = this->bus().Poll(0, 100);
  ASSERT_TRUE(events.ok());
  const Event& last = events->back();
  EXPECT_EQ(last.type, kEventTaskRerouted);
  EXPECT_EQ(last.video_id, "v1");
  EXPECT_EQ(last.created_at, before.enqueued_at + 30);
  EXPECT_EQ(nlohmann::json::parse(last.payload_json),
            (nlohmann::json{{"task_id", "t1"},
                            {"step", "transcode"},
                            {"from_pool", "gpu-nvenc"},
                            {"to_pool", "cpu"},
                            {"reason", "no live worker leases gpu-nvenc"}}));
}

TYPED_TEST(TaskRerouteContractTest, RerouteLeavesTasksThatAreNoLongerWaitingThere) {
  this->AddTasks({this->GpuTask("run"), this->GpuTask("moved")});
  auto t = this->queue().Lease("w", {"gpu-nvenc"}, 60'000);
  ASSERT_TRUE(t.ok() && t->has_value());
  const std::string running = (*t)->task_id;
  TaskRecord leased = this->MustGetTask(running);
  size_t events_before = this->EventTypes().size();

  auto refused = this->meta().RerouteTask(this->ToCpu(running));
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(*refused) << "a running task is never moved";
  EXPECT_EQ(this->MustGetTask(running), leased);

  const std::string other = running == "run" ? "moved" : "run";
  ASSERT_TRUE(*this->meta().RerouteTask(this->ToCpu(other)));
  EXPECT_FALSE(*this->meta().RerouteTask(this->ToCpu(other))) << "already moved: from_pool no longer matches";
  EXPECT_EQ(this->EventTypes().size(), events_before + 1);

  EXPECT_EQ(this->meta().RerouteTask(this->ToCpu("ghost")).status().code(), ErrorCode::kNotFound);
  TaskReroute bad = this->ToCpu(other);
  bad.to_pool = "";
  EXPECT_EQ(this->meta().RerouteTask(bad).status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(TaskRerouteContractTest, ParkedTasksAreNotMoved) {
  this->AddTasks({this->GpuTask("p")});
  ASSERT_TRUE(this->meta().ParkTasks("v1", {"transcode"}).ok());
  EXPECT_EQ(this->WaitingIds("gpu-nvenc"), std::vector<std::string>{});
  EXPECT_FALSE(*this->meta().RerouteTask(this->ToCpu("p")));
  EXPECT_EQ(this->MustGetTask("p").pool, "gpu-nvenc");
}

}  // namespace
}  // namespace vtp::ports
