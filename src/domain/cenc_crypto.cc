#include "domain/cenc_crypto.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

namespace vtp::cenc {
namespace {

constexpr size_t kBlock = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

// A raw AES-128 context (ECB for CTR keystream, CBC for cbcs), padding off:
// every call feeds whole blocks, and with padding off OpenSSL neither holds
// back nor appends a block, so Update calls chain like one long stream.
StatusOr<CipherCtx> NewCipher(const EVP_CIPHER* cipher, const Key& key, const uint8_t* iv,
                              bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv, encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return Internal("OpenSSL: cannot initialise AES-128");
  }
  return ctx;
}

Status Update(EVP_CIPHER_CTX* ctx, std::span<uint8_t> in_out) {
  int out_len = 0;
  if (EVP_CipherUpdate(ctx, in_out.data(), &out_len, in_out.data(),
                       static_cast<int>(in_out.size())) != 1 ||
      static_cast<size_t>(out_len) != in_out.size()) {
    return Internal("OpenSSL: AES-128 update failed");
  }
  return Status::Ok();
}

// Protected ranges of the sample, as (offset, length), after checking that
// the subsamples tile it.
struct Range {
  size_t offset;
  size_t length;
};

StatusOr<std::vector<Range>> ProtectedRanges(const std::vector<Subsample>& subsamples,
                                             size_t sample_size) {
  if (subsamples.empty()) return std::vector<Range>{{0, sample_size}};
  std::vector<Range> ranges;
  uint64_t pos = 0;
  for (const Subsample& s : subsamples) {
    pos += s.clear_bytes;
    if (s.protected_bytes > 0 && pos + s.protected_bytes <= sample_size) {
      ranges.push_back({static_cast<size_t>(pos), s.protected_bytes});
    }
    pos += s.protected_bytes;
  }
  if (pos != sample_size) {
    return InvalidArgument("subsamples cover " + std::to_string(pos) + " bytes of a " +
                           std::to_string(sample_size) + "-byte sample");
  }
  return ranges;
}

// AES-CTR with a 64-bit block counter (23001-7 §10.1): keystream blocks are
// AES(counter block), made in batches through one ECB call. A partial block
// at the end of one range continues into the next range.
class CtrKeystream {
 public:
  CtrKeystream(CipherCtx ecb, const Iv16& counter) : ecb_(std::move(ecb)), counter_(counter) {}

  Status Apply(std::span<uint8_t> data) {
    size_t done = 0;
    while (done < data.size()) {
      if (used_ == buffer_.size()) RETURN_IF_ERROR(Refill());
      const size_t n = std::min(data.size() - done, buffer_.size() - used_);
      for (size_t i = 0; i < n; ++i) data[done + i] ^= buffer_[used_ + i];
      used_ += n;
      done += n;
    }
    return Status::Ok();
  }

 private:
  static constexpr size_t kBatchBlocks = 256;

  Status Refill() {
    for (size_t b = 0; b < kBatchBlocks; ++b) {
      std::memcpy(&buffer_[b * kBlock], counter_.data(), kBlock);
      // Increment the low 8 bytes big-endian; the high half never changes.
      for (size_t i = kBlock; i-- > 8;) {
        if (++counter_[i] != 0) break;
      }
    }
    used_ = 0;
    return Update(ecb_.get(), buffer_);
  }

