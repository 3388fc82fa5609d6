// The ciphers of ISO/IEC 23001-7 Common Encryption and of HLS AES-128
// (RFC 8216 §5.2), applied to one sample at a time. Pure computation on
// caller-owned buffers (OpenSSL EVP underneath); no I/O, no global state, so
// every function is safe to call from any thread concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "domain/cenc_types.h"

namespace vtp::cenc {

// Encrypts `sample` in place according to `scheme`. `sample` is borrowed
// for the call only.
//
// `subsamples` must tile the sample exactly (sum of clear + protected ==
// sample.size()); an empty vector means the whole sample is one protected
// range. Clear bytes are never touched.
//
// kCenc (23001-7 §10.1): AES-128-CTR. `iv` is 8 bytes (the initial counter
//   block is iv || 00*8) or 16 bytes (the whole initial counter block). The
//   block counter is the low 64 bits, big-endian, and wraps without carrying
//   into the high half. The keystream runs on across the protected ranges of
//   all subsamples, so a range need not end on a block boundary. `pattern`
//   is ignored ('cenc' has none).
// kCbcs (23001-7 §10.4): AES-128-CBC; `iv` must be 16 bytes. In each
//   protected range the IV restarts from `iv` and the crypt:skip `pattern`
//   restarts at the range's first byte; encrypted blocks of one range form
//   one CBC chain across the skipped blocks between them. An incomplete
//   final crypt run still encrypts its whole blocks. kNoPattern means every
//   whole block is encrypted. The final partial block (< 16 bytes) of a range
//   always stays clear. A pattern with crypt_blocks == 0 but skip_blocks > 0
//   encrypts nothing and is rejected.
//
// Errors: kInvalidArgument for a wrong IV size, subsamples that do not tile
// the sample, or a bad pattern; the sample is then left unchanged.
// kInternal when OpenSSL fails (the sample may be partly processed).
Status EncryptSample(Scheme scheme, const Key& key, std::span<const uint8_t> iv,
                     const std::vector<Subsample>& subsamples, Pattern pattern,
                     std::span<uint8_t> sample);

// The inverse of EncryptSample, with the same contract.
Status DecryptSample(Scheme scheme, const Key& key, std::span<const uint8_t> iv,
                     const std::vector<Subsample>& subsamples, Pattern pattern,
                     std::span<uint8_t> sample);

// HLS "METHOD=AES-128" whole-segment encryption (RFC 8216 §5.2):
// AES-128-CBC with PKCS#7 padding. The result is always a non-empty multiple
// of 16 bytes (an empty input becomes one block of padding); empty only if
// OpenSSL itself fails (memory exhaustion).
std::vector<uint8_t> Aes128CbcPkcs7Encrypt(const Key& key, const Iv16& iv,
                                           std::span<const uint8_t> plaintext);

// The inverse. A ciphertext that is empty or not a multiple of 16 bytes, or
// whose padding is invalid after decryption (wrong key or IV, damage) ->
// kInvalidArgument.
StatusOr<std::vector<uint8_t>> Aes128CbcPkcs7Decrypt(const Key& key, const Iv16& iv,
                                                     std::span<const uint8_t> ciphertext);

}  // namespace vtp::cenc
