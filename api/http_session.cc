#include "api/http_session.h"

#include <exception>
#include <limits>
#include <string_view>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace vtp::api::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

// Bytes read and dropped after an error answer before closing: closing with
// unread input makes TCP send RST, which can destroy the answer in flight.
constexpr std::size_t kDrainLimit = 8 * 1024 * 1024;

// RFC 9110 §10.1.1: a client sending `Expect: 100-continue` waits for this
// before sending the body.
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// Field values from handlers are trusted, but a CR or LF would let one
// forge further fields, so such fields are dropped.
bool SafeField(std::string_view name, std::string_view value) {
  return name.find_first_of("\r\n:") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos;
}

std::string_view Std(beast::string_view s) { return {s.data(), s.size()}; }

// A body that breaks HTTP framing (bad chunk size, ...), as opposed to the
// connection ending mid-body (partial_message) or a transport error.
bool IsMalformedBody(beast::error_code ec) {
  static const beast::error_code kHttpError = http::error::partial_message;
  return ec.category() == kHttpError.category() && ec != http::error::partial_message;
}

std::string RemoteAddress(const net::ip::tcp::socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  const std::string host = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + host + "]:" + port : host + ":" + port;
}

Request ToRequest(http::request<http::string_body>& message, const std::string& remote) {
  Request r;
  r.method = std::string(message.method_string());
  r.target = std::string(message.target());
  for (const auto& field : message) {
    r.headers.Add(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = std::move(message.body());
  r.remote_address = remote;
  return r;
}

}  // namespace

Session::Session(net::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared)
    : shared_(std::move(shared)),
      stream_(std::move(socket)),
      remote_(RemoteAddress(stream_.socket())),
      heartbeat_(stream_.get_executor()) {}

Session::~Session() {
  // Every path finishes its reader; this only catches an exception that
  // escaped a completion handler and dropped the session with a body open.
  if (reader_) (void)FinishReader(IoError("connection dropped while the body was read"));
  std::lock_guard<std::mutex> lock(shared_->sessions_mu);
  shared_->sessions.erase(this);
}

void Session::Start() {
  {
    std::lock_guard<std::mutex> lock(shared_->sessions_mu);
    if (shared_->stopped) return CloseSocket();
    shared_->sessions[this] = weak_from_this();
  }
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
}

void Session::Shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    self->EndEvents();
  });
}

void Session::PostEventBytes(std::string bytes) {
  net::post(stream_.get_executor(), [self = shared_from_this(), b = std::move(bytes)]() mutable {
    self->EnqueueEvent(std::move(b));
  });
}

void Session::PostEventClose() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->close_requested_ = true;
    if (!self->writing_) self->EndEvents();
  });
}

void Session::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
  // The route decides the body limit once the header is known; Beast would
  // otherwise apply this one to Content-Length while parsing the header.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(shared_->options.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->OnHeader(ec);
                          });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == net::error::operation_aborted || ec == net::error::connection_reset) {
    return CloseSocket();
  }
  if (ec == http::error::header_limit) {
    return Fail(MakeProblem(431, kSlugHeaderTooLarge, "request header exceeds " +
                            std::to_string(shared_->options.max_header_bytes) + " bytes"));
  }
  if (ec) return Fail(MakeProblem(400, kSlugMalformedRequest, ec.message()));
  auto& message = parser_->get();
  if (shared_->router.IsStreaming(Std(message.method_string()), Std(message.target()))) {
    return StartStream();
  }
  const std::size_t limit =
      shared_->router.BodyLimitFor(Std(message.method_string()), Std(message.target()))
          .value_or(shared_->options.max_body_bytes);
  parser_->body_limit(limit);
  const auto length = parser_->content_length();
  if (length && *length > limit) {
    return Fail(MakeProblem(413, kSlugBodyTooLarge,
                            "body exceeds " + std::to_string(limit) + " bytes"));
  }
  if (parser_->is_done()) return Dispatch();
  if (beast::iequals(message[http::field::expect], "100-continue")) {
    stream_.expires_after(shared_->options.write_timeout);
    return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                            [self = shared_from_this()](beast::error_code wec, std::size_t) {
                              if (wec) return self->CloseSocket();
                              self->ReadBody();
                            });
  }
  ReadBody();
}

void Session::ReadBody() {
  stream_.expires_after(shared_->options.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->OnBody(ec);
                   });
}

void Session::OnBody(beast::error_code ec) {
  if (ec == beast::error::timeout || ec == net::error::operation_aborted) return CloseSocket();
  if (ec == http::error::body_limit) {
    return Fail(MakeProblem(413, kSlugBodyTooLarge, "body exceeds the limit of this route"));
  }
  if (ec) return Fail(MakeProblem(400, kSlugMalformedRequest, ec.message()));
  Dispatch();
}

void Session::Dispatch() {
  auto& message = parser_->get();
  const bool keep_alive = message.keep_alive();
  const bool head = message.method() == http::verb::head;
  std::string last_event_id(message["Last-Event-ID"]);
  Response response = shared_->router.Dispatch(ToRequest(message, remote_));
  if (response.event_stream && !head) {
    return StartEvents(std::move(response), std::move(last_event_id));
  }
  if (response.event_stream) response.headers.Set("Content-Type", "text/event-stream");
  WriteResponse(std::move(response), keep_alive ? After::kNextRequest : After::kClose, head);
}

