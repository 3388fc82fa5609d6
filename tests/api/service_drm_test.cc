// The key endpoints over HTTP: GET /videos/{id}/keys/{kid} (HLS AES-128),
// POST /videos/{id}/clearkey (W3C ClearKey licenses, EME 9.1.3/9.1.4), who
// may call them (API key or playback token), and the "drm" upload option.
// Keys are issued through the fixture's EnvelopeKeySource, as the drm step
// issues them, and read back by the server from the same store.
#include <cctype>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/cenc_types.h"
#include "pipeline/job_options.h"
#include "service/encoding.h"
#include "service/playback.h"
#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "drm-playback-secret-for-tests-0123456789";

std::string Bytes(const std::array<uint8_t, 16>& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
std::string B64(const std::array<uint8_t, 16>& b) { return service::Base64UrlEncode(Bytes(b)); }

class DrmFixture : public ServiceFixture {
 protected:
  ports::ContentKey Issue(const std::string& video, const std::string& label) {
    StatusOr<std::vector<ports::ContentKey>> k = keys_->KeysFor(video, {label});
    EXPECT_TRUE(k.ok()) << k.status().ToString();
    return k.ok() ? k->at(0) : ports::ContentKey{};
  }
  static std::string KeyPath(const std::string& video, const std::string& kid_hex) {
    return "/api/v1/videos/" + video + "/keys/" + kid_hex;
  }
  static std::string LicensePath(const std::string& video) { return "/api/v1/videos/" + video + "/clearkey"; }
  HttpResponse License(const std::string& token, const std::string& video, const std::string& body,
                       HeaderList extra = {}) {
    extra.emplace_back("Content-Type", "application/json");
    return Call("POST", LicensePath(video), token, extra, body);
  }
  static std::string Request(const std::vector<std::string>& kids, const std::string& type = "temporary") {
    return json{{"kids", kids}, {"type", type}}.dump();
  }
  int64_t NowSeconds() const { return clock_.NowMillis() / 1000; }
  // No key bytes, in any encoding, in a body that is not the key itself.
  static void ExpectNoKey(const HttpResponse& res, const ports::ContentKey& k) {
    EXPECT_EQ(res.body().find(Bytes(k.key)), std::string::npos);
    EXPECT_EQ(res.body().find(cenc::Hex16(k.key)), std::string::npos);
    EXPECT_EQ(res.body().find(B64(k.key)), std::string::npos);
  }
};

// ---- GET /videos/{id}/keys/{kid} -------------------------------------------

class ServiceKeyTest : public DrmFixture {};

TEST_F(ServiceKeyTest, ServesTheRawAes128KeyToTheOwner) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  HttpResponse res = Call("GET", KeyPath(v, cenc::Hex16(k.kid)), alice_);
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), Bytes(k.key));
  EXPECT_EQ(res.body().size(), 16u);
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(res, "Access-Control-Allow-Origin"), "*");
  std::string upper = cenc::Hex16(k.kid);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  HttpResponse again = Call("GET", KeyPath(v, upper), alice_);
  EXPECT_EQ(again.result_int(), 200u) << "hex digits in either case";
  EXPECT_EQ(again.body(), Bytes(k.key));
  HttpResponse admin = Call("GET", KeyPath(v, cenc::Hex16(k.kid)), admin_);
  EXPECT_EQ(admin.result_int(), 200u) << "an admin reads any video's key";
}

TEST_F(ServiceKeyTest, ContentKeyAnswersExactlyLikeAnUnknownKid) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey content = Issue(v, "video");
  const std::string kid = cenc::Hex16(content.kid);
  HttpResponse res = Call("GET", KeyPath(v, kid), alice_);
  ExpectProblem(res, 404, "not-found");
  ExpectNoKey(res, content);
  const std::string unknown = "0123456789abcdef0123456789abcdef";
  HttpResponse missing = Call("GET", KeyPath(v, unknown), alice_);
  ExpectProblem(missing, 404, "not-found");
  EXPECT_EQ(ProblemShape(res, kid), ProblemShape(missing, unknown));
}

TEST_F(ServiceKeyTest, AKidOfAnotherVideoIsNotFound) {
  const std::string v1 = MakeVideo(alice_);
  const std::string v2 = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v1, "aes128");
  HttpResponse res = Call("GET", KeyPath(v2, cenc::Hex16(k.kid)), alice_);
  ExpectProblem(res, 404, "not-found");
  ExpectNoKey(res, k);
}

