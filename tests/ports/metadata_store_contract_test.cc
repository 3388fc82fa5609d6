// Contract of ports::MetadataStore (see ports/metadata_store.h), run against
// every adapter.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ports/store_test_fixture.h"

namespace vtp::ports {
namespace {

template <typename Factory>
class MetadataStoreContractTest : public StoreTest<Factory> {};
TYPED_TEST_SUITE(MetadataStoreContractTest, StoreFactories, StoreFactoryNames);

VideoRecord FullVideo(const std::string& id) {
  VideoRecord v;
  v.video_id = id;
  v.creator_id = "creator-7";
  v.title = "Summer Vacation 2025 \xE2\x98\x80";  // UTF-8 survives
  v.original_key = "originals/" + id + "/original.mp4";
  v.original_format = "mp4";
  v.duration_sec = 612.48;
  v.width = 1920;
  v.height = 1080;
  v.codec = "h264";
  v.bitrate_kbps = 8000;
  v.file_size_bytes = 1'073'741'824;
  v.preset = "premium";
  v.priority = Priority::kHigh;
  // Not normalised in any way: spacing and escapes come back as given.
  v.options_json = R"({ "ladder": "premium", "thumbnails": [1, 5], "note": "caf\u00e9" })";
  return v;
}

// ---- Videos ----------------------------------------------------------------

TYPED_TEST(MetadataStoreContractTest, CreatedVideoReadsBackStampedWithNow) {
  VideoRecord v = FullVideo("v1");
  v.created_at = 1;    // ignored: the store stamps it
  v.completed_at = 2;  // ignored
  ASSERT_TRUE(this->meta().CreateVideo(v).ok());
  auto got = this->meta().GetVideo("v1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  VideoRecord expected = v;
  expected.created_at = this->now();
  expected.completed_at.reset();
  EXPECT_EQ(*got, expected);
}

TYPED_TEST(MetadataStoreContractTest, CreateVideoRejectsDuplicatesAndMissingFields) {
  ASSERT_TRUE(this->meta().CreateVideo(FullVideo("v1")).ok());
  EXPECT_EQ(this->meta().CreateVideo(FullVideo("v1")).code(), ErrorCode::kAlreadyExists);
  VideoRecord no_id = FullVideo("");
  EXPECT_EQ(this->meta().CreateVideo(no_id).code(), ErrorCode::kInvalidArgument);
  VideoRecord no_original = FullVideo("v2");
  no_original.original_key.clear();
  EXPECT_EQ(this->meta().CreateVideo(no_original).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->meta().GetVideo("v2").status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(MetadataStoreContractTest, UpdateVideoKeepsIdentityStatusAndCreationTime) {
  VideoRecord v = FullVideo("v1");
  ASSERT_TRUE(this->meta().CreateVideo(v).ok());
  Millis created = this->now();
  this->clock_.Advance(100);
  VideoRecord update = v;
  update.width = 3840;
  update.height = 2160;
  update.manifest_url = "transcoded/v1/manifest.m3u8";
  update.status = VideoStatus::kReady;  // ignored: UpdateVideoStatus owns it
  ASSERT_TRUE(this->meta().UpdateVideo(update).ok());
  auto got = this->meta().GetVideo("v1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->width, 3840);
  EXPECT_EQ(got->manifest_url, "transcoded/v1/manifest.m3u8");
  EXPECT_EQ(got->status, VideoStatus::kUploaded);
  EXPECT_EQ(got->created_at, created);
  EXPECT_EQ(this->meta().UpdateVideo(FullVideo("missing")).code(), ErrorCode::kNotFound);
}

TYPED_TEST(MetadataStoreContractTest, OptionsJsonIsStoredUnchangedAndReplacedByUpdate) {
  VideoRecord plain = FullVideo("plain");
  plain.options_json = VideoRecord{}.options_json;
  ASSERT_TRUE(this->meta().CreateVideo(plain).ok());
  EXPECT_EQ(this->meta().GetVideo("plain")->options_json, "{}");  // the default

  VideoRecord v = FullVideo("v1");
  ASSERT_TRUE(this->meta().CreateVideo(v).ok());
  EXPECT_EQ(this->meta().GetVideo("v1")->options_json, v.options_json);  // byte for byte
  VideoRecord update = v;
  update.options_json = R"({"ladder":"standard"})";
  ASSERT_TRUE(this->meta().UpdateVideo(update).ok());
  EXPECT_EQ(this->meta().GetVideo("v1")->options_json, R"({"ladder":"standard"})");
  // A status change leaves the options alone.
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kTranscoding, "").ok());
  EXPECT_EQ(this->meta().GetVideo("v1")->options_json, R"({"ladder":"standard"})");
  ASSERT_EQ(this->meta().ListVideos(std::nullopt)->size(), 2u);
  EXPECT_EQ(this->meta().ListVideos(std::nullopt)->back().options_json, R"({"ladder":"standard"})");
}

TYPED_TEST(MetadataStoreContractTest, UpdateVideoStatusSetsCompletionAndAppendsEvent) {
  ASSERT_TRUE(this->meta().CreateVideo(FullVideo("v1")).ok());
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kTranscoding, "").ok());
  EXPECT_FALSE(this->meta().GetVideo("v1")->completed_at.has_value());
  this->clock_.Advance(30);
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kFailed, "transcode t7 dead").ok());
  auto failed = this->meta().GetVideo("v1");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->status, VideoStatus::kFailed);
  EXPECT_EQ(failed->error_message, "transcode t7 dead");
  EXPECT_EQ(failed->completed_at, this->now());
  // Retrying the video reopens it.
  ASSERT_TRUE(this->meta().UpdateVideoStatus("v1", VideoStatus::kTranscoding, "").ok());
  EXPECT_FALSE(this->meta().GetVideo("v1")->completed_at.has_value());
  EXPECT_EQ(this->meta().GetVideo("v1")->error_message, "");
  EXPECT_EQ(this->meta().UpdateVideoStatus("nope", VideoStatus::kReady, "").code(),
            ErrorCode::kNotFound);

  auto events = this->meta().ReadEvents(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].type, kEventVideoCreated);
  EXPECT_EQ((*events)[2].type, kEventVideoStatus);
  EXPECT_EQ((*events)[2].video_id, "v1");
  EXPECT_NE((*events)[2].payload_json.find("\"status\":\"failed\""), std::string::npos)
      << (*events)[2].payload_json;
}

