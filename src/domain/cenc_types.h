// Values shared by vtp's Common Encryption (ISO/IEC 23001-7) code: schemes,
// key material, encryption patterns and subsample entries. Pure data.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::cenc {

// The two protection schemes vtp writes (schm scheme_type).
//  kCenc: AES-128 CTR, 8-byte per-sample IVs, protected ranges of NAL video
//         a multiple of 16 bytes.
//  kCbcs: AES-128 CBC with a crypt:skip block pattern (1:9 for video, none
//         for audio) and a constant 16-byte IV that restarts at every
//         protected range.
enum class Scheme { kCenc, kCbcs };

// "cenc" or "cbcs": the schm four-character code and the option value.
std::string_view SchemeName(Scheme scheme);

using Kid = std::array<uint8_t, 16>;     // key identifier (tenc default_KID)
using Key = std::array<uint8_t, 16>;     // AES-128 content key
using Iv16 = std::array<uint8_t, 16>;

// A crypt:skip pattern in 16-byte blocks (23001-7 §9.6). {0, 0} means no
// pattern: every whole block of a protected range is encrypted.
struct Pattern {
  uint8_t crypt_blocks = 0;
  uint8_t skip_blocks = 0;
  bool operator==(const Pattern&) const = default;
};
inline constexpr Pattern kNoPattern{0, 0};
inline constexpr Pattern kVideoCbcsPattern{1, 9};

// One subsample of a sample (senc): clear bytes, then protected bytes.
// Subsamples tile the sample exactly, in order. clear_bytes fits in 16 bits
// in the senc box; mappers split longer clear runs into several entries.
struct Subsample {
  uint32_t clear_bytes = 0;
  uint32_t protected_bytes = 0;
  bool operator==(const Subsample&) const = default;
};

// 32 lowercase hex digits (the {kid} of key URIs, the keys JSON format).
std::string Hex16(const std::array<uint8_t, 16>& bytes);
// Inverse of Hex16 (either case); kInvalidArgument otherwise.
StatusOr<std::array<uint8_t, 16>> ParseHex16(std::string_view hex);

}  // namespace vtp::cenc