TEST_F(ServiceKeyTest, AnotherCreatorsVideoLooksMissing) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  const std::string kid = cenc::Hex16(k.kid);
  HttpResponse theirs = Call("GET", KeyPath(v, kid), bob_);
  ExpectProblem(theirs, 404, "not-found");
  ExpectNoKey(theirs, k);
  HttpResponse none = Call("GET", KeyPath("v00000000deadbeef", kid), bob_);
  ExpectProblem(none, 404, "not-found");
  EXPECT_EQ(ProblemShape(theirs, v), ProblemShape(none, "v00000000deadbeef"));
}

TEST_F(ServiceKeyTest, RemovedVideoHasNoKeys) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  ASSERT_EQ(Call("DELETE", "/api/v1/videos/" + v, alice_).result_int(), 204u);
  ExpectProblem(Call("GET", KeyPath(v, cenc::Hex16(k.kid)), alice_), 404, "not-found");
}

TEST_F(ServiceKeyTest, KidMustBe32HexDigits) {
  const std::string v = MakeVideo(alice_);
  const std::string good = cenc::Hex16(Issue(v, "aes128").kid);
  for (const std::string& bad : {std::string("x1"), good.substr(1), good + "0", "g" + good.substr(1),
                                 std::string("00000000-0000-0000-0000-0000000000")}) {
    SCOPED_TRACE(bad);
    ExpectProblem(Call("GET", KeyPath(v, bad), alice_), 400, "invalid-kid");
  }
}

TEST_F(ServiceKeyTest, NeedsACredential) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  HttpResponse res = Call("GET", KeyPath(v, cenc::Hex16(k.kid)));
  ExpectProblem(res, 401, "unauthorized");
  EXPECT_FALSE(HeaderOf(res, "WWW-Authenticate").empty());
  ExpectNoKey(res, k);
  ExpectProblem(Call("GET", KeyPath(v, cenc::Hex16(k.kid)), "vtp_000000000000_wrong"), 401, "unauthorized");
  // Public media has no playback tokens: one is refused, never trusted.
  HttpResponse token = Call("GET", KeyPath(v, cenc::Hex16(k.kid)) + "?token=" +
                                       service::SignPlayback(kSecret, v, NowSeconds() + 600));
  ExpectProblem(token, 403, "playback-token-refused");
  ExpectNoKey(token, k);
}

// The player holds a signed media URL, not an API key.
class ServiceKeySignedTest : public DrmFixture {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.playback_secret = kSecret;
    return o;
  }
};

TEST_F(ServiceKeySignedTest, PlaybackTokenOfTheVideoFetchesItsKey) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  const std::string path = KeyPath(v, cenc::Hex16(k.kid));
  HttpResponse res = Call("GET", path + "?token=" + service::SignPlayback(kSecret, v, NowSeconds() + 600));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), Bytes(k.key));
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  EXPECT_EQ(Call("GET", path, alice_).body(), Bytes(k.key)) << "the API key works too";
  ExpectProblem(Call("GET", path), 401, "unauthorized");
}

TEST_F(ServiceKeySignedTest, RefusesTokensOfOtherVideosExpiredOrForged) {
  const std::string v = MakeVideo(alice_);
  const std::string other = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  const std::string path = KeyPath(v, cenc::Hex16(k.kid)) + "?token=";
  for (const std::string& token : {service::SignPlayback(kSecret, other, NowSeconds() + 600),
                                   service::SignPlayback(kSecret, v, NowSeconds() - 1),
                                   service::SignPlayback("another-secret-0123456789abcdef", v, NowSeconds() + 600),
                                   std::string("garbage")}) {
    SCOPED_TRACE(token);
    HttpResponse res = Call("GET", path + token);
    ExpectProblem(res, 403, "playback-token-refused");
    ExpectNoKey(res, k);
  }
}

TEST_F(ServiceKeySignedTest, TokenStillServesOnlyTheAes128Key) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey content = Issue(v, "audio");
  HttpResponse res = Call("GET", KeyPath(v, cenc::Hex16(content.kid)) + "?token=" +
                                     service::SignPlayback(kSecret, v, NowSeconds() + 600));
  ExpectProblem(res, 404, "not-found");
  ExpectNoKey(res, content);
}

