#include "api/http_session.h"

#include <exception>
#include <limits>
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

// Field values from handlers are trusted, but a CR or LF would let one
// forge further fields, so such fields are dropped.
bool SafeField(std::string_view name, std::string_view value) {
  return name.find_first_of("\r\n:") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos;
}

std::string_view Std(beast::string_view s) { return {s.data(), s.size()}; }

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
  net::post(stream_.get_executor(), [self = shared_from_this()] { self->EndEvents(); });
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
    // RFC 9110 §10.1.1: the client waits for this before sending the body.
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(shared_->options.write_timeout);
    return net::async_write(stream_, net::buffer(kContinue),
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

void Session::WriteResponse(Response response, After after, bool head) {
  if (response.status < 100 || response.status > 599) {
    response = ProblemResponse(MakeProblem(500, kSlugInternal, "handler returned status " +
                                                                   std::to_string(response.status)));
  }
  auto res = std::make_shared<http::response<http::string_body>>();
  res->version(11);
  res->result(static_cast<unsigned>(response.status));
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
