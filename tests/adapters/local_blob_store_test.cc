// LocalBlobStore beyond the shared contract: what happens on disk, and what
// happens when someone else touches the disk.
#include "adapters/local_blob_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "testutil/fixtures.h"

namespace vtp::adapters {
namespace {

namespace fs = std::filesystem;

class LocalBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = testutil::FreshDir();
    root_ = base_ + "/root";
    auto s = LocalBlobStore::Open(root_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  std::set<std::string> Entries(const std::string& rel) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(root_ + "/" + rel)) names.insert(e.path().filename().string());
    return names;
  }

  std::string base_, root_;
  std::unique_ptr<LocalBlobStore> store_;
};

TEST_F(LocalBlobStoreTest, CreatesRootAndDocumentedLayout) {
  EXPECT_TRUE(fs::is_directory(root_));
  EXPECT_EQ(store_->root(), fs::absolute(root_).lexically_normal().string());
  ASSERT_TRUE(store_->Put("transcoded/v1/h264/720p/segment_000.m4s", "abc").ok());
  // The blob, its checksum record, and no temporaries left behind.
  EXPECT_EQ(Entries("transcoded/v1/h264/720p"),
            (std::set<std::string>{"segment_000.m4s", ".segment_000.m4s.sha256"}));
  std::ifstream rec(root_ + "/transcoded/v1/h264/720p/.segment_000.m4s.sha256");
  std::string word, sha;
  rec >> word >> sha;
  EXPECT_EQ(word, "sha256");
  EXPECT_EQ(sha, *store_->Checksum("transcoded/v1/h264/720p/segment_000.m4s"));
  EXPECT_EQ(*store_->LocalPath("transcoded/v1/h264/720p/segment_000.m4s"),
            store_->root() + "/transcoded/v1/h264/720p/segment_000.m4s");
}

