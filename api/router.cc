#include "api/router.h"

#include <algorithm>
#include <exception>
#include <set>

#include "api/problem.h"

namespace vtp::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// Lexicographic specificity: literal (2) > param (1) > tail (0), segment by
// segment, so the earliest literal decides.
template <typename Segments>
std::vector<int> Specificity(const Segments& segments) {
  std::vector<int> score;
  for (const auto& s : segments) score.push_back(2 - static_cast<int>(s.kind));
  return score;
}

Response BadRequest(std::string_view slug, const Status& status, const std::string& path) {
  return ProblemResponse(MakeProblem(400, slug, status.message(), path));
}

}  // namespace

StatusOr<std::string> PercentDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_as_space) {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const bool complete = i + 2 < text.size();
      const int hi = complete ? HexValue(text[i + 1]) : -1;
      const int lo = complete ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("bad percent-escape at offset " + std::to_string(i));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    ASSIGN_OR_RETURN(std::string name, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    out.emplace(std::move(name), std::move(value));
  }
  return out;
}

std::string AllowHeader(const std::vector<std::string>& methods) {
  std::set<std::string> all(methods.begin(), methods.end());
  if (all.count("GET")) all.insert("HEAD");
  all.insert("OPTIONS");
  std::string out;
  for (const auto& m : all) out += (out.empty() ? "" : ", ") + m;
  return out;
}

Status Router::Add(std::string method, std::string_view pattern, Handler handler,
                   RouteOptions options) {
  return AddRoute(pattern, {std::move(method), std::move(handler), nullptr, options});
}

Status Router::AddStreaming(std::string method, std::string_view pattern,
                            StreamHandler handler) {
  return AddRoute(pattern, {std::move(method), nullptr, std::move(handler), {}});
}

Status Router::AddRoute(std::string_view pattern, Route route) {
  if (pattern.empty() || pattern.front() != '/') {
    return InvalidArgument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<Segment> segments;
  for (std::string_view s : SplitPath(pattern)) {
    if (!segments.empty() && segments.back().kind == Segment::Kind::kTail) {
      return InvalidArgument("{name...} must be the last segment: " + std::string(pattern));
    }
    bool braced = s.size() >= 2 && s.front() == '{' && s.back() == '}';
    if (!braced) {
      segments.push_back({Segment::Kind::kLiteral, std::string(s)});
      continue;
    }
    std::string_view name = s.substr(1, s.size() - 2);
    bool tail = name.size() > 3 && name.substr(name.size() - 3) == "...";
    if (tail) name.remove_suffix(3);
    if (name.empty()) return InvalidArgument("empty parameter name: " + std::string(pattern));
    segments.push_back({tail ? Segment::Kind::kTail : Segment::Kind::kParam, std::string(name)});
  }
  auto it = std::find_if(patterns_.begin(), patterns_.end(),
                         [&](const Pattern& p) { return p.text == pattern; });
  if (it == patterns_.end()) {
    patterns_.push_back({std::string(pattern), std::move(segments), {}});
    it = patterns_.end() - 1;
  }
  for (const Route& r : it->routes) {
    if (r.method == route.method) {
      return InvalidArgument("duplicate route " + route.method + " " + std::string(pattern));
    }
  }
  it->routes.push_back(std::move(route));
  return Status::Ok();
}

const Router::Pattern* Router::Match(std::string_view path,
                                     std::map<std::string, std::string>* raw_params) const {
  const std::vector<std::string_view> parts = SplitPath(path);
  const Pattern* best = nullptr;
  std::vector<int> best_score;
  for (const Pattern& p : patterns_) {
    std::map<std::string, std::string> params;
    bool ok = true;
    size_t i = 0;
    for (; ok && i < p.segments.size(); ++i) {
      const Segment& seg = p.segments[i];
      if (seg.kind == Segment::Kind::kTail) {
        if (i >= parts.size()) { ok = false; break; }
        size_t offset = static_cast<size_t>(parts[i].data() - path.data());
        params[seg.text] = std::string(path.substr(offset));
        i = parts.size();
        break;
      }
      if (i >= parts.size()) { ok = false; break; }
      if (seg.kind == Segment::Kind::kLiteral) {
        ok = parts[i] == seg.text;
      } else {
        ok = !parts[i].empty();
        params[seg.text] = std::string(parts[i]);
      }
    }
    if (!ok || i != parts.size()) continue;
    std::vector<int> score = Specificity(p.segments);
    if (best == nullptr || score > best_score) {
      best = &p;
      best_score = std::move(score);
      *raw_params = std::move(params);
    }
  }
  return best;
}

const Router::Route* Router::FindRoute(const Pattern& pattern, std::string_view method) {
  for (const Route& r : pattern.routes) {
    if (r.method == method) return &r;
  }
  if (method == "HEAD") return FindRoute(pattern, "GET");
  return nullptr;
}

const Router::Route* Router::RouteFor(std::string_view method, std::string_view target) const {
  std::map<std::string, std::string> ignored;
  const Pattern* p = Match(target.substr(0, target.find('?')), &ignored);
  return p ? FindRoute(*p, method) : nullptr;
}

std::optional<std::size_t> Router::BodyLimitFor(std::string_view method,
                                                std::string_view target) const {
  const Route* r = RouteFor(method, target);
  return r ? r->options.max_body_bytes : std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Pattern& p : patterns_) {
    for (const Route& r : p.routes) out.emplace_back(r.method, p.text);
  }
  return out;
}