TYPED_TEST(MetadataStoreContractTest, ListVideosFiltersByStatusOldestFirst) {
  ASSERT_TRUE(this->meta().CreateVideo(FullVideo("b")).ok());
  ASSERT_TRUE(this->meta().CreateVideo(FullVideo("a")).ok());  // same time: by id
  this->clock_.Advance(1);
  ASSERT_TRUE(this->meta().CreateVideo(FullVideo("0-later")).ok());
  ASSERT_TRUE(this->meta().UpdateVideoStatus("b", VideoStatus::kReady, "").ok());
  auto ids = [](const std::vector<VideoRecord>& vs) {
    std::vector<std::string> out;
    for (const VideoRecord& v : vs) out.push_back(v.video_id);
    return out;
  };
  EXPECT_EQ(ids(*this->meta().ListVideos(std::nullopt)),
            (std::vector<std::string>{"a", "b", "0-later"}));
  EXPECT_EQ(ids(*this->meta().ListVideos(VideoStatus::kUploaded)),
            (std::vector<std::string>{"a", "0-later"}));
  EXPECT_EQ(ids(*this->meta().ListVideos(VideoStatus::kReady)), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(this->meta().ListVideos(VideoStatus::kRemoved)->empty());
}

// ---- Tasks -----------------------------------------------------------------

TYPED_TEST(MetadataStoreContractTest, CreateTasksEnqueuesPendingWithStoreOwnedQueueState) {
  this->AddVideo("v1");
  TaskRecord t = this->Task("v1/transcode/720p/h264/3", "v1");
  t.resolution = "720p";
  t.codec = "h264";
  t.segment_index = 3;
  t.input_key = "segments/v1/chunk_003.vpk";
  t.output_key = "transcoded/v1/h264/720p/segment_003.m4s";
  t.max_attempts = 5;
  t.state = TaskState::kCompleted;  // ignored
  t.attempts = 9;                   // ignored
  t.lease_owner = "w1";             // ignored
  t.next_run_at = 0;                // raised to now
  TaskRecord delayed = this->Task("later", "v1");
  delayed.next_run_at = this->now() + 5000;
  auto inserted = this->meta().CreateTasks({t, delayed});
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  EXPECT_EQ(*inserted, 2);

  TaskRecord expected = t;
  expected.state = TaskState::kPending;
  expected.attempts = 0;
  expected.lease_owner = "";
  expected.next_run_at = this->now();
  expected.enqueued_at = this->now();
  EXPECT_EQ(this->MustGetTask(t.task_id), expected);
  EXPECT_EQ(this->MustGetTask("later").next_run_at, this->now() + 5000);
  TaskRecord no_segment = this->MustGetTask("later");
  EXPECT_FALSE(no_segment.segment_index.has_value());
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksIsIdempotent) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1"), this->Task("t2", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  TaskRecord running = this->MustGetTask("t1");
  this->clock_.Advance(10);
  TaskRecord changed = this->Task("t1", "v1", Priority::kUrgent);
  auto again = this->meta().CreateTasks({changed, this->Task("t2", "v1"), this->Task("t3", "v1")});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 1);                         // only t3 is new
  EXPECT_EQ(this->MustGetTask("t1"), running);  // untouched, lease intact
  EXPECT_EQ(this->meta().ListTasks("v1")->size(), 3u);
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksIsAllOrNothing) {
  this->AddVideo("v1");
  auto missing_video = this->meta().CreateTasks({this->Task("t1", "v1"), this->Task("t2", "nov")});
  EXPECT_EQ(missing_video.status().code(), ErrorCode::kNotFound);
  TaskRecord bad = this->Task("t3", "v1");
  bad.max_attempts = 0;
  EXPECT_EQ(this->meta().CreateTasks({this->Task("t1", "v1"), bad}).status().code(),
            ErrorCode::kInvalidArgument);
  TaskRecord no_pool = this->Task("t4", "v1");
  no_pool.pool.clear();
  EXPECT_EQ(this->meta().CreateTasks({no_pool}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(this->meta().CreateTasks({this->Task("", "v1")}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(this->meta().ListTasks("v1")->empty());
}

TYPED_TEST(MetadataStoreContractTest, ListTasksIsPerVideoByTaskId) {
  this->AddVideo("v1");
  this->AddVideo("v2");
  this->AddTasks({this->Task("v1-b", "v1"), this->Task("v2-a", "v2"), this->Task("v1-a", "v1")});
  auto tasks = this->meta().ListTasks("v1");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0].task_id, "v1-a");
  EXPECT_EQ((*tasks)[1].task_id, "v1-b");
  EXPECT_TRUE(this->meta().ListTasks("unknown")->empty());
  EXPECT_EQ(this->meta().GetTask("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->meta().ListAttempts("nope").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->meta().ListAttempts("v1-a")->empty());
}

TYPED_TEST(MetadataStoreContractTest, TaskSummariesMatchTheFullRecords) {
  this->AddVideo("v1");
  this->AddVideo("v2");
  this->AddTasks({this->Task("v1-b", "v1", Priority::kNormal, "package"), this->Task("v2-a", "v2"),
                  this->Task("v1-a", "v1", Priority::kHigh, "transcode")});
  ASSERT_EQ(this->LeaseId("w1"), "v1-a");
  ASSERT_TRUE(this->queue().Complete("v1-a", "w1", "{}", 1).ok());
  ASSERT_TRUE(this->meta().ParkTasks("v1", {"package"}).ok());
  auto full = this->meta().ListTasks("v1");
  auto light = this->meta().ListTaskSummaries("v1");
  ASSERT_TRUE(full.ok() && light.ok());
  ASSERT_EQ(light->size(), full->size());
  for (size_t i = 0; i < full->size(); ++i) {
    const TaskRecord& t = (*full)[i];
    EXPECT_EQ((*light)[i], (ports::TaskSummary{t.task_id, t.step, t.state, t.next_run_at}));
  }
  EXPECT_EQ((*light)[0].state, ports::TaskState::kCompleted);
  EXPECT_EQ((*light)[1].next_run_at, ports::kParkedRunAt);
  EXPECT_TRUE(this->meta().ListTaskSummaries("unknown")->empty());
}

TYPED_TEST(MetadataStoreContractTest, TallyStepCountsUnfinishedTasksAndSeesDeadOnes) {
  this->AddVideo("v1");
  this->AddVideo("v2");
  this->AddTasks({this->Task("a0", "v1", Priority::kUrgent, "work"),
                  this->Task("a1", "v1", Priority::kHigh, "work"),
                  this->Task("a2", "v1", Priority::kNormal, "work"),
                  this->Task("b0", "v2", Priority::kNormal, "work")});
  EXPECT_EQ(*this->meta().TallyStep("v1", "work"), (ports::StepTally{3, false}));
  ASSERT_EQ(this->LeaseId("w1"), "a0");
  ASSERT_TRUE(this->queue().Complete("a0", "w1", "{}", 1).ok());
  ASSERT_EQ(this->LeaseId("w1"), "a1");  // running still counts as unfinished
  EXPECT_EQ(*this->meta().TallyStep("v1", "work"), (ports::StepTally{2, false}));
  ASSERT_TRUE(this->queue().Fail("a1", "w1", {"encode_failed", "x", std::nullopt}).ok());
  EXPECT_EQ(*this->meta().TallyStep("v1", "work"), (ports::StepTally{2, true}));
  EXPECT_EQ(*this->meta().TallyStep("v1", "other"), (ports::StepTally{0, true}));
  EXPECT_EQ(*this->meta().TallyStep("v2", "work"), (ports::StepTally{1, false})) << "per video";
  EXPECT_EQ(*this->meta().TallyStep("nope", "work"), (ports::StepTally{0, false}));
  ASSERT_TRUE(this->meta().RequeueDeadLetter("a1").ok());
  EXPECT_EQ(*this->meta().TallyStep("v1", "work"), (ports::StepTally{2, false}));
}

TYPED_TEST(MetadataStoreContractTest, ResetTasksRerunsTheStepsAndKeepsUpstream) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("probe", "v1", Priority::kUrgent, "probe"),
                  this->Task("tc-0", "v1", Priority::kHigh, "transcode"),
                  this->Task("tc-1", "v1", Priority::kHigh, "transcode"),
                  this->Task("pkg", "v1", Priority::kNormal, "package")});
  for (const char* id : {"probe", "tc-0", "tc-1"}) {
    ASSERT_EQ(this->LeaseId("w1"), id);
    ASSERT_TRUE(this->queue().Complete(id, "w1", R"({"ok":true})", 3).ok());
  }
  ASSERT_EQ(this->LeaseId("w1"), "pkg");
  ASSERT_TRUE(this->queue().Fail("pkg", "w1", {"encode_failed", "x", std::nullopt}).ok());
  TaskRecord probe = this->MustGetTask("probe");
  this->clock_.Advance(1000);

  auto reset = this->meta().ResetTasks("v1", {"transcode", "package"});
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  EXPECT_EQ(*reset, 3);
  EXPECT_EQ(this->MustGetTask("probe"), probe);  // upstream output reused
  for (const char* id : {"tc-0", "tc-1", "pkg"}) {
    TaskRecord t = this->MustGetTask(id);
    EXPECT_EQ(t.state, TaskState::kPending) << id;
    EXPECT_EQ(t.attempts, 0) << id;
    EXPECT_EQ(t.result_json, "") << id;
    EXPECT_EQ(t.error_message, "") << id;
    EXPECT_FALSE(t.completed_at.has_value()) << id;
    EXPECT_EQ(t.next_run_at, this->now()) << id;
  }
  EXPECT_EQ(this->meta().GetDeadLetter("pkg").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->meta().ListAttempts("tc-0")->size(), 1u);  // history kept
  EXPECT_EQ(*this->meta().ResetTasks("v1", {"subtitle"}), 0);
  EXPECT_EQ(this->LeaseId("w2"), "tc-0");
}

TYPED_TEST(MetadataStoreContractTest, ResetTasksRevokesARunningLease) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  ASSERT_EQ(*this->meta().ResetTasks("v1", {"transcode"}), 1);
  EXPECT_EQ(this->queue().Complete("t1", "w1", "{}", 0).code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->queue().Heartbeat("t1", "w1", 1000).code(), ErrorCode::kNotFound);
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_EQ((*attempts)[0].ended_at, this->now());
  EXPECT_EQ(this->LeaseId("w2"), "t1");
}

