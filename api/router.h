// Routes requests by method and path pattern, answering the protocol-level
// outcomes (404, 405, CORS preflight, bad query) itself.
//
// Patterns are absolute paths whose segments are literals, `{name}` (one
// segment, percent-decoded into Request::params) or, last only,
// `{name...}` (the raw rest of the path, still percent-encoded, so a file
// server can see and reject encoded tricks). When several patterns match, the
// one with literals earliest wins ("/videos/upload" beats "/videos/{id}").
//
// Thread safety: build the router before the server starts; Dispatch is
// const and may run on several I/O threads at once.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
  // method and pattern were already added.
  Status Add(std::string method, std::string_view pattern, Handler handler,
             RouteOptions options = {});

  // The body limit the route for this request sets, if any; the server asks
  // before reading the body. `target` may carry a query.
  std::optional<std::size_t> BodyLimitFor(std::string_view method,
                                          std::string_view target) const;

  // Fills request.path/params/query from request.target and runs the
  // matching handler. Answers itself: 400 (bad escape in path or query),
  // 404 (no pattern matches), 405 with Allow (pattern matches, method does
  // not), 204 to OPTIONS (CORS preflight) unless a route handles OPTIONS.
  // HEAD falls back to the GET handler. A handler that throws yields 500.
  Response Dispatch(Request request) const;

 private:
  struct Segment {
    enum class Kind { kLiteral, kParam, kTail } kind;
    std::string text;  // literal text or parameter name
  };
  struct Route {
    std::string method;
    Handler handler;
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

  std::vector<Pattern> patterns_;
};

// "GET, HEAD, OPTIONS" for a pattern's methods (HEAD implied by GET).
std::string AllowHeader(const std::vector<std::string>& methods);

}  // namespace vtp::api
