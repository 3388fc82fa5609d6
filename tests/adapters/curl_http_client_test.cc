// CurlHttpClient against a real loopback receiver (vtp's own HttpServer):
// the port's contract in http_client.h, exchange by exchange.
#include "adapters/curl_http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/http_server.h"
#include "api/router.h"

namespace vtp::adapters {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

class CurlHttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api::Router router;
    const auto echo = [this](const api::Request& r) {
      std::lock_guard<std::mutex> lock(mu_);
      seen_ = r;
      return api::Response::Text(200, "ok");
    };
    ASSERT_TRUE(router.Add("POST", "/echo", echo).ok());
    ASSERT_TRUE(router.Add("PUT", "/echo", echo).ok());
    ASSERT_TRUE(router.Add("POST", "/fail", [](const api::Request&) {
                  return api::Response::Text(500, "boom");
                }).ok());
    ASSERT_TRUE(router.Add("POST", "/redirect", [](const api::Request&) {
                  api::Response r = api::Response::Text(302, "");
                  r.headers.Set("Location", "/target");
                  return r;
                }).ok());
    const auto target = [this](const api::Request&) {
      ++target_hits_;
      return api::Response::Text(200, "followed");
    };
    ASSERT_TRUE(router.Add("POST", "/target", target).ok());
    ASSERT_TRUE(router.Add("GET", "/target", target).ok());
    ASSERT_TRUE(router.Add("GET", "/big", [](const api::Request&) {
                  return api::Response::Text(200, std::string(100'000, 'x'));
                }).ok());
    // Answers only once the test releases it, after the client gave up.
    std::shared_future<void> released = release_.get_future().share();
    ASSERT_TRUE(router.Add("POST", "/hang", [released](const api::Request&) {
                  released.wait();
                  return api::Response::Text(200, "too late");
                }).ok());
    server_ = std::make_unique<api::HttpServer>(std::move(router));
    auto port = server_->Start({});
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  void TearDown() override {
    Release();
    if (server_) server_->Stop();
  }

  void Release() {
    if (!released_) release_.set_value();
    released_ = true;
  }

  std::optional<api::Request> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

  ports::HttpRequest Post(const std::string& path, std::string body = "{}") {
    ports::HttpRequest req;
    req.url = base_ + path;
    req.body = std::move(body);
    return req;
  }

  CurlHttpClient client_;
  std::promise<void> release_;
  bool released_ = false;
  std::mutex mu_;
  std::optional<api::Request> seen_;
  std::atomic<int> target_hits_{0};
  std::unique_ptr<api::HttpServer> server_;
  std::string base_;
};

TEST_F(CurlHttpClientTest, PostDeliversHeadersAndBodyExactly) {
  // Over 1 KiB (where libcurl would otherwise wait for 100-continue), with
  // a NUL and non-ASCII bytes.
  std::string body = "{\"k\":\"v\"}" + std::string(1, '\0') + "\xc3\xa9" + std::string(3000, 'b');
  ports::HttpRequest req = Post("/echo", body);
  req.headers = {{"Content-Type", "application/json"}, {"Vtp-Event", "video.ready"}, {"X-Empty", ""}};

  auto reply = client_.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "ok");
  EXPECT_THAT(reply->headers, Contains(Pair("Content-Type", "text/plain; charset=utf-8")));

  auto seen = Seen();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "POST");
  EXPECT_EQ(seen->target, "/echo");
  EXPECT_EQ(seen->body, body);
  EXPECT_EQ(seen->headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(seen->headers.Get("Vtp-Event"), "video.ready");
  EXPECT_EQ(seen->headers.Get("X-Empty"), "");
  EXPECT_FALSE(seen->headers.Has("Expect"));
}

TEST_F(CurlHttpClientTest, NoContentTypeUnlessGivenAndOtherMethods) {
  ports::HttpRequest req = Post("/echo", "raw");
  req.method = "PUT";
  auto reply = client_.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  auto seen = Seen();
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "PUT");
  EXPECT_EQ(seen->body, "raw");
  EXPECT_FALSE(seen->headers.Has("Content-Type"));
}

TEST_F(CurlHttpClientTest, ServerErrorIsASuccessfulCall) {
  auto reply = client_.Send(Post("/fail"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->body, "boom");
}

TEST_F(CurlHttpClientTest, RedirectIsNotFollowed) {
  auto reply = client_.Send(Post("/redirect"));
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 302);
  EXPECT_THAT(reply->headers, Contains(Pair("Location", "/target")));
  EXPECT_EQ(target_hits_.load(), 0);
}

TEST_F(CurlHttpClientTest, ConnectionRefusedIsIoWithTheReason) {
  // A port that was just listening and no longer is.
  api::HttpServer closed{api::Router()};
  auto port = closed.Start({});
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  closed.Stop();

  ports::HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(*port) + "/hook";
  auto reply = client_.Send(req);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kIo);
  EXPECT_THAT(reply.status().message(), HasSubstr(std::to_string(*port)));
}

TEST_F(CurlHttpClientTest, ReceiverThatNeverAnswersIsDeadlineExceeded) {
  ports::HttpRequest req = Post("/hang");
  req.timeout_ms = 200;
  auto reply = client_.Send(req);
  Release();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().code(), ErrorCode::kDeadlineExceeded) << reply.status().ToString();
}

TEST_F(CurlHttpClientTest, OnlyHttpAndHttpsUrls) {
  for (const std::string url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1/x", ""}) {
    ports::HttpRequest req;
    req.url = url;
    auto reply = client_.Send(req);
    ASSERT_FALSE(reply.ok()) << url;
    EXPECT_EQ(reply.status().code(), ErrorCode::kInvalidArgument) << url;
  }
  ports::HttpRequest upper = Post("/echo");
  upper.url = "HTTP" + base_.substr(4) + "/echo";
  auto reply = client_.Send(upper);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
}

TEST_F(CurlHttpClientTest, HeaderInjectionIsRefused) {
  ports::HttpRequest req = Post("/echo");
  req.headers = {{"X-A", "1\r\nX-Evil: 1"}};
  EXPECT_EQ(client_.Send(req).status().code(), ErrorCode::kInvalidArgument);
  req.headers = {{"X A", "1"}};
  EXPECT_EQ(client_.Send(req).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(Seen().has_value());
}

TEST_F(CurlHttpClientTest, ReplyBodyIsCapped) {
  ports::HttpRequest req;
  req.method = "GET";
  req.url = base_ + "/big";
  req.max_reply_bytes = 10;
  auto reply = client_.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, std::string(10, 'x'));

  req.max_reply_bytes = 0;
  reply = client_.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "");

  req.max_reply_bytes = 100'000;
  reply = client_.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body.size(), 100'000u);
}

}  // namespace
}  // namespace vtp::adapters
