// Published media under /media (public and signed variants), and the API's
// robustness against hostile or oversized input.
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/playback.h"
#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

using nlohmann::json;

constexpr const char* kVideo = "vmedia01";
constexpr const char* kManifest = "#EXTM3U\n#EXT-X-VERSION:7\n";
constexpr const char* kSecret = "playback-secret-for-tests-0123456789";

class ServiceMediaTest : public ServiceFixture {
 protected:
  void SetUp() override {
    ServiceFixture::SetUp();
    WriteTree(public_root_ + "/" + kVideo + "/manifest.m3u8", kManifest);
    WriteTree(public_root_ + "/" + kVideo + "/720p/seg_000.m4s", "segment-bytes");
    WriteTree(root_ + "/vtp.db", "secret database");
    WriteTree(root_ + "/x/y", "secret database too");
  }
};

TEST_F(ServiceMediaTest, ServesPublishedFilesWithTypeAndCors) {
  HttpResponse res = Call("GET", std::string("/media/") + kVideo + "/manifest.m3u8");
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), kManifest);
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(HeaderOf(res, "Access-Control-Allow-Origin"), "*");
  HttpResponse seg = Call("GET", std::string("/media/") + kVideo + "/720p/seg_000.m4s", "", {{"Range", "bytes=0-6"}});
  EXPECT_EQ(seg.result_int(), 206u);
  EXPECT_EQ(seg.body(), "segment");
  EXPECT_EQ(Call("HEAD", std::string("/media/") + kVideo + "/manifest.m3u8").result_int(), 200u);
  EXPECT_EQ(Call("GET", std::string("/media/") + kVideo + "/missing.m3u8").result_int(), 404u);
}

TEST_F(ServiceMediaTest, TraversalIsNotFound) {
  const std::string v = std::string("/media/") + kVideo;
  for (const std::string& target :
       {v + "/..%2F..%2Fvtp.db", v + "/../../vtp.db", v + "/%2e%2e/%2e%2e/vtp.db", v + "/..%5C..%5Cvtp.db",
        std::string("/media/..%2Fx/y"), std::string("/media/..%2F..%2Fvtp.db/x"), std::string("/media/../vtp.db"),
        v + "/manifest.m3u8%00.txt", v + "/%00", std::string("/media/vmedia01%00/manifest.m3u8"),
        v + "/720p%2Fseg_000.m4s", v + "/%zz"}) {
    SCOPED_TRACE(target);
    HttpResponse res = Call("GET", target);
    EXPECT_EQ(res.result_int(), 404u) << res.body();
    EXPECT_EQ(res.body().find("secret database"), std::string::npos);
  }
}

class ServiceSignedMediaTest : public ServiceMediaTest {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.playback_secret = kSecret;
    return o;
  }
  std::string Signed(const std::string& token, const std::string& video, const std::string& file) {
    return "/media/t/" + token + "/" + video + "/" + file;
  }
  int64_t NowSeconds() const { return clock_.NowMillis() / 1000; }
};

TEST_F(ServiceSignedMediaTest, UnsignedPathIsNotServed) {
  HttpResponse res = Call("GET", std::string("/media/") + kVideo + "/manifest.m3u8");
  EXPECT_TRUE(res.result_int() == 404u || res.result_int() == 405u) << res.result_int();
  EXPECT_EQ(res.body().find("#EXTM3U"), std::string::npos);
}

TEST_F(ServiceSignedMediaTest, SignedPathIsServed) {
  const std::string token = service::SignPlayback(kSecret, kVideo, NowSeconds() + 600);
  HttpResponse res = Call("GET", Signed(token, kVideo, "manifest.m3u8"));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), kManifest);
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/vnd.apple.mpegurl");
  // The token covers every file of the video.
  EXPECT_EQ(Call("GET", Signed(token, kVideo, "720p/seg_000.m4s")).body(), "segment-bytes");
  // ...and no traversal out of it.
  EXPECT_EQ(Call("GET", Signed(token, kVideo, "..%2F..%2Fvtp.db")).result_int(), 404u);
}