  CipherCtx ecb_;
  Iv16 counter_;
  std::array<uint8_t, kBatchBlocks * kBlock> buffer_{};
  size_t used_ = kBatchBlocks * kBlock;
};

Status CtrRanges(const Key& key, std::span<const uint8_t> iv, const std::vector<Range>& ranges,
                 std::span<uint8_t> sample) {
  Iv16 counter{};
  std::copy(iv.begin(), iv.end(), counter.begin());
  ASSIGN_OR_RETURN(CipherCtx ecb, NewCipher(EVP_aes_128_ecb(), key, nullptr, true));
  CtrKeystream keystream(std::move(ecb), counter);
  for (const Range& r : ranges) RETURN_IF_ERROR(keystream.Apply(sample.subspan(r.offset, r.length)));
  return Status::Ok();
}

// One cbcs protected range (23001-7 §10.4.2): the IV restarts, the pattern
// starts with a crypt run, and the crypt runs chain through one CBC context
// so the skipped blocks in between are simply not fed to it.
Status CbcsRange(const Key& key, const Iv16& iv, Pattern pattern, bool encrypt,
                 std::span<uint8_t> range) {
  const size_t blocks = range.size() / kBlock;
  if (blocks == 0) return Status::Ok();
  ASSIGN_OR_RETURN(CipherCtx cbc, NewCipher(EVP_aes_128_cbc(), key, iv.data(), encrypt));
  const size_t crypt = pattern.crypt_blocks == 0 ? blocks : pattern.crypt_blocks;
  const size_t skip = pattern.crypt_blocks == 0 ? 0 : pattern.skip_blocks;
  for (size_t block = 0; block < blocks; block += crypt + skip) {
    const size_t n = std::min(crypt, blocks - block);
    RETURN_IF_ERROR(Update(cbc.get(), range.subspan(block * kBlock, n * kBlock)));
  }
  return Status::Ok();
}

Status ProcessSample(Scheme scheme, const Key& key, std::span<const uint8_t> iv,
                     const std::vector<Subsample>& subsamples, Pattern pattern,
                     std::span<uint8_t> sample, bool encrypt) {
  ASSIGN_OR_RETURN(std::vector<Range> ranges, ProtectedRanges(subsamples, sample.size()));
  if (scheme == Scheme::kCenc) {
    if (iv.size() != 8 && iv.size() != 16) {
      return InvalidArgument("cenc IV must be 8 or 16 bytes, got " + std::to_string(iv.size()));
    }
    // CTR is its own inverse.
    return CtrRanges(key, iv, ranges, sample);
  }
  if (iv.size() != kBlock) {
    return InvalidArgument("cbcs IV must be 16 bytes, got " + std::to_string(iv.size()));
  }
  if (pattern.crypt_blocks == 0 && pattern.skip_blocks != 0) {
    return InvalidArgument("cbcs pattern 0:" + std::to_string(pattern.skip_blocks) +
                           " encrypts nothing");
  }
  Iv16 iv16{};
  std::copy(iv.begin(), iv.end(), iv16.begin());
  for (const Range& r : ranges) {
    RETURN_IF_ERROR(CbcsRange(key, iv16, pattern, encrypt, sample.subspan(r.offset, r.length)));
  }
  return Status::Ok();
}

}  // namespace

Status EncryptSample(Scheme scheme, const Key& key, std::span<const uint8_t> iv,
                     const std::vector<Subsample>& subsamples, Pattern pattern,
                     std::span<uint8_t> sample) {
  return ProcessSample(scheme, key, iv, subsamples, pattern, sample, true);
}

Status DecryptSample(Scheme scheme, const Key& key, std::span<const uint8_t> iv,
                     const std::vector<Subsample>& subsamples, Pattern pattern,
                     std::span<uint8_t> sample) {
  return ProcessSample(scheme, key, iv, subsamples, pattern, sample, false);
}

std::vector<uint8_t> Aes128CbcPkcs7Encrypt(const Key& key, const Iv16& iv,
                                           std::span<const uint8_t> plaintext) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::vector<uint8_t> out(plaintext.size() + kBlock);
  int len = 0;
  int final_len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    return {};  // OpenSSL cannot fail here short of memory exhaustion.
  }
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

StatusOr<std::vector<uint8_t>> Aes128CbcPkcs7Decrypt(const Key& key, const Iv16& iv,
                                                     std::span<const uint8_t> ciphertext) {
  if (ciphertext.empty() || ciphertext.size() % kBlock != 0) {
    return InvalidArgument("AES-128-CBC ciphertext of " + std::to_string(ciphertext.size()) +
                           " bytes is not a non-empty multiple of 16");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::vector<uint8_t> out(ciphertext.size() + kBlock);
  int len = 0;
  int final_len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, key.data(), iv.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, ciphertext.data(),
                        static_cast<int>(ciphertext.size())) != 1) {
    return Internal("OpenSSL: AES-128-CBC decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &final_len) != 1) {
    return InvalidArgument("AES-128-CBC: bad PKCS#7 padding (wrong key or IV, or damage)");
  }
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

}  // namespace vtp::cenc
