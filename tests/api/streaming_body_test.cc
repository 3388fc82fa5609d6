// Streaming request bodies (Router::AddStreaming) over real loopback HTTP.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/http_server.h"
#include "api/problem.h"
#include "server_fixture.h"
#include "test_client.h"

namespace vtp::api {
namespace {

using testing::HttpResponse;
using testing::TestClient;

constexpr std::size_t kMaxPiece = 64 * 1024;
constexpr auto kWait = std::chrono::seconds(20);

// FNV-1a 64, fed piece by piece: equal hashes mean the same bytes in order.
uint64_t Fnv(std::string_view bytes, uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Bytes whose order matters (a plain fill would hide reordering).
std::string Pattern(std::size_t size, uint32_t seed) {
  std::string out(size, '\0');
  for (auto& c : out) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return out;
}

struct Finished {
  Status status;
  std::size_t bytes = 0;
  uint64_t hash = 0;
};

// What the readers saw, shared by the test thread and the server's threads.
class Probe {
 public:
  void OnHead() {
    std::lock_guard<std::mutex> lock(mu_);
    ++heads_;
  }
  void OnPiece(std::size_t size) {
    std::lock_guard<std::mutex> lock(mu_);
    received_ += size;
    max_piece_ = std::max(max_piece_, size);
    ++pieces_;
    cv_.notify_all();
  }
  void OnFinish(Finished f) {
    std::lock_guard<std::mutex> lock(mu_);
    finished_.push_back(std::move(f));
    cv_.notify_all();
  }
  // False when `bytes` have not arrived within kWait.
  bool WaitReceived(std::size_t bytes) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return received_ >= bytes; });
  }
  // The n-th Finish (from 1), or nullopt when it did not come within kWait.
  std::optional<Finished> WaitFinished(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, kWait, [&] { return finished_.size() >= n; })) return std::nullopt;
    return finished_[n - 1];
  }
  std::size_t finish_calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return finished_.size();
  }
  int heads() {
    std::lock_guard<std::mutex> lock(mu_);
    return heads_;
  }
  std::size_t max_piece() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_piece_;
  }
  std::size_t pieces() {
    std::lock_guard<std::mutex> lock(mu_);
    return pieces_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int heads_ = 0;
  std::size_t received_ = 0;
  std::size_t max_piece_ = 0;
  std::size_t pieces_ = 0;
  std::vector<Finished> finished_;
};

// Counts and hashes the body; fails Write once `fail_after` bytes arrived.
class CountingReader : public BodyReader {
 public:
  CountingReader(Probe* probe, std::optional<std::size_t> fail_after)
      : probe_(probe), fail_after_(fail_after) {}

  Status Write(std::string_view bytes) override {
    EXPECT_LE(bytes.size(), kMaxPiece);
    EXPECT_FALSE(bytes.empty());
    EXPECT_FALSE(finished_);
    bytes_ += bytes.size();
    hash_ = Fnv(bytes, hash_);
    probe_->OnPiece(bytes.size());
    if (fail_after_ && bytes_ >= *fail_after_) {
      return Status(ErrorCode::kAlreadyExists, "offset conflict at " + std::to_string(bytes_));
    }
    return Status::Ok();
  }

  Response Finish(const Status& body_status) override {
    EXPECT_FALSE(finished_);
    finished_ = true;
    probe_->OnFinish({body_status, bytes_, hash_});
    if (!body_status.ok()) return ProblemResponse(ProblemFromStatus(body_status));
    nlohmann::json j = {{"bytes", bytes_}, {"hash", hash_}};
    return Response::Json(201, j.dump());
  }

 private:
  Probe* probe_;
  std::optional<std::size_t> fail_after_;
  std::size_t bytes_ = 0;
  uint64_t hash_ = Fnv("");
  bool finished_ = false;
};

Router MakeRouter(Probe* probe) {
  Router r;
  EXPECT_TRUE(r.AddStreaming("PUT", "/uploads/{id}", [probe](const Request& head) {
                 probe->OnHead();
                 EXPECT_TRUE(head.body.empty());
                 if (head.headers.Has("X-Refuse")) {
                   return StreamStart::Answer(Response::Text(403, "refused " + head.params.at("id")));
                 }
                 std::optional<std::size_t> fail_after;
                 if (auto f = head.Query("fail_after")) fail_after = std::stoul(std::string(*f));
                 return StreamStart::Read(std::make_unique<CountingReader>(probe, fail_after));
               }).ok());
  EXPECT_TRUE(r.Add("GET", "/plain", [](const Request&) {
                 return Response::Text(200, "plain");
               }).ok());
  return r;
}

class StreamingBodyTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(ServerOptions options) {
    server_.reset();
    server_ = testing::StartServer(MakeRouter(&probe_), options, &port_);
  }

  // The reader's 201 answer: {"bytes", "hash"}.
  static void ExpectReceived(const HttpResponse& res, std::string_view body) {
    ASSERT_EQ(res.result_int(), 201u) << res.body();
    auto j = nlohmann::json::parse(res.body());
    EXPECT_EQ(j.at("bytes").get<std::size_t>(), body.size());
    EXPECT_EQ(j.at("hash").get<uint64_t>(), Fnv(body));
  }

  Probe probe_;
  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(StreamingBodyTest, IdentityBodyArrivesWholeInBoundedPieces) {
  const std::string body = Pattern(20 * 1024 * 1024, 1);  // 20x the default body limit
  TestClient c(port_);
  ExpectReceived(c.Send("PUT", "/uploads/a", {}, body), body);
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_TRUE(finished->status.ok()) << finished->status.ToString();
  EXPECT_EQ(finished->bytes, body.size());
  EXPECT_LE(probe_.max_piece(), kMaxPiece);
  EXPECT_GE(probe_.pieces(), body.size() / kMaxPiece);
  EXPECT_EQ(probe_.finish_calls(), 1u);
}

TEST_F(StreamingBodyTest, ChunkedBodyArrivesWhole) {
  std::string body;
  std::string wire = "PUT /uploads/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  uint32_t seed = 7;
  for (std::size_t size : {1u, 70000u, 300000u, 5u, 65536u, 65537u}) {
    const std::string chunk = Pattern(size, ++seed);
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", size);
    wire += std::string(hex) + (size == 5 ? ";ext=1" : "") + "\r\n" + chunk + "\r\n";
    body += chunk;
  }
  wire += "0\r\n\r\n";
  TestClient c(port_);
  c.WriteRaw(wire);
  ExpectReceived(c.ReadResponse(), body);
  EXPECT_LE(probe_.max_piece(), kMaxPiece);
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_TRUE(finished->status.ok());
}

TEST_F(StreamingBodyTest, ExpectContinueIsSentOnceAReaderTakesTheBody) {
  const std::string body = Pattern(300000, 3);
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(c.ReadResponse().result_int(), 100u);
  c.WriteRaw(body);
  ExpectReceived(c.ReadResponse(), body);
}

TEST_F(StreamingBodyTest, RefusalWithExpectContinueGetsTheFinalStatusOnly) {
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/r HTTP/1.1\r\nHost: x\r\nX-Refuse: 1\r\nExpect: 100-continue\r\n"
             "Content-Length: 1000000\r\n\r\n");
  HttpResponse res = c.ReadResponse();  // a 100 would be read here first
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_EQ(res.body(), "refused r");
  EXPECT_TRUE(c.ServerClosed());
  EXPECT_EQ(probe_.heads(), 1);
  EXPECT_EQ(probe_.finish_calls(), 0u);
}

TEST_F(StreamingBodyTest, RefusalDrainsASentBodyAndCloses) {
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/r HTTP/1.1\r\nHost: x\r\nX-Refuse: 1\r\nContent-Length: 2000000\r\n\r\n" +
             Pattern(2000000, 4));
  EXPECT_EQ(c.ReadResponse().result_int(), 403u);
  EXPECT_TRUE(c.ServerClosed());
  EXPECT_EQ(probe_.pieces(), 0u);
}

TEST_F(StreamingBodyTest, RefusalWithoutBodyKeepsTheConnection) {
  TestClient c(port_);
  HttpResponse res = c.Send("PUT", "/uploads/r", {{"X-Refuse", "1"}});  // Content-Length: 0
  EXPECT_EQ(res.result_int(), 403u);
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(c.Send("GET", "/plain").body(), "plain");
}

TEST_F(StreamingBodyTest, EmptyBodyFinishesAtOnce) {
  TestClient c(port_);
  ExpectReceived(c.Send("PUT", "/uploads/z"), "");
  EXPECT_EQ(c.Send("GET", "/plain").body(), "plain");
  EXPECT_EQ(probe_.pieces(), 0u);
}

