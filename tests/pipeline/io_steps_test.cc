// Ingest, manifest and publish against a real LocalBlobStore and real files.
#include "pipeline/io_steps.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapters/blob_checksum.h"
#include "adapters/local_blob_store.h"
#include "testutil/fixtures.h"

namespace vtp::pipeline {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void Write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}
std::string Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class IoStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir();
    auto blobs = adapters::LocalBlobStore::Open(dir_ + "/blobs");
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::move(blobs).value();
    Write(dir_ + "/upload.mp4", "original bytes");
    sha_ = *adapters::Sha256Hex("original bytes");
  }
  json IngestParams() {
    return {{"source", dir_ + "/upload.mp4"}, {"sha256", sha_}, {"key", "originals/v1/original.mp4"}};
  }
  std::string dir_, sha_;
  std::unique_ptr<adapters::LocalBlobStore> blobs_;
};

TEST_F(IoStepsTest, IngestStoresTheOriginalAndIsIdempotent) {
  auto r = IngestOriginal(IngestParams(), *blobs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["sha256"], sha_);
  EXPECT_EQ(Read((*r)["path"]), "original bytes");
  EXPECT_EQ(Read(dir_ + "/upload.mp4"), "original bytes") << "the upload is left alone";
  fs::remove(dir_ + "/upload.mp4");
  auto again = IngestOriginal(IngestParams(), *blobs_);
  ASSERT_TRUE(again.ok()) << "a re-run after the upload is gone reuses the stored original";
  EXPECT_EQ((*again)["path"], (*r)["path"]);
}

TEST_F(IoStepsTest, IngestRefusesAnUploadThatChangedSinceSubmission) {
  Write(dir_ + "/upload.mp4", "tampered bytes");
  auto r = IngestOriginal(IngestParams(), *blobs_);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptInput) << r.status().ToString();
}

TEST_F(IoStepsTest, IngestOfAMissingUploadIsNotFound) {
  fs::remove(dir_ + "/upload.mp4");
  EXPECT_EQ(IngestOriginal(IngestParams(), *blobs_).status().code(), ErrorCode::kNotFound);
}

TEST_F(IoStepsTest, PublishCopiesAtomicallyAndARepeatIsHarmless) {
  Write(dir_ + "/work/out/manifest.mpd", "<MPD/>");
  Write(dir_ + "/work/out/h264/720p/init.mp4", "init");
  json p = {{"from", dir_ + "/work/out"}, {"to", dir_ + "/published"}, {"replace", false},
            {"original", dir_ + "/upload.mp4"}};
  auto r = PublishOutput(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Read(dir_ + "/published/h264/720p/init.mp4"), "init");
  EXPECT_EQ((*r)["files"].size(), 2u);
  EXPECT_TRUE(PublishOutput(p).ok()) << "same content already there: success";
  // Steps replace files (new inode), never rewrite them: published files
  // are hard links to the work copies.
  fs::remove(dir_ + "/work/out/manifest.mpd");
  Write(dir_ + "/work/out/manifest.mpd", "<MPD changed/>");
  EXPECT_EQ(PublishOutput(p).status().code(), ErrorCode::kAlreadyExists) << "different content, no --force";
  p["replace"] = true;
  ASSERT_TRUE(PublishOutput(p).ok());
  EXPECT_EQ(Read(dir_ + "/published/manifest.mpd"), "<MPD changed/>");
}

// A tier upgrade's publish: new files appear, the masters are replaced, and
// nothing published before is touched, even where the new tree differs.
TEST_F(IoStepsTest, MergePublishAddsFilesAndReplacesOnlyTheMasters) {
  Write(dir_ + "/published/manifest.m3u8", "v1 master");
  Write(dir_ + "/published/h264/720p/segment_000.m4s", "old segment");
  Write(dir_ + "/published/h264/720p/playlist.m3u8", "old playlist");
  Write(dir_ + "/published/keep.txt", "only in the old version");
  Write(dir_ + "/work/out/manifest.m3u8", "v2 master");
  Write(dir_ + "/work/out/manifest_v2.m3u8", "v2 master");
  Write(dir_ + "/work/out/h264/720p/segment_000.m4s", "re-encoded segment");
  Write(dir_ + "/work/out/h264/720p/playlist.m3u8", "new playlist");
  Write(dir_ + "/work/out/hevc/720p/segment_000.m4s", "hevc segment");
  Write(dir_ + "/work/out/hevc/720p/playlist.m3u8", "hevc playlist");
  json p = {{"from", dir_ + "/work/out"}, {"to", dir_ + "/published"}, {"replace", false},
            {"merge", true}, {"original", dir_ + "/upload.mp4"}};
  auto r = PublishOutput(p);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Read(dir_ + "/published/manifest.m3u8"), "v2 master");
  EXPECT_EQ(Read(dir_ + "/published/manifest_v2.m3u8"), "v2 master");
  EXPECT_EQ(Read(dir_ + "/published/h264/720p/segment_000.m4s"), "old segment");
  EXPECT_EQ(Read(dir_ + "/published/h264/720p/playlist.m3u8"), "old playlist");
  EXPECT_EQ(Read(dir_ + "/published/keep.txt"), "only in the old version");
  EXPECT_EQ(Read(dir_ + "/published/hevc/720p/segment_000.m4s"), "hevc segment");
  EXPECT_EQ(Read(dir_ + "/published/hevc/720p/playlist.m3u8"), "hevc playlist");
  for (const auto& e : fs::recursive_directory_iterator(dir_ + "/published")) {
    EXPECT_EQ(e.path().string().find(".merge.part"), std::string::npos) << e.path();
  }
  // Without an earlier publication a merge is a plain publish.
  p["to"] = dir_ + "/fresh";
  ASSERT_TRUE(PublishOutput(p).ok());
  EXPECT_EQ(Read(dir_ + "/fresh/h264/720p/segment_000.m4s"), "re-encoded segment");
}

TEST_F(IoStepsTest, PublishRefusesAnOutputHoldingTheOriginal) {
  Write(dir_ + "/work/out/a.txt", "a");
  json p = {{"from", dir_ + "/work/out"}, {"to", dir_}, {"replace", true}, {"original", dir_ + "/upload.mp4"}};
  EXPECT_EQ(PublishOutput(p).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Read(dir_ + "/upload.mp4"), "original bytes");
}

TEST_F(IoStepsTest, PublishOfNothingIsNotFound) {
  json p = {{"from", dir_ + "/nope"}, {"to", dir_ + "/o"}, {"replace", false}, {"original", dir_ + "/upload.mp4"}};
  EXPECT_EQ(PublishOutput(p).status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vtp::pipeline
