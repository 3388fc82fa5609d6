// The gate over HTTP: authentication, roles, ownership (another creator's
// resources answer exactly like missing ones), rate limits and idempotency.
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "service/idempotency.h"
#include "service_fixture.h"

namespace vtp::api::testing {
namespace {

using nlohmann::json;

constexpr const char* kMissingVideo = "v00000000deadbeef";

class ServiceAuthTest : public ServiceFixture {
 protected:
  void ExpectUnauthorized(const HttpResponse& res) {
    ExpectProblem(res, 401, "unauthorized");
    EXPECT_EQ(HeaderOf(res, "WWW-Authenticate").rfind("Bearer", 0), 0u) << HeaderOf(res, "WWW-Authenticate");
    EXPECT_EQ(HeaderOf(res, "Access-Control-Allow-Origin"), "*");
  }
  HttpResponse ListWith(const std::string& authorization) {
    return Call("GET", "/api/v1/videos", "", {{"Authorization", authorization}});
  }
  // The token's secret: everything after "vtp_<12 hex>_".
  static std::string SecretOf(const std::string& token) { return token.substr(4 + 12 + 1); }
};

TEST_F(ServiceAuthTest, NoAuthorizationHeaderIs401) {
  ExpectUnauthorized(Call("GET", "/api/v1/videos"));
  ExpectUnauthorized(CallJson("POST", "/api/v1/videos/upload", "", UploadRequest("a.mp4", 1)));
  HttpResponse head = Call("HEAD", "/api/v1/uploads/whatever", "", {{"Tus-Resumable", "1.0.0"}});
  EXPECT_EQ(head.result_int(), 401u);
  EXPECT_EQ(HeaderOf(head, "WWW-Authenticate").rfind("Bearer", 0), 0u);
  ExpectUnauthorized(Call("PATCH", "/api/v1/uploads/whatever", "",
                          {{"Tus-Resumable", "1.0.0"},
                           {"Upload-Offset", "0"},
                           {"Content-Type", std::string(kTusContentType)}},
                          "bytes"));
}

TEST_F(ServiceAuthTest, MalformedAuthorizationIs401) {
  ExpectUnauthorized(ListWith("Basic x"));
  ExpectUnauthorized(ListWith("Bearer"));
  ExpectUnauthorized(ListWith("Bearer "));
  ExpectUnauthorized(ListWith("Bearer vtp_nothex_short"));
  ExpectUnauthorized(ListWith("Bearer " + alice_ + "x"));
  ExpectUnauthorized(ListWith("Bearer " + alice_.substr(0, alice_.size() - 1)));
  ExpectUnauthorized(ListWith("Token " + alice_));
  // The scheme is case-insensitive (RFC 9110 §11.1): the key still works.
  EXPECT_EQ(ListWith("bearer " + alice_).result_int(), 200u);
}

TEST_F(ServiceAuthTest, UnknownKeyIdIs401) {
  ASSERT_NE(alice_id_, "000000000000");
  ExpectUnauthorized(ListWith("Bearer vtp_000000000000_" + SecretOf(alice_)));
}

TEST_F(ServiceAuthTest, WrongSecretIs401) {
  ExpectUnauthorized(ListWith("Bearer vtp_" + alice_id_ + "_" + SecretOf(bob_)));
}

TEST_F(ServiceAuthTest, RevokedKeyIs401) {
  EXPECT_EQ(Call("GET", "/api/v1/videos", alice_).result_int(), 200u);
  HttpResponse revoked = Call("DELETE", "/api/v1/keys/" + alice_id_, admin_);
  EXPECT_EQ(revoked.result_int(), 204u) << revoked.body();
  ExpectUnauthorized(Call("GET", "/api/v1/videos", alice_));
  // The key list still shows it, with its revocation time.
  json keys = BodyJson(Call("GET", "/api/v1/keys", admin_));
  bool seen = false;
  for (const auto& k : keys.at("keys")) {
    EXPECT_FALSE(k.contains("secret_hash"));
    if (k.at("key_id") == alice_id_) {
      seen = true;
      EXPECT_TRUE(k.at("revoked_at").is_string());
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(Call("GET", "/api/v1/videos", bob_).result_int(), 200u);
}

TEST_F(ServiceAuthTest, KeyRoutesAreAdminOnly) {
  ExpectProblem(Call("GET", "/api/v1/keys", alice_), 403, "forbidden");
  ExpectProblem(CallJson("POST", "/api/v1/keys", alice_, {{"role", "creator"}, {"creator_id", "eve"}}), 403,
                "forbidden");
  ExpectProblem(Call("DELETE", "/api/v1/keys/" + bob_id_, alice_), 403, "forbidden");
  EXPECT_EQ(Call("GET", "/api/v1/videos", bob_).result_int(), 200u) << "bob's key was not revoked";
  ExpectUnauthorized(Call("GET", "/api/v1/keys"));

  HttpResponse made = CallJson("POST", "/api/v1/keys", admin_, {{"role", "creator"}, {"creator_id", "eve"}});
  ASSERT_EQ(made.result_int(), 201u) << made.body();
  const std::string eve = BodyJson(made).value("token", "");
  EXPECT_EQ(Call("GET", "/api/v1/videos", eve).result_int(), 200u);
  ExpectProblem(Call("DELETE", "/api/v1/keys/000000000000", admin_), 404, "not-found");
  ExpectProblem(CallJson("POST", "/api/v1/keys", admin_, {{"role", "root"}, {"creator_id", "eve"}}), 422,
                "invalid-key");
  ExpectProblem(CallJson("POST", "/api/v1/keys", admin_, {{"role", "creator"}, {"creator_id", "../x"}}), 422,
                "invalid-key");
}

TEST_F(ServiceAuthTest, UrgentPriorityNeedsAdmin) {
  json body = UploadRequest("a.mp4", 10);
  body["priority"] = "urgent";
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, body), 403, "forbidden");
  HttpResponse admin = CallJson("POST", "/api/v1/videos/upload", admin_, body);
  EXPECT_EQ(admin.result_int(), 201u) << admin.body();
  body["priority"] = "high";
  EXPECT_EQ(CallJson("POST", "/api/v1/videos/upload", alice_, body).result_int(), 201u);
  body["priority"] = "asap";
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, body), 422, "invalid-options");
}

