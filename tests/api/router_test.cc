#include "api/router.h"

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
