#include "service/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include "service/encoding.h"

namespace vtp::service {
namespace {

const EVP_MD* Md(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha1: return EVP_sha1();
    case DigestAlgorithm::kSha256: return EVP_sha256();
    case DigestAlgorithm::kMd5: return EVP_md5();
  }
  return EVP_sha256();
}

}  // namespace

std::string_view DigestAlgorithmName(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha1: return "sha1";
    case DigestAlgorithm::kSha256: return "sha256";
    case DigestAlgorithm::kMd5: return "md5";
  }
  return "unknown";
}

std::optional<DigestAlgorithm> DigestAlgorithmFromName(std::string_view name) {
  for (DigestAlgorithm a : {DigestAlgorithm::kSha1, DigestAlgorithm::kSha256, DigestAlgorithm::kMd5}) {
    if (DigestAlgorithmName(a) == name) return a;
  }
  return std::nullopt;
}

size_t DigestSize(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kSha1: return 20;
    case DigestAlgorithm::kSha256: return 32;
    case DigestAlgorithm::kMd5: return 16;
  }
  return 0;
}

void Digest::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Digest::Digest(DigestAlgorithm algorithm, std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx)
    : algorithm_(algorithm), ctx_(std::move(ctx)) {}
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;
Digest::~Digest() = default;

StatusOr<Digest> Digest::Create(DigestAlgorithm algorithm) {
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), Md(algorithm), nullptr) != 1) {
    return Internal("EVP_DigestInit_ex(" + std::string(DigestAlgorithmName(algorithm)) + ") failed");
  }
  return Digest(algorithm, std::move(ctx));
}

Status Digest::Update(std::string_view bytes) {
  if (finished_ || !ctx_) return Internal("Digest::Update after Final");
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) return Internal("EVP_DigestUpdate failed");
  return Status::Ok();
}

StatusOr<std::string> Digest::Final() {
  if (finished_ || !ctx_) return Internal("Digest::Final called twice");
  finished_ = true;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out, &len) != 1) return Internal("EVP_DigestFinal_ex failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

StatusOr<std::string> ComputeDigest(DigestAlgorithm algorithm, std::string_view bytes) {
  ASSIGN_OR_RETURN(Digest digest, Digest::Create(algorithm));
  RETURN_IF_ERROR(digest.Update(bytes));
  return digest.Final();
}

std::string Sha256Hex(std::string_view bytes) {
  StatusOr<std::string> raw = ComputeDigest(DigestAlgorithm::kSha256, bytes);
  if (!raw.ok()) throw std::bad_alloc();
  return HexEncode(*raw);
}

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (key.size() > static_cast<size_t>(std::numeric_limits<int>::max())) throw std::length_error("HMAC key too long");
  // HMAC() takes a non-null key pointer even for an empty key.
  static constexpr unsigned char kEmpty = 0;
  const void* key_ptr = key.empty() ? &kEmpty : static_cast<const void*>(key.data());
  if (HMAC(EVP_sha256(), key_ptr, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len) == nullptr) {
    throw std::bad_alloc();
  }
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace vtp::service