// ---- GET /media/.../keys/{kid}: the key beside the media --------------------
// Playlists written with {root}keys/{kid} (vtp serve's default) name the
// AES-128 key under the video's media path, so it comes with the media's
// credentials: none on a public server, the playback token on a signed one.

TEST_F(ServiceKeyTest, PublicMediaServesTheAes128KeyBesideIt) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  const ports::ContentKey content = Issue(v, "video");
  HttpResponse res = Call("GET", "/media/" + v + "/keys/" + cenc::Hex16(k.kid));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), Bytes(k.key));
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  HttpResponse drm = Call("GET", "/media/" + v + "/keys/" + cenc::Hex16(content.kid));
  EXPECT_EQ(drm.result_int(), 404u);
  ExpectNoKey(drm, content);
  EXPECT_EQ(Call("GET", "/media/" + v + "/keys/not-a-kid").result_int(), 404u);
}

TEST_F(ServiceKeySignedTest, SignedMediaServesTheKeyToTheTokenOnly) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "aes128");
  const std::string token = service::SignPlayback(kSecret, v, NowSeconds() + 600);
  HttpResponse res = Call("GET", "/media/t/" + token + "/" + v + "/keys/" + cenc::Hex16(k.kid));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(res.body(), Bytes(k.key));
  const std::string other = service::SignPlayback(kSecret, MakeVideo(alice_), NowSeconds() + 600);
  HttpResponse refused = Call("GET", "/media/t/" + other + "/" + v + "/keys/" + cenc::Hex16(k.kid));
  EXPECT_EQ(refused.result_int(), 403u);
  ExpectNoKey(refused, k);
  EXPECT_EQ(Call("GET", "/media/" + v + "/keys/" + cenc::Hex16(k.kid)).result_int(), 404u) << "no unsigned media";
}

// ---- POST /videos/{id}/clearkey --------------------------------------------

TEST_F(ServiceKeyTest, ClearKeyIsOffByDefault) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "video");
  HttpResponse res = License(alice_, v, Request({B64(k.kid)}));
  ExpectProblem(res, 404, "not-found");
  ExpectNoKey(res, k);
  ExpectProblem(License("", v, Request({B64(k.kid)})), 401, "unauthorized");
}

class ServiceClearKeyTest : public DrmFixture {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.playback_secret = kSecret;
    o.clearkey_license = true;
    return o;
  }
};

TEST_F(ServiceClearKeyTest, AnswersTheKnownContentKeysInTheOrderAsked) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey video = Issue(v, "video");
  const ports::ContentKey audio = Issue(v, "audio");
  const ports::ContentKey aes = Issue(v, "aes128");
  const std::string unknown = B64(cenc::Kid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  HttpResponse res = License(alice_, v, Request({B64(video.kid), unknown, B64(audio.kid), B64(aes.kid)}));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(HeaderOf(res, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderOf(res, "Cache-Control"), "no-store");
  json want = {{"keys", {{{"kty", "oct"}, {"k", B64(video.key)}, {"kid", B64(video.kid)}},
                         {{"kty", "oct"}, {"k", B64(audio.key)}, {"kid", B64(audio.kid)}}}},
               {"type", "temporary"}};
  EXPECT_EQ(BodyJson(res), want);
  EXPECT_EQ(res.body().find('='), std::string::npos) << "base64url without padding";
  ExpectNoKey(res, aes);
}

TEST_F(ServiceClearKeyTest, NoKnownKidIsAnEmptyLicense) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey aes = Issue(v, "aes128");
  const ports::ContentKey elsewhere = Issue(MakeVideo(alice_), "video");
  HttpResponse res = License(alice_, v, Request({B64(aes.kid), B64(elsewhere.kid)}, "persistent-license"));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(BodyJson(res), json({{"keys", json::array()}, {"type", "persistent-license"}}));
}

