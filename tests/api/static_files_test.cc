#include "api/static_files.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/http_server.h"
#include "server_fixture.h"
#include "test_client.h"

namespace vtp::api {
namespace {

namespace fs = std::filesystem;
using testing::HttpResponse;
using testing::TestClient;

void WriteFile(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string Pattern256() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(ParseRangeTest, SingleRangesOnly) {
  using K = RangeRequest::Kind;
  auto r = ParseRange("bytes=10-19", 100);
  EXPECT_EQ(r.kind, K::kPartial);
  EXPECT_EQ(r.range.first, 10u);
  EXPECT_EQ(r.range.last, 19u);
  EXPECT_EQ(ParseRange("bytes=90-", 100).range.first, 90u);
  EXPECT_EQ(ParseRange("bytes=90-500", 100).range.last, 99u);
  EXPECT_EQ(ParseRange("bytes=-5", 100).range.first, 95u);
  EXPECT_EQ(ParseRange("bytes=-500", 100).range.first, 0u);
  EXPECT_EQ(ParseRange("Bytes=0-0", 100).kind, K::kPartial);
  EXPECT_EQ(ParseRange("bytes=100-", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=-0", 100).kind, K::kUnsatisfiable);
  EXPECT_EQ(ParseRange("bytes=0-1", 0).kind, K::kUnsatisfiable);
  for (const char* bad : {"bytes=abc", "items=0-1", "bytes=5-1", "bytes=0-1,3-4", "bytes=",
                          "bytes=-", "bytes=1-x", "bytes= 1-2", "0-1"}) {
    EXPECT_EQ(ParseRange(bad, 100).kind, K::kWhole) << bad;
  }
}

TEST(MimeTypeTest, KnownExtensions) {
  EXPECT_EQ(MimeTypeFor("a/master.m3u8"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(MimeTypeFor("x.MPD"), "application/dash+xml");
  EXPECT_EQ(MimeTypeFor("x.bin"), "application/octet-stream");
  EXPECT_EQ(MimeTypeFor("noext"), "application/octet-stream");
  EXPECT_EQ(CacheControlFor("s.m4s"), "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlFor("p.m3u8"), "public, max-age=5");
  EXPECT_EQ(CacheControlFor("m.json"), "no-cache");
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("vtp-api-static-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    for (const char* name : {"master.m3u8", "manifest.mpd", "a.mp4", "a.m4a", "s.ts",
                             "sub.vtt", "t.jpg", "t.webp", "meta.json"}) {
      WriteFile(root_ / name, std::string("content of ") + name);
    }
    WriteFile(root_ / "v" / "seg_001.m4s", Pattern256());
    WriteFile(base_ / "secret.txt", "top secret");
    fs::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
    fs::create_symlink(root_ / "v" / "seg_001.m4s", root_ / "inside.m4s");
    auto files = StaticFiles::Open(root_);
    ASSERT_TRUE(files.ok());
    Router router;
    ASSERT_TRUE(router.Add("GET", "/media/{path...}", files->AsHandler("path")).ok());
    server_ = testing::StartServer(std::move(router), {}, &port_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(base_);
  }

  HttpResponse Get(const std::string& target, const testing::HeaderList& headers = {}) {
    TestClient c(port_);
    return c.Send("GET", target, headers);
  }

  fs::path base_, root_;
  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StaticFilesTest, ServesMimeTypesAndCaching) {
  const std::pair<const char*, const char*> cases[] = {
      {"master.m3u8", "application/vnd.apple.mpegurl"}, {"manifest.mpd", "application/dash+xml"},
      {"v/seg_001.m4s", "video/iso.segment"},           {"a.mp4", "video/mp4"},
      {"a.m4a", "audio/mp4"},                           {"s.ts", "video/mp2t"},
      {"sub.vtt", "text/vtt"},                          {"t.jpg", "image/jpeg"},
      {"t.webp", "image/webp"},                         {"meta.json", "application/json"},
  };
  for (const auto& [name, type] : cases) {
    HttpResponse res = Get(std::string("/media/") + name);
    EXPECT_EQ(res.result_int(), 200u) << name;
    EXPECT_EQ(res[boost::beast::http::field::content_type], type) << name;
  }
  EXPECT_EQ(Get("/media/master.m3u8").body(), "content of master.m3u8");
  EXPECT_EQ(Get("/media/v/seg_001.m4s")["Cache-Control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/media/t.jpg")["Cache-Control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/media/master.m3u8")["Cache-Control"], "public, max-age=5");
  EXPECT_EQ(Get("/media/manifest.mpd")["Cache-Control"], "public, max-age=5");
}

TEST_F(StaticFilesTest, RangeGives206WithExactBytes) {
  const std::string all = Pattern256();
  HttpResponse res = Get("/media/v/seg_001.m4s", {{"Range", "bytes=10-19"}});
  EXPECT_EQ(res.result_int(), 206u);
  EXPECT_EQ(res["Content-Range"], "bytes 10-19/256");
  EXPECT_EQ(res[boost::beast::http::field::content_length], "10");
  EXPECT_EQ(res.body(), all.substr(10, 10));
  res = Get("/media/v/seg_001.m4s", {{"Range", "bytes=-6"}});
  EXPECT_EQ(res["Content-Range"], "bytes 250-255/256");
  EXPECT_EQ(res.body(), all.substr(250));
  res = Get("/media/v/seg_001.m4s", {{"Range", "bytes=200-"}});
  EXPECT_EQ(res.body(), all.substr(200));
}

TEST_F(StaticFilesTest, UnsatisfiableRangeIs416AndBadRangeIsIgnored) {
  HttpResponse res = Get("/media/v/seg_001.m4s", {{"Range", "bytes=256-300"}});
  EXPECT_EQ(res.result_int(), 416u);
  EXPECT_EQ(res["Content-Range"], "bytes */256");
  res = Get("/media/v/seg_001.m4s", {{"Range", "bytes=oops"}});
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), Pattern256());
}

TEST_F(StaticFilesTest, HeadSendsHeadersOnly) {
  TestClient c(port_);
  HttpResponse res = c.Send("HEAD", "/media/v/seg_001.m4s");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_length], "256");
  EXPECT_EQ(res[boost::beast::http::field::content_type], "video/iso.segment");
  EXPECT_TRUE(res.body().empty());
  HttpResponse ranged = c.Send("HEAD", "/media/v/seg_001.m4s", {{"Range", "bytes=0-9"}});
  EXPECT_EQ(ranged.result_int(), 206u);
  EXPECT_EQ(ranged[boost::beast::http::field::content_length], "10");
  EXPECT_EQ(c.Send("GET", "/media/master.m3u8").body(), "content of master.m3u8");
}

TEST_F(StaticFilesTest, EtagRevalidatesTo304) {
  HttpResponse first = Get("/media/master.m3u8");
  const std::string etag(first[boost::beast::http::field::etag]);
  ASSERT_FALSE(etag.empty());
  HttpResponse again = Get("/media/master.m3u8", {{"If-None-Match", etag}});
  EXPECT_EQ(again.result_int(), 304u);
  EXPECT_TRUE(again.body().empty());
  EXPECT_EQ(again[boost::beast::http::field::etag], etag);
  EXPECT_EQ(Get("/media/master.m3u8", {{"If-None-Match", "\"other\", W/" + etag}}).result_int(),
            304u);
  EXPECT_EQ(Get("/media/master.m3u8", {{"If-None-Match", "\"other\""}}).result_int(), 200u);
  EXPECT_NE(Get("/media/a.mp4")[boost::beast::http::field::etag], etag);
}

TEST_F(StaticFilesTest, CorsHeadersForPlayers) {
  HttpResponse res = Get("/media/v/seg_001.m4s", {{"Origin", "https://player.example"}});
  EXPECT_EQ(res["Access-Control-Allow-Origin"], "*");
  const std::string expose(res["Access-Control-Expose-Headers"]);
  EXPECT_NE(expose.find("Content-Range"), std::string::npos);
  EXPECT_NE(expose.find("Content-Length"), std::string::npos);
  EXPECT_EQ(res["Accept-Ranges"], "bytes");
}

TEST_F(StaticFilesTest, PathGuardRefusesEscapes) {
  // A symlink that stays inside the root is served: the guard is not blanket.
  EXPECT_EQ(Get("/media/inside.m4s").body(), Pattern256());
  for (const char* target : {
           "/media/../secret.txt", "/media/v/../../secret.txt", "/media/%2e%2e/secret.txt",
           "/media/%2E%2E/secret.txt", "/media/v/%2e%2e/%2e%2e/secret.txt",
           "/media/..%2fsecret.txt", "/media/..%2Fsecret.txt", "/media/v%2fseg_001.m4s",
           "/media/..%5csecret.txt", "/media/..\\secret.txt", "/media/escape.txt",
           "/media/master.m3u8%00.jpg", "/media/%00", "/media/%zz", "/media/./master.m3u8",
           "/media/", "/media/v", "/media/missing.m4s"}) {
    HttpResponse res = Get(target);
    EXPECT_EQ(res.result_int(), 404u) << target;
    EXPECT_EQ(res.body().find("top secret"), std::string::npos) << target;
  }
}

TEST(ResolveUnderRootTest, OpenRejectsMissingRoot) {
  EXPECT_EQ(StaticFiles::Open("/nonexistent/vtp/root").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace vtp::api
