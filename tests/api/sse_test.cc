#include "api/sse.h"

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "api/http_server.h"
#include "server_fixture.h"
#include "test_client.h"

namespace vtp::api {
namespace {

namespace net = boost::asio;
using testing::TestClient;

// A guard against a hung test, not a wait: futures become ready by events.
constexpr auto kGuard = std::chrono::seconds(60);

template <typename T>
T Await(std::future<T>& f) {
  EXPECT_EQ(f.wait_for(kGuard), std::future_status::ready);
  return f.get();
}

TEST(SseFormatTest, SplitsDataLinesAndWritesFields) {
  EXPECT_EQ(FormatEvent({"7", "progress", "a\nb\r\nc\rd"}),
            "id: 7\nevent: progress\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(FormatEvent({"", "", "x"}), "data: x\n\n");
  EXPECT_EQ(FormatEvent({"", "", ""}), "data: \n\n");
  EXPECT_EQ(FormatComment("beat\nnow"), ": beat now\n\n");
  EXPECT_FALSE(ValidateEvent({"1\n2", "", ""}).ok());
  EXPECT_FALSE(ValidateEvent({"", "a\rb", ""}).ok());
  EXPECT_TRUE(ValidateEvent({"1", "a", "multi\nline"}).ok());
}

// One route, GET /events, handing each stream (and the request's
// Last-Event-ID header as the handler saw it) to the test.
struct StreamCatcher {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::shared_ptr<EventStream>> streams;
  std::vector<std::string> header_ids;

  Router MakeRouter() {
    Router r;
    EXPECT_TRUE(r.Add("GET", "/events", [this](const Request& req) {
                   std::string id(req.headers.Get("last-event-id").value_or(""));
                   return Response::Events([this, id](std::shared_ptr<EventStream> s) {
                     std::lock_guard<std::mutex> lock(mu);
                     streams.push_back(std::move(s));
                     header_ids.push_back(id);
                     cv.notify_all();
                   });
                 }).ok());
    return r;
  }

  std::shared_ptr<EventStream> WaitFor(size_t count) {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, kGuard, [&] { return streams.size() >= count; }));
    return streams.size() >= count ? streams[count - 1] : nullptr;
  }
};

const char kRequest[] = "GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n";

class SseServerTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = testing::StartServer(catcher_.MakeRouter(), {}, &port_); }

  // Opens a stream; returns the client positioned after the header.
  std::unique_ptr<TestClient> Open(std::string extra = "") {
    auto c = std::make_unique<TestClient>(port_);
    c->WriteRaw(std::string(kRequest) + extra + "\r\n");
    header_ = c->ReadUntil("\r\n\r\n");
    return c;
  }

  StreamCatcher catcher_;
  uint16_t port_ = 0;
  std::unique_ptr<HttpServer> server_;
  std::string header_;
};

TEST_F(SseServerTest, DeliversEventsFromAnotherThreadInOrder) {
  auto client = Open("Last-Event-ID: 41\r\n");
  EXPECT_EQ(header_.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(header_.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(header_.find("Cache-Control: no-cache\r\n"), std::string::npos);
  auto stream = catcher_.WaitFor(1);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->last_event_id(), "41");
  EXPECT_EQ(catcher_.header_ids[0], "41");

  std::thread producer([stream] {
    for (int id = 42; id <= 44; ++id) {
      EXPECT_TRUE(stream->Send({std::to_string(id), "progress", "step " + std::to_string(id)}).ok());
    }
  });
  producer.join();
  for (int id = 42; id <= 44; ++id) {
    EXPECT_EQ(client->ReadUntil("\n\n"), "id: " + std::to_string(id) +
                                             "\nevent: progress\ndata: step " +
                                             std::to_string(id) + "\n\n");
  }
}

TEST_F(SseServerTest, ClientDisconnectIsDetected) {
  auto client = Open();
  auto stream = catcher_.WaitFor(1);
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(stream->last_event_id(), "");
  std::promise<void> closed;
  auto closed_future = closed.get_future();
  stream->OnClosed([&closed] { closed.set_value(); });
  EXPECT_FALSE(stream->closed());
  client->Close();
  Await(closed_future);
  EXPECT_TRUE(stream->closed());
  EXPECT_EQ(stream->Send({"1", "", "late"}).code(), ErrorCode::kIo);
  int late_calls = 0;
  stream->OnClosed([&late_calls] { ++late_calls; });  // already closed: runs now
  EXPECT_EQ(late_calls, 1);
}

TEST_F(SseServerTest, HandlerCloseFlushesThenEnds) {
  auto client = Open();
  auto stream = catcher_.WaitFor(1);
  ASSERT_NE(stream, nullptr);
  ASSERT_TRUE(stream->Send({"", "done", "bye"}).ok());
  stream->Close();
  EXPECT_EQ(client->ReadUntil("\n\n"), "event: done\ndata: bye\n\n");
  EXPECT_TRUE(client->ServerClosed());
}

TEST_F(SseServerTest, StopEndsOpenStreams) {
  auto client = Open();
  auto stream = catcher_.WaitFor(1);
  ASSERT_NE(stream, nullptr);
  server_->Stop();
  EXPECT_TRUE(stream->closed());
  EXPECT_TRUE(client->ServerClosed());
  EXPECT_EQ(stream->Send({"", "", "x"}).code(), ErrorCode::kIo);
  server_.reset();
  EXPECT_EQ(stream->Send({"", "", "x"}).code(), ErrorCode::kIo);  // outlives the server
}

TEST(SseScaleTest, FiveHundredIdleStreamsOnOneThreadAllGetABroadcast) {
  constexpr size_t kClients = 500;
  StreamCatcher catcher;
  ServerOptions options;
  options.threads = 1;
  uint16_t port = 0;
  auto server = testing::StartServer(catcher.MakeRouter(), options, &port);

  net::io_context ioc;
  std::vector<net::ip::tcp::socket> sockets;
  std::vector<std::string> buffers(kClients);
  const std::string request = std::string(kRequest) + "\r\n";
  for (size_t i = 0; i < kClients; ++i) {
    sockets.emplace_back(ioc);
    sockets.back().connect({net::ip::make_address("127.0.0.1"), port});
    net::write(sockets.back(), net::buffer(request));
  }
  ASSERT_NE(catcher.WaitFor(kClients), nullptr);
  std::vector<std::shared_ptr<EventStream>> streams;
  {
    std::lock_guard<std::mutex> lock(catcher.mu);
    streams = catcher.streams;
  }
  for (auto& s : streams) ASSERT_TRUE(s->Send({"1", "ping", "hello"}).ok());
  size_t received = 0;
  for (size_t i = 0; i < kClients; ++i) {
    net::read_until(sockets[i], net::dynamic_buffer(buffers[i]), "data: hello\n\n");
    received += buffers[i].find("id: 1\nevent: ping\ndata: hello\n\n") != std::string::npos;
  }
  EXPECT_EQ(received, kClients);
}

}  // namespace
}  // namespace vtp::api
