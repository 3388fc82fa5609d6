// Helpers shared by the subtitle tests.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::subtitle {

// Asserts that `result` failed with kInvalidArgument and exactly `message`.
template <typename T>
void ExpectError(const StatusOr<T>& result, const std::string& message) {
  ASSERT_FALSE(result.ok()) << "expected the error: " << message;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), message);
}

// UTF-16 bytes with a BOM, little- or big-endian.
inline std::string Utf16Bytes(std::u16string_view text, bool big_endian) {
  std::string out = big_endian ? "\xFE\xFF" : "\xFF\xFE";
  for (char16_t unit : text) {
    const char hi = static_cast<char>(unit >> 8);
    const char lo = static_cast<char>(unit & 0xFF);
    out += big_endian ? hi : lo;
    out += big_endian ? lo : hi;
  }
  return out;
}

}  // namespace vtp::subtitle
