// An MSB-first bit reader for bitstream headers without emulation
// prevention: the SPS / VP9 / AV1 header parsers (bitstream_headers.h) and
// the VP9 and AV1 frame header parsers behind the Common Encryption
// subsample mappers (cenc_frame_subsamples.h). NAL payloads read on the
// wire, escapes included, use slice_header.h's NalBitReader instead.
//
// Reads past the end yield 0 and set a sticky overrun flag, so a parser
// reads a run of fields and checks once; no byte outside the span is ever
// touched. Does not own the bytes. Not thread-safe; cheap to copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vtp {

class FrameBitReader {
 public:
  explicit FrameBitReader(std::span<const uint8_t> data) : data_(data) {}

  // f(n), n <= 32.
  uint32_t Bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | Bit();
    return v;
  }
  bool Flag() { return Bit() != 0; }
  // su(n) (AV1 §4.10.6). VP9's su(n) is different: n magnitude bits, then
  // a sign bit.
  int32_t Su(int n) {
    const int64_t value = Bits(n);
    const int64_t sign_mask = int64_t{1} << (n - 1);
    return static_cast<int32_t>((value & sign_mask) ? value - 2 * sign_mask : value);
  }
  // ns(n) (AV1 §4.10.7): a non-symmetric unsigned value in [0, n).
  uint32_t Ns(uint32_t n) {
    int w = 0;
    for (uint32_t x = n; x != 0; x >>= 1) ++w;
    const uint32_t m = (uint32_t{1} << w) - n;
    const uint32_t v = Bits(w - 1);
    if (v < m) return v;
    return (v << 1) - m + Bits(1);
  }
  // ue(v) (H.264/H.265 §9.2); a code longer than 32 bits counts as damage
  // (overrun).
  uint32_t Ue() {
    int zeros = 0;
    while (!overrun_ && Bit() == 0) {
      if (++zeros > 31) {
        overrun_ = true;
        return 0;
      }
    }
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + Bits(zeros));
  }
  // uvlc() (AV1 §4.10.3).
  uint32_t Uvlc() {
    int zeros = 0;
    while (!overrun_ && Bit() == 0) ++zeros;
    if (zeros >= 32) return UINT32_MAX;
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + Bits(zeros));
  }
  void Skip(size_t n) {
    for (size_t i = 0; i < n && !overrun_; ++i) Bit();
  }
  // Moves to the next byte boundary (byte_alignment / trailing bits).
  void AlignToByte() {
    while (pos_ % 8 != 0 && !overrun_) Bit();
  }

  size_t bit_position() const { return pos_; }
  // Bytes started so far: the length of a header that ends here once
  // padded to a byte.
  size_t byte_position() const { return (pos_ + 7) / 8; }
  bool overrun() const { return overrun_; }

 private:
  uint32_t Bit() {
    if (pos_ >= data_.size() * 8) {
      overrun_ = true;
      return 0;
    }
    const uint32_t bit = (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1u;
    ++pos_;
    return bit;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace vtp