TEST_F(LocalBlobStoreTest, ReopenedStoreSeesEverything) {
  ASSERT_TRUE(store_->Put("originals/v1/original.mp4", "abc").ok());
  store_.reset();
  auto again = LocalBlobStore::Open(root_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->Get("originals/v1/original.mp4"), "abc");
  EXPECT_TRUE((*again)->Verify("originals/v1/original.mp4").ok());
  EXPECT_EQ((*again)->Put("originals/v1/original.mp4", "abd").status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(LocalBlobStoreTest, VerifyDetectsInPlaceTampering) {
  ASSERT_TRUE(store_->Put("originals/v1/original.mp4", "hello world").ok());
  {
    std::fstream f(root_ + "/originals/v1/original.mp4", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4);
    f.put('0');  // same size, same inode: only re-hashing can notice
  }
  Status v = store_->Verify("originals/v1/original.mp4");
  EXPECT_EQ(v.code(), ErrorCode::kCorruptInput) << v.ToString();
  // Checksum still reports what was recorded at write time.
  EXPECT_TRUE(store_->Checksum("originals/v1/original.mp4").ok());
}

TEST_F(LocalBlobStoreTest, TruncationIsCaughtWithoutReading) {
  ASSERT_TRUE(store_->Put("segments/v1/chunk_000.vpk", "0123456789").ok());
  fs::resize_file(root_ + "/segments/v1/chunk_000.vpk", 4);
  EXPECT_EQ(store_->Checksum("segments/v1/chunk_000.vpk").status().code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(store_->Verify("segments/v1/chunk_000.vpk").code(), ErrorCode::kCorruptInput);
}

TEST_F(LocalBlobStoreTest, FileReplacedBehindTheStoreIsNotVouchedFor) {
  ASSERT_TRUE(store_->Put("segments/v1/chunk_000.vpk", "abc").ok());
  // Same size, new inode: the record no longer describes the file.
  std::string path = root_ + "/segments/v1/chunk_000.vpk";
  testutil::WriteFileAt(path + ".new", "xyz");
  fs::rename(path + ".new", path);
  EXPECT_EQ(store_->Checksum("segments/v1/chunk_000.vpk").status().code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(store_->Verify("segments/v1/chunk_000.vpk").code(), ErrorCode::kCorruptInput);
  // A write through the store makes it whole again.
  ASSERT_TRUE(store_->Put("segments/v1/chunk_000.vpk", "xyz").ok());
  EXPECT_TRUE(store_->Verify("segments/v1/chunk_000.vpk").ok());
}

TEST_F(LocalBlobStoreTest, MissingOrMalformedRecordIsCorruption) {
  ASSERT_TRUE(store_->Put("a/b", "abc").ok());
  fs::remove(root_ + "/a/.b.sha256");
  EXPECT_EQ(store_->Verify("a/b").code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(store_->Checksum("a/b").status().code(), ErrorCode::kCorruptInput);
  testutil::WriteFileAt(root_ + "/a/.b.sha256", "sha256 nothex\n");
  EXPECT_EQ(store_->Verify("a/b").code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(*store_->Get("a/b"), "abc");  // reads do not depend on the record
}

TEST_F(LocalBlobStoreTest, SymlinkedDirectoryIsNeverFollowed) {
  std::string outside = base_ + "/outside";
  fs::create_directories(outside + "/v1");
  testutil::WriteFileAt(outside + "/v1/secret", "secret");
  fs::create_directory_symlink(outside, root_ + "/segments");
  EXPECT_EQ(store_->Put("segments/v1/x", "abc").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("segments/v2/x", "abc").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Get("segments/v1/secret").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Exists("segments/v1/secret").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->LocalPath("segments/v1/secret").has_value());
  EXPECT_TRUE(store_->List("")->empty());
  EXPECT_EQ(fs::directory_iterator(outside + "/v1")->path().filename(), "secret");
  EXPECT_FALSE(fs::exists(outside + "/v1/x"));
  EXPECT_FALSE(fs::exists(outside + "/v2"));
}

TEST_F(LocalBlobStoreTest, SymlinkInPlaceOfABlobIsNotABlob) {
  std::string outside = base_ + "/outside.txt";
  testutil::WriteFileAt(outside, "secret");
  fs::create_directories(root_ + "/transcoded/v1");
  fs::create_symlink(outside, root_ + "/transcoded/v1/manifest.mpd");
  EXPECT_EQ(store_->Get("transcoded/v1/manifest.mpd").status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*store_->Exists("transcoded/v1/manifest.mpd"));
  EXPECT_FALSE(store_->LocalPath("transcoded/v1/manifest.mpd").has_value());
  // Writing the key replaces the link itself; the target is untouched.
  ASSERT_TRUE(store_->Put("transcoded/v1/manifest.mpd", "<MPD/>").ok());
  EXPECT_FALSE(fs::is_symlink(root_ + "/transcoded/v1/manifest.mpd"));
  std::ifstream in(outside);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "secret");
}

TEST_F(LocalBlobStoreTest, ForeignAndHiddenFilesAreNotListed) {
  ASSERT_TRUE(store_->Put("segments/v1/chunk_000.vpk", "abc").ok());
  testutil::WriteFileAt(root_ + "/segments/v1/.tmp.99999.0", "half a write from a crashed process");
  testutil::WriteFileAt(root_ + "/segments/v1/has space", "put there by hand");
  EXPECT_EQ(*store_->List(""), (std::vector<std::string>{"segments/v1/chunk_000.vpk"}));
  // A stale temporary never blocks a write.
  ASSERT_TRUE(store_->Put("segments/v1/chunk_001.vpk", "def").ok());
}

TEST_F(LocalBlobStoreTest, TwoStoresOnOneRootAgreeOnOriginals) {
  auto other = LocalBlobStore::Open(root_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(store_->Put("originals/v1/original.mp4", "abc").ok());
  EXPECT_EQ((*other)->Put("originals/v1/original.mp4", "xyz").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE((*other)->Put("originals/v1/original.mp4", "abc").ok());
  ASSERT_TRUE((*other)->Put("segments/v1/a", "1").ok());
  EXPECT_EQ(*store_->Get("segments/v1/a"), "1");
}

TEST_F(LocalBlobStoreTest, OpenFailsOnAFile) {
  testutil::WriteFileAt(base_ + "/plain", "x");
  EXPECT_FALSE(LocalBlobStore::Open(base_ + "/plain").ok());
}

}  // namespace
}  // namespace vtp::adapters
