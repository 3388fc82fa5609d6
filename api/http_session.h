// Internal to api/: one accepted connection and the state the server shares
// with its connections. Included only by http_server.cc and http_session.cc.
//
// A Session lives on its own strand and is kept alive by its pending
// operations. It reads a request header, asks the router for the body
// limit, reads the body, dispatches and writes the answer, then loops
// (keep-alive) or closes. A route answering with an event stream turns the
// session into an SSE writer: a write queue, a heartbeat timer and one
// pending read that only notices the client leaving.
//
// A streaming route (Router::IsStreaming) branches off after the header:
// the router answers the head (DispatchStream); a refusal is written without
// `100 Continue` and the unread body drained; a BodyReader gets the body in
// pieces of at most kPieceBytes, each read one at a time under read_timeout
// through a buffer_body parser converted from the header parser, and its
// Finish answer is written. reader_ is set exactly while a reader awaits its
// Finish, which every path (end of body, Write error, malformed body, client
// gone, timeout, server stop, destruction) calls once through FinishReader.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/http_server.h"
#include "api/problem.h"
#include "api/sse.h"

namespace vtp::api::detail {

class Session;

// The largest piece a BodyReader is handed, and the body memory a streaming
// request holds whatever its size.
inline constexpr std::size_t kPieceBytes = 64 * 1024;

// Shared by the server, its sessions and the event-stream sinks (which can
// outlive the server). Lock order: lifetime_mu before sessions_mu.
struct ServerShared {
  ServerShared(ServerOptions o, Router r) : options(std::move(o)), router(std::move(r)) {}

  const ServerOptions options;
  const Router router;

  // Held shared while posting to the io_context from outside it; Stop takes
  // it exclusively to end such posts before the io_context can go away.
  std::shared_mutex lifetime_mu;
  bool stopped = false;  // guarded by lifetime_mu and sessions_mu (both to write)

  std::mutex sessions_mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);
  ~Session();

  // Registers with the server and starts reading; closes at once when the
  // server is stopping.
  void Start();
  // Closes the connection from any thread (server stop).
  void Shutdown();
  // From any thread: queue bytes on an event stream / end it.
  void PostEventBytes(std::string bytes);
  void PostEventClose();

 private:
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  void Dispatch();

  // The streaming-route branch of OnHeader (see the top comment).
  void StartStream();
  void ReadPiece();
  void OnPiece(boost::beast::error_code ec);
  Status WriteToReader(std::string_view piece);
  // Calls reader_->Finish once, drops reader_ and the body parser.
  Response FinishReader(const Status& body_status);
  // The body ended: whole (OK), refused by Write (its answer, then drain),
  // or cut short by the connection or a malformed chunk.
  void EndBody();
  void RefuseRestOfBody(const Status& write_status);
  void AbortBody(boost::beast::error_code ec);
  // What follows a written response.
  enum class After { kNextRequest, kClose, kDrain };
  void WriteResponse(Response response, After after, bool head);
  void OnWritten(boost::beast::error_code ec, After after);
  void Fail(const Problem& problem);
  // Half-closes, then reads and drops input until EOF, kDrainLimit bytes or
  // read_timeout (one deadline for the whole drain).
  void DrainThenClose();
  void DrainSome();
  void CloseSocket();

  void StartEvents(Response response, std::string last_event_id);
  void EnqueueEvent(std::string bytes);
  void WriteNextEvent();
  void WatchClient();
  void ArmHeartbeat();
  void EndEvents();

  const std::shared_ptr<ServerShared> shared_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::string remote_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  bool stopping_ = false;  // Shutdown ran: the server is stopping

  // Streaming-route state, touched only on the strand.
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> body_parser_;
  std::unique_ptr<BodyReader> reader_;
  std::unique_ptr<char[]> piece_;  // kPieceBytes, only while a body is read
  bool stream_head_ = false;
  bool stream_keep_alive_ = false;

  // Event-stream state, touched only on the strand.
  std::shared_ptr<EventStream> events_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool close_requested_ = false;
  bool events_ended_ = false;
  boost::asio::steady_timer heartbeat_;
};

// The EventStream's view of a session: posts onto its strand while both the
// session and the server are alive.
class SessionSink : public StreamSink {
 public:
  SessionSink(std::weak_ptr<Session> session, std::shared_ptr<ServerShared> shared)
      : session_(std::move(session)), shared_(std::move(shared)) {}
  bool Write(std::string bytes) override;
  void Close() override;

 private:
  std::weak_ptr<Session> session_;
  std::shared_ptr<ServerShared> shared_;
};

}  // namespace vtp::api::detail