TEST_F(StreamingBodyTest, WriteErrorAnswersAndCloses) {
  const std::string body = Pattern(2 * 1024 * 1024, 5);
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/w?fail_after=100000 HTTP/1.1\r\nHost: x\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body);
  HttpResponse res = c.ReadResponse();
  EXPECT_EQ(res.result_int(), 409u);
  EXPECT_EQ(res[boost::beast::http::field::content_type], std::string(kProblemContentType));
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(c.ServerClosed());
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->status.code(), ErrorCode::kAlreadyExists);
  EXPECT_GE(finished->bytes, 100000u);
  EXPECT_LT(finished->bytes, 100000u + kMaxPiece);
  EXPECT_EQ(probe_.finish_calls(), 1u);
}

TEST_F(StreamingBodyTest, ClientClosingMidBodyFinishesWithWhatArrived) {
  const std::string part = Pattern(100000, 6);
  {
    TestClient c(port_);
    c.WriteRaw("PUT /uploads/g HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + part);
    c.Close();
  }
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->status.code(), ErrorCode::kIo);
  EXPECT_EQ(finished->bytes, part.size());
  EXPECT_EQ(finished->hash, Fnv(part));
}

TEST_F(StreamingBodyTest, ReadTimeoutFinishesWithDeadlineExceeded) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  Start(options);
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/t HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->status.code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(finished->bytes, 10u);
  EXPECT_TRUE(c.ServerClosed());
}

TEST_F(StreamingBodyTest, MalformedChunkIs400AndFinishes) {
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/m HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\nzz\r\n");
  HttpResponse res = c.ReadResponse();
  EXPECT_EQ(res.result_int(), 400u);
  EXPECT_TRUE(c.ServerClosed());
  auto finished = probe_.WaitFinished(1);
  ASSERT_TRUE(finished.has_value());
  EXPECT_EQ(finished->status.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(finished->bytes, 3u);
}

TEST_F(StreamingBodyTest, KeepAliveCarriesTwoStreamingRequests) {
  const std::string first = Pattern(200000, 8);
  const std::string second = Pattern(150001, 9);
  TestClient c(port_);
  HttpResponse a = c.Send("PUT", "/uploads/1", {}, first);
  EXPECT_TRUE(a.keep_alive());
  ExpectReceived(a, first);
  ExpectReceived(c.Send("PUT", "/uploads/2", {}, second), second);
  EXPECT_EQ(c.Send("GET", "/plain").body(), "plain");
  EXPECT_EQ(probe_.heads(), 2);
  EXPECT_EQ(probe_.finish_calls(), 2u);
}

TEST_F(StreamingBodyTest, PipelinedRequestAfterABodyIsServed) {
  const std::string body = Pattern(1000, 10);
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/p HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + body +
             "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
  ExpectReceived(c.ReadResponse(), body);
  EXPECT_EQ(c.ReadResponse().body(), "plain");
}

TEST_F(StreamingBodyTest, StopDuringABodyFinishesTheReader) {
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" +
             Pattern(5000, 11));
  ASSERT_TRUE(probe_.WaitReceived(5000));
  server_->Stop();
  // Stop has joined the I/O threads: Finish already ran.
  ASSERT_EQ(probe_.finish_calls(), 1u);
  auto finished = probe_.WaitFinished(1);
  EXPECT_EQ(finished->status.code(), ErrorCode::kIo);
  EXPECT_EQ(finished->bytes, 5000u);
  EXPECT_TRUE(c.ServerClosed());
}

TEST_F(StreamingBodyTest, OversizedHeaderIsStill431) {
  TestClient c(port_);
  c.WriteRaw("PUT /uploads/h HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') +
             "\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(c.ReadResponse().result_int(), 431u);
  EXPECT_TRUE(c.ServerClosed());
  EXPECT_EQ(probe_.heads(), 0);
}

TEST_F(StreamingBodyTest, WrongMethodOnAStreamingPatternIsAnsweredAsUsual) {
  TestClient c(port_);
  HttpResponse res = c.Send("POST", "/uploads/x", {}, "abc");
  EXPECT_EQ(res.result_int(), 405u);
  EXPECT_EQ(res[boost::beast::http::field::allow], "OPTIONS, PUT");
  EXPECT_EQ(probe_.heads(), 0);
}

}  // namespace
}  // namespace vtp::api
