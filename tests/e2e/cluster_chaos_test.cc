// Distributed mode end to end, under faults (issue 7): two `vtp serve`
// instances and three `vtp worker` processes on PostgreSQL + Redis + S3
// (real servers on loopback, started here) transcode several uploads while a
// chaos driver SIGKILLs workers, SIGTERMs one (preemption), flushes and
// restarts Redis and restarts PostgreSQL. Every video must end ready, with
// outputs byte-identical to an embedded-mode `vtp serve` of the same uploads,
// no dead letter, no dangling lease and every original intact in S3.
//
// The chaos actions fire on progress (completed-task counts read from the
// store), not on timers, so they land mid-pipeline however fast the machine.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/blob_checksum.h"
#include "adapters/postgres_store.h"
#include "adapters/s3_blob_store.h"
#include "e2e/serve_harness.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"
#include "testutil/postgres_server.h"
#include "testutil/redis_server.h"
#include "testutil/s3rver.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// relative path -> SHA-256 of every file under `root`.
std::map<std::string, std::string> TreeDigest(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = Sha256OfFile(e.path().string());
  }
  return out;
}

// Uploads `clip` through the API (tus to an embedded server, presigned S3
// parts to the cluster); returns the video id.
std::string Upload(uint16_t port, const std::string& token, const std::string& clip, const std::string& name) {
  json req = {{"filename", name},
              {"content_type", "video/mp4"},
              {"file_size_bytes", fs::file_size(clip)},
              {"sha256", Sha256OfFile(clip)},
              {"options", {{"x264_preset", "ultrafast"}}}};
  return UploadVideo(port, token, clip, req);
}

bool AllTerminal(uint16_t port, const std::string& token, const std::vector<std::string>& videos) {
  for (const auto& v : videos) {
    std::string s = StatusOf(port, token, v);
    if (s != "ready" && s != "failed") return false;
  }
  return true;
}

class ClusterChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    for (int i = 0; i < 3; ++i) {
      // Different lengths and sizes: different task counts per video.
      clips_.push_back(testutil::Fixture(
          "chaos_clip_" + std::to_string(i) + ".mp4",
          "-f lavfi -i testsrc2=size=" + std::string(i == 1 ? "480x270" : "320x240") +
              ":rate=25:duration=" + std::to_string(4 + 2 * i) +
              " -f lavfi -i sine=frequency=" + std::to_string(300 + 100 * i) + ":duration=" +
              std::to_string(4 + 2 * i) + " -c:v libx264 -preset ultrafast -g 25 -c:a aac -shortest"));
    }
  }

  // The embedded run: one `vtp serve` on SQLite + local files. Returns the
  // published tree of each clip, in clip order.
  std::vector<std::map<std::string, std::string>> EmbeddedOutputs() {
    const std::string data = dir_ + "/embedded";
    fs::create_directories(data);
    ServeProcess serve(data);
    if (!serve.Start()) return {};
    std::string token = CreateKey(data, "chaos", "admin");
    std::vector<std::string> videos;
    for (size_t i = 0; i < clips_.size(); ++i) videos.push_back(Upload(serve.port(), token, clips_[i], Name(i)));
    EXPECT_TRUE(Eventually([&] { return AllTerminal(serve.port(), token, videos); }, 240s, 250ms))
        << serve.LogTail();
    std::vector<std::map<std::string, std::string>> trees;
    for (const auto& v : videos) {
      EXPECT_EQ(StatusOf(serve.port(), token, v), "ready") << v;
      trees.push_back(TreeDigest(data + "/public/" + v));
    }
    (void)serve.Signal(SIGTERM);
    return trees;
  }

  static std::string Name(size_t i) { return "clip" + std::to_string(i) + ".mp4"; }

  std::string dir_;
  std::vector<std::string> clips_;
};

