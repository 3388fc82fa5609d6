// ReplicatingBlobStore (adapters/replicating_blob_store.h) over two stores:
// memory + memory for the rules, local + local for a replica whose bytes rot
// on disk, and local + S3 (a real s3rver started by the test) for a replica
// in another kind of store.
#include "adapters/replicating_blob_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "adapters/blob_checksum.h"
#include "adapters/local_blob_store.h"
#include "adapters/memory_blob_store.h"
#include "adapters/s3_blob_store.h"
#include "testutil/fixtures.h"
#include "testutil/s3rver.h"

namespace vtp {
namespace {

using adapters::ReplicatingBlobStore;

constexpr char kOriginal[] = "originals/v1/original.mp4";

std::string Sha(const std::string& bytes) { return *adapters::Sha256Hex(bytes); }

class ReplicatingMemoryTest : public ::testing::Test {
 protected:
  adapters::InMemoryBlobStore primary_, replica_;
  ReplicatingBlobStore store_{primary_, replica_, testutil::FreshDir("_repl_scratch")};
};

TEST_F(ReplicatingMemoryTest, OriginalsGoToBothStoresOthersToThePrimary) {
  auto put = store_.Put(kOriginal, "video");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, Sha("video"));
  EXPECT_EQ(*primary_.Get(kOriginal), "video");
  EXPECT_EQ(*replica_.Get(kOriginal), "video");
  EXPECT_EQ(*replica_.Checksum(kOriginal), Sha("video"));
  ASSERT_TRUE(store_.Put("segments/v1/chunk_000.vpk", "seg").ok());
  ASSERT_TRUE(store_.Put("transcoded/v1/out.m4s", "out").ok());
  EXPECT_EQ(*replica_.List(""), (std::vector<std::string>{kOriginal}));
  EXPECT_EQ(primary_.List("")->size(), 3u);
  EXPECT_TRUE(store_.Delete("segments/v1/chunk_000.vpk").ok());
  EXPECT_FALSE(*primary_.Exists("segments/v1/chunk_000.vpk"));
}

TEST_F(ReplicatingMemoryTest, PutFileAndCopyOntoOriginalsReplicate) {
  const std::string src = testutil::FreshDir("_repl_src") + "/in.bin";
  testutil::WriteFileAt(src, "from a file");
  ASSERT_TRUE(store_.PutFile("originals/v2/original.mp4", src).ok());
  EXPECT_EQ(*replica_.Get("originals/v2/original.mp4"), "from a file");
  ASSERT_TRUE(store_.Put("uploads/u1/data", "uploaded").ok());
  auto copied = store_.Copy("uploads/u1/data", "originals/v3/original.mp4");
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(*copied, Sha("uploaded"));
  EXPECT_EQ(*replica_.Get("originals/v3/original.mp4"), "uploaded");
  EXPECT_FALSE(*replica_.Exists("uploads/u1/data"));
}

TEST_F(ReplicatingMemoryTest, ReplicaWithOtherBytesIsCorruptInputAndThePrimaryKeepsItsCopy) {
  ASSERT_TRUE(replica_.Put(kOriginal, "stale").ok());
  auto put = store_.Put(kOriginal, "video");
  EXPECT_EQ(put.status().code(), ErrorCode::kCorruptInput);
  EXPECT_NE(put.status().message().find("replica"), std::string::npos) << put.status().ToString();
  EXPECT_EQ(*primary_.Get(kOriginal), "video");
  EXPECT_EQ(*replica_.Get(kOriginal), "stale");
  // The primary's write-once rule still answers first.
  EXPECT_EQ(store_.Put(kOriginal, "other").status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(ReplicatingMemoryTest, OriginalReadsFallBackToTheReplica) {
  ASSERT_TRUE(replica_.Put(kOriginal, "only-on-replica").ok());
  EXPECT_EQ(*store_.Get(kOriginal), "only-on-replica");
  EXPECT_EQ(*store_.GetRange(kOriginal, 5, 2), "on");
  EXPECT_TRUE(*store_.Exists(kOriginal));
  EXPECT_EQ(*store_.Size(kOriginal), 15u);
  EXPECT_EQ(*store_.Checksum(kOriginal), Sha("only-on-replica"));
  EXPECT_TRUE(store_.Verify(kOriginal).ok());
  const std::string dst = testutil::FreshDir("_repl_dst") + "/out.bin";
  ASSERT_TRUE(store_.GetToFile(kOriginal, dst).ok());
  // Not for other areas: the replica holds originals only.
  ASSERT_TRUE(replica_.Put("segments/v1/x", "s").ok());
  EXPECT_EQ(store_.Get("segments/v1/x").status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*store_.Exists("segments/v1/x"));
  EXPECT_EQ(store_.Get("originals/none/x").status().code(), ErrorCode::kNotFound);
}

TEST_F(ReplicatingMemoryTest, ReplicateOriginalsCatchesUpALateReplica) {
  ASSERT_TRUE(primary_.Put("originals/a/original.mp4", "aaa").ok());
  ASSERT_TRUE(primary_.Put("originals/b/original.mp4", "bbb").ok());
  ASSERT_TRUE(primary_.Put("originals/c/original.mp4", "ccc").ok());
  ASSERT_TRUE(primary_.Put("segments/a/chunk", "s").ok());
  ASSERT_TRUE(replica_.Put("originals/b/original.mp4", "bbb").ok());
  ASSERT_TRUE(replica_.Put("originals/c/original.mp4", "not-ccc").ok());
  auto report = store_.ReplicateOriginals();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checked, 3u);
  EXPECT_EQ(report->copied, 1u);
  EXPECT_EQ(report->already_present, 1u);
  EXPECT_EQ(report->mismatched, (std::vector<std::string>{"originals/c/original.mp4"}));
  EXPECT_TRUE(report->failed.empty());
  EXPECT_EQ(*replica_.Get("originals/a/original.mp4"), "aaa");
  EXPECT_EQ(*replica_.Get("originals/c/original.mp4"), "not-ccc");  // reported, never overwritten
  EXPECT_FALSE(*replica_.Exists("segments/a/chunk"));
  // A second pass finds everything in place.
  auto again = store_.ReplicateOriginals();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->copied, 0u);
  EXPECT_EQ(again->already_present, 2u);
}

TEST_F(ReplicatingMemoryTest, PresignAndListGoToThePrimary) {
  EXPECT_EQ(store_.PresignGet("transcoded/v1/a", 60).status().code(), ErrorCode::kInvalidArgument);
  ASSERT_TRUE(primary_.Put("segments/v1/a", "x").ok());
  EXPECT_EQ(store_.ListInfo("segments/")->size(), 1u);
}

// The replica's file rots on disk behind a record that still vouches for the
// old bytes: a write that finds "the same" original there must not trust it.
TEST(ReplicatingLocalTest, ReplicaThatFailsVerifyIsCorruptInput) {
  auto primary = adapters::LocalBlobStore::Open(testutil::FreshDir("_repl_p"));
  auto replica = adapters::LocalBlobStore::Open(testutil::FreshDir("_repl_r"));
  ASSERT_TRUE(primary.ok() && replica.ok());
  ASSERT_TRUE((*replica)->Put(kOriginal, "abc").ok());
  {
    std::fstream f((*replica)->root() + "/" + kOriginal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('d');  // same size, same inode: only the hash can tell
  }
  ReplicatingBlobStore store(**primary, **replica, testutil::FreshDir("_repl_s"));
  auto put = store.Put(kOriginal, "abc");
  EXPECT_EQ(put.status().code(), ErrorCode::kCorruptInput) << put.status().ToString();
  EXPECT_EQ(*(*primary)->Get(kOriginal), "abc");
  EXPECT_TRUE((*primary)->Verify(kOriginal).ok());
}

TEST(ReplicatingS3Test, LocalPrimaryWithAnS3Replica) {
  const std::string dir = testutil::FreshDir("_repl_s3");
  testutil::S3rver server;
  const std::string error = server.Start(dir + "/server");
  ASSERT_TRUE(error.empty()) << error;
  adapters::S3BlobStoreConfig config;
  config.endpoint = {.endpoint = server.endpoint(), .bucket = testutil::S3rver::kBucket, .region = "us-east-1",
                     .access_key = testutil::S3rver::kAccessKey, .secret_key = testutil::S3rver::kSecretKey,
                     .timeout_ms = 30'000};
  config.key_prefix = "replica/";
  config.retry.max_attempts = 1;
  auto replica = adapters::S3BlobStore::Create(config);
  auto primary = adapters::LocalBlobStore::Open(dir + "/primary");
  ASSERT_TRUE(replica.ok() && primary.ok());
  ASSERT_TRUE((*primary)->Put("originals/early/original.mp4", "before the replica").ok());
  ReplicatingBlobStore store(**primary, **replica, dir);

  ASSERT_TRUE(store.Put(kOriginal, "video bytes").ok());
  EXPECT_EQ(*(*replica)->Get(kOriginal), "video bytes");
  EXPECT_EQ(*(*replica)->Checksum(kOriginal), Sha("video bytes"));
  ASSERT_TRUE(store.Put("uploads/u1/data", "copied bytes").ok());
  ASSERT_TRUE(store.Copy("uploads/u1/data", "originals/v2/original.mp4").ok());
  EXPECT_EQ(*(*replica)->Get("originals/v2/original.mp4"), "copied bytes");

  auto report = store.ReplicateOriginals();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->checked, 3u);
  EXPECT_EQ(report->copied, 1u);
  EXPECT_EQ(report->already_present, 2u);
  EXPECT_TRUE(report->failed.empty());
  EXPECT_TRUE((*replica)->Verify("originals/early/original.mp4").ok());
  EXPECT_EQ(*(*replica)->List(""), (std::vector<std::string>{"originals/early/original.mp4",
                                                             "originals/v1/original.mp4",
                                                             "originals/v2/original.mp4"}));
}

}  // namespace
}  // namespace vtp
