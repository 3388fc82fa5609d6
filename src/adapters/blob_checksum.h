// SHA-256 for the blob store adapters, over OpenSSL's EVP interface. The one
// place OpenSSL errors become Status.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace vtp::adapters {

// Incremental SHA-256. Not thread-safe; one hasher per stream.
class Sha256Hasher {
 public:
  static StatusOr<Sha256Hasher> Create();

  Status Update(const void* data, size_t size);
  // 64 lowercase hex digits. The hasher cannot be reused afterwards.
  StatusOr<std::string> FinishHex();

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
  };
  explicit Sha256Hasher(std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx) : ctx_(std::move(ctx)) {}

  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
};

// One-shot digest of `bytes`.
StatusOr<std::string> Sha256Hex(std::string_view bytes);

// Digest of everything readable from `fd` from its current offset to EOF.
StatusOr<std::string> Sha256OfFd(int fd);

// True for 64 lowercase hex digits.
bool IsSha256Hex(std::string_view s);

}  // namespace vtp::adapters