// ---- Ownership ---------------------------------------------------------------

class ServiceOwnershipTest : public ServiceAuthTest {
 protected:
  // `res` (bob on alice's `id`) must be a 404 with the same body as
  // `missing` (bob on an id that does not exist), ids aside.
  void ExpectHidden(const HttpResponse& res, const HttpResponse& missing, const std::string& id,
                    const std::string& missing_id) {
    ExpectProblem(res, 404, "not-found");
    EXPECT_EQ(ProblemShape(res, id), ProblemShape(missing, missing_id)) << res.body() << " vs " << missing.body();
  }
};

TEST_F(ServiceOwnershipTest, AnotherCreatorsVideoIsNotFound) {
  const std::string vid = MakeVideo(alice_, "alice's");
  const ports::VideoStatus before = Video(vid).status;
  const std::string base = "/api/v1/videos/";
  auto both = [&](std::string_view method, const std::string& suffix, const json& body) {
    HttpResponse theirs = body.is_null() ? Call(method, base + vid + suffix, bob_)
                                         : CallJson(method, base + vid + suffix, bob_, body);
    HttpResponse missing = body.is_null() ? Call(method, base + kMissingVideo + suffix, bob_)
                                          : CallJson(method, base + kMissingVideo + suffix, bob_, body);
    SCOPED_TRACE(std::string(method) + " " + suffix);
    ExpectHidden(theirs, missing, vid, kMissingVideo);
  };
  both("GET", "", nullptr);
  both("GET", "/status", nullptr);
  both("GET", "/events", nullptr);
  both("POST", "/retry", {{"from_step", "probe"}});
  both("POST", "/views", {{"count", 1}});
  both("POST", "/subtitles", {{"language", "en"}, {"content", "1\n00:00:01,000 --> 00:00:02,000\nHi\n"}});
  both("DELETE", "", nullptr);

  // Nothing bob did touched it; its owner and the admin see it.
  EXPECT_EQ(Video(vid).status, before);
  HttpResponse mine = Call("GET", base + vid, alice_);
  EXPECT_EQ(mine.result_int(), 200u);
  EXPECT_EQ(BodyJson(mine).value("views", json::object()).value("total", -1), 0);
  HttpResponse admin = Call("GET", base + vid, admin_);
  ASSERT_EQ(admin.result_int(), 200u) << admin.body();
  EXPECT_EQ(BodyJson(admin).value("creator_id", ""), "alice");
  EXPECT_EQ(Call("GET", base + vid + "/status", admin_).result_int(), 200u);
}

