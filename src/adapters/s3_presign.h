// SigV4 query-string presigning ("presigned URLs") for S3, written out in
// full because libcurl signs requests it sends, never URLs it hands out.
// Pure: the time is an argument, nothing is read from the system or the
// network. The algorithm is AWS's "Authenticating Requests: Using Query
// Parameters (AWS Signature Version 4)":
//
//   canonical request = METHOD \n /uri-encoded/path \n sorted&encoded=query \n
//                       host:<host>\n \n host \n UNSIGNED-PAYLOAD
//   string to sign    = AWS4-HMAC-SHA256 \n <time> \n <scope> \n
//                       hex(SHA-256(canonical request))
//   signing key       = HMAC chain over "AWS4"+secret, date, region, "s3",
//                       "aws4_request"
//
// The only signed header is Host, and the payload is UNSIGNED-PAYLOAD: a
// presigned PUT authorises a destination, not particular bytes.
//
// Thread-safe (no state).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace vtp::adapters {

struct PresignRequest {
  std::string method;        // "GET", "PUT", ...
  std::string endpoint;      // "https://s3.amazonaws.com", "http://127.0.0.1:9000"
  std::string bucket;
  std::string object_key;    // unencoded; may contain '/'
  bool path_style = true;    // <endpoint>/<bucket>/<key>; false: <bucket>.<host>/<key>
  std::string region;
  std::string access_key;
  std::string secret_key;
  int64_t now_s = 0;         // signing time, seconds since the epoch (UTC)
  int expires_s = 0;         // 1..604800
  // Extra query parameters signed into the URL (partNumber, uploadId, ...).
  std::vector<std::pair<std::string, std::string>> query;
};

// The presigned URL, or kInvalidArgument for a malformed endpoint, an empty
// bucket/region/credential, or an expiry outside 1..604800 s.
StatusOr<std::string> PresignUrl(const PresignRequest& request);

// "20130524T000000Z" for `now_s`. Exposed for tests.
std::string AmzDate(int64_t now_s);

}  // namespace vtp::adapters
