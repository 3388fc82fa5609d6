// Builds bitstreams MSB-first for hand-made test vectors (SPS, VP9 frame
// headers, AV1 OBUs), so each test states its fields one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vtp::testutil {

class BitWriter {
 public:
  BitWriter& Bits(uint64_t value, int n) {
    for (int i = n - 1; i >= 0; --i) Bit((value >> i) & 1);
    return *this;
  }
  BitWriter& Flag(bool f) { return Bits(f ? 1 : 0, 1); }
  // Exp-Golomb ue(v) (H.264 §9.1).
  BitWriter& Ue(uint32_t value) {
    const uint64_t code = uint64_t{value} + 1;
    int len = 0;
    while ((code >> len) > 1) ++len;
    Bits(0, len);
    return Bits(code, len + 1);
  }
  // rbsp_trailing_bits / AV1 trailing_bits: a 1, then zeros to a byte.
  BitWriter& Trailing() {
    Bit(1);
    while (bits_ % 8 != 0) Bit(0);
    return *this;
  }
  BitWriter& AlignZero() {
    while (bits_ % 8 != 0) Bit(0);
    return *this;
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void Bit(uint64_t b) {
    if (bits_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() |= static_cast<uint8_t>(0x80 >> (bits_ % 8));
    ++bits_;
  }

  std::vector<uint8_t> bytes_;
  size_t bits_ = 0;
};

// Inserts H.264/H.265 emulation_prevention_three_bytes into an RBSP.
inline std::vector<uint8_t> AddEmulationPrevention(const std::vector<uint8_t>& rbsp) {
  std::vector<uint8_t> out;
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace vtp::testutil
