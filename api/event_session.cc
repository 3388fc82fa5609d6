// The event-stream half of Session (see http_session.h).
#include <exception>
#include <utility>

#include <boost/asio/write.hpp>

#include "api/http_session.h"

namespace vtp::api::detail {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;

// Close-delimited body (no Content-Length, not chunked): the stream ends
// when the connection does, which is what an event stream is.
std::string EventStreamHeader(const Headers& extra) {
  std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n"
      "Connection: keep-alive\r\n"
      "X-Accel-Buffering: no\r\n"
      "Server: vtp\r\n";
  for (const auto& [name, value] : extra.fields()) {
    const bool reserved = EqualsIgnoreCase(name, "Content-Type") ||
                          EqualsIgnoreCase(name, "Cache-Control") ||
                          EqualsIgnoreCase(name, "Connection") ||
                          EqualsIgnoreCase(name, "Content-Length") ||
                          EqualsIgnoreCase(name, "Transfer-Encoding");
    const bool safe = name.find_first_of("\r\n:") == std::string::npos &&
                      value.find_first_of("\r\n") == std::string::npos;
    if (!reserved && safe) head += name + ": " + value + "\r\n";
  }
  return head + "\r\n";
}

}  // namespace

bool SessionSink::Write(std::string bytes) {
  std::shared_lock<std::shared_mutex> lock(shared_->lifetime_mu);
  if (shared_->stopped) return false;
  auto session = session_.lock();
  if (!session) return false;
  session->PostEventBytes(std::move(bytes));
  return true;
}

void SessionSink::Close() {
  std::shared_lock<std::shared_mutex> lock(shared_->lifetime_mu);
  if (shared_->stopped) return;
  if (auto session = session_.lock()) session->PostEventClose();
}

void Session::StartEvents(Response response, std::string last_event_id) {
  events_ = std::make_shared<EventStream>(
      std::make_shared<SessionSink>(weak_from_this(), shared_), std::move(last_event_id));
  // The watch read starts first, with no deadline; the writes' deadlines set
  // later apply to writes only because the read is already pending.
  stream_.expires_never();
  WatchClient();
  EnqueueEvent(EventStreamHeader(response.headers));
  ArmHeartbeat();
  auto start = std::move(response.event_stream);
  try {
    start(events_);
  } catch (const std::exception&) {
    EndEvents();
  }
}

void Session::EnqueueEvent(std::string bytes) {
  if (events_ended_ || close_requested_) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) WriteNextEvent();
}

void Session::WriteNextEvent() {
  writing_ = true;
  stream_.expires_after(shared_->options.write_timeout);
  net::async_write(stream_, net::buffer(outbox_.front()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     self->writing_ = false;
                     if (ec) return self->EndEvents();
                     self->outbox_.pop_front();
                     if (!self->outbox_.empty()) return self->WriteNextEvent();
                     if (self->close_requested_) self->EndEvents();
                   });
}

void Session::WatchClient() {
  // A client sends nothing after the request; this read ends only when it
  // goes away (EOF or reset), which is how a closed client is detected.
  stream_.async_read_some(net::buffer(scratch_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            if (ec) return self->EndEvents();
                            self->WatchClient();
                          });
}

void Session::ArmHeartbeat() {
  const auto interval = shared_->options.heartbeat_interval;
  if (interval.count() <= 0 || events_ended_) return;
  heartbeat_.expires_after(interval);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->events_ended_) return;
    self->EnqueueEvent(FormatComment("heartbeat"));
    self->ArmHeartbeat();
  });
}

void Session::EndEvents() {
  if (events_ended_) return;
  events_ended_ = true;
  heartbeat_.cancel();
  CloseSocket();
  if (auto events = std::move(events_)) events->NotifyClosed();
}

}  // namespace vtp::api::detail
