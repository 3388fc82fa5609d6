// The scheduler over a real store adapter (InMemoryStore) with a toy
// three-step graph and a planner that reads the first step's result:
//   root -> work (per chunk; chunk count from root's result) -> join
#include "engine/scheduler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/memory_store.h"
#include "ports/clock.h"

namespace vtp::engine {
namespace {

using nlohmann::json;
using ports::TaskRecord;
using ports::TaskState;
using ports::VideoStatus;

PipelineGraph ToyGraph() {
  PipelineGraph g;
  auto add = [&](std::string name, std::vector<std::string> deps, FanOut f, VideoStatus phase) {
    StepDef s;
    s.name = std::move(name);
    s.depends_on = std::move(deps);
    s.fan_out = f;
    s.phase = phase;
    s.retry.maximum_attempts = 2;
    EXPECT_TRUE(g.AddStep(std::move(s)).ok());
  };
  add("root", {}, FanOut::kNone, VideoStatus::kProbing);
  add("work", {"root"}, FanOut::kPerChunk, VideoStatus::kTranscoding);
  add("join", {"work"}, FanOut::kNone, VideoStatus::kPackaging);
  return g;
}

class ToyPlanner final : public StepPlanner {
 public:
  StatusOr<JobShape> Shape(const ports::VideoRecord& v, const TaskResults& done) const override {
    ++shape_calls;
    JobShape s;
    s.video_id = v.video_id;
    s.has_video = true;
    s.has_audio = false;
    if (auto root = done.Get(v.video_id + "/root")) s.chunks = json::parse(*root).at("chunks").get<int>();
    return s;
  }
  StatusOr<std::vector<std::string>> Params(const ports::VideoRecord&,
                                            const std::vector<const TaskPlan*>& tasks,
                                            const TaskResults& done) const override {
    std::vector<std::string> out;
    for (const TaskPlan* t : tasks) {
      if (fail_planning_step == t->step) return InvalidArgument("cannot plan " + t->step);
      ++params_calls;
      out.push_back(json{{"task", t->id}, {"inputs", done.size()}}.dump());
    }
    return out;
  }
  bool Describe(ports::VideoRecord& v, const TaskResults& done) const override {
    if (!done.Completed(v.video_id + "/root") || v.duration_sec == 42) return false;
    v.duration_sec = 42;
    return true;
  }
  std::string fail_planning_step;
  mutable int params_calls = 0;
  mutable int shape_calls = 0;
};

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() : store_(clock_), scheduler_(graph_, planner_, store_) {}

  void Submit(const std::string& id, ports::Priority p = ports::Priority::kNormal) {
    ports::VideoRecord v;
    v.video_id = id;
    v.original_key = "originals/" + id + "/original.mp4";
    v.priority = p;
    ASSERT_TRUE(scheduler_.Submit(v).ok());
  }

  // Leases the next task and completes it with `result`; returns its id.
  std::string RunNext(const std::string& result = "{}") {
    auto t = store_.Lease("w", {"cpu"}, 10'000);
    EXPECT_TRUE(t.ok() && t->has_value());
    if (!t.ok() || !t->has_value()) return "";
    EXPECT_TRUE(store_.Complete((*t)->task_id, "w", result, 5).ok());
    EXPECT_TRUE(scheduler_.Advance((*t)->video_id).ok());
    return (*t)->task_id;
  }
  void FailNext(bool dead) {
    auto t = store_.Lease("w", {"cpu"}, 10'000);
    ASSERT_TRUE(t.ok() && t->has_value());
    ports::TaskFailure f{"encode_failed", "boom", std::nullopt};
    if (!dead) f.retry_after = 0;
    ASSERT_TRUE(store_.Fail((*t)->task_id, "w", f).ok());
    ASSERT_TRUE(scheduler_.Advance((*t)->video_id).ok());
  }
  std::vector<std::string> Queued(const std::string& video) {
    std::vector<std::string> ids;
    std::vector<TaskRecord> tasks = *store_.ListTasks(video);
    for (const auto& t : tasks) {
      if (t.state == TaskState::kPending && t.next_run_at != ports::kParkedRunAt) ids.push_back(t.task_id);
    }
    return ids;
  }
  VideoStatus StatusOf(const std::string& video) { return store_.GetVideo(video)->status; }
  int Runs(const std::string& task) { return static_cast<int>(store_.ListAttempts(task)->size()); }

  ports::FakeClock clock_;
  adapters::InMemoryStore store_;
  PipelineGraph graph_ = ToyGraph();
  ToyPlanner planner_;
  Scheduler scheduler_;
};

TEST_F(SchedulerTest, EnqueuesOnlyWhatIsReadyAndFinishesTheVideo) {
  Submit("v1");
  EXPECT_EQ(Queued("v1"), std::vector<std::string>{"v1/root"});
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kProbing);
  EXPECT_EQ(RunNext(R"({"chunks": 2})"), "v1/root");
  EXPECT_EQ(Queued("v1"), (std::vector<std::string>{"v1/work/chunk_000", "v1/work/chunk_001"}));
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kTranscoding);
  EXPECT_EQ(store_.GetVideo("v1")->duration_sec, 42);  // Describe() reached the record
  RunNext();
  EXPECT_EQ(Queued("v1"), std::vector<std::string>{"v1/work/chunk_001"}) << "join waits for every chunk";
  RunNext();
  EXPECT_EQ(Queued("v1"), std::vector<std::string>{"v1/join"});
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kPackaging);
  RunNext();
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kReady);
  EXPECT_EQ(store_.ListTasks("v1")->size(), 4u);
}

