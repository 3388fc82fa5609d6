#include "service/playback.h"

#include <openssl/crypto.h>

#include "service/digest.h"
#include "service/encoding.h"

namespace vtp::service {
namespace {

constexpr size_t kSignatureHexDigits = 32;

std::string Signature(std::string_view secret, std::string_view video_id, int64_t expires) {
  std::string mac = HmacSha256(secret, std::string(video_id) + ":" + std::to_string(expires));
  return HexEncode(mac).substr(0, kSignatureHexDigits);
}

}  // namespace

std::string SignPlayback(std::string_view secret, std::string_view video_id, int64_t expires_unix) {
  return std::to_string(expires_unix) + "." + Signature(secret, video_id, expires_unix);
}

Status VerifyPlayback(std::string_view secret, std::string_view video_id, std::string_view token,
                      int64_t now_unix) {
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 12 || token.size() - dot - 1 != kSignatureHexDigits) {
    return InvalidArgument("malformed playback token");
  }
  int64_t expires = 0;
  for (char c : token.substr(0, dot)) {
    if (c < '0' || c > '9') return InvalidArgument("malformed playback token");
    expires = expires * 10 + (c - '0');
  }
  std::string want = Signature(secret, video_id, expires);
  std::string_view got = token.substr(dot + 1);
  if (CRYPTO_memcmp(want.data(), got.data(), kSignatureHexDigits) != 0) {
    return Status(ErrorCode::kCorruptInput, "playback token signature does not match");
  }
  if (now_unix >= expires) return Status(ErrorCode::kDeadlineExceeded, "playback token expired");
  return Status::Ok();
}

}  // namespace vtp::service