TEST_F(ServiceSignedMediaTest, ExpiredOrTamperedTokenIs403) {
  const std::string expired = service::SignPlayback(kSecret, kVideo, NowSeconds() - 1);
  ExpectProblem(Call("GET", Signed(expired, kVideo, "manifest.m3u8")), 403, "playback-token-refused");

  std::string tampered = service::SignPlayback(kSecret, kVideo, NowSeconds() + 600);
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  ExpectProblem(Call("GET", Signed(tampered, kVideo, "manifest.m3u8")), 403, "playback-token-refused");

  // A later expiry with the old signature.
  std::string good = service::SignPlayback(kSecret, kVideo, NowSeconds() + 600);
  std::string stretched = std::to_string(NowSeconds() + 6000) + good.substr(good.find('.'));
  ExpectProblem(Call("GET", Signed(stretched, kVideo, "manifest.m3u8")), 403, "playback-token-refused");

  // Another video's token, another secret's, garbage.
  ExpectProblem(Call("GET", Signed(service::SignPlayback(kSecret, "vother", NowSeconds() + 600), kVideo,
                                   "manifest.m3u8")),
                403, "playback-token-refused");
  ExpectProblem(Call("GET", Signed(service::SignPlayback("another-secret", kVideo, NowSeconds() + 600), kVideo,
                                   "manifest.m3u8")),
                403, "playback-token-refused");
  ExpectProblem(Call("GET", Signed("garbage", kVideo, "manifest.m3u8")), 403, "playback-token-refused");

  // A good token expires as the clock moves.
  const std::string soon = service::SignPlayback(kSecret, kVideo, NowSeconds() + 60);
  EXPECT_EQ(Call("GET", Signed(soon, kVideo, "manifest.m3u8")).result_int(), 200u);
  clock_.Advance(61'000);
  ExpectProblem(Call("GET", Signed(soon, kVideo, "manifest.m3u8")), 403, "playback-token-refused");
}

// ---- Robustness ------------------------------------------------------------------

class ServiceRobustnessTest : public ServiceFixture {};

TEST_F(ServiceRobustnessTest, MalformedJsonBodies) {
  const std::string bodies[] = {"{", "}", "{\"filename\": \"a\",}", "null", "{\"a\":1}{\"b\":2}",
                                std::string("{\"filename\": \"\xff\xfe\"}"), std::string(10000, '[')};
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body.substr(0, 40));
    ExpectProblem(Call("POST", "/api/v1/videos/upload", alice_, {{"Content-Type", "application/json"}}, body), 400,
                  "malformed-json");
  }
  EXPECT_EQ(Call("GET", "/healthz").result_int(), 200u);
}

TEST_F(ServiceRobustnessTest, OversizedJsonBodyIs413) {
  json big = UploadRequest("a.mp4", 1);
  big["title"] = std::string(2 << 20, 'x');
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, big), 413, "payload-too-large");
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, big), 413, "payload-too-large");
  EXPECT_EQ(PartFiles(), 0);
  EXPECT_EQ(Call("GET", "/healthz").result_int(), 200u);
}

TEST_F(ServiceRobustnessTest, HostileTitlesAreStoredVerbatim) {
  const std::string titles[] = {
      "'; DROP TABLE videos;--",
      "<script>alert('x')</script>",
      "Robert\"); DELETE FROM uploads; --",
      "\xc3\xa9t\xc3\xa9 \xe6\x98\xa0\xe7\x94\xbb \xf0\x9f\x8e\xac \xe2\x80\xae\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d",
      "line\nbreak\ttab \\ backslash \x01 control",
      "{{7*7}} ${jndi:ldap://x} %s%n",
  };
  for (const std::string& title : titles) {
    SCOPED_TRACE(title);
    const std::string vid = MakeVideo(alice_, title);
    HttpResponse res = Call("GET", "/api/v1/videos/" + vid, alice_);
    ASSERT_EQ(res.result_int(), 200u) << res.body();
    EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/json");
    EXPECT_EQ(BodyJson(res).value("title", ""), title);
    EXPECT_EQ(Video(vid).title, title);
    bool listed = false;
    const json list = BodyJson(Call("GET", "/api/v1/videos?limit=100", alice_));
    for (const auto& v : list.at("videos")) {
      if (v.at("video_id") == vid) listed = v.at("title") == title;
    }
    EXPECT_TRUE(listed);
  }
  // The videos "table" is intact.
  EXPECT_EQ(BodyJson(Call("GET", "/api/v1/videos?limit=100", alice_)).at("videos").size(), std::size(titles));
  HttpResponse health = Call("GET", "/healthz");
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(BodyJson(health).value("status", ""), "ok");
}

TEST_F(ServiceRobustnessTest, HostileIdsAndQueries) {
  for (const std::string& target :
       {std::string("/api/v1/videos/'%20OR%201=1--"), std::string("/api/v1/videos/%3Cscript%3E"),
        std::string("/api/v1/videos/..%2F..%2Fetc%2Fpasswd"), std::string("/api/v1/videos/") + std::string(5000, 'v'),
        std::string("/api/v1/videos/%00")}) {
    SCOPED_TRACE(target.substr(0, 60));
    HttpResponse res = Call("GET", target, alice_);
    EXPECT_EQ(res.result_int(), 404u) << res.body();
    EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/problem+json");
    EXPECT_TRUE(BodyJson(res).is_object());
  }
  ExpectProblem(Call("GET", "/api/v1/videos/%zz", alice_), 400, "malformed-request");
  ExpectProblem(Call("GET", "/api/v1/videos?limit=%zz", alice_), 400, "bad-query");
  ExpectProblem(Call("PUT", "/api/v1/videos", alice_), 405, "method-not-allowed");
  ExpectProblem(Call("GET", "/api/v2/videos", alice_), 404, "not-found");
  EXPECT_EQ(Call("GET", "/healthz").result_int(), 200u);
}

TEST_F(ServiceRobustnessTest, OpenApiAndHealthNeedNoKey) {
  HttpResponse doc = Call("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.result_int(), 200u);
  EXPECT_EQ(doc.body(), std::string(OpenApiDocument()));
  EXPECT_EQ(HeaderOf(doc, "Content-Type"), "application/json");
  HttpResponse health = Call("GET", "/healthz");
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(BodyJson(health).value("subscribers", -1), 0);
}

}  // namespace
}  // namespace vtp::api::testing