// ---- Parking (retry from a step, downstream held back) ---------------------

TYPED_TEST(MetadataStoreContractTest, ParkTasksResetsTheStepsAndParksThem) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("probe", "v1", Priority::kUrgent, "probe"),
                  this->Task("tc-0", "v1", Priority::kHigh, "transcode"),
                  this->Task("pkg", "v1", Priority::kNormal, "package")});
  for (const char* id : {"probe", "tc-0"}) {
    ASSERT_EQ(this->LeaseId("w1"), id);
    ASSERT_TRUE(this->queue().Complete(id, "w1", R"({"ok":true})", 3).ok());
  }
  ASSERT_EQ(this->LeaseId("w1"), "pkg");
  ASSERT_TRUE(this->queue().Fail("pkg", "w1", {"encode_failed", "x", std::nullopt}).ok());
  TaskRecord probe = this->MustGetTask("probe");
  this->clock_.Advance(1000);

  auto parked = this->meta().ParkTasks("v1", {"transcode", "package"});
  ASSERT_TRUE(parked.ok()) << parked.status().ToString();
  EXPECT_EQ(*parked, 2);
  EXPECT_EQ(this->MustGetTask("probe"), probe);  // upstream untouched
  for (const char* id : {"tc-0", "pkg"}) {
    TaskRecord t = this->MustGetTask(id);
    EXPECT_EQ(t.state, TaskState::kPending) << id;
    EXPECT_EQ(t.next_run_at, kParkedRunAt) << id;
    EXPECT_EQ(t.attempts, 0) << id;
    EXPECT_EQ(t.result_json, "") << id;
    EXPECT_EQ(t.error_message, "") << id;
    EXPECT_EQ(t.lease_owner, "") << id;
    EXPECT_FALSE(t.started_at.has_value()) << id;
    EXPECT_FALSE(t.completed_at.has_value()) << id;
    EXPECT_EQ(t.enqueued_at, this->now()) << id;
  }
  EXPECT_EQ(this->meta().GetDeadLetter("pkg").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->meta().ListAttempts("tc-0")->size(), 1u);  // history kept
  EXPECT_EQ(*this->meta().ParkTasks("v1", {"subtitle"}), 0);
  EXPECT_EQ(*this->meta().ParkTasks("unknown", {"transcode"}), 0);
}