TEST_F(ServiceOwnershipTest, AnotherCreatorsUploadIsNotFound) {
  Started up = StartUpload(alice_, 100);
  const std::string missing_id = "0123456789abcdef0123456789abcdef";
  const std::string path = "/api/v1/uploads/";
  EXPECT_EQ(Call("HEAD", path + up.upload_id, "", TusHeaders(bob_)).result_int(), 404u);
  EXPECT_EQ(Call("HEAD", path + missing_id, "", TusHeaders(bob_)).result_int(), 404u);
  HttpResponse patch = Patch(bob_, up.upload_id, 0, "abc");
  HttpResponse patch_missing = Patch(bob_, missing_id, 0, "abc");
  EXPECT_EQ(patch.result_int(), 404u) << patch.body();
  EXPECT_EQ(ProblemShape(patch, up.upload_id), ProblemShape(patch_missing, missing_id));
  HttpResponse del = Call("DELETE", path + up.upload_id, "", TusHeaders(bob_));
  HttpResponse del_missing = Call("DELETE", path + missing_id, "", TusHeaders(bob_));
  EXPECT_EQ(del.result_int(), 404u) << del.body();
  EXPECT_EQ(ProblemShape(del, up.upload_id), ProblemShape(del_missing, missing_id));

  // The in-progress status of alice's upload is hidden the same way.
  HttpResponse status = Call("GET", "/api/v1/videos/" + up.video_id + "/status", bob_);
  HttpResponse status_missing = Call("GET", std::string("/api/v1/videos/") + kMissingVideo + "/status", bob_);
  ExpectHidden(status, status_missing, up.video_id, kMissingVideo);

  // Untouched: alice's HEAD still answers offset 0; the admin sees it too.
  HttpResponse head = Call("HEAD", path + up.upload_id, "", TusHeaders(alice_));
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(HeaderOf(head, "Upload-Offset"), "0");
  EXPECT_EQ(Call("HEAD", path + up.upload_id, "", TusHeaders(admin_)).result_int(), 200u);
}

TEST_F(ServiceOwnershipTest, ListShowsOwnVideosAndAdminSeesAll) {
  const std::string a1 = MakeVideo(alice_);
  const std::string a2 = MakeVideo(alice_);
  const std::string b1 = MakeVideo(bob_);
  auto ids = [&](const std::string& token) {
    std::set<std::string> out;
    HttpResponse res = Call("GET", "/api/v1/videos", token);
    EXPECT_EQ(res.result_int(), 200u) << res.body();
    const json body = BodyJson(res);
    for (const auto& v : body.at("videos")) out.insert(v.at("video_id").get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(alice_), (std::set<std::string>{a1, a2}));
  EXPECT_EQ(ids(bob_), (std::set<std::string>{b1}));
  EXPECT_EQ(ids(admin_), (std::set<std::string>{a1, a2, b1}));
}

TEST_F(ServiceOwnershipTest, AnotherCreatorsWebhookIsNotFound) {
  HttpResponse made = CallJson("POST", "/api/v1/webhooks", alice_, {{"url", "https://example.com/hook"}});
  ASSERT_EQ(made.result_int(), 201u) << made.body();
  const json hook = BodyJson(made);
  const std::string id = hook.value("webhook_id", "");
  EXPECT_GE(hook.value("secret", "").size(), 16u);
  const std::string missing = "wh_0000000000000000";
  for (const std::string suffix : {"", "/deliveries"}) {
    HttpResponse theirs = Call("GET", "/api/v1/webhooks/" + id + suffix, bob_);
    HttpResponse none = Call("GET", "/api/v1/webhooks/" + missing + suffix, bob_);
    ExpectHidden(theirs, none, id, missing);
  }
  ExpectHidden(Call("DELETE", "/api/v1/webhooks/" + id, bob_), Call("DELETE", "/api/v1/webhooks/" + missing, bob_),
               id, missing);
  EXPECT_TRUE(BodyJson(Call("GET", "/api/v1/webhooks", bob_)).at("webhooks").empty());
  EXPECT_EQ(BodyJson(Call("GET", "/api/v1/webhooks", alice_)).at("webhooks").size(), 1u);
  EXPECT_EQ(BodyJson(Call("GET", "/api/v1/webhooks", admin_)).at("webhooks").size(), 1u);
  HttpResponse deliveries = Call("GET", "/api/v1/webhooks/" + id + "/deliveries", alice_);
  EXPECT_EQ(deliveries.result_int(), 200u) << deliveries.body();
  EXPECT_TRUE(BodyJson(deliveries).at("deliveries").empty());
  HttpResponse got = Call("GET", "/api/v1/webhooks/" + id, alice_);
  EXPECT_EQ(got.result_int(), 200u);
  EXPECT_FALSE(BodyJson(got).contains("secret")) << "the secret is shown once, on creation";
  EXPECT_EQ(Call("DELETE", "/api/v1/webhooks/" + id, alice_).result_int(), 204u);
  EXPECT_EQ(Call("GET", "/api/v1/webhooks/" + id, alice_).result_int(), 404u);
}

TEST_F(ServiceOwnershipTest, WebhookValidation) {
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, json::object()), 400, "missing-field");
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, {{"url", "ftp://x"}}), 422, "invalid-url");
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, {{"url", "https://x.io"}, {"events", {"video.nope"}}}),
                422, "unknown-event");
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, {{"url", "https://x.io"}, {"secret", "short"}}), 422,
                "weak-secret");
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, {{"url", "https://x.io"}, {"events", "video.ready"}}),
                400, "invalid-field");
}