TEST_F(ServiceClearKeyTest, PlaybackTokenOfTheVideoGetsALicense) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "all");
  HttpResponse res = Call("POST", LicensePath(v) + "?token=" + service::SignPlayback(kSecret, v, NowSeconds() + 60),
                          "", {}, Request({B64(k.kid)}));
  ASSERT_EQ(res.result_int(), 200u) << res.body();
  EXPECT_EQ(BodyJson(res).at("keys").at(0).at("k"), B64(k.key));
  HttpResponse other = Call("POST", LicensePath(MakeVideo(alice_)) + "?token=" +
                                        service::SignPlayback(kSecret, v, NowSeconds() + 60),
                            "", {}, Request({B64(k.kid)}));
  ExpectProblem(other, 403, "playback-token-refused");
  ExpectNoKey(other, k);
}

TEST_F(ServiceClearKeyTest, OnlyTheOwnerOrAnAdmin) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "video");
  HttpResponse theirs = License(bob_, v, Request({B64(k.kid)}));
  ExpectProblem(theirs, 404, "not-found");
  ExpectNoKey(theirs, k);
  EXPECT_EQ(License(admin_, v, Request({B64(k.kid)})).result_int(), 200u);
  ExpectProblem(License("", v, Request({B64(k.kid)})), 401, "unauthorized");
}

TEST_F(ServiceClearKeyTest, MalformedRequestsAre400) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "video");
  const std::string kid = B64(k.kid);
  std::string std_alphabet = kid;  // the same bytes in RFC 4648 section 4's alphabet
  for (char& c : std_alphabet) c = c == '-' ? '+' : c == '_' ? '/' : c;
  json many = json::array();
  for (int i = 0; i < 65; ++i) many.push_back(kid);
  const std::vector<std::string> bodies = {
      "", "not json", "[]", "{}", R"({"kids": "x"})", R"({"kids": []})", json{{"kids", many}}.dump(),
      json{{"kids", {kid + "=="}}}.dump(), json{{"kids", {kid.substr(0, 20)}}}.dump(),
      json{{"kids", {service::Base64UrlEncode(std::string(15, 'a'))}}}.dump(),
      json{{"kids", {service::Base64UrlEncode(std::string(17, 'a'))}}}.dump(), json{{"kids", {1}}}.dump(),
      json{{"kids", {kid}}, {"type", "forever"}}.dump()};
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    HttpResponse res = License(alice_, v, body);
    ExpectProblem(res, 400, "invalid-license-request");
    ExpectNoKey(res, k);
  }
  if (std_alphabet != kid) {
    ExpectProblem(License(alice_, v, json{{"kids", {std_alphabet}}}.dump()), 400, "invalid-license-request");
  }
  json at_limit = json::array();
  for (int i = 0; i < 64; ++i) at_limit.push_back(kid);
  EXPECT_EQ(License(alice_, v, json{{"kids", at_limit}}.dump()).result_int(), 200u) << "64 KIDs are allowed";
}

TEST_F(ServiceClearKeyTest, BodyOver16KiBIs413) {
  const std::string v = MakeVideo(alice_);
  std::string body = R"({"kids": [], "pad": ")" + std::string(16 << 10, 'a') + R"("})";
  ExpectProblem(License(alice_, v, body), 413, "payload-too-large");
}

TEST_F(ServiceClearKeyTest, LicensesAreNeverReplayedFromTheIdempotencyStore) {
  const std::string v = MakeVideo(alice_);
  const ports::ContentKey k = Issue(v, "video");
  const HeaderList idem = {{"Idempotency-Key", "drm-license-1"}};
  HttpResponse first = License(alice_, v, Request({B64(k.kid)}), idem);
  HttpResponse second = License(alice_, v, Request({B64(k.kid)}), idem);
  ASSERT_EQ(first.result_int(), 200u) << first.body();
  ASSERT_EQ(second.result_int(), 200u) << second.body();
  EXPECT_EQ(HeaderOf(second, "Idempotent-Replayed"), "");
  // A different body under the same key would be 409 had the first been kept.
  EXPECT_EQ(License(alice_, v, Request({B64(k.kid)}, "persistent-license"), idem).result_int(), 200u);
}

// ---- "drm" upload option -----------------------------------------------------