TEST_F(SchedulerTest, AdvanceIsIdempotent) {
  Submit("v1");
  RunNext(R"({"chunks": 3})");
  int calls = planner_.params_calls;
  auto again = scheduler_.Advance("v1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(planner_.params_calls, calls) << "queued tasks are not planned again";
  EXPECT_EQ(store_.ListTasks("v1")->size(), 4u);
}

TEST_F(SchedulerTest, HintSkipsPlanningWhileSiblingsAreUnfinished) {
  Submit("v1");
  RunNext(R"({"chunks": 2})");
  auto t = store_.Lease("w", {"cpu"}, 10'000);
  ASSERT_TRUE(t.ok() && t->has_value());
  ASSERT_TRUE(store_.Complete((*t)->task_id, "w", "{}", 1).ok());
  int calls = planner_.shape_calls;
  ReportHint hint{"work", true};
  ASSERT_TRUE(scheduler_.Advance("v1", &hint).ok());
  EXPECT_EQ(planner_.shape_calls, calls) << "no re-planning while chunk_001 is unfinished";
  ASSERT_TRUE(scheduler_.Advance("v1").ok());
  EXPECT_EQ(planner_.shape_calls, calls + 1) << "without the hint it plans";
  // The last chunk: now the hint must not stop join from being planned.
  t = store_.Lease("w", {"cpu"}, 10'000);
  ASSERT_TRUE(store_.Complete((*t)->task_id, "w", "{}", 1).ok());
  ASSERT_TRUE(scheduler_.Advance("v1", &hint).ok());
  EXPECT_EQ(Queued("v1"), std::vector<std::string>{"v1/join"});
}

TEST_F(SchedulerTest, HintNeverHidesADeadTask) {
  Submit("v1");
  RunNext(R"({"chunks": 2})");
  FailNext(true);  // chunk_000 dead; FailNext advances without a hint, so redo with one
  ASSERT_TRUE(store_.UpdateVideoStatus("v1", VideoStatus::kTranscoding, "").ok());
  ReportHint hint{"work", true};
  ASSERT_TRUE(scheduler_.Advance("v1", &hint).ok());
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kFailed);
}

TEST(WaitsForAllTest, SharedAxesMeanPartialDependence) {
  auto step = [](FanOut f) {
    StepDef s;
    s.fan_out = f;
    return s;
  };
  StepDef chunk = step(FanOut::kPerChunk), rend = step(FanOut::kPerRendition),
          both = step(FanOut::kPerChunkXRendition), one = step(FanOut::kNone);
  EXPECT_TRUE(WaitsForAll(rend, chunk));
  EXPECT_TRUE(WaitsForAll(one, chunk));
  EXPECT_FALSE(WaitsForAll(chunk, chunk));
  EXPECT_FALSE(WaitsForAll(rend, both));
  EXPECT_TRUE(WaitsForAll(one, both));
}

TEST_F(SchedulerTest, ParamsSeeUpstreamResults) {
  Submit("v1");
  RunNext(R"({"chunks": 1})");
  json p = json::parse(store_.GetTask("v1/work/chunk_000")->params_json);
  EXPECT_EQ(p["task"], "v1/work/chunk_000");
  EXPECT_EQ(p["inputs"], 1);
}

TEST_F(SchedulerTest, DeadTaskFailsOnlyItsVideo) {
  Submit("bad");
  Submit("good");
  FailNext(true);  // bad/root: oldest first
  EXPECT_EQ(StatusOf("bad"), VideoStatus::kFailed);
  EXPECT_NE(store_.GetVideo("bad")->error_message.find("root task bad/root failed after 1 attempt: encode_failed: boom"),
            std::string::npos)
      << store_.GetVideo("bad")->error_message;
  RunNext(R"({"chunks": 1})");
  RunNext();
  RunNext();
  EXPECT_EQ(StatusOf("good"), VideoStatus::kReady);
  EXPECT_EQ(StatusOf("bad"), VideoStatus::kFailed);
  auto again = scheduler_.Advance("bad");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0) << "a failed video plans nothing";
}

TEST_F(SchedulerTest, RequeueDeadLetterLetsTheVideoCarryOn) {
  Submit("v1");
  FailNext(true);
  ASSERT_EQ(StatusOf("v1"), VideoStatus::kFailed);
  ASSERT_TRUE(scheduler_.RequeueDeadLetter("v1/root").ok());
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kProbing);
  EXPECT_EQ(store_.GetVideo("v1")->error_message, "");
  RunNext(R"({"chunks": 1})");
  RunNext();
  RunNext();
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kReady);
}

