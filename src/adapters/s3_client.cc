#include "adapters/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/blob_checksum.h"
#include "adapters/http_header_line.h"

namespace vtp::adapters {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// Error bodies are short XML documents; more than this is not kept.
constexpr size_t kMaxErrorBody = 64 * 1024;

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return IoError(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  return Status::Ok();
}

// What the callbacks fill while one attempt runs.
struct Transfer {
  int status = 0;  // from the latest status line
  S3BodySink* sink = nullptr;
  std::string body;  // the whole body without a sink; the error body otherwise
  bool sink_failed = false;
  std::vector<std::pair<std::string, std::string>> headers;
};

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Callbacks run inside libcurl's C frames: nothing may throw out of them.
size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  try {
    if (t->sink != nullptr && Is2xx(t->status)) {
      if (!t->sink->Write(std::string_view(data, n))) {
        t->sink_failed = true;
        return 0;
      }
    } else if (t->sink == nullptr || t->body.size() < kMaxErrorBody) {
      t->body.append(data, n);
    }
  } catch (...) {
    return 0;
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  try {
    HeaderLine h = ParseHeaderLine(line);
    if (h.kind == HeaderLine::Kind::kStatus) {
      t->headers.clear();
      t->status = h.status;
    } else if (h.kind == HeaderLine::Kind::kField) {
      t->headers.emplace_back(Lower(h.name), std::move(h.value));
    }
  } catch (...) {
    return 0;
  }
  return n;
}

StatusOr<HeaderList> BuildHeaders(const S3Request& request) {
  ASSIGN_OR_RETURN(std::string payload_sha, Sha256Hex(request.body));
  std::vector<std::string> lines = {"x-amz-content-sha256: " + payload_sha, "Expect:"};
  bool has_type = false;
  for (const auto& [name, value] : request.headers) {
    has_type = has_type || Lower(name) == "content-type";
    lines.push_back(name + ": " + value);
  }
  // libcurl would label a body application/x-www-form-urlencoded.
  if (!has_type) lines.push_back("Content-Type:");
  HeaderList list;
  for (const std::string& line : lines) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return IoError("curl_slist_append: out of memory");
    static_cast<void>(list.release());
    list.reset(grown);
  }
  return list;
}

CURLcode SetOptions(CURL* easy, const S3Endpoint& ep, const std::string& url, const std::string& sigv4,
                    const S3Request& request, Transfer& t, curl_slist* headers, char* error_buffer) {
  CURLcode rc = CURLE_OK;
  const auto set = [&](auto option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROXY, "");
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(ep.timeout_ms));
  set(CURLOPT_AWS_SIGV4, sigv4.c_str());
  set(CURLOPT_USERNAME, ep.access_key.c_str());
  set(CURLOPT_PASSWORD, ep.secret_key.c_str());
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
  if (request.method == "GET" || request.method == "DELETE") {
    set(CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    set(CURLOPT_POSTFIELDS, request.body.data());
  }
  if (request.method != "GET" && request.method != "HEAD" && request.method != "POST") {
    set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  return rc;
}

}  // namespace

struct S3Attempt {
  StatusOr<S3Reply> result;
  bool retryable = false;
};

namespace {

// The one place transport results and S3 replies become vtp's error classes.
// `body` is S3's XML error document, of which only <Code> is quoted.
S3Attempt Classify(CURLcode rc, const char* error_buffer, int status, const std::string& body,
                           std::string_view what, const std::string& endpoint);

}  // namespace

ports::Millis BackoffDelay(const RetryPolicy& policy, int retry) {
  ports::Millis delay = std::max<ports::Millis>(policy.first_delay_ms, 0);
  for (int i = 1; i < retry && delay < policy.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, policy.max_delay_ms);
}

std::string S3Reply::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string S3Query(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + '=' + UriEncode(value, false);
  }
  return out;
}

std::vector<std::string> XmlElements(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  std::vector<std::string> values;
  for (size_t pos = xml.find(open); pos != std::string_view::npos; pos = xml.find(open, pos)) {
    const size_t start = pos + open.size(), end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    values.emplace_back(xml.substr(start, end - start));
    pos = end + close.size();
  }
  return values;
}

std::vector<std::string> XmlValues(std::string_view xml, std::string_view tag) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::vector<std::string> values = XmlElements(xml, tag);
  for (std::string& raw : values) {
    const std::string_view in = raw;
    std::string value;
    for (size_t i = 0; i < in.size(); ++i) {
      const auto* hit = std::find_if(std::begin(kEntities), std::end(kEntities),
                                     [&](const auto& e) { return in.substr(i).starts_with(e.first); });
      if (in[i] == '&' && hit != std::end(kEntities)) {
        value += hit->second;
        i += hit->first.size() - 1;
      } else {
        value += in[i];
      }
    }
    raw = std::move(value);
  }
  return values;
}

