// The values the HTTP layer hands to route handlers and takes back from them.
// Plain data: no Beast or Asio type appears here, so endpoint code never
// depends on the transport.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vtp::api {

class EventStream;

// An ordered list of header fields with case-insensitive names (RFC 9110
// §5.1). Repeated names are kept in order.
class Headers {
 public:
  // Replaces every field named `name` with one field.
  void Set(std::string name, std::string value);
  // Appends a field, keeping existing ones with the same name.
  void Add(std::string name, std::string value);
  // The first field named `name`, compared case-insensitively.
  std::optional<std::string_view> Get(std::string_view name) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  void Remove(std::string_view name);

  const std::vector<std::pair<std::string, std::string>>& fields() const {
    return fields_;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// One parsed HTTP request as a route handler sees it.
struct Request {
  std::string method;  // "GET", "POST", ... as sent (case-sensitive, RFC 9110 §9.1)
  std::string target;  // the raw request-target, query included
  std::string path;    // the raw (still percent-encoded) path, no query
  // Values of the route's `{name}` segments, percent-decoded; a trailing
  // `{name...}` segment holds the raw rest of the path (see router.h).
  std::map<std::string, std::string> params;
  // Decoded query parameters; when a name repeats, the first value wins.
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1:54321"

  // The query value or nullopt.
  std::optional<std::string_view> Query(std::string_view name) const;
};

// Called on the connection's I/O thread once the event-stream response
// header is queued; the handler keeps the stream as long as it wants it.
using EventStreamStarter = std::function<void(std::shared_ptr<EventStream>)>;

// What a handler answers. The server adds Content-Length, Connection and
// Server; for HEAD it sends the headers of the GET answer only.
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server ignores `body`, answers 200 text/event-stream and
  // hands the connection over as an EventStream (see sse.h).
  EventStreamStarter event_stream;

  static Response Text(int status, std::string body);
  static Response Json(int status, std::string body);
  // An event-stream response; headers set on it are sent too.
  static Response Events(EventStreamStarter start);
};

// A request body consumed while it arrives instead of collected into
// Request::body: uploads of any size at flat memory. Created by a streaming
// route's handler (Router::AddStreaming) once the head is known; the server
// then feeds it the body and sends what Finish returns.
// Both methods run on the connection's I/O thread, never concurrently.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // The next piece of the body, in order. A non-OK status stops reading:
  // Finish is called with it and its answer is sent (then the connection
  // is drained and closed).
  virtual Status Write(std::string_view bytes) = 0;
  // Called exactly once. `body_status` is OK when the whole body arrived
  // (the declared Content-Length, or the last chunk of a chunked body);
  // else the Write error, or kIo ("client closed the connection") /
  // kDeadlineExceeded (read timeout) when the client went away -- then the
  // returned response is dropped, but the reader still keeps what it
  // wants of what arrived (tus resumes from there).
  virtual Response Finish(const Status& body_status) = 0;
};

// What a streaming route's handler answers for a request head (its body
// empty): a Response to send without reading the body (a refusal; the
// body is then drained), or the reader that takes the body.
struct StreamStart {
  std::optional<Response> response;
  std::unique_ptr<BodyReader> reader;

  static StreamStart Answer(Response r) { return {std::move(r), nullptr}; }
  static StreamStart Read(std::unique_ptr<BodyReader> r) { return {std::nullopt, std::move(r)}; }
};

}  // namespace vtp::api
