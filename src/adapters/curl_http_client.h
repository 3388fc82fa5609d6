// CurlHttpClient: the HTTP client port over libcurl's easy interface.
//
// Each Send uses its own easy handle (no connection reuse between calls), so
// the object holds no per-request state. Beyond the port's contract:
//  - Proxy environment variables (http_proxy, ...) are ignored: a webhook
//    receiver is reached directly, never through whatever proxy the process
//    happened to inherit.
//  - A request without Content-Type sends none (libcurl would otherwise add
//    application/x-www-form-urlencoded to a body), and no
//    `Expect: 100-continue` is sent unless the caller adds it.
//  - Header names or values holding CR, LF or NUL, an empty method or a
//    timeout_ms < 1 are kInvalidArgument (nothing is sent).
//  - Once `max_reply_bytes` of the body have arrived the transfer stops; the
//    reply (status, headers, the kept bytes) is still returned.
//  - Signals are never used (CURLOPT_NOSIGNAL), so a name lookup timeout
//    cannot interrupt another thread.
//
// libcurl's global state is initialised once per process, by the first
// CurlHttpClient constructed, and never torn down.
//
// Thread safety: Send may be called from many threads at once.
#pragma once

#include "core/status.h"
#include "ports/http_client.h"

namespace vtp::adapters {

class CurlHttpClient final : public ports::HttpClient {
 public:
  CurlHttpClient();

  StatusOr<ports::HttpReply> Send(const ports::HttpRequest& request) override;

 private:
  Status init_status_;  // of curl_global_init, shared by every instance
};

}  // namespace vtp::adapters