class DrmUploadFixture : public DrmFixture {
 protected:
  // A zero-length upload with `options`: its video row exists at once.
  HttpResponse Upload(const json& options) {
    json req = UploadRequest("clip.mp4", 0);
    req["options"] = options;
    return CallJson("POST", "/api/v1/videos/upload", alice_, req);
  }
  pipeline::DrmOptions DrmOf(const HttpResponse& res) {
    EXPECT_EQ(res.result_int(), 201u) << res.body();
    StatusOr<pipeline::JobOptions> job =
        pipeline::JobOptionsFromJson(json::parse(Video(BodyJson(res).value("video_id", "")).options_json));
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? job->drm : pipeline::DrmOptions{};
  }
};

class ServiceDrmUploadTest : public DrmUploadFixture {};

TEST_F(ServiceDrmUploadTest, ClientAsksForDrmPerVideo) {
  pipeline::DrmOptions d = DrmOf(Upload({{"drm", {{"scheme", "cbcs"}, {"key_policy", "tiers"},
                                                  {"clear_lead_seconds", 4}}}}));
  EXPECT_EQ(d.scheme, "cbcs");
  EXPECT_EQ(d.key_policy, "tiers");
  EXPECT_EQ(d.clear_lead_seconds, 4.0);
  EXPECT_EQ(d.key_server, "");
  EXPECT_EQ(d.key_file, "");
  EXPECT_EQ(d.key_uri, pipeline::DrmOptions{}.key_uri);
  pipeline::DrmOptions cenc = DrmOf(Upload({{"drm", {{"scheme", "cenc"}}}}));
  EXPECT_EQ(cenc.scheme, "cenc");
  EXPECT_EQ(cenc.systems, (std::vector<std::string>{"widevine", "playready", "clearkey"})) << "FairPlay is cbcs only";
  EXPECT_FALSE(DrmOf(Upload(json::object())).enabled()) << "no drm option, no server default: clear";
}

TEST_F(ServiceDrmUploadTest, RefusesBadOrServerOnlyDrmOptions) {
  const std::vector<json> bad = {
      {{"scheme", "rot13"}},
      {{"key_policy", "tiers"}},  // no scheme and no server default
      {{"scheme", ""}},
      {{"scheme", "cbcs"}, {"key_policy", "each"}},
      {{"scheme", "cbcs"}, {"clear_lead_seconds", 601}},
      {{"scheme", "cenc"}, {"systems", {"fairplay"}}},
      {{"scheme", "cbcs"}, {"systems", {"marlin"}}},
      {{"scheme", "cbcs"}, {"key_file", "/etc/keys.json"}},
      {{"scheme", "cbcs"}, {"key_server", "https://keys.example/cpix"}},
      {{"scheme", "cbcs"}, {"key_uri", "https://elsewhere.example/{kid}"}},
      {{"scheme", 5}},
      "cbcs"};
  for (const json& drm : bad) {
    SCOPED_TRACE(drm.dump());
    ExpectProblem(Upload({{"drm", drm}}), 422, "invalid-options");
  }
}

class ServiceDrmDefaultTest : public DrmUploadFixture {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.upload_drm.scheme = "cenc";
    o.upload_drm.systems = {"widevine", "playready", "clearkey"};
    o.upload_drm.key_server = "https://keys.example/cpix";
    return o;
  }
};

TEST_F(ServiceDrmDefaultTest, ServerDefaultAppliesAndClientOptionsMergeOverIt) {
  pipeline::DrmOptions plain = DrmOf(Upload(json::object()));
  EXPECT_EQ(plain.scheme, "cenc");
  EXPECT_EQ(plain.key_policy, "av");
  EXPECT_EQ(plain.key_server, "https://keys.example/cpix");
  pipeline::DrmOptions single = DrmOf(Upload({{"drm", {{"key_policy", "single"}}}}));
  EXPECT_EQ(single.scheme, "cenc") << "the server's scheme stays";
  EXPECT_EQ(single.key_policy, "single");
  EXPECT_EQ(single.key_server, "https://keys.example/cpix") << "the key server is the server's own";
  pipeline::DrmOptions cbcs = DrmOf(Upload({{"drm", {{"scheme", "cbcs"}, {"systems", {"fairplay"}}}}}));
  EXPECT_EQ(cbcs.scheme, "cbcs");
  EXPECT_EQ(cbcs.systems, std::vector<std::string>{"fairplay"});
  ExpectProblem(Upload({{"drm", {{"scheme", ""}}}}), 422, "invalid-options");
}

}  // namespace
}  // namespace vtp::api::testing