// ---- Idempotency ---------------------------------------------------------------

TEST_F(ServiceAuthTest, IdempotentReplayReturnsTheFirstResponse) {
  const json body = UploadRequest("a.mp4", 100);
  HttpResponse first = CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.result_int(), 201u) << first.body();
  EXPECT_EQ(HeaderOf(first, "Idempotent-Replayed"), "");
  HttpResponse again = CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(again.result_int(), 201u);
  EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body(), first.body());
  EXPECT_EQ(BodyJson(again).value("video_id", "x"), BodyJson(first).value("video_id", "y"));
  EXPECT_EQ(HeaderOf(again, "Location"), HeaderOf(first, "Location"));
  EXPECT_EQ(HeaderOf(again, "Content-Type"), "application/json");
  EXPECT_EQ(PartFiles(), 1) << "the replay made no second upload";
}

TEST_F(ServiceAuthTest, IdempotencyKeyReusedForAnotherBodyIs409) {
  HttpResponse first = CallJson("POST", "/api/v1/videos/upload", alice_, UploadRequest("a.mp4", 100),
                                {{"Idempotency-Key", "k-2"}});
  ASSERT_EQ(first.result_int(), 201u);
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, UploadRequest("a.mp4", 101),
                         {{"Idempotency-Key", "k-2"}}),
                409, "idempotency-key-reused");
  // Same key, same body, another path is another request too.
  ExpectProblem(CallJson("POST", "/api/v1/webhooks", alice_, UploadRequest("a.mp4", 100), {{"Idempotency-Key", "k-2"}}),
                409, "idempotency-key-reused");
  EXPECT_EQ(PartFiles(), 1);
}

TEST_F(ServiceAuthTest, IdempotencyKeysArePerApiKey) {
  const json body = UploadRequest("a.mp4", 100);
  HttpResponse alice = CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", "shared"}});
  HttpResponse bob = CallJson("POST", "/api/v1/videos/upload", bob_, body, {{"Idempotency-Key", "shared"}});
  ASSERT_EQ(alice.result_int(), 201u);
  ASSERT_EQ(bob.result_int(), 201u) << bob.body();
  EXPECT_EQ(HeaderOf(bob, "Idempotent-Replayed"), "");
  EXPECT_NE(BodyJson(bob).value("video_id", ""), BodyJson(alice).value("video_id", ""));
  EXPECT_EQ(PartFiles(), 2);
}

TEST_F(ServiceAuthTest, InvalidIdempotencyKeyIs400) {
  const json body = UploadRequest("a.mp4", 100);
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", std::string(300, 'k')}}),
                400, "bad-idempotency-key");
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", "tab\there"}}), 400,
                "bad-idempotency-key");
  EXPECT_EQ(PartFiles(), 0);
}

TEST_F(ServiceAuthTest, IdempotentRefusalIsReplayedToo) {
  json bad = UploadRequest("a.mp4", -1);
  ExpectProblem(CallJson("POST", "/api/v1/videos/upload", alice_, bad, {{"Idempotency-Key", "neg"}}), 422,
                "invalid-size");
  HttpResponse again = CallJson("POST", "/api/v1/videos/upload", alice_, bad, {{"Idempotency-Key", "neg"}});
  ExpectProblem(again, 422, "invalid-size");
  EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "true");
}

