// Work sync's I/O over real blob stores: LocalBlobStore and S3BlobStore on
// s3rver (tests/testutil/s3rver.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>

#include "adapters/local_blob_store.h"
#include "adapters/s3_blob_store.h"
#include "pipeline/work_sync.h"
#include "testutil/fixtures.h"
#include "testutil/s3rver.h"

namespace vtp::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}
std::string Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

enum class Store { kLocal, kS3 };

class WorkSyncIoTest : public ::testing::TestWithParam<Store> {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    roots_ = {dir_ + "/data/work", dir_ + "/data/public"};
    if (GetParam() == Store::kLocal) {
      auto store = adapters::LocalBlobStore::Open(dir_ + "/blobs");
      ASSERT_TRUE(store.ok()) << store.status().ToString();
      blobs_ = std::move(store).value();
      return;
    }
    std::string why;
    testutil::S3rver* server = testutil::SharedS3rver(&why);
    ASSERT_NE(server, nullptr) << why;
    static std::atomic<int> next{0};
    adapters::S3BlobStoreConfig config;
    config.endpoint = {.endpoint = server->endpoint(), .bucket = testutil::S3rver::kBucket,
                       .region = "us-east-1", .access_key = testutil::S3rver::kAccessKey,
                       .secret_key = testutil::S3rver::kSecretKey, .timeout_ms = 30'000};
    config.key_prefix = "worksync-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + "/";
    config.retry.max_attempts = 1;
    auto store = adapters::S3BlobStore::Create(config);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    blobs_ = std::move(store).value();
  }

  std::string Work(const std::string& rest) const { return roots_.work_root + "/" + rest; }

  std::string dir_;
  WorkRoots roots_;
  std::unique_ptr<ports::BlobStore> blobs_;
};

TEST_P(WorkSyncIoTest, PullFetchesNamedFilesAndDirectoriesAndSkipsIdenticalOnes) {
  ASSERT_TRUE(blobs_->Put("segments/v1/chunks/chunk_000.vpk", "chunk zero").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/chunks/chunk_001.vpk", "chunk one").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/h264/720p/init.mp4", "init").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/manifest.m3u8", "#EXTM3U").ok());
  ASSERT_TRUE(blobs_->Put("originals/v1/original.mp4", "the original").ok());
  json params = {{"input", Work("v1/chunks/chunk_000.vpk")},
                 {"out_dir", Work("v1/out")},
                 {"original", Work("v1/originals/original.mp4")},
                 {"not_yet", Work("v1/enc/720p/chunk_000.nut")}};
  auto refs = ReferencedWork("package", params, roots_);

  auto first = PullWork(*blobs_, refs);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->fetched, 4);
  EXPECT_EQ(first->skipped, 0);
  EXPECT_EQ(Read(Work("v1/chunks/chunk_000.vpk")), "chunk zero");
  EXPECT_FALSE(fs::exists(Work("v1/chunks/chunk_001.vpk"))) << "only what the parameters name";
  EXPECT_EQ(Read(Work("v1/out/h264/720p/init.mp4")), "init");
  EXPECT_EQ(Read(Work("v1/out/manifest.m3u8")), "#EXTM3U");
  EXPECT_EQ(Read(Work("v1/originals/original.mp4")), "the original");
  EXPECT_FALSE(fs::exists(Work("v1/enc"))) << "a name nothing is stored under yet fetches nothing";

  auto again = PullWork(*blobs_, refs);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->fetched, 0);
  EXPECT_EQ(again->skipped, 4);
}

