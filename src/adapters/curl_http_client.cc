#include "adapters/curl_http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// What the callbacks fill while the transfer runs.
struct Transfer {
  size_t max_body = 0;
  std::string body;
  bool capped = false;  // the body went past max_body and the transfer was stopped
  std::vector<std::pair<std::string, std::string>> headers;
};

Status GlobalInit() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return IoError(std::string("curl_global_init: ") + curl_easy_strerror(rc));
  return Status::Ok();
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithIgnoreCase(a, b);
}

// A value that cannot split or end a header line (RFC 9110 §5.5).
bool IsFieldSafe(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// RFC 9110 §5.6.2 token: the method and header names.
bool IsToken(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kSpecials.find(c) != std::string_view::npos;
  });
}

Status Validate(const ports::HttpRequest& request) {
  if (!StartsWithIgnoreCase(request.url, "http://") && !StartsWithIgnoreCase(request.url, "https://")) {
    return InvalidArgument("only http:// and https:// URLs are allowed: " + request.url);
  }
  if (!IsToken(request.method)) return InvalidArgument("bad HTTP method '" + request.method + "'");
  if (request.timeout_ms < 1) return InvalidArgument("timeout_ms must be at least 1");
  for (const auto& [name, value] : request.headers) {
    if (!IsToken(name) || !IsFieldSafe(value)) return InvalidArgument("bad header field '" + name + "'");
  }
  return Status::Ok();
}

bool HasHeader(const ports::HttpRequest& request, std::string_view name) {
  return std::any_of(request.headers.begin(), request.headers.end(), [&](const auto& field) {
    return EqualsIgnoreCase(field.first, name);
  });
}

StatusOr<HeaderList> BuildHeaders(const ports::HttpRequest& request) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : request.headers) {
    // "Name;" is libcurl's spelling of a field with an empty value ("Name:"
    // would remove the field instead).
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  // "Name:" removes a field libcurl would add on its own.
  if (!HasHeader(request, "Content-Type")) lines.push_back("Content-Type:");
  if (!HasHeader(request, "Expect")) lines.push_back("Expect:");
  HeaderList list;
  for (const std::string& line : lines) {
    // On failure curl_slist_append leaves the old list alone, which `list`
    // still owns.
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return IoError("curl_slist_append: out of memory");
    static_cast<void>(list.release());
    list.reset(grown);
  }
  return list;
}

// Callbacks run inside libcurl's C frames: nothing may throw out of them.
size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  try {
    const size_t room = transfer->max_body - transfer->body.size();
    transfer->body.append(data, std::min(n, room));
    if (n > room) {
      // The rest is not wanted: returning short stops the transfer
      // (CURLE_WRITE_ERROR, recognised by `capped`).
      transfer->capped = true;
      return 0;
    }
  } catch (...) {
    return 0;
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  const std::string_view line(data, n);
  try {
    // Each response (an interim 1xx, then the final one) starts with its
    // status line; only the final response's fields are kept.
    HeaderLine h = ParseHeaderLine(line);
    if (h.kind == HeaderLine::Kind::kStatus) transfer->headers.clear();
    if (h.kind == HeaderLine::Kind::kField) transfer->headers.emplace_back(std::move(h.name), std::move(h.value));
  } catch (...) {
    return 0;
  }
  return n;
}

// Options shared by every request whatever its method.
CURLcode SetCommon(CURL* easy, const ports::HttpRequest& request, Transfer& transfer, curl_slist* headers,
                   char* error_buffer) {
  CURLcode rc = CURLE_OK;
  const auto set = [&](auto option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_ERRORBUFFER, error_buffer);
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROXY, "");
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  set(CURLOPT_HTTPHEADER, headers);
  set(CURLOPT_WRITEFUNCTION, &OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_HEADERFUNCTION, &OnHeader);
  set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
  return rc;
}

CURLcode SetMethod(CURL* easy, const ports::HttpRequest& request) {
  if (request.method == "GET" && request.body.empty()) return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  if (request.method == "HEAD" && request.body.empty()) return curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  CURLcode rc = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  if (rc == CURLE_OK) rc = curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  if (rc == CURLE_OK && request.method != "POST") {
    rc = curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  return rc;
}

// The one place libcurl's result codes become vtp's error classes.
Status FromCurl(CURLcode rc, const char* error_buffer) {
  std::string reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
  switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status(ErrorCode::kDeadlineExceeded, std::move(reason));
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return InvalidArgument(std::move(reason));
    default:
      return IoError(std::move(reason));
  }
}

}  // namespace

CurlHttpClient::CurlHttpClient() : init_status_(GlobalInit()) {}

StatusOr<ports::HttpReply> CurlHttpClient::Send(const ports::HttpRequest& request) {
  RETURN_IF_ERROR(init_status_);
  RETURN_IF_ERROR(Validate(request));
  ASSIGN_OR_RETURN(HeaderList headers, BuildHeaders(request));
  EasyHandle easy(curl_easy_init());
  if (easy == nullptr) return IoError("curl_easy_init failed");

  Transfer transfer;
  transfer.max_body = request.max_reply_bytes;
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURLcode rc = SetCommon(easy.get(), request, transfer, headers.get(), error_buffer);
  if (rc == CURLE_OK) rc = SetMethod(easy.get(), request);
  if (rc != CURLE_OK) return FromCurl(rc, error_buffer);

  rc = curl_easy_perform(easy.get());
  if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && transfer.capped)) return FromCurl(rc, error_buffer);

  long status = 0;
  rc = curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) return FromCurl(rc, error_buffer);
  ports::HttpReply reply;
  reply.status = static_cast<int>(status);
  reply.headers = std::move(transfer.headers);
  reply.body = std::move(transfer.body);
  return reply;
}

}  // namespace vtp::adapters