void Session::StartStream() {
  auto& message = parser_->get();
  stream_head_ = message.method() == http::verb::head;
  stream_keep_alive_ = message.keep_alive();
  const bool expect_continue = beast::iequals(message[http::field::expect], "100-continue");
  StreamStart start = shared_->router.DispatchStream(ToRequest(message, remote_));
  const bool bodiless = parser_->is_done();
  if (start.response) {
    // A refusal: the client never gets 100 Continue; a body it sends
    // anyway is drained, not parsed.
    const After after = !bodiless          ? After::kDrain
                        : stream_keep_alive_ ? After::kNextRequest
                                             : After::kClose;
    return WriteResponse(std::move(*start.response), after, stream_head_);
  }
  reader_ = std::move(start.reader);
  // Beast's documented way to change the body type after the header: the
  // parser state (limits, framing, bytes already buffered) carries over.
  body_parser_.emplace(std::move(*parser_));
  parser_.reset();
  if (bodiless) return EndBody();
  piece_ = std::make_unique<char[]>(kPieceBytes);
  // The header read left the buffer a few hundred bytes large; body reads
  // go through it, so without room they would come 512 bytes at a time.
  buffer_.reserve(kPieceBytes);
  if (!expect_continue) return ReadPiece();
  stream_.expires_after(shared_->options.write_timeout);
  net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (ec) return self->AbortBody(ec);
                     self->ReadPiece();
                   });
}

void Session::ReadPiece() {
  auto& body = body_parser_->get().body();
  body.data = piece_.get();
  body.size = kPieceBytes;
  stream_.expires_after(shared_->options.read_timeout);
  http::async_read_some(stream_, buffer_, *body_parser_,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->OnPiece(ec);
                        });
}

void Session::OnPiece(beast::error_code ec) {
  // need_buffer only says the piece is full.
  if (ec == http::error::need_buffer) ec = {};
  const std::size_t filled = kPieceBytes - body_parser_->get().body().size;
  if (filled > 0) {
    // Bytes that arrived before an error still reach the reader (tus
    // resumes from the last byte it kept).
    Status written = WriteToReader({piece_.get(), filled});
    if (!written.ok()) return RefuseRestOfBody(written);
  }
  if (ec) return AbortBody(ec);
  if (body_parser_->is_done()) return EndBody();
  ReadPiece();
}

Status Session::WriteToReader(std::string_view piece) {
  try {
    return reader_->Write(piece);
  } catch (const std::exception& e) {
    return Internal(std::string("body reader threw: ") + e.what());
  }
}

Response Session::FinishReader(const Status& body_status) {
  std::unique_ptr<BodyReader> reader = std::move(reader_);
  body_parser_.reset();
  piece_.reset();
  try {
    return reader->Finish(body_status);
  } catch (const std::exception& e) {
    return ProblemResponse(MakeProblem(500, kSlugInternal, e.what()));
  }
}

void Session::EndBody() {
  Response response = FinishReader(Status::Ok());
  WriteResponse(std::move(response), stream_keep_alive_ ? After::kNextRequest : After::kClose,
                stream_head_);
}

void Session::RefuseRestOfBody(const Status& write_status) {
  WriteResponse(FinishReader(write_status), After::kDrain, stream_head_);
}

void Session::AbortBody(beast::error_code ec) {
  if (!stopping_ && IsMalformedBody(ec)) {
    (void)FinishReader(InvalidArgument("malformed request body: " + ec.message()));
    return Fail(MakeProblem(400, kSlugMalformedRequest, ec.message()));
  }
  Status status = IoError("client closed the connection: " + ec.message());
  if (stopping_) {
    status = IoError("server stopped while the body was read");
  } else if (ec == beast::error::timeout) {
    status = Status(ErrorCode::kDeadlineExceeded, "no body bytes within the read timeout");
  }
  // Nobody is left to read an answer, so Finish's response is dropped.
  (void)FinishReader(status);
  CloseSocket();
}

void Session::WriteResponse(Response response, After after, bool head) {
  if (response.status < 100 || response.status > 599) {
    response = ProblemResponse(MakeProblem(500, kSlugInternal, "handler returned status " +
                                                                   std::to_string(response.status)));
  }
  auto res = std::make_shared<http::response<http::string_body>>();
  res->version(11);
  res->result(static_cast<unsigned>(response.status));
  // Beast knows the IANA codes only; tus's 460 gets its phrase from us.
  if (res->result() == http::status::unknown) {
    const std::string_view phrase = ReasonPhrase(response.status);
    res->reason({phrase.data(), phrase.size()});
  }
  for (const auto& [name, value] : response.headers.fields()) {
    if (SafeField(name, value)) res->insert(name, value);
  }
  res->set(http::field::server, "vtp");
  res->keep_alive(after == After::kNextRequest);
  const int status = response.status;
  const bool bodiless = head || status < 200 || status == 204 || status == 304;
  if (!bodiless) {
    res->body() = std::move(response.body);
    res->prepare_payload();
  } else if (head && !res->has_content_length()) {
    // HEAD announces the length the GET answer would have (RFC 9110 §9.3.2).
    res->content_length(response.body.size());
  }
  stream_.expires_after(shared_->options.write_timeout);
  http::async_write(stream_, *res,
                    [self = shared_from_this(), res, after](beast::error_code ec, std::size_t) {
                      self->OnWritten(ec, after);
                    });
}

void Session::OnWritten(beast::error_code ec, After after) {
  if (ec || after == After::kClose) return CloseSocket();
  if (after == After::kDrain) return DrainThenClose();
  ReadHeader();
}

void Session::Fail(const Problem& problem) {
  WriteResponse(ProblemResponse(problem), After::kDrain, false);
}

void Session::DrainThenClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  stream_.expires_after(shared_->options.read_timeout);
  DrainSome();
}

void Session::DrainSome() {
  stream_.async_read_some(net::buffer(scratch_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kDrainLimit) return self->CloseSocket();
                            self->DrainSome();
                          });
}

void Session::CloseSocket() {
  beast::error_code ignored;
  stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace vtp::api::detail