TEST_P(WorkSyncIoTest, PullRefetchesAFileThatDiffersInContentOrSize) {
  ASSERT_TRUE(blobs_->Put("segments/v1/out/a.m4s", "AAAA").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/b.m4s", "BBBB").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/c.m4s", "CCCC").ok());
  auto refs = ReferencedWork("manifest", {{"out_dir", Work("v1/out")}}, roots_);
  ASSERT_TRUE(PullWork(*blobs_, refs).ok());
  Write(Work("v1/out/a.m4s"), "AAAX");     // same size, other bytes: hashed, differs
  Write(Work("v1/out/b.m4s"), "BBBBBB");   // other size: not even hashed
  ASSERT_TRUE(blobs_->Put("segments/v1/out/c.m4s", "cccc").ok());  // the store moved on
  auto pulled = PullWork(*blobs_, refs);
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  EXPECT_EQ(pulled->fetched, 3);
  EXPECT_EQ(pulled->skipped, 0);
  EXPECT_EQ(Read(Work("v1/out/a.m4s")), "AAAA");
  EXPECT_EQ(Read(Work("v1/out/b.m4s")), "BBBB");
  EXPECT_EQ(Read(Work("v1/out/c.m4s")), "cccc");
}

TEST_P(WorkSyncIoTest, PushUploadsWhatTheRunChangedAndNotTemporaryFiles) {
  ASSERT_TRUE(blobs_->Put("segments/v1/out/kept.m4s", "kept").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/rewritten.m4s", "old").ok());
  Write(Work("v1/originals/original.mp4"), "original");
  json params = {{"out_dir", Work("v1/out")}, {"input", Work("v1/originals/original.mp4")},
                 {"output", dir_ + "/data/public/v1/manifest.mpd"}};
  auto refs = ReferencedWork("package", params, roots_);
  auto pulled = PullWork(*blobs_, refs);
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  ASSERT_TRUE(blobs_->Delete("segments/v1/out/kept.m4s").ok());  // listed by the pull: not pushed again
  WorkSnapshot before = SnapshotWork(refs);
  EXPECT_EQ(before.size(), 3u);
  // What the run does: rewrite one file, add one, write the output, and
  // leave temporary files of all kinds behind.
  fs::remove(Work("v1/out/rewritten.m4s"));
  Write(Work("v1/out/rewritten.m4s"), "new bytes");
  Write(Work("v1/out/720p/init.mp4"), "init");
  Write(Work("v1/out/.tmp-123"), "scratch");
  Write(Work("v1/out/1080p.part/seg_1.m4s"), "half a directory");
  Write(Work("v1/out/720p/seg_1.m4s.part"), "half a file");
  Write(Work("v1/out/720p/seg_2.m4s.tmp.77.0"), "half a download");
  Write(dir_ + "/data/public/v1/manifest.mpd", "<MPD/>");
  auto pushes = PlanPush(refs, before, SnapshotWork(refs), pulled->stored);
  auto pushed = PushWork(*blobs_, pushes);
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(*pushed, 3);
  EXPECT_EQ(*blobs_->Get("segments/v1/out/rewritten.m4s"), "new bytes");
  EXPECT_EQ(*blobs_->Get("segments/v1/out/720p/init.mp4"), "init");
  EXPECT_EQ(*blobs_->Get("transcoded/v1/manifest.mpd"), "<MPD/>");
  EXPECT_FALSE(*blobs_->Exists("segments/v1/out/kept.m4s")) << "unchanged and listed: not uploaded";
  EXPECT_TRUE(blobs_->List("originals/")->empty()) << "local copies of originals are never pushed";
  auto listed = blobs_->List("segments/v1/out/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, (std::vector<std::string>{"segments/v1/out/720p/init.mp4", "segments/v1/out/rewritten.m4s"}))
      << "temporary files stay local";
}

TEST_P(WorkSyncIoTest, ARetryThatChangesNothingStillCompletesTheStore) {
  // Attempt 1 of publish wrote public/v1 here and died after pushing one
  // file; the retry finds its output already in place and writes nothing.
  Write(dir_ + "/data/public/v1/720p/seg_1.m4s", "segment");
  Write(dir_ + "/data/public/v1/720p/playlist.m3u8", "#EXTM3U media");
  Write(dir_ + "/data/public/v1/manifest.m3u8", "#EXTM3U master");
  Write(Work("v1/out/manifest.m3u8"), "#EXTM3U master");
  ASSERT_TRUE(blobs_->Put("transcoded/v1/720p/seg_1.m4s", "segment").ok());
  ASSERT_TRUE(blobs_->Put("segments/v1/out/manifest.m3u8", "#EXTM3U master").ok());
  auto refs = ReferencedWork("publish", {{"from", Work("v1/out")}, {"to", dir_ + "/data/public/v1"}}, roots_);
  auto pulled = PullWork(*blobs_, refs);
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  WorkSnapshot before = SnapshotWork(refs);
  auto pushes = PlanPush(refs, before, SnapshotWork(refs), pulled->stored);
  std::vector<std::string> keys;
  for (const auto& t : pushes) keys.push_back(t.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"transcoded/v1/720p/playlist.m3u8", "transcoded/v1/manifest.m3u8"}))
      << "the master goes last";
  ASSERT_TRUE(PushWork(*blobs_, pushes).ok());
  EXPECT_EQ(*blobs_->Get("transcoded/v1/720p/playlist.m3u8"), "#EXTM3U media");
  EXPECT_EQ(*blobs_->Get("transcoded/v1/manifest.m3u8"), "#EXTM3U master");
}

