// Port: outbound HTTP requests (webhook deliveries; later S3). The adapter
// is CurlHttpClient (libcurl); tests use a real loopback server.
//
// Contract:
//  - A reply of any status is a success of the call (the caller judges the
//    status); kIo when no reply came (DNS, connect, TLS, reset), with the
//    reason; kDeadlineExceeded when the whole exchange ran past timeout_ms;
//    kInvalidArgument for a URL that is not http:// or https://.
//  - Redirects are not followed (a webhook receiver answering 3xx is a
//    failed delivery, never a request to some other host).
//  - Only `max_reply_bytes` of the reply body are kept.
//
// Thread safety: adapters are safe to call from many threads.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"

namespace vtp::ports {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Millis timeout_ms = 10'000;
  size_t max_reply_bytes = 4096;
};

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // at most max_reply_bytes
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual StatusOr<HttpReply> Send(const HttpRequest& request) = 0;
};

}  // namespace vtp::ports
