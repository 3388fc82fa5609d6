#include "api/http_server.h"

#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "api/http_session.h"

namespace vtp::api {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::State {
  explicit State(Router r) : router(std::move(r)) {}

  void Accept();
  void RunThread();

  Router router;  // moved into `shared` by Start
  net::io_context ioc;
  // On a strand so Stop's close cannot race an accept completion.
  tcp::acceptor acceptor{net::make_strand(ioc)};
  std::shared_ptr<detail::ServerShared> shared;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  bool started = false;
};

void HttpServer::State::Accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](boost::system::error_code ec,
                                                      tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<detail::Session>(std::move(socket), shared)->Start();
    }
    // After a failed accept (EMFILE, ECONNABORTED) the listener keeps going;
    // the failed connection is the only one lost.
    Accept();
  });
}

void HttpServer::State::RunThread() {
  // A throwing completion handler must not take the process down; the
  // io_context stays usable, so the thread goes back to it.
  while (true) {
    try {
      ioc.run();
      return;
    } catch (const std::exception&) {
    }
  }
}

HttpServer::HttpServer(Router router) : state_(std::make_unique<State>(std::move(router))) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<uint16_t> HttpServer::Start(const ServerOptions& options) {
  State& s = *state_;
  if (s.started) return InvalidArgument("HttpServer::Start called twice");
  if (options.threads < 1) return InvalidArgument("ServerOptions::threads must be >= 1");
  boost::system::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec) return InvalidArgument("bad listen address '" + options.address + "'");
  const tcp::endpoint endpoint(address, options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return IoError("cannot listen on " + options.address + ":" +
                   std::to_string(options.port) + ": " + ec.message());
  }
  const uint16_t port = s.acceptor.local_endpoint().port();
  s.shared = std::make_shared<detail::ServerShared>(options, std::move(s.router));
  s.started = true;
  s.work.emplace(s.ioc.get_executor());
  s.Accept();
  for (int i = 0; i < options.threads; ++i) {
    s.threads.emplace_back([&s] { s.RunThread(); });
  }
  return port;
}

void HttpServer::Stop() {
  State& s = *state_;
  if (!s.started || s.threads.empty()) return;
  {
    std::unique_lock<std::shared_mutex> lifetime(s.shared->lifetime_mu);
    std::lock_guard<std::mutex> sessions(s.shared->sessions_mu);
    s.shared->stopped = true;
  }
  net::post(s.acceptor.get_executor(), [&s] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<detail::Session>> live;
  {
    std::lock_guard<std::mutex> lock(s.shared->sessions_mu);
    for (auto& [raw, weak] : s.shared->sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  // Outside the lock: the last reference may go here, and ~Session takes it.
  for (auto& session : live) session->Shutdown();
  live.clear();
  s.work.reset();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
}

}  // namespace vtp::api