TEST_P(WorkSyncIoTest, PushedWorkPullsBackOnAnotherMachine) {
  // Machine A writes; machine B (its own data directory) reads.
  Write(Work("v1/enc/720p/chunk_000.nut"), "encoded");
  auto refs_a = ReferencedWork("transcode", {{"output", Work("v1/enc/720p/chunk_000.nut")}}, roots_);
  ASSERT_TRUE(PushWork(*blobs_, PlanPush(refs_a, {}, SnapshotWork(refs_a), {})).ok());
  WorkRoots b{dir_ + "/b/work", dir_ + "/b/public"};
  auto refs_b = ReferencedWork("package", {{"inputs", {b.work_root + "/v1/enc/720p/chunk_000.nut"}}}, b);
  auto pulled = PullWork(*blobs_, refs_b);
  ASSERT_TRUE(pulled.ok()) << pulled.status().ToString();
  EXPECT_EQ(pulled->fetched, 1);
  EXPECT_EQ(Read(b.work_root + "/v1/enc/720p/chunk_000.nut"), "encoded");
}

INSTANTIATE_TEST_SUITE_P(Stores, WorkSyncIoTest, ::testing::Values(Store::kLocal, Store::kS3),
                         [](const auto& p) { return p.param == Store::kLocal ? "Local" : "S3"; });

TEST(VideoWorkLockTest, TheLastTaskOfAVideoOnThisMachineRemovesItsLocalWork) {
  std::string dir = testutil::FreshDir();
  WorkRoots roots{dir + "/work", dir + "/public"};
  Write(roots.work_root + "/v1/out/a.m4s", "a");
  Write(roots.public_root + "/v1/manifest.mpd", "m");
  Write(roots.work_root + "/v2/out/b.m4s", "b");
  std::vector<WorkRef> refs = {{roots.work_root + "/v1/out", "segments/v1/out", "v1"}};
  auto first = VideoWorkLock::Acquire(roots, refs);
  auto second = VideoWorkLock::Acquire(roots, refs);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(first->ReleaseAndClean().empty()) << "another task of v1 still runs here";
  EXPECT_TRUE(fs::exists(roots.work_root + "/v1/out/a.m4s"));
  EXPECT_EQ(second->ReleaseAndClean(), std::vector<std::string>{"v1"});
  EXPECT_FALSE(fs::exists(roots.work_root + "/v1"));
  EXPECT_FALSE(fs::exists(roots.public_root + "/v1"));
  EXPECT_TRUE(fs::exists(roots.work_root + "/v2/out/b.m4s")) << "other videos are left alone";
}

}  // namespace
}  // namespace vtp::pipeline