StatusOr<int64_t> ParseIso8601Millis(std::string_view text) {
  std::tm tm{};
  int millis = 0;
  char rest[8] = {};
  const std::string s(text);
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec, rest);
  if (n < 6) return IoError("not an ISO 8601 time: '" + s + "'");
  const std::string_view tail = rest;
  if (tail.starts_with(".") && tail.size() == 5 && tail.back() == 'Z') {
    millis = std::atoi(std::string(tail.substr(1, 3)).c_str());
  } else if (tail != "Z") {
    return IoError("not a UTC ISO 8601 time: '" + s + "'");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

S3Client::S3Client(S3Endpoint endpoint, RetryPolicy retry)
    : endpoint_(std::move(endpoint)), retry_(std::move(retry)), init_status_(GlobalInit()) {}

S3Attempt S3Client::PerformOnce(const S3Request& request, std::string_view what) const {
  auto headers = BuildHeaders(request);
  if (!headers.ok()) return {headers.status(), false};
  EasyHandle easy(curl_easy_init());
  if (easy == nullptr) return {IoError("curl_easy_init failed"), false};
  if (request.sink != nullptr) {
    Status begun = request.sink->Begin();
    if (!begun.ok()) return {begun, false};
  }
  Transfer t;
  t.sink = request.sink;
  std::string url = endpoint_.endpoint + "/" + endpoint_.bucket;
  if (!request.object_key.empty()) url += "/" + request.object_key;
  if (!request.query.empty()) url += "?" + request.query;
  const std::string sigv4 = "aws:amz:" + endpoint_.region + ":s3";
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURLcode rc = SetOptions(easy.get(), endpoint_, url, sigv4, request, t, headers->get(), error_buffer);
  if (rc == CURLE_OK) rc = curl_easy_perform(easy.get());
  if (t.sink_failed) return {IoError(std::string(what) + ": writing the reply body failed"), false};
  S3Attempt attempt = Classify(rc, error_buffer, t.status, t.body, what, endpoint_.endpoint);
  if (attempt.result.ok()) {
    attempt.result->headers = std::move(t.headers);
    if (request.sink == nullptr) attempt.result->body = std::move(t.body);
  }
  return attempt;
}

StatusOr<S3Reply> S3Client::Perform(const S3Request& request, std::string_view what) const {
  RETURN_IF_ERROR(init_status_);
  const int attempts = std::max(retry_.max_attempts, 1);
  for (int i = 1;; ++i) {
    S3Attempt attempt = PerformOnce(request, what);
    if (attempt.result.ok() || !attempt.retryable || i >= attempts) return std::move(attempt.result);
    const ports::Millis delay = BackoffDelay(retry_, i);
    if (retry_.wait) {
      retry_.wait(delay);
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    }
  }
}

namespace {

S3Attempt Classify(CURLcode rc, const char* error_buffer, int status, const std::string& body,
                           std::string_view what, const std::string& endpoint) {
  const std::string op(what);
  if (rc != CURLE_OK) {
    const std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
    const std::string kind = rc == CURLE_OPERATION_TIMEDOUT ? "timed out" : "got no reply";
    return {IoError(op + ": S3 endpoint " + endpoint + " " + kind + " (" + reason + ")"), true};
  }
  if (Is2xx(status)) {
    S3Reply reply;
    reply.status = status;
    return {std::move(reply), false};
  }
  const std::vector<std::string> codes = XmlValues(body, "Code");
  const std::string code = codes.empty() ? "" : " " + codes.front();
  const std::string http = "HTTP " + std::to_string(status) + code;
  if (status == 404) return {NotFound(op + ": not found (" + http + ")"), false};
  if (status == 412) return {Status(ErrorCode::kAlreadyExists, op + ": precondition failed (" + http + ")"), false};
  if (status == 416) return {InvalidArgument(op + ": range not satisfiable (" + http + ")"), false};
  if (status == 403) {
    return {IoError(op + ": S3 refused the request (" + http +
                    "): check the access key, secret key and region configured for " + endpoint),
            false};
  }
  if (status >= 500 || status == 429) return {IoError(op + ": S3 server error (" + http + ")"), true};
  return {IoError(op + ": S3 rejected the request (" + http + ")"), false};
}

}  // namespace

}  // namespace vtp::adapters
