// Routes requests by method and path pattern, answering the protocol-level
// outcomes (404, 405, CORS preflight, bad query) itself.
//
// Patterns are absolute paths whose segments are literals, `{name}` (one
// segment, percent-decoded into Request::params) or, last only,
// `{name...}` (the raw rest of the path, still percent-encoded, so a file
// server can see and reject encoded tricks). When several patterns match, the
// one with literals earliest wins ("/videos/upload" beats "/videos/{id}").
//
// Streaming routes (AddStreaming) take the request body while it arrives
// instead of as one string: their handler sees the head only and answers a
// BodyReader (or a refusal), see StreamStart in http_message.h. The server
// asks IsStreaming once the header is read and then calls DispatchStream.
//
// Thread safety: build the router before the server starts; Dispatch,
// DispatchStream and the other const members may run on several I/O threads
// at once.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "api/http_message.h"
#include "core/status.h"

namespace vtp::api {

// Runs on an I/O thread: long work belongs elsewhere.
using Handler = std::function<Response(const Request&)>;
// A streaming route's handler: sees the head (Request::body empty), see
// StreamStart in http_message.h.
using StreamHandler = std::function<StreamStart(const Request&)>;

struct RouteOptions {
  // Overrides ServerOptions::max_body_bytes for this route (uploads).
  std::optional<std::size_t> max_body_bytes;
};

// Decodes %XX escapes; with `plus_as_space`, '+' becomes ' ' (query strings,
// application/x-www-form-urlencoded). InvalidArgument on a bad escape.
StatusOr<std::string> PercentDecode(std::string_view text, bool plus_as_space);

// Parses "a=1&b=x%20y&flag" (no leading '?'); a name without '=' maps to "".
// The first value of a repeated name wins. InvalidArgument on a bad escape.
StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query);

class Router {
 public:
  // Adds a route. InvalidArgument for a malformed pattern or when the same
  // method and pattern were already added (by Add or AddStreaming).
  Status Add(std::string method, std::string_view pattern, Handler handler,
             RouteOptions options = {});
  // Adds a streaming route: same pattern rules and duplicate check as Add (a
  // method and pattern is either streaming or not). The server applies no
  // body limit to it; the reader decides how much it takes.
  Status AddStreaming(std::string method, std::string_view pattern, StreamHandler handler);

  // True when the route for this request is a streaming one (HEAD falls
  // back to GET as in Dispatch). `target` may carry a query.
  bool IsStreaming(std::string_view method, std::string_view target) const;

  // The body limit the route for this request sets, if any; the server asks
  // before reading the body. `target` may carry a query.
  std::optional<std::size_t> BodyLimitFor(std::string_view method,
                                          std::string_view target) const;

  // Fills request.path/params/query from request.target and runs the
  // matching handler. Answers itself: 400 (bad escape in path or query),
  // 404 (no pattern matches), 405 with Allow (pattern matches, method does
  // not), 204 to OPTIONS (CORS preflight) unless a route handles OPTIONS.
  // HEAD falls back to the GET handler. A handler that throws yields 500.
  // A streaming route gets request.body as the one piece of its reader
  // (tests and callers that already hold the whole body).
  Response Dispatch(Request request) const;

  // Dispatch for a request head whose body is still unread: fills
  // path/params/query the same way and runs the streaming handler. Every
  // answer Dispatch would give itself (400, 404, 405, preflight) comes back
  // as StreamStart::Answer, and so does 500 for a handler that throws,
  // answers neither a response nor a reader, or a route added with Add. When
  // the handler sets both, the response wins and the reader is dropped
  // without Finish.
  StreamStart DispatchStream(Request head) const;

  // Every registered (method, pattern), streaming routes included, with
  // patterns as registered ("/media/{video}/{path...}"): what the OpenAPI
  // document must describe. Implied answers (HEAD via GET, preflight
  // OPTIONS) are not listed.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kTail } kind;
    std::string text;  // literal text or parameter name
  };
  struct Route {
    std::string method;
    Handler handler;        // exactly one of handler and stream is set
    StreamHandler stream;
    RouteOptions options;
  };
  struct Pattern {
    std::string text;
    std::vector<Segment> segments;
    std::vector<Route> routes;
  };

  // Best-matching pattern for a raw path, or nullptr; `raw_params` gets the
  // undecoded parameter values.
  const Pattern* Match(std::string_view path,
                       std::map<std::string, std::string>* raw_params) const;
  static const Route* FindRoute(const Pattern& pattern, std::string_view method);
  // The route for a method and target (query allowed), or nullptr.
  const Route* RouteFor(std::string_view method, std::string_view target) const;
  Status AddRoute(std::string_view pattern, Route route);
  // Fills request.path/params/query and finds its route; or the answer the
  // router gives itself (400, 404, 405, preflight).
  std::variant<Response, const Route*> Resolve(Request& request) const;

  std::vector<Pattern> patterns_;
};

// "GET, HEAD, OPTIONS" for a pattern's methods (HEAD implied by GET).
std::string AllowHeader(const std::vector<std::string>& methods);

}  // namespace vtp::api
