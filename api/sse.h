// Server-Sent Events (WHATWG HTML §9.2). A route answers
// Response::Events(starter); the server sends the text/event-stream header
// and hands the starter an EventStream bound to the connection.
//
// Thread safety: EventStream is safe to use from any thread; events are
// written in the order Send was called. The handle stays valid after the
// connection or the server is gone (it then reports closed()).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::api {

struct Event {
  std::string id;     // optional; sent as "id:" (no CR, LF or NUL)
  std::string event;  // optional type; sent as "event:" (no CR or LF)
  std::string data;   // each line (split on CRLF, LF or CR) becomes one "data:" line
};

// InvalidArgument when id or event would break the framing.
Status ValidateEvent(const Event& event);
// The wire form, ending with the blank line. Precondition: ValidateEvent ok.
std::string FormatEvent(const Event& event);
// ": text\n\n" — a comment, ignored by clients (used for heartbeats).
// Line breaks in `text` are replaced by spaces.
std::string FormatComment(std::string_view text);

namespace detail {

// The connection side of a stream, implemented by the server.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues bytes for the connection; false when it is gone.
  virtual bool Write(std::string bytes) = 0;
  // Ends the stream once queued bytes are written.
  virtual void Close() = 0;
};

}  // namespace detail

class EventStream {
 public:
  EventStream(std::shared_ptr<detail::StreamSink> sink, std::string last_event_id);
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Queues one event. kIo once the stream is closed; InvalidArgument when
  // ValidateEvent fails. Never blocks on the network.
  Status Send(const Event& event);
  // Queues a comment line (e.g. a manual heartbeat).
  Status SendComment(std::string_view text);
  // Ends the stream after the queued events; closed() turns true when the
  // connection is gone.
  void Close();

  // True once the client went away, the stream was closed or the server stopped.
  bool closed() const;
  // Runs `callback` once when the stream ends — on an I/O thread, or right
  // now on this thread when it already has. Keep callbacks short.
  void OnClosed(std::function<void()> callback);
  // The Last-Event-ID request header ("" when absent), for resuming.
  const std::string& last_event_id() const { return last_event_id_; }

  // For the server: the connection ended. Idempotent.
  void NotifyClosed();

 private:
  const std::shared_ptr<detail::StreamSink> sink_;
  const std::string last_event_id_;
  mutable std::mutex mu_;
  bool closed_ = false;  // guarded by mu_
  std::vector<std::function<void()>> on_closed_;  // guarded by mu_
};

}  // namespace vtp::api
