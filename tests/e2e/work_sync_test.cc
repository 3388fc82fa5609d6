// End-to-end: `vtp run` with the work area travelling through S3 (s3rver):
// `[work] sync = true` and `keep_local = false`, so every task process
// starts from a data directory without its predecessors' files and must
// fetch every input from segments/ (or originals/). The output must be
// byte-identical to a plain embedded run, and the store must hold the
// intermediates and the published tree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdlib.h>
#include <csignal>
#include <fstream>
#include <set>

#include "adapters/s3_blob_store.h"
#include "e2e/e2e_util.h"
#include "e2e/serve_harness.h"
#include "testutil/s3rver.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;

std::string SyncedConfig(const testutil::S3rver& s3, const std::string& prefix) {
  return "[blobs]\nurl = \"s3://" + std::string(testutil::S3rver::kBucket) + "/" + prefix +
         "?endpoint=" + s3.endpoint() + "&region=us-east-1\"\n"
         "[work]\nsync = true\nkeep_local = false\n";
}

// The one video directory under `area` ("segments/", "transcoded/").
std::set<std::string> VideosUnder(const ports::BlobStore& blobs, const std::string& area) {
  std::set<std::string> videos;
  auto keys = blobs.List(area);
  if (!keys.ok()) return videos;
  for (const auto& key : *keys) {
    std::string rest = key.substr(area.size());
    videos.insert(rest.substr(0, rest.find('/')));
  }
  return videos;
}

TEST(WorkSyncE2eTest, StatelessTasksFetchEverythingFromS3AndTheOutputIsIdentical) {
  std::string why;
  testutil::S3rver* s3 = testutil::SharedS3rver(&why);
  ASSERT_NE(s3, nullptr) << why;
  std::string source = testutil::Fixture(
      "worksync_src.mp4",
      "-f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine=frequency=440:sample_rate=44100 "
      "-t 5 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -ac 2");
  ASSERT_FALSE(source.empty());
  std::string dir = testutil::FreshDir();
  std::string prefix = "worksync-e2e-" + std::to_string(::getpid()) + "/";
  testutil::WriteFileAt(dir + "/cluster.toml", SyncedConfig(*s3, prefix));

  auto plain = testutil::RunCommand(testutil::VtpBinary() + " run '" + source + "' -o '" + dir +
                                        "/plain' --quiet --workers 1 --data '" + dir + "/plain-data'",
                                    true);
  ASSERT_EQ(plain.exit_status, 0) << plain.output;
  auto synced = testutil::RunCommand(
      "VTP_CONFIG='" + dir + "/cluster.toml' VTP_S3_ACCESS_KEY_ID=S3RVER VTP_S3_SECRET_ACCESS_KEY=S3RVER " +
          testutil::VtpBinary() + " run '" + source + "' -o '" + dir + "/synced' --quiet --workers 1 --keep-work --data '" +
          dir + "/synced-data'",
      true);
  ASSERT_EQ(synced.exit_status, 0) << synced.output;

  auto expected = testutil::TreeContents(dir + "/plain");
  auto actual = testutil::TreeContents(dir + "/synced");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(actual.size(), expected.size());
  for (const auto& [path, bytes] : expected) {
    ASSERT_TRUE(actual.count(path)) << path;
    EXPECT_TRUE(bytes == actual[path]) << path << " differs";
  }

  auto blobs = OpenS3rverStore(*s3, prefix);
  ASSERT_NE(blobs, nullptr);
  std::set<std::string> videos = VideosUnder(*blobs, "transcoded/");
  ASSERT_EQ(videos.size(), 1u);
  const std::string video = *videos.begin();
  EXPECT_EQ(VideosUnder(*blobs, "segments/"), videos);
  EXPECT_EQ(VideosUnder(*blobs, "originals/"), videos);
  // Intermediates: chunks, encoded chunks and packaged renditions.
  auto segments = blobs->List("segments/" + video + "/");
  ASSERT_TRUE(segments.ok());
  for (const std::string dir_name : {"chunks/", "enc/", "audio/", "out/"}) {
    std::string want = "segments/" + video + "/" + dir_name;
    EXPECT_TRUE(std::any_of(segments->begin(), segments->end(),
                            [&](const std::string& key) { return key.rfind(want, 0) == 0; }))
        << "nothing under " << want;
  }
  // The published tree, file for file.
  auto published = blobs->List("transcoded/" + video + "/");
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(published->size(), expected.size());
  for (const auto& [path, bytes] : expected) {
    auto stored = blobs->Get("transcoded/" + video + "/" + path);
    ASSERT_TRUE(stored.ok()) << path << ": " << stored.status().ToString();
    EXPECT_TRUE(*stored == bytes) << path << " differs in the store";
  }
  // No task left the video's work behind (keep_local = false; --keep-work
  // stops `vtp run` from removing it itself), so each task had only what it
  // fetched; every task went through the per-video lock.
  EXPECT_TRUE(fs::exists(dir + "/synced-data/work/.locks/" + video + ".lock"));
  EXPECT_FALSE(fs::exists(dir + "/synced-data/work/" + video));
  EXPECT_FALSE(fs::exists(dir + "/synced-data/public/" + video));
}


