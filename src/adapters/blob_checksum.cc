#include "adapters/blob_checksum.h"

#include <errno.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace vtp::adapters {

StatusOr<Sha256Hasher> Sha256Hasher::Create() {
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Internal("EVP_DigestInit_ex(sha256) failed");
  }
  return Sha256Hasher(std::move(ctx));
}

Status Sha256Hasher::Update(const void* data, size_t size) {
  if (!ctx_) return Internal("sha256 hasher already finished");
  if (EVP_DigestUpdate(ctx_.get(), data, size) != 1) return Internal("EVP_DigestUpdate failed");
  return Status::Ok();
}

StatusOr<std::string> Sha256Hasher::FinishHex() {
  if (!ctx_) return Internal("sha256 hasher already finished");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), digest, &len) != 1) return Internal("EVP_DigestFinal_ex failed");
  ctx_.reset();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

StatusOr<std::string> Sha256Hex(std::string_view bytes) {
  ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
  RETURN_IF_ERROR(h.Update(bytes.data(), bytes.size()));
  return h.FinishHex();
}

StatusOr<std::string> Sha256OfFd(int fd) {
  ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
  std::vector<char> buf(1 << 20);
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError(std::string("read while hashing: ") + std::strerror(errno));
    if (n == 0) break;
    RETURN_IF_ERROR(h.Update(buf.data(), static_cast<size_t>(n)));
  }
  return h.FinishHex();
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace vtp::adapters
