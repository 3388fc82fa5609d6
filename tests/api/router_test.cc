#include "api/router.h"

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace vtp::api {
namespace {

Request Get(std::string target, std::string method = "GET") {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

Handler Echo(std::string name) {
  return [name](const Request& req) {
    std::string out = name;
    for (const auto& [k, v] : req.params) out += " " + k + "=" + v;
    return Response::Text(200, out);
  };
}

TEST(PercentDecodeTest, DecodesAndRejectsBadEscapes) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc%2fd", false), "a b/c/d");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_FALSE(PercentDecode("%", false).ok());
  EXPECT_FALSE(PercentDecode("%4", false).ok());
  EXPECT_FALSE(PercentDecode("%g0", false).ok());
  EXPECT_FALSE(PercentDecode("ab%", true).ok());
}

TEST(ParseQueryTest, SplitsDecodesAndKeepsFirst) {
  auto q = ParseQuery("a=1&b=x%20y&flag&&a=2&c=");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("a"), "1");
  EXPECT_EQ(q->at("b"), "x y");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_EQ(q->at("c"), "");
  EXPECT_EQ(q->size(), 4u);
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
}

TEST(RouterTest, RejectsBadPatternsAndDuplicates) {
  Router r;
  EXPECT_FALSE(r.Add("GET", "relative", Echo("x")).ok());
  EXPECT_FALSE(r.Add("GET", "/a/{}", Echo("x")).ok());
  EXPECT_FALSE(r.Add("GET", "/a/{rest...}/b", Echo("x")).ok());
  EXPECT_TRUE(r.Add("GET", "/a/{id}", Echo("x")).ok());
  EXPECT_FALSE(r.Add("GET", "/a/{id}", Echo("y")).ok());
  EXPECT_TRUE(r.Add("POST", "/a/{id}", Echo("y")).ok());
}

TEST(RouterTest, MatchesParamsAndPrefersLiterals) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/v/{id}/status", Echo("status")).ok());
  ASSERT_TRUE(r.Add("GET", "/v/{id}", Echo("one")).ok());
  ASSERT_TRUE(r.Add("GET", "/v/upload", Echo("upload")).ok());
  ASSERT_TRUE(r.Add("GET", "/files/{path...}", Echo("files")).ok());
  EXPECT_EQ(r.Dispatch(Get("/v/a%2Fb/status")).body, "status id=a/b");
  EXPECT_EQ(r.Dispatch(Get("/v/42")).body, "one id=42");
  EXPECT_EQ(r.Dispatch(Get("/v/upload")).body, "upload");
  EXPECT_EQ(r.Dispatch(Get("/v/")).status, 404);  // empty segment is no id
  EXPECT_EQ(r.Dispatch(Get("/v/1/status/x")).status, 404);
  // The tail stays percent-encoded so a file server can judge it.
  EXPECT_EQ(r.Dispatch(Get("/files/a/%2e%2e/b?x=1")).body, "files path=a/%2e%2e/b");
}

