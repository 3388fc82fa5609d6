#include "adapters/s3_presign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <ctime>
#include <string_view>

#include "adapters/blob_checksum.h"
#include "adapters/key_material.h"
#include "adapters/s3_client.h"

namespace vtp::adapters {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";
constexpr int kMaxExpiry = 604'800;

StatusOr<std::string> Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len) == nullptr) {
    return Status(ErrorCode::kInternal, "HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}


struct Target {
  std::string scheme_host;  // "https://examplebucket.s3.amazonaws.com"
  std::string host;         // the Host header: host[:port]
  std::string path;         // "/test.txt", encoded
};

StatusOr<Target> ResolveTarget(const PresignRequest& r) {
  const size_t sep = r.endpoint.find("://");
  if (sep == std::string::npos || (r.endpoint.substr(0, sep) != "http" && r.endpoint.substr(0, sep) != "https")) {
    return InvalidArgument("S3 endpoint must be an http:// or https:// URL");
  }
  const std::string scheme = r.endpoint.substr(0, sep);
  const std::string host = r.endpoint.substr(sep + 3);
  if (host.empty() || host.find('/') != std::string::npos) {
    return InvalidArgument("S3 endpoint must be scheme://host[:port] with no path");
  }
  if (r.path_style) return Target{r.endpoint, host, UriEncode("/" + r.bucket + "/" + r.object_key, true)};
  const std::string vhost = r.bucket + "." + host;
  return Target{scheme + "://" + vhost, vhost, UriEncode("/" + r.object_key, true)};
}

Status CheckRequest(const PresignRequest& r) {
  if (r.method.empty() || r.bucket.empty() || r.region.empty()) {
    return InvalidArgument("presign needs a method, a bucket and a region");
  }
  if (r.access_key.empty() || r.secret_key.empty()) return InvalidArgument("presign needs credentials");
  if (r.expires_s < 1 || r.expires_s > kMaxExpiry) {
    return InvalidArgument("presigned URL lifetime must be 1..604800 s");
  }
  return Status::Ok();
}

StatusOr<std::string> SigningKey(const PresignRequest& r, const std::string& date) {
  ASSIGN_OR_RETURN(std::string k_date, Hmac("AWS4" + r.secret_key, date));
  ASSIGN_OR_RETURN(std::string k_region, Hmac(k_date, r.region));
  ASSIGN_OR_RETURN(std::string k_service, Hmac(k_region, "s3"));
  return Hmac(k_service, "aws4_request");
}

}  // namespace

std::string AmzDate(int64_t now_s) {
  const auto t = static_cast<std::time_t>(now_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

StatusOr<std::string> PresignUrl(const PresignRequest& r) {
  RETURN_IF_ERROR(CheckRequest(r));
  ASSIGN_OR_RETURN(Target target, ResolveTarget(r));
  const std::string time = AmzDate(r.now_s);
  const std::string date = time.substr(0, 8);
  const std::string scope = date + "/" + r.region + "/s3/aws4_request";
  std::vector<std::pair<std::string, std::string>> params = r.query;
  params.emplace_back("X-Amz-Algorithm", kAlgorithm);
  params.emplace_back("X-Amz-Credential", r.access_key + "/" + scope);
  params.emplace_back("X-Amz-Date", time);
  params.emplace_back("X-Amz-Expires", std::to_string(r.expires_s));
  params.emplace_back("X-Amz-SignedHeaders", "host");
  // S3Query sorts by name and encodes values exactly as SigV4 wants them.
  const std::string query = S3Query(std::move(params));
  const std::string canonical = r.method + "\n" + target.path + "\n" + query + "\nhost:" + target.host +
                                "\n\nhost\nUNSIGNED-PAYLOAD";
  ASSIGN_OR_RETURN(std::string canonical_sha, Sha256Hex(canonical));
  const std::string to_sign = std::string(kAlgorithm) + "\n" + time + "\n" + scope + "\n" + canonical_sha;
  ASSIGN_OR_RETURN(std::string key, SigningKey(r, date));
  ASSIGN_OR_RETURN(std::string signature, Hmac(key, to_sign));
  return target.scheme_host + target.path + "?" + query + "&X-Amz-Signature=" + HexEncode(signature);
}

}  // namespace vtp::adapters