// `vtp serve` with stateless workers: the published tree is deleted from the
// worker's disk after publish (keep_local = false), so /media must answer
// from transcoded/ in S3 -- the same bytes, with ranges.
TEST(WorkSyncE2eTest, ServeAnswersMediaFromTheStoreWhenNoLocalCopyIsLeft) {
  std::string why;
  testutil::S3rver* s3 = testutil::SharedS3rver(&why);
  ASSERT_NE(s3, nullptr) << why;
  std::string source = testutil::Fixture(
      "worksync_serve_src.mp4",
      "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=500 -t 3 -c:v libx264 "
      "-preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac");
  ASSERT_FALSE(source.empty());
  const std::string dir = testutil::FreshDir();
  const std::string prefix = "serve-sync-" + std::to_string(::getpid()) + "/";
  const std::string config = dir + "/cluster.toml";
  testutil::WriteFileAt(config, SyncedConfig(*s3, prefix));
  const ScopedClusterEnv env(config);
  const std::string data = dir + "/data";
  fs::create_directories(data);
  ServeProcess serve(data, {"--workers", "1"});
  ASSERT_TRUE(serve.Start());
  const std::string token = CreateKey(data, "sync", "admin");
  nlohmann::json req = {{"filename", "clip.mp4"},
                        {"content_type", "video/mp4"},
                        {"file_size_bytes", fs::file_size(source)},
                        {"options", {{"x264_preset", "ultrafast"}}}};
  const std::string video = UploadVideo(serve.port(), token, source, req);
  ASSERT_FALSE(video.empty());
  const HeaderList auth = {{"Authorization", "Bearer " + token}};
  std::string status;
  EXPECT_TRUE(Eventually(
      [&] {
        status = StatusOf(serve.port(), token, video);
        return status == "ready" || status == "failed";
      },
      120s, 250ms));
  ASSERT_EQ(status, "ready") << serve.LogTail();
  EXPECT_FALSE(fs::exists(data + "/public/" + video + "/manifest.m3u8")) << "keep_local = false left the file";

  auto store = OpenS3rverStore(*s3, prefix);
  ASSERT_NE(store, nullptr);
  auto stored = store->Get("transcoded/" + video + "/manifest.m3u8");
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  HttpReply whole = HttpCall(serve.port(), "GET", "/media/" + video + "/manifest.m3u8", auth);
  ASSERT_EQ(whole.status, 200) << whole.Describe();
  EXPECT_EQ(whole.body, *stored);
  EXPECT_EQ(whole.Header("Content-Type").rfind("application/", 0), 0u) << whole.Header("Content-Type");
  HttpReply part = HttpCall(serve.port(), "GET", "/media/" + video + "/manifest.m3u8",
                            {{"Authorization", "Bearer " + token}, {"Range", "bytes=0-6"}});
  ASSERT_EQ(part.status, 206) << part.Describe();
  EXPECT_EQ(part.body, stored->substr(0, 7));
  HttpReply missing = HttpCall(serve.port(), "GET", "/media/" + video + "/no-such-file.m3u8", auth);
  EXPECT_EQ(missing.status, 404);

  // Removing the video removes the published tree from the store too, and
  // the store is never served for a removed video, even when a blob comes
  // back (a task still running at the removal pushing late).
  HttpReply removed = HttpCall(serve.port(), "DELETE", "/api/v1/videos/" + video, auth);
  ASSERT_EQ(removed.status, 204) << removed.Describe();
  auto left = store->List("transcoded/" + video + "/");
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->empty()) << left->size() << " published blobs left, first " << left->front();
  auto originals = store->List("originals/" + video + "/");
  ASSERT_TRUE(originals.ok()) << originals.status().ToString();
  EXPECT_FALSE(originals->empty()) << "originals are kept";
  EXPECT_EQ(HttpCall(serve.port(), "GET", "/media/" + video + "/manifest.m3u8", auth).status, 404);
  ASSERT_TRUE(store->Put("transcoded/" + video + "/manifest.m3u8", *stored).ok());
  EXPECT_EQ(HttpCall(serve.port(), "GET", "/media/" + video + "/manifest.m3u8", auth).status, 404)
      << "a removed video's late blob is not served";
  (void)serve.Signal(SIGTERM);
}

}  // namespace
}  // namespace vtp::e2e
