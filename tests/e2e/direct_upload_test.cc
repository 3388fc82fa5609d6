// `vtp serve` with an S3 blob store (s3rver on loopback, embedded SQLite
// metadata): POST /videos/upload answers presigned multipart URLs, curl PUTs
// the parts straight to S3, POST .../complete creates the video, and the
// pipeline takes it to ready. The server never sees the bytes. A file over
// 5 GiB is offered tus instead.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "e2e/serve_harness.h"
#include "testutil/fixtures.h"
#include "testutil/s3rver.h"

namespace vtp::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Clip() {
  return testutil::Fixture("direct_upload_clip.mp4",
                           "-f lavfi -i testsrc2=size=320x240:rate=25:duration=2"
                           " -f lavfi -i sine=frequency=440:sample_rate=48000:duration=2"
                           " -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -c:a aac -shortest");
}

TEST(DirectUploadE2eTest, PresignedMultipartUploadReachesReady) {
  const std::string dir = testutil::FreshDir();
  std::string s3_error;
  testutil::S3rver* s3 = testutil::SharedS3rver(&s3_error);
  ASSERT_NE(s3, nullptr) << s3_error;
  const std::string data = dir + "/data";
  fs::create_directories(data);
  const std::string config = dir + "/s3.toml";
  testutil::WriteFileAt(config, "data_dir = \"" + data + "\"\n[blobs]\nurl = \"s3://" +
                                    std::string(testutil::S3rver::kBucket) + "/direct-e2e-" +
                                    std::to_string(::getpid()) + "/?endpoint=" + s3->endpoint() + "\"\n");
  const ScopedClusterEnv env(config);
  const std::string token = CreateKey(data, "alice");
  ASSERT_FALSE(token.empty());
  ServeProcess server(data, {"--config", config});
  ASSERT_TRUE(server.Start());
  const HeaderList auth = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};

  const std::string clip = Clip();
  const uint64_t size = fs::file_size(clip);
  const json start = {{"filename", "clip.mp4"},
                      {"content_type", "video/mp4"},
                      {"file_size_bytes", size},
                      {"sha256", Sha256OfFile(clip)},
                      {"options", {{"x264_preset", "ultrafast"}}}};
  HttpReply created = HttpCall(server.port(), "POST", "/api/v1/videos/upload", auth, start.dump());
  ASSERT_EQ(created.status, 201) << created.Describe() << server.LogTail();
  const json up = created.Json();
  ASSERT_EQ(up.value("protocol", ""), "s3-multipart") << up.dump(2);
  const std::string upload_id = up.value("upload_id", "");
  const std::string video_id = up.value("video_id", "");
  EXPECT_EQ(up.value("complete_url", ""), server.url() + "/api/v1/uploads/" + upload_id + "/complete");
  EXPECT_EQ(up.value("abort_url", ""), server.url() + "/api/v1/uploads/" + upload_id + "/abort");
  const uint64_t part_size = up.value("part_size", uint64_t{0});
  ASSERT_GE(part_size, uint64_t{5} << 20);
  ASSERT_EQ(up["parts"].size(), (size + part_size - 1) / part_size);

  // The client sends the bytes to S3, not to vtp.
  json parts = json::array();
  for (const json& p : up["parts"]) {
    const int n = p.value("part_number", 0);
    const uint64_t offset = static_cast<uint64_t>(n - 1) * part_size;
    const std::string reply = CurlPutRange(dir, p.value("url", ""), clip, offset, std::min(part_size, size - offset));
    ASSERT_EQ(reply.substr(0, 4), "200 ") << reply;
    parts.push_back({{"part_number", n}, {"etag", reply.substr(4)}});
  }
  const std::string complete_path = "/api/v1/uploads/" + upload_id + "/complete";
  // A list that misses a part is refused, and nothing is spent.
  HttpReply partial = HttpCall(server.port(), "POST", complete_path, auth, json{{"parts", json::array()}}.dump());
  EXPECT_EQ(partial.status, 400) << partial.Describe();
  HttpReply done = HttpCall(server.port(), "POST", complete_path, auth, json{{"parts", parts}}.dump());
  ASSERT_EQ(done.status, 200) << done.Describe() << server.LogTail();
  EXPECT_EQ(done.Json().value("video_id", ""), video_id);
  EXPECT_EQ(done.Json().value("sha256", ""), Sha256OfFile(clip));
  HttpReply again = HttpCall(server.port(), "POST", complete_path, auth, json{{"parts", parts}}.dump());
  EXPECT_EQ(again.status, 200) << again.Describe();
  EXPECT_EQ(again.Json().value("video_id", ""), video_id);

  std::string status;
  Eventually(
      [&] {
        status = StatusOf(server.port(), token, video_id);
        return status == "ready" || status == "failed";
      },
      120s, 250ms);
  EXPECT_EQ(status, "ready") << server.LogTail();
  json other = parts;
  other[0]["etag"] = "\"0123456789abcdef0123456789abcdef\"";
  HttpReply conflict = HttpCall(server.port(), "POST", complete_path, auth, json{{"parts", other}}.dump());
  EXPECT_EQ(conflict.status, 409) << conflict.Describe();
  EXPECT_EQ(conflict.Header("Content-Type"), "application/problem+json");

  // A second upload, abandoned: abort_url terminates it (s3rver cannot
  // discard the parts: 405, so the header says they were left behind).
  HttpReply second = HttpCall(server.port(), "POST", "/api/v1/videos/upload", auth, start.dump());
  ASSERT_EQ(second.status, 201) << second.Describe();
  const std::string second_id = second.Json().value("upload_id", "");
  HttpReply tus_head = HttpCall(server.port(), "HEAD", "/api/v1/uploads/" + second_id,
                                {{"Authorization", "Bearer " + token}, {"Tus-Resumable", "1.0.0"}});
  EXPECT_EQ(tus_head.status, 404) << "a direct upload is not a tus upload";
  HttpReply aborted = HttpCall(server.port(), "POST", "/api/v1/uploads/" + second_id + "/abort", auth);
  EXPECT_EQ(aborted.status, 204) << aborted.Describe();
  EXPECT_EQ(aborted.Header("Vtp-Parts-Discarded"), "false");
  HttpReply after = HttpCall(server.port(), "POST", "/api/v1/uploads/" + second_id + "/complete", auth,
                             json{{"parts", parts}}.dump());
  EXPECT_EQ(after.status, 404) << after.Describe();

  // Unknown uploads are a problem+json 404.
  HttpReply unknown = HttpCall(server.port(), "POST", "/api/v1/uploads/0123456789abcdef0123456789abcdef/complete",
                               auth, json{{"parts", parts}}.dump());
  EXPECT_EQ(unknown.status, 404) << unknown.Describe();

  // Over CopyObject's 5 GiB a direct upload could never complete: tus.
  json huge = start;
  huge["file_size_bytes"] = uint64_t{6} << 30;
  huge.erase("sha256");
  HttpReply big = HttpCall(server.port(), "POST", "/api/v1/videos/upload", auth, huge.dump());
  ASSERT_EQ(big.status, 201) << big.Describe();
  EXPECT_EQ(big.Json().value("protocol", ""), "tus") << big.Describe();
  EXPECT_FALSE(big.Json().contains("parts"));
  EXPECT_EQ(server.Signal(SIGTERM), 0) << server.LogTail();
}

}  // namespace
}  // namespace vtp::e2e