bool Router::IsStreaming(std::string_view method, std::string_view target) const {
  const Route* r = RouteFor(method, target);
  return r != nullptr && r->stream != nullptr;
}

namespace {

Response Preflight(const Request& request, const std::string& allow) {
  Response r;
  r.status = 204;
  r.headers.Set("Allow", allow);
  r.headers.Set("Access-Control-Allow-Origin", "*");
  r.headers.Set("Access-Control-Allow-Methods", allow);
  auto asked = request.headers.Get("Access-Control-Request-Headers");
  r.headers.Set("Access-Control-Allow-Headers",
                asked ? std::string(*asked)
                      : "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
  r.headers.Set("Access-Control-Max-Age", "600");
  return r;
}

}  // namespace

std::variant<Response, const Router::Route*> Router::Resolve(Request& request) const {
  const std::string_view target = request.target;
  const size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto query = ParseQuery(target.substr(q + 1));
    if (!query.ok()) return BadRequest(kSlugBadQuery, query.status(), request.path);
    request.query = std::move(query).value();
  }
  std::map<std::string, std::string> raw_params;
  const Pattern* pattern = Match(request.path, &raw_params);
  if (pattern == nullptr) {
    return ProblemResponse(MakeProblem(404, kSlugRouteNotFound, "no route for this path",
                                       request.path));
  }
  std::vector<std::string> methods;
  for (const Route& r : pattern->routes) methods.push_back(r.method);
  const Route* route = FindRoute(*pattern, request.method);
  if (route == nullptr && request.method == "OPTIONS") {
    return Preflight(request, AllowHeader(methods));
  }
  if (route == nullptr) {
    Response r = ProblemResponse(MakeProblem(
        405, kSlugMethodNotAllowed, request.method + " is not allowed here", request.path));
    r.headers.Set("Allow", AllowHeader(methods));
    return r;
  }
  for (auto& [name, raw] : raw_params) {
    const bool tail = std::any_of(pattern->segments.begin(), pattern->segments.end(),
                                  [&](const Segment& s) {
                                    return s.kind == Segment::Kind::kTail && s.text == name;
                                  });
    if (tail) {
      request.params[name] = raw;
      continue;
    }
    auto decoded = PercentDecode(raw, false);
    if (!decoded.ok()) return BadRequest(kSlugMalformedRequest, decoded.status(), request.path);
    request.params[name] = std::move(decoded).value();
  }
  return route;
}

namespace {

Response InternalError(std::string detail, const std::string& path) {
  return ProblemResponse(MakeProblem(500, kSlugInternal, std::move(detail), path));
}

// The whole body as the reader's one piece, for Dispatch on a streaming route.
Response FeedWholeBody(const StreamHandler& handler, const Request& request) {
  StreamStart start = handler(request);
  if (start.response) return std::move(*start.response);
  if (!start.reader) return InternalError("streaming handler answered nothing", request.path);
  Status written = request.body.empty() ? Status::Ok() : start.reader->Write(request.body);
  return start.reader->Finish(written);
}

}  // namespace

Response Router::Dispatch(Request request) const {
  auto resolved = Resolve(request);
  if (auto* answer = std::get_if<Response>(&resolved)) return std::move(*answer);
  const Route& route = *std::get<const Route*>(resolved);
  try {
    if (route.stream) return FeedWholeBody(route.stream, request);
    return route.handler(request);
  } catch (const std::exception& e) {
    // Exceptions never cross into the transport: the client gets a 500.
    return InternalError(e.what(), request.path);
  }
}

StreamStart Router::DispatchStream(Request head) const {
  auto resolved = Resolve(head);
  if (auto* answer = std::get_if<Response>(&resolved)) {
    return StreamStart::Answer(std::move(*answer));
  }
  const Route& route = *std::get<const Route*>(resolved);
  if (!route.stream) {
    return StreamStart::Answer(InternalError("route does not stream its body", head.path));
  }
  StreamStart start;
  try {
    start = route.stream(head);
  } catch (const std::exception& e) {
    return StreamStart::Answer(InternalError(e.what(), head.path));
  }
  if (start.response) return StreamStart::Answer(std::move(*start.response));
  if (!start.reader) {
    return StreamStart::Answer(InternalError("streaming handler answered nothing", head.path));
  }
  return start;
}

}  // namespace vtp::api
