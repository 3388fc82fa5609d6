// S3Client: signed requests to one bucket of an S3-compatible endpoint, over
// libcurl's easy interface with its built-in AWS Signature Version 4
// (CURLOPT_AWS_SIGV4 "aws:amz:<region>:s3"). The transport under
// S3BlobStore; it knows requests, retries and error classes, not blobs.
//
//  - Path-style URLs: <endpoint>/<bucket>/<object key>?<query>. Object keys
//    and query strings reach the wire as given: callers pass keys of
//    [A-Za-z0-9._/-] only and build queries with S3Query (sorted, encoded,
//    so the raw query already is SigV4's canonical query).
//  - Every request carries x-amz-content-sha256, the SHA-256 of its body
//    (S3 requires it with SigV4); bodies are in memory, so payloads are
//    signed, never UNSIGNED-PAYLOAD.
//  - Error classes are decided in exactly one place (s3_client.cc,
//    Classify): no reply (refused, reset, DNS), timeouts and 5xx are kIo and
//    retried; 404 is kNotFound; 403 is kIo naming the credentials (never the
//    keys themselves); 412 (a failed If-None-Match) is kAlreadyExists; 416
//    (a Range past the end) is kInvalidArgument; other 4xx are kIo with S3's
//    error code. Messages never hold key material.
//  - Retries: up to RetryPolicy::max_attempts tries of a retryable failure,
//    waiting BackoffDelay() between tries through RetryPolicy::wait (tests
//    inject a recorder instead of waiting).
//  - Proxy environment variables are ignored; redirects are not followed.
//
// Thread safety: Perform may be called from many threads at once (one easy
// handle per attempt, no shared mutable state).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"

namespace vtp::adapters {

struct RetryPolicy {
  int max_attempts = 4;                // tries in all, >= 1
  ports::Millis first_delay_ms = 200;  // before the second try
  ports::Millis max_delay_ms = 5'000;  // cap of the doubling
  // Called between tries with the delay; empty = block the calling thread
  // for that long. Called from whichever thread made the request, so it must
  // be thread-safe when the store is shared.
  std::function<void(ports::Millis)> wait;
};

// Delay before retry number `retry` (1 = the second try): first_delay_ms
// doubled per retry, capped at max_delay_ms. No jitter.
ports::Millis BackoffDelay(const RetryPolicy& policy, int retry);

struct S3Endpoint {
  std::string endpoint;  // "http://127.0.0.1:9000", no trailing '/'
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key;
  std::string secret_key;
  ports::Millis timeout_ms = 120'000;  // per attempt, whole exchange
};

// Where a reply body goes. Begin() is called before each attempt (a retry
// starts over); Write() only for 2xx replies (error bodies are kept by the
// client to read S3's error code).
class S3BodySink {
 public:
  virtual ~S3BodySink() = default;
  virtual Status Begin() = 0;
  virtual bool Write(std::string_view chunk) = 0;  // false aborts the transfer
};

struct S3Request {
  std::string method = "GET";  // GET HEAD PUT POST DELETE
  std::string object_key;      // full object key; empty = the bucket itself
  std::string query;           // from S3Query, without '?'
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;       // PUT/POST payload; must outlive Perform
  S3BodySink* sink = nullptr;  // null: the body is returned in S3Reply::body
};

struct S3Reply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;  // when no sink was given

  // Value of the first header named `name` (lowercase), or "".
  std::string Header(std::string_view name) const;
};

// Builds a query string from name/value pairs: sorted by name, values
// percent-encoded per SigV4 (everything but A-Za-z0-9-._~), "name=" for
// empty values.
std::string S3Query(std::vector<std::pair<std::string, std::string>> params);
// SigV4's URI encoding: every byte but A-Za-z0-9-._~ (and '/' when
// `keep_slash`, for paths) as %XX with upper-case hex.
std::string UriEncode(std::string_view text, bool keep_slash);

// Text of every <tag>...</tag> element in `xml`, entity-decoded. Enough for
// S3's flat replies (ListObjectsV2, multipart), not a general XML parser.
std::vector<std::string> XmlValues(std::string_view xml, std::string_view tag);

// The raw inner text of every <tag>...</tag> element (not entity-decoded),
// for elements that hold other elements (ListObjectsV2's <Contents>).
std::vector<std::string> XmlElements(std::string_view xml, std::string_view tag);

// "2026-11-26T09:08:18.000Z" (S3's LastModified) as ms since the epoch;
// kIo when it is not that form.
StatusOr<int64_t> ParseIso8601Millis(std::string_view text);

struct S3Attempt;  // one try's outcome (s3_client.cc)

class S3Client {
 public:
  S3Client(S3Endpoint endpoint, RetryPolicy retry);

  // One request with retries; returns the reply of a 2xx answer, else the
  // classified error. `what` names the operation in error messages.
  StatusOr<S3Reply> Perform(const S3Request& request, std::string_view what) const;

  const S3Endpoint& endpoint() const { return endpoint_; }

 private:
  S3Attempt PerformOnce(const S3Request& request, std::string_view what) const;

  S3Endpoint endpoint_;
  RetryPolicy retry_;
  Status init_status_;  // of curl_global_init
};

}  // namespace vtp::adapters
