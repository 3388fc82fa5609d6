#include "api/http_server.h"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/problem.h"
#include "server_fixture.h"
#include "test_client.h"

namespace vtp::api {
namespace {

using testing::HttpResponse;
using testing::TestClient;

Router MakeRouter() {
  Router r;
  EXPECT_TRUE(r.Add("GET", "/api/v1/videos/{id}/status", [](const Request& req) {
                 nlohmann::json j = {{"id", req.params.at("id")},
                                     {"verbose", std::string(req.Query("verbose").value_or(""))},
                                     {"x", std::string(req.Query("x").value_or(""))}};
                 return Response::Json(200, j.dump());
               }).ok());
  EXPECT_TRUE(r.Add("GET", "/api/v1/videos/upload", [](const Request&) {
                 return Response::Text(200, "literal");
               }).ok());
  EXPECT_TRUE(r.Add("GET", "/remote", [](const Request& req) {
                 return Response::Text(200, req.remote_address);
               }).ok());
  EXPECT_TRUE(r.Add("POST", "/echo", [](const Request& req) {
                 return Response::Text(200, req.body);
               }).ok());
  RouteOptions big;
  big.max_body_bytes = 4 * 1024 * 1024;
  EXPECT_TRUE(r.Add("POST", "/upload", [](const Request& req) {
                 return Response::Text(200, std::to_string(req.body.size()));
               }, big).ok());
  EXPECT_TRUE(r.Add("GET", "/videos/{id}", [](const Request& req) {
                 return ProblemResponse(
                     ProblemFromStatus(NotFound("video " + req.params.at("id")), req.path));
               }).ok());
  EXPECT_TRUE(r.Add("GET", "/weird", [](const Request&) {
                 return Response::Text(42, "not a status");
               }).ok());
  EXPECT_TRUE(r.Add("GET", "/throw", [](const Request&) -> Response {
                 throw std::runtime_error("boom");
               }).ok());
  return r;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = testing::StartServer(MakeRouter(), {}, &port_); }

  // A fresh connection answers a plain request: the server is healthy.
  void ExpectHealthy() {
    TestClient c(port_);
    HttpResponse res = c.Send("GET", "/api/v1/videos/upload");
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "literal");
  }

  static void ExpectProblem(const HttpResponse& res, unsigned status, std::string_view slug) {
    EXPECT_EQ(res.result_int(), status);
    EXPECT_EQ(res[boost::beast::http::field::content_type], "application/problem+json");
    auto j = nlohmann::json::parse(res.body());
    EXPECT_EQ(j.at("type"), std::string(kProblemTypeBase) + std::string(slug));
    EXPECT_EQ(j.at("status"), status);
    EXPECT_EQ(j.at("title"), std::string(ReasonPhrase(static_cast<int>(status))));
  }

  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoutesParamsAndQuery) {
  TestClient c(port_);
  HttpResponse res = c.Send("GET", "/api/v1/videos/abc%20d/status?verbose=1&x=a%2Bb+c");
  ASSERT_EQ(res.result_int(), 200u);
  auto j = nlohmann::json::parse(res.body());
  EXPECT_EQ(j.at("id"), "abc d");
  EXPECT_EQ(j.at("verbose"), "1");
  EXPECT_EQ(j.at("x"), "a+b c");
}

TEST_F(HttpServerTest, LiteralSegmentBeatsParameter) {
  TestClient c(port_);
  EXPECT_EQ(c.Send("GET", "/api/v1/videos/upload").body(), "literal");
}

TEST_F(HttpServerTest, UnknownPathIs404Problem) {
  TestClient c(port_);
  HttpResponse res = c.Send("GET", "/nope/nothing");
  ExpectProblem(res, 404, kSlugRouteNotFound);
  EXPECT_EQ(nlohmann::json::parse(res.body()).at("instance"), "/nope/nothing");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  TestClient c(port_);
  HttpResponse res = c.Send("DELETE", "/api/v1/videos/7/status");
  ExpectProblem(res, 405, kSlugMethodNotAllowed);
  EXPECT_EQ(res[boost::beast::http::field::allow], "GET, HEAD, OPTIONS");
}