TYPED_TEST(MetadataStoreContractTest, ParkTasksRevokesARunningLease) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "t1");
  this->clock_.Advance(10);
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"transcode"}), 1);
  Status stale = this->queue().Complete("t1", "w1", "{}", 0);
  EXPECT_EQ(stale.code(), ErrorCode::kNotFound);
  EXPECT_NE(stale.message().find("lease lost"), std::string::npos) << stale.message();
  EXPECT_EQ(this->queue().Heartbeat("t1", "w1", 1000).code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->queue().Fail("t1", "w1", {"x", "y", this->now()}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->MustGetTask("t1").next_run_at, kParkedRunAt);  // the refusals changed nothing
  auto attempts = this->meta().ListAttempts("t1");
  ASSERT_TRUE(attempts.ok());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_EQ((*attempts)[0].ended_at, this->now());
  EXPECT_EQ(this->LeaseId("w2"), "");
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksUnparksWithTheNewPlan) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("pkg", "v1", Priority::kNormal, "package")});
  ASSERT_EQ(this->LeaseId("w1"), "pkg");
  ASSERT_TRUE(this->queue().Complete("pkg", "w1", "{}", 0).ok());
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"package"}), 1);
  TaskRecord parked = this->MustGetTask("pkg");
  this->clock_.Advance(5000);

  TaskRecord replanned = this->Task("pkg", "v1", Priority::kHigh, "package");
  replanned.params_json = R"({"rung":"1080p"})";
  replanned.input_key = "segments/v1/new.vpk";
  replanned.output_key = "transcoded/v1/new/";
  replanned.pool = "gpu";
  replanned.max_attempts = 7;
  replanned.resolution = "ignored";  // identity is not replaced
  replanned.next_run_at = 0;         // raised to now
  auto written = this->meta().CreateTasks({replanned, this->Task("new", "v1")});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(*written, 2);  // the unparked task counts

  TaskRecord expected = parked;
  expected.params_json = replanned.params_json;
  expected.input_key = replanned.input_key;
  expected.output_key = replanned.output_key;
  expected.priority = Priority::kHigh;
  expected.pool = "gpu";
  expected.max_attempts = 7;
  expected.next_run_at = this->now();
  expected.enqueued_at = this->now();
  EXPECT_EQ(this->MustGetTask("pkg"), expected);

  // Unparked means an ordinary pending task again: a second re-plan is a no-op.
  EXPECT_EQ(*this->meta().CreateTasks({this->Task("pkg", "v1")}), 0);
  EXPECT_EQ(this->MustGetTask("pkg"), expected);
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksUnparksNoEarlierThanAsked) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"transcode"}), 1);
  TaskRecord later = this->Task("t1", "v1");
  later.next_run_at = this->now() + 500;
  EXPECT_EQ(*this->meta().CreateTasks({later}), 1);
  EXPECT_EQ(this->MustGetTask("t1").next_run_at, this->now() + 500);
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksLeavesResetTasksUntouched) {
  // Only parked tasks are unparked: a reset one is already runnable.
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(*this->meta().ResetTasks("v1", {"transcode"}), 1);
  TaskRecord reset = this->MustGetTask("t1");
  this->clock_.Advance(10);
  TaskRecord changed = this->Task("t1", "v1", Priority::kUrgent);
  changed.params_json = R"({"other":1})";
  EXPECT_EQ(*this->meta().CreateTasks({changed}), 0);
  EXPECT_EQ(this->MustGetTask("t1"), reset);
}

