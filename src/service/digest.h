// Message digests and HMAC over OpenSSL's EVP interface: the one place in
// src/service where OpenSSL errors become Status. No I/O: bytes in, bytes out.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header.

namespace vtp::service {

// The algorithms the tus checksum extension accepts here (names as the
// extension spells them: lowercase ASCII).
enum class DigestAlgorithm { kSha1, kSha256, kMd5 };

// "sha1", "sha256", "md5".
std::string_view DigestAlgorithmName(DigestAlgorithm algorithm);
// Exact, case-sensitive match of a name above; nullopt otherwise.
std::optional<DigestAlgorithm> DigestAlgorithmFromName(std::string_view name);
// Raw digest length in bytes: 20, 32, 16.
size_t DigestSize(DigestAlgorithm algorithm);

// Incremental digest (init at Create, Update any number of times, Final
// once). Move-only; owns its EVP_MD_CTX. Not thread-safe: one per stream.
class Digest {
 public:
  static StatusOr<Digest> Create(DigestAlgorithm algorithm);

  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  ~Digest();

  DigestAlgorithm algorithm() const { return algorithm_; }

  // kInternal if OpenSSL refuses, or after Final.
  Status Update(std::string_view bytes);
  // The raw digest (DigestSize bytes). Later Update/Final calls fail.
  StatusOr<std::string> Final();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  Digest(DigestAlgorithm algorithm, std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx);

  DigestAlgorithm algorithm_;
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
  bool finished_ = false;
};

// One-shot raw digest of `bytes`.
StatusOr<std::string> ComputeDigest(DigestAlgorithm algorithm, std::string_view bytes);

// Lowercase hex SHA-256 of `bytes` (64 digits). With fixed, built-in
// algorithms OpenSSL fails only when it cannot allocate, so these two report
// that the way std::string does: by throwing std::bad_alloc.
std::string Sha256Hex(std::string_view bytes);

// Raw HMAC-SHA256 (32 bytes) of `message` under `key` (RFC 2104).
std::string HmacSha256(std::string_view key, std::string_view message);

}  // namespace vtp::service
