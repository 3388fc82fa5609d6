// The write half of domain/bmff.h: big-endian fields and nested boxes into a
// growing byte buffer. Pure: no I/O.
//
// Boxes are written open/close: BeginBox reserves the 32-bit size field and
// EndBox patches it once the payload is known, so a box's size is always the
// bytes actually written inside it. Misuse (a type that is not four
// characters, EndBox without a box, a box left open, a box over 4 GiB) is
// never a crash: the writer remembers the first error and Finish() returns
// it. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::bmff {

class BoxWriter {
 public:
  void WriteU8(uint8_t v);
  void WriteU16(uint16_t v);
  void WriteU24(uint32_t v);  // low 24 bits
  void WriteU32(uint32_t v);
  void WriteU64(uint64_t v);
  void WriteFourCC(std::string_view fourcc);  // exactly 4 bytes, else error
  void WriteBytes(std::span<const uint8_t> bytes);

  // Starts a box of `type`; everything written until the matching EndBox is
  // its payload. Boxes nest.
  void BeginBox(std::string_view type);
  // A FullBox: the header plus version and 24-bit flags.
  void BeginFullBox(std::string_view type, uint8_t version, uint32_t flags);
  void EndBox();

  // Overwrites 4 bytes at `offset` (for offsets known only later, such as
  // trun data_offset or saio). Out of range -> error.
  void PatchU32(size_t offset, uint32_t v);

  size_t size() const { return out_.size(); }
  const std::vector<uint8_t>& bytes() const { return out_; }

  // The bytes written, or the first misuse (kInternal), including boxes
  // still open.
  StatusOr<std::vector<uint8_t>> Finish() &&;

 private:
  void Fail(std::string message);

  std::vector<uint8_t> out_;
  std::vector<size_t> open_;  // offsets of the open boxes' size fields
  Status status_ = Status::Ok();
};

}  // namespace vtp::bmff