TYPED_TEST(MetadataStoreContractTest, CreateTasksWithAnUnknownVideoUnparksNothing) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  ASSERT_EQ(*this->meta().ParkTasks("v1", {"transcode"}), 1);
  auto failed = this->meta().CreateTasks({this->Task("t1", "v1"), this->Task("t2", "nov")});
  EXPECT_EQ(failed.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->MustGetTask("t1").next_run_at, kParkedRunAt);  // all-or-nothing
}

// ---- Dead letters ----------------------------------------------------------

TYPED_TEST(MetadataStoreContractTest, DeadLettersAreListedOldestFirst) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("b", "v1"), this->Task("a", "v1")});
  ASSERT_EQ(this->LeaseId("w1"), "a");
  this->clock_.Advance(5);
  ASSERT_EQ(this->LeaseId("w1"), "b");
  ASSERT_TRUE(this->queue().Fail("b", "w1", {"encode_failed", "b", std::nullopt}).ok());
  this->clock_.Advance(5);
  ASSERT_TRUE(this->queue().Fail("a", "w1", {"encode_failed", "a", std::nullopt}).ok());
  auto dead = this->meta().ListDeadLetters();
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 2u);
  EXPECT_EQ((*dead)[0].task_id, "b");
  EXPECT_EQ((*dead)[1].task_id, "a");
  EXPECT_EQ((*dead)[1].attempts.size(), 1u);
}