TEST(RouterTest, HeadUsesGetAndMethodMismatchIs405) {
  Router r;
  ASSERT_TRUE(r.Add("GET", "/x", Echo("get")).ok());
  ASSERT_TRUE(r.Add("PUT", "/x", Echo("put")).ok());
  EXPECT_EQ(r.Dispatch(Get("/x", "HEAD")).body, "get");
  Response res = r.Dispatch(Get("/x", "DELETE"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(*res.headers.Get("allow"), "GET, HEAD, OPTIONS, PUT");
  EXPECT_EQ(r.Dispatch(Get("/x", "OPTIONS")).status, 204);
}

TEST(RouterTest, BodyLimitFollowsTheRoute) {
  Router r;
  RouteOptions big;
  big.max_body_bytes = 1 << 30;
  ASSERT_TRUE(r.Add("PATCH", "/uploads/{id}", Echo("u"), big).ok());
  EXPECT_EQ(r.BodyLimitFor("PATCH", "/uploads/7?x=1"), std::optional<std::size_t>(1 << 30));
  EXPECT_EQ(r.BodyLimitFor("POST", "/uploads/7"), std::nullopt);
  EXPECT_EQ(r.BodyLimitFor("PATCH", "/elsewhere"), std::nullopt);
}

// Collects the body it is fed; Finish answers "<status>:<body>".
class CollectingReader : public BodyReader {
 public:
  Status Write(std::string_view bytes) override {
    body_ += bytes;
    return Status::Ok();
  }
  Response Finish(const Status& body_status) override {
    return Response::Text(200, std::string(ErrorCodeName(body_status.code())) + ":" + body_);
  }

 private:
  std::string body_;
};

StreamHandler Collect() {
  return [](const Request&) { return StreamStart::Read(std::make_unique<CollectingReader>()); };
}

TEST(RouterStreamingTest, SharesPatternRulesAndDuplicateChecksWithAdd) {
  Router r;
  EXPECT_FALSE(r.AddStreaming("PATCH", "relative", Collect()).ok());
  EXPECT_FALSE(r.AddStreaming("PATCH", "/a/{rest...}/b", Collect()).ok());
  ASSERT_TRUE(r.AddStreaming("PATCH", "/u/{id}", Collect()).ok());
  EXPECT_FALSE(r.AddStreaming("PATCH", "/u/{id}", Collect()).ok());
  EXPECT_FALSE(r.Add("PATCH", "/u/{id}", Echo("x")).ok());
  ASSERT_TRUE(r.Add("HEAD", "/u/{id}", Echo("head")).ok());
  EXPECT_FALSE(r.AddStreaming("HEAD", "/u/{id}", Collect()).ok());
}

TEST(RouterStreamingTest, IsStreamingFollowsTheRoute) {
  Router r;
  ASSERT_TRUE(r.AddStreaming("PATCH", "/u/{id}", Collect()).ok());
  ASSERT_TRUE(r.Add("HEAD", "/u/{id}", Echo("head")).ok());
  ASSERT_TRUE(r.AddStreaming("GET", "/g", Collect()).ok());
  EXPECT_TRUE(r.IsStreaming("PATCH", "/u/7?x=1"));
  EXPECT_FALSE(r.IsStreaming("HEAD", "/u/7"));
  EXPECT_FALSE(r.IsStreaming("POST", "/u/7"));
  EXPECT_FALSE(r.IsStreaming("PATCH", "/elsewhere"));
  EXPECT_TRUE(r.IsStreaming("HEAD", "/g"));  // HEAD falls back to GET
  EXPECT_EQ(r.BodyLimitFor("PATCH", "/u/7"), std::nullopt);
}

TEST(RouterStreamingTest, DispatchStreamFillsTheHeadAndAnswersLikeDispatch) {
  Router r;
  Request seen;
  ASSERT_TRUE(r.AddStreaming("PATCH", "/u/{id}", [&seen](const Request& head) {
                 seen = head;
                 return StreamStart::Read(std::make_unique<CollectingReader>());
               }).ok());
  StreamStart start = r.DispatchStream(Get("/u/a%20b?offset=5", "PATCH"));
  ASSERT_NE(start.reader, nullptr);
  EXPECT_FALSE(start.response.has_value());
  EXPECT_EQ(seen.path, "/u/a%20b");
  EXPECT_EQ(seen.params.at("id"), "a b");
  EXPECT_EQ(*seen.Query("offset"), "5");

  auto answer = [&r](std::string target, std::string method) {
    StreamStart s = r.DispatchStream(Get(std::move(target), std::move(method)));
    EXPECT_EQ(s.reader, nullptr);
    return s.response.value_or(Response::Text(0, "no answer"));
  };
  EXPECT_EQ(answer("/nope", "PATCH").status, 404);
  Response not_allowed = answer("/u/1", "POST");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(*not_allowed.headers.Get("Allow"), "OPTIONS, PATCH");
  EXPECT_EQ(answer("/u/1?x=%zz", "PATCH").status, 400);
  EXPECT_EQ(answer("/u/%4", "PATCH").status, 400);
  EXPECT_EQ(answer("/u/1", "OPTIONS").status, 204);
}

TEST(RouterStreamingTest, DispatchStreamTurnsHandlerFailuresInto500) {
  Router r;
  ASSERT_TRUE(r.AddStreaming("PUT", "/throw", [](const Request&) -> StreamStart {
                 throw std::runtime_error("boom");
               }).ok());
  ASSERT_TRUE(r.AddStreaming("PUT", "/nothing", [](const Request&) {
                 return StreamStart{};
               }).ok());
  ASSERT_TRUE(r.AddStreaming("PUT", "/refuse", [](const Request&) {
                 return StreamStart::Answer(Response::Text(403, "no"));
               }).ok());
  ASSERT_TRUE(r.Add("PUT", "/plain", Echo("plain")).ok());
  for (const char* target : {"/throw", "/nothing", "/plain"}) {
    StreamStart s = r.DispatchStream(Get(target, "PUT"));
    EXPECT_EQ(s.reader, nullptr) << target;
    ASSERT_TRUE(s.response.has_value()) << target;
    EXPECT_EQ(s.response->status, 500) << target;
  }
  StreamStart refused = r.DispatchStream(Get("/refuse", "PUT"));
  ASSERT_TRUE(refused.response.has_value());
  EXPECT_EQ(refused.response->status, 403);
  EXPECT_EQ(r.Dispatch(Get("/throw", "PUT")).status, 500);
}

TEST(RouterStreamingTest, DispatchFeedsTheWholeBodyToAStreamingRoute) {
  Router r;
  ASSERT_TRUE(r.AddStreaming("PUT", "/u", Collect()).ok());
  Request req = Get("/u", "PUT");
  req.body = "abc";
  EXPECT_EQ(r.Dispatch(req).body, "ok:abc");
}

TEST(HeadersTest, LookupIgnoresCase) {
  Headers h;
  h.Add("Content-Type", "a");
  h.Add("X-Multi", "1");
  h.Add("x-multi", "2");
  EXPECT_EQ(*h.Get("content-type"), "a");
  EXPECT_EQ(*h.Get("X-MULTI"), "1");
  h.Set("X-Multi", "3");
  EXPECT_EQ(h.fields().size(), 2u);
  EXPECT_EQ(*h.Get("x-multi"), "3");
  EXPECT_FALSE(h.Has("missing"));
}

}  // namespace
}  // namespace vtp::api
