// The asynchronous HTTP/1.1 server (Boost.Beast on Asio) that carries vtp's
// API. Connections are keep-alive; idle ones and event streams hold no
// thread, only a socket and a pending read.
//
// Protocol errors are answered as problem+json and end the connection:
// malformed request → 400, header over max_header_bytes → 431, body over the
// route's limit → 413. `Expect: 100-continue` is honoured.
//
// Streaming routes (Router::AddStreaming) get their body while it arrives,
// identity or chunked, in pieces of at most 64 KiB, so an upload of any size
// passes at flat memory; no body limit applies (the BodyReader decides), the
// header limit (431) still does. Their handler answers the head first: a
// refusal is sent without `100 Continue` and the unsent body drained (the
// connection stays open only when there was no body); a reader makes the
// server send `100 Continue` when asked, feed it the body (read_timeout per
// read) and write its Finish answer. Finish runs exactly once: OK at the end
// of the body; the Write error (its answer is sent, then the connection is
// drained and closed); InvalidArgument for a malformed chunked body (400);
// kDeadlineExceeded on read_timeout, kIo when the client goes away or Stop
// ends the connection (nothing is written then).
//
// Thread safety: Start and Stop are called from one owner thread; handlers
// run on the pool's threads (a connection's callbacks never run
// concurrently with each other).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/router.h"
#include "core/status.h"

namespace vtp::api {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: an ephemeral port, see Start's result
  int threads = 1;    // I/O threads running handlers
  std::size_t max_header_bytes = 16 * 1024;  // request line + fields → 431
  // Default; RouteOptions may raise it → 413. Streaming routes have none.
  std::size_t max_body_bytes = 1024 * 1024;
  // Waiting for (and reading) the next request's header on a kept-alive
  // connection; the connection is closed silently when it runs out.
  std::chrono::milliseconds idle_timeout{60'000};
  // Reading one body; on a streaming route, each read of a piece.
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};  // writing one response or event
  // Comment lines keeping event streams alive through proxies; 0 = none.
  std::chrono::milliseconds heartbeat_interval{15'000};
};

class HttpServer {
 public:
  explicit HttpServer(Router router);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the threads; returns the bound port. Once per
  // server. InvalidArgument for a bad address or a second call, kIo when
  // binding fails.
  StatusOr<uint16_t> Start(const ServerOptions& options);
  // Closes the listener and every connection (event streams report
  // closed, OnClosed callbacks have run when it returns), waits for running
  // handlers and joins the threads. Idempotent; the server cannot restart.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace vtp::api