TEST_F(HttpServerTest, OptionsPreflightAnswersCors) {
  TestClient c(port_);
  HttpResponse res = c.Send("OPTIONS", "/echo",
                            {{"Origin", "https://player.example"},
                             {"Access-Control-Request-Method", "POST"},
                             {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(res.result_int(), 204u);
  EXPECT_EQ(res["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(res["Access-Control-Allow-Methods"], "OPTIONS, POST");
  EXPECT_EQ(res["Access-Control-Allow-Headers"], "content-type");
  ExpectProblem(c.Send("OPTIONS", "/nope"), 404, kSlugRouteNotFound);
}

TEST_F(HttpServerTest, BadEscapesAre400) {
  TestClient c(port_);
  ExpectProblem(c.Send("GET", "/api/v1/videos/1/status?x=%zz"), 400, kSlugBadQuery);
  ExpectProblem(c.Send("GET", "/api/v1/videos/%4/status"), 400, kSlugMalformedRequest);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  TestClient c(port_);
  HttpResponse first = c.Send("GET", "/remote");
  HttpResponse second = c.Send("GET", "/remote");
  EXPECT_TRUE(first.keep_alive());
  EXPECT_EQ(first.result_int(), 200u);
  EXPECT_EQ(second.result_int(), 200u);
  // Same client address and port: the same TCP connection carried both.
  EXPECT_EQ(first.body(), second.body());
  EXPECT_EQ(first.body().rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  TestClient c(port_);
  HttpResponse res = c.Send("GET", "/remote", {{"Connection", "close"}});
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ServerClosed());
}

TEST_F(HttpServerTest, OversizedHeaderIs431AndServerStaysHealthy) {
  TestClient c(port_);
  c.WriteRaw("GET /remote HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
             "\r\n\r\n");
  ExpectProblem(c.ReadResponse(), 431, kSlugHeaderTooLarge);
  EXPECT_TRUE(c.ServerClosed());
  ExpectHealthy();
}

TEST_F(HttpServerTest, DeclaredOversizedBodyIs413BeforeReadingIt) {
  TestClient c(port_);
  c.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc");
  ExpectProblem(c.ReadResponse(), 413, kSlugBodyTooLarge);
  ExpectHealthy();
}

TEST_F(HttpServerTest, ChunkedBodyOverLimitIs413) {
  TestClient c(port_);
  const size_t size = 1536 * 1024;
  char hex[32];
  std::snprintf(hex, sizeof hex, "%zx", size);
  c.WriteRaw(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n") +
             hex + "\r\n" + std::string(size, 'b') + "\r\n0\r\n\r\n");
  ExpectProblem(c.ReadResponse(), 413, kSlugBodyTooLarge);
  ExpectHealthy();
}

TEST_F(HttpServerTest, RouteMayRaiseTheBodyLimit) {
  TestClient c(port_);
  HttpResponse res = c.Send("POST", "/upload", {}, std::string(2 * 1024 * 1024, 'u'));
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), std::to_string(2 * 1024 * 1024));
  ExpectProblem(c.Send("POST", "/echo", {}, std::string(1024 * 1024 + 1, 'e')), 413,
                kSlugBodyTooLarge);
}

TEST_F(HttpServerTest, GarbageRequestLineIs400AndServerStaysHealthy) {
  TestClient c(port_);
  c.WriteRaw("GARBAGE\r\n\r\n");
  ExpectProblem(c.ReadResponse(), 400, kSlugMalformedRequest);
  EXPECT_TRUE(c.ServerClosed());
  ExpectHealthy();
}

TEST_F(HttpServerTest, HandlerStatusBecomesProblem) {
  TestClient c(port_);
  HttpResponse res = c.Send("GET", "/videos/v1");
  ExpectProblem(res, 404, "not-found");
  auto j = nlohmann::json::parse(res.body());
  EXPECT_EQ(j.at("detail"), "video v1");
  EXPECT_EQ(j.at("instance"), "/videos/v1");
  ExpectProblem(c.Send("GET", "/throw"), 500, kSlugInternal);
  ExpectProblem(c.Send("GET", "/weird"), 500, kSlugInternal);
}

TEST_F(HttpServerTest, HeadFallsBackToGetWithoutBody) {
  TestClient c(port_);
  const std::string body = c.Send("GET", "/remote").body();
  HttpResponse res = c.Send("HEAD", "/remote");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res[boost::beast::http::field::content_length], std::to_string(body.size()));
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(c.Send("GET", "/remote").body(), body);  // framing intact after HEAD
}

TEST_F(HttpServerTest, ExpectContinueIsHonoured) {
  TestClient c(port_);
  c.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(c.ReadResponse().result_int(), 100u);
  c.WriteRaw("hello");
  HttpResponse res = c.ReadResponse();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnections) {
  TestClient c(port_);
  EXPECT_EQ(c.Send("GET", "/remote").result_int(), 200u);
  server_->Stop();
  EXPECT_TRUE(c.ServerClosed());
}

TEST(HttpServerStartTest, RejectsBadAddressAndSecondStart) {
  HttpServer server{Router()};
  ServerOptions bad;
  bad.address = "not-an-address";
  EXPECT_EQ(server.Start(bad).status().code(), ErrorCode::kInvalidArgument);
  HttpServer good{Router()};
  ASSERT_TRUE(good.Start({}).ok());
  EXPECT_EQ(good.Start({}).status().code(), ErrorCode::kInvalidArgument);
}

TEST(HttpServerPoolTest, ManyThreadsServeManyConnections) {
  ServerOptions options;
  options.threads = 4;
  uint16_t port = 0;
  auto server = testing::StartServer(MakeRouter(), options, &port);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 32; ++i) clients.push_back(std::make_unique<TestClient>(port));
  for (int round = 0; round < 3; ++round) {
    for (auto& c : clients) {
      EXPECT_EQ(c->Send("GET", "/api/v1/videos/upload").body(), "literal");
    }
  }
}

}  // namespace
}  // namespace vtp::api