TEST_F(ClusterChaosTest, EveryVideoReadyAndIdenticalToEmbeddedDespiteKillsAndRestarts) {
  std::vector<std::map<std::string, std::string>> expected = EmbeddedOutputs();
  ASSERT_EQ(expected.size(), clips_.size());
  for (const auto& tree : expected) ASSERT_FALSE(tree.empty());

  // ---- The cluster's servers, each this test's own (they get restarted).
  testutil::PostgresServer pg;
  ASSERT_EQ(pg.Start(dir_ + "/pg"), "");
  std::string pg_error;
  std::string pg_url = pg.CreateDatabase(&pg_error);
  ASSERT_FALSE(pg_url.empty()) << pg_error;
  testutil::RedisServer redis;
  ASSERT_EQ(redis.Start(dir_ + "/redis"), "");
  std::string s3_error;
  testutil::S3rver* s3 = testutil::SharedS3rver(&s3_error);
  ASSERT_NE(s3, nullptr) << s3_error;
  const std::string prefix = "chaos-" + std::to_string(::getpid()) + "/";

  const std::string data = dir_ + "/cluster";
  fs::create_directories(data);
  const std::string config = dir_ + "/cluster.toml";
  testutil::WriteFileAt(config, "data_dir = \"" + data + "\"\n[metadata]\nurl = \"" + pg_url +
                                    "\"\n[queue]\nurl = \"" + redis.url() + "\"\n[events]\nurl = \"" +
                                    redis.url() + "\"\n[blobs]\nurl = \"s3://" + testutil::S3rver::kBucket + "/" +
                                    prefix + "?endpoint=" + s3->endpoint() + "\"\n");
  const ScopedClusterEnv env(config);

  ServeProcess api_a(data, {"--workers", "0", "--chunk-workers", "2"});
  ServeProcess api_b(data, {"--workers", "0", "--chunk-workers", "2"});
  ASSERT_TRUE(api_a.Start());
  ASSERT_TRUE(api_b.Start());
  std::vector<std::unique_ptr<ChildProcess>> workers;
  for (int i = 0; i < 3; ++i) {
    workers.push_back(std::make_unique<ChildProcess>(
        std::vector<std::string>{testutil::VtpBinary(), "worker", "--data", data},
        data + ".worker" + std::to_string(i) + ".log"));
    ASSERT_TRUE(workers.back()->Start());
  }
  std::string token = CreateKey(data, "chaos", "admin");
  ASSERT_FALSE(token.empty());

  std::vector<std::string> videos;
  for (size_t i = 0; i < clips_.size(); ++i) {
    // Alternate the API instances: they share everything through the store.
    uint16_t port = i % 2 == 0 ? api_a.port() : api_b.port();
    videos.push_back(Upload(port, token, clips_[i], Name(i)));
    ASSERT_FALSE(videos.back().empty());
  }

  // ---- Chaos, driven by progress.
  ports::SystemClock clock;
  auto store = adapters::PostgresStore::Open(pg_url, clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto completed = [&]() -> int {
    int n = 0;
    for (const auto& v : videos) {
      auto tasks = (*store)->ListTaskSummaries(v);
      if (!tasks.ok()) return -1;  // PostgreSQL restarting
      for (const auto& t : *tasks) n += t.state == ports::TaskState::kCompleted ? 1 : 0;
    }
    return n;
  };
  std::vector<std::string> done_actions;
  const std::vector<std::pair<int, std::string>> plan = {
      {2, "kill worker 0"}, {6, "flush and restart redis"}, {10, "preempt worker 1"},
      {14, "restart postgres"}, {18, "kill worker 2"}};
  for (const auto& [at, action] : plan) {
    bool reached = Eventually([&] { return completed() >= at || AllTerminal(api_a.port(), token, videos); },
                              240s, 100ms);
    ASSERT_TRUE(reached) << "no progress to " << at << " completed tasks; " << api_a.LogTail();
    if (completed() < at) break;  // finished early: the check below fails
    if (action == "kill worker 0") {
      EXPECT_EQ(workers[0]->Signal(SIGKILL), 128 + SIGKILL);
      ASSERT_TRUE(workers[0]->Start());
    } else if (action == "flush and restart redis") {
      EXPECT_EQ(redis.Flush(), "");
      ASSERT_EQ(redis.Restart(), "");
    } else if (action == "preempt worker 1") {
      EXPECT_EQ(workers[1]->Signal(SIGTERM), 0);
      ASSERT_TRUE(workers[1]->Start());
    } else if (action == "restart postgres") {
      ASSERT_EQ(pg.Restart(), "");
    } else {
      EXPECT_EQ(workers[2]->Signal(SIGKILL), 128 + SIGKILL);
      ASSERT_TRUE(workers[2]->Start());
    }
    done_actions.push_back(action);
  }
  EXPECT_EQ(done_actions.size(), plan.size()) << "the videos finished before the chaos did";

  ASSERT_TRUE(Eventually([&] { return AllTerminal(api_a.port(), token, videos); }, 300s, 250ms))
      << api_a.LogTail();

  // ---- Every video ready and byte-identical to the embedded run.
  for (size_t i = 0; i < videos.size(); ++i) {
    EXPECT_EQ(StatusOf(api_b.port(), token, videos[i]), "ready") << videos[i];
    EXPECT_EQ(TreeDigest(data + "/public/" + videos[i]), expected[i]) << "clip " << i;
  }
  // No dead letter, no dangling lease, nothing left running.
  auto dead = (*store)->ListDeadLetters();
  ASSERT_TRUE(dead.ok()) << dead.status().ToString();
  EXPECT_TRUE(dead->empty()) << dead->front().task_id;
  for (const auto& v : videos) {
    auto tasks = (*store)->ListTasks(v);
    ASSERT_TRUE(tasks.ok());
    for (const auto& t : *tasks) {
      EXPECT_EQ(t.state, ports::TaskState::kCompleted) << t.task_id;
      EXPECT_TRUE(t.lease_owner.empty()) << t.task_id << " still leased to " << t.lease_owner;
    }
  }
  // Every original is in S3, unchanged.
  auto blobs = OpenS3rverStore(*s3, prefix);
  ASSERT_NE(blobs, nullptr);
  for (size_t i = 0; i < videos.size(); ++i) {
    std::string key = "originals/" + videos[i] + "/original.mp4";
    auto sha = blobs->Checksum(key);
    ASSERT_TRUE(sha.ok()) << key << ": " << sha.status().ToString();
    EXPECT_EQ(*sha, Sha256OfFile(clips_[i])) << key;
    EXPECT_TRUE(blobs->Verify(key).ok()) << key;
  }

  for (auto& w : workers) (void)w->Signal(SIGTERM);
  (void)api_b.Signal(SIGTERM);
  (void)api_a.Signal(SIGTERM);
}

}  // namespace
}  // namespace vtp::e2e