TEST_F(ServiceAuthTest, IdempotencyKeyInProgressIs409) {
  const json body = UploadRequest("a.mp4", 100);
  // A first request with this key is still running (its reservation exists).
  const std::string fingerprint = service::RequestFingerprint("POST", "/api/v1/videos/upload", body.dump());
  auto begun = store_.BeginIdempotent(alice_id_, "running", fingerprint);
  ASSERT_TRUE(begun.ok() && !begun->has_value());
  HttpResponse res = CallJson("POST", "/api/v1/videos/upload", alice_, body, {{"Idempotency-Key", "running"}});
  ExpectProblem(res, 409, "idempotency-key-in-progress");
  EXPECT_EQ(HeaderOf(res, "Retry-After"), "1");
  EXPECT_EQ(PartFiles(), 0);
}

// A handler that throws is answered 500 by the router; its key stays usable.
TEST_F(ServiceAuthTest, ThrowingHandlerLeavesTheIdempotencyKeyRetryable) {
  Router router;
  int calls = 0;
  ASSERT_TRUE(router
                  .Add("POST", "/boom", gate_->Guard([&calls](const Request&, const control::Caller&) -> Response {
                    ++calls;
                    throw std::runtime_error("boom");
                  }))
                  .ok());
  for (int i = 0; i < 2; ++i) {
    Request req;
    req.method = "POST";
    req.target = "/boom";
    req.headers.Set("Authorization", "Bearer " + alice_);
    req.headers.Set("Idempotency-Key", "retry-me");
    req.body = "{}";
    EXPECT_EQ(router.Dispatch(req).status, 500) << i;
  }
  EXPECT_EQ(calls, 2);
}

// ---- Rate limiting -------------------------------------------------------------

class ServiceRateLimitTest : public ServiceFixture {
 protected:
  ServiceOptions Options() const override {
    ServiceOptions o;
    o.rate = {1, 3};
    return o;
  }
};

TEST_F(ServiceRateLimitTest, BurstThen429ThenRefill) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/api/v1/videos", alice_).result_int(), 200u) << i;
  HttpResponse refused = Call("GET", "/api/v1/videos", alice_);
  ExpectProblem(refused, 429, "rate-limited");
  EXPECT_EQ(HeaderOf(refused, "Retry-After"), "1");
  // Another key has its own bucket.
  EXPECT_EQ(Call("GET", "/api/v1/videos", bob_).result_int(), 200u);
  // Unauthenticated routes are not limited.
  EXPECT_EQ(Call("GET", "/healthz").result_int(), 200u);

  clock_.Advance(999);
  ExpectProblem(Call("GET", "/api/v1/videos", alice_), 429, "rate-limited");
  clock_.Advance(1);
  EXPECT_EQ(Call("GET", "/api/v1/videos", alice_).result_int(), 200u);
  ExpectProblem(Call("GET", "/api/v1/videos", alice_), 429, "rate-limited");
  clock_.Advance(10'000);  // refills to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/api/v1/videos", alice_).result_int(), 200u) << i;
  ExpectProblem(Call("GET", "/api/v1/videos", alice_), 429, "rate-limited");
}

TEST_F(ServiceRateLimitTest, UploadsCountAgainstTheLimitToo) {
  Started up = StartUpload(alice_, 10);  // 1
  EXPECT_EQ(Call("HEAD", "/api/v1/uploads/" + up.upload_id, "", TusHeaders(alice_)).result_int(), 200u);  // 2
  EXPECT_EQ(Patch(alice_, up.upload_id, 0, "abc").result_int(), 204u);                                 // 3
  HttpResponse refused = Patch(alice_, up.upload_id, 3, "def");
  ExpectProblem(refused, 429, "rate-limited");
  EXPECT_EQ(HeaderOf(refused, "Retry-After"), "1");
  clock_.Advance(1000);
  HttpResponse ok = Patch(alice_, up.upload_id, 3, "def");
  EXPECT_EQ(ok.result_int(), 204u) << ok.body();
  EXPECT_EQ(HeaderOf(ok, "Upload-Offset"), "6");
}

}  // namespace
}  // namespace vtp::api::testing