TEST_F(SchedulerTest, RetryFromReusesUpstreamAndParksDownstream) {
  Submit("v1");
  RunNext(R"({"chunks": 2})");
  RunNext();
  RunNext();
  RunNext();
  ASSERT_EQ(StatusOf("v1"), VideoStatus::kReady);
  ASSERT_TRUE(scheduler_.RetryFrom("v1", "work").ok());
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kTranscoding);
  EXPECT_EQ(Queued("v1"), (std::vector<std::string>{"v1/work/chunk_000", "v1/work/chunk_001"}));
  EXPECT_EQ(store_.GetTask("v1/join")->next_run_at, ports::kParkedRunAt) << "join must wait";
  clock_.Advance(365LL * 24 * 3600 * 1000);
  RunNext();
  EXPECT_EQ(store_.GetTask("v1/join")->next_run_at, ports::kParkedRunAt) << "one chunk is not enough";
  RunNext();
  EXPECT_EQ(Queued("v1"), std::vector<std::string>{"v1/join"});
  RunNext();
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kReady);
  EXPECT_EQ(Runs("v1/root"), 1) << "upstream is reused, not re-run";
  EXPECT_EQ(Runs("v1/work/chunk_000"), 2);
  EXPECT_EQ(Runs("v1/join"), 2);
}

TEST_F(SchedulerTest, RetryFromRefusesUnknownStepsAndDeadUpstream) {
  Submit("v1");
  EXPECT_EQ(scheduler_.RetryFrom("v1", "nope").code(), ErrorCode::kInvalidArgument);
  FailNext(true);
  Status s = scheduler_.RetryFrom("v1", "work");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("retry from root"), std::string::npos) << s.message();
  EXPECT_EQ(scheduler_.RetryFrom("nope", "root").code(), ErrorCode::kNotFound);
}

TEST_F(SchedulerTest, PlanningErrorFailsTheVideo) {
  planner_.fail_planning_step = "work";
  Submit("v1");
  RunNext(R"({"chunks": 1})");
  EXPECT_EQ(StatusOf("v1"), VideoStatus::kFailed);
  EXPECT_NE(store_.GetVideo("v1")->error_message.find("cannot plan work"), std::string::npos);
}

TEST_F(SchedulerTest, TasksInheritPriorityWithTheShortVideoBoost) {
  Submit("v1", ports::Priority::kLow);
  EXPECT_EQ(store_.GetTask("v1/root")->priority, ports::Priority::kLow) << "duration unknown yet";
  RunNext(R"({"chunks": 1})");  // Describe() sets a 42 s duration: short
  EXPECT_EQ(store_.GetTask("v1/work/chunk_000")->priority, ports::Priority::kNormal);
}

TEST_F(SchedulerTest, DownstreamFollowsTheGraph) {
  EXPECT_EQ(*scheduler_.Downstream("work"), (std::vector<std::string>{"work", "join"}));
  EXPECT_EQ(*scheduler_.Downstream("root"), (std::vector<std::string>{"root", "work", "join"}));
  EXPECT_EQ(scheduler_.Downstream("x").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::engine
