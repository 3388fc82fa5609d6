#include "domain/cenc_types.h"

namespace vtp::cenc {

std::string_view SchemeName(Scheme scheme) {
  return scheme == Scheme::kCbcs ? "cbcs" : "cenc";
}

std::string Hex16(const std::array<uint8_t, 16>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

StatusOr<std::array<uint8_t, 16>> ParseHex16(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, 16> out{};
  if (hex.size() != 32) return InvalidArgument("'" + std::string(hex.substr(0, 40)) + "' is not 32 hex digits");
  for (size_t i = 0; i < 16; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgument("'" + std::string(hex) + "' is not 32 hex digits");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace vtp::cenc