TYPED_TEST(MetadataStoreContractTest, DeadLetterCallsOnLiveTasksAreNotFound) {
  this->AddVideo("v1");
  this->AddTasks({this->Task("t1", "v1")});
  EXPECT_EQ(this->meta().GetDeadLetter("t1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->meta().RequeueDeadLetter("t1").code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->meta().RequeueDeadLetter("nope").code(), ErrorCode::kNotFound);
  EXPECT_TRUE(this->meta().ListDeadLetters()->empty());
}

// ---- Outbox ----------------------------------------------------------------

TYPED_TEST(MetadataStoreContractTest, OutboxReadsInOrderAndTracksPublication) {
  Event e;
  e.video_id = "v9";
  e.type = "custom.progress";
  e.payload_json = R"({"percent":10})";
  e.event_id = 777;  // ignored
  auto first = this->meta().AppendEvent(e);
  ASSERT_TRUE(first.ok());
  this->clock_.Advance(3);
  e.payload_json = R"({"percent":20})";
  auto second = this->meta().AppendEvent(e);
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *first);

  auto all = this->meta().ReadEvents(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].event_id, *first);
  EXPECT_EQ((*all)[0].created_at, this->now() - 3);
  EXPECT_EQ((*all)[1].payload_json, R"({"percent":20})");
  EXPECT_FALSE((*all)[1].published_at.has_value());
  EXPECT_EQ(this->meta().ReadEvents(*first, 10)->size(), 1u);

  EXPECT_EQ(this->meta().ReadUnpublishedEvents(10)->size(), 2u);
  EXPECT_EQ(*this->meta().MarkEventsPublished(*first), 1);
  EXPECT_EQ(*this->meta().MarkEventsPublished(*first), 0);  // idempotent
  auto unpublished = this->meta().ReadUnpublishedEvents(10);
  ASSERT_TRUE(unpublished.ok());
  ASSERT_EQ(unpublished->size(), 1u);
  EXPECT_EQ((*unpublished)[0].event_id, *second);
  EXPECT_EQ(this->meta().ReadEvents(0, 1)->front().published_at, this->now());

  EXPECT_EQ(this->meta().ReadEvents(0, 0).status().code(), ErrorCode::kInvalidArgument);
  Event untyped;
  EXPECT_EQ(this->meta().AppendEvent(untyped).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::ports
