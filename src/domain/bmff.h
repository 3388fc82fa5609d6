// A small ISO base media file format (ISO/IEC 14496-12) box walker: a
// bounds-checked byte reader, box headers, children and path lookup. Pure:
// it reads caller-owned bytes and never allocates copies of payloads.
//
// Every read is bounded by what the reader was given, so a box can only ever
// see its own payload; a short or lying size field is an error, never an
// out-of-bounds read. The reader is the read half of a symmetric pair: a
// BoxWriter with the same typed operations (WriteU8 ... WriteFourCC) is
// meant to sit beside it when boxes are written.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::bmff {

using ByteSpan = std::span<const uint8_t>;

// Reads big-endian fields from a byte span, front to back. Every read that
// would run past the end fails with kInvalidArgument and leaves the position
// unchanged. Does not own the bytes: they must outlive the reader and any
// span it returns. Not thread-safe; cheap to copy.
class BoxReader {
 public:
  explicit BoxReader(ByteSpan data) : data_(data) {}

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  size_t size() const { return data_.size(); }

  StatusOr<uint8_t> ReadU8();
  StatusOr<uint16_t> ReadU16();
  StatusOr<uint32_t> ReadU24();
  StatusOr<uint32_t> ReadU32();
  StatusOr<uint64_t> ReadU64();
  // Four bytes as a 4-character string ("moov", "Opus", "\xa9too").
  StatusOr<std::string> ReadFourCC();
  // The next `n` bytes as a view into the reader's data.
  StatusOr<ByteSpan> ReadBytes(size_t n);
  // Everything that is left.
  ByteSpan ReadRest();
  Status Skip(size_t n);

 private:
  Status Need(size_t n) const;
  StatusOr<uint64_t> ReadU64Like(size_t bytes);  // big-endian, 1..8 bytes

  ByteSpan data_;
  size_t pos_ = 0;
};

// One box as found in its parent: header fields plus a view of its payload
// (the bytes after the header, up to the box's end).
struct Box {
  std::string type;                  // the fourcc, e.g. "moov"
  std::array<uint8_t, 16> usertype{};  // extended type; only when type == "uuid"
  uint64_t offset = 0;               // of the header within the reader's span
  uint64_t size = 0;                 // header + payload
  size_t header_size = 0;            // 8, 16 (largesize), +16 for uuid
  ByteSpan payload;
};

// Reads one box header at the reader's position and advances past the whole
// box. size == 1 means a 64-bit largesize follows; size == 0 means the box
// runs to the end of the reader's data. A size smaller than the header or
// larger than what remains -> kInvalidArgument, and `reader` is left where
// it was.
StatusOr<Box> ReadBox(BoxReader& reader);

// Every box in `data`, in order, which must be covered exactly by boxes
// (trailing bytes too short for a header -> kInvalidArgument).
StatusOr<std::vector<Box>> ReadBoxes(ByteSpan data);

// The first box of type `type` among the boxes that make up `data`.
// Scanning stops at the match, so bytes after it are never looked at (an
// init segment followed by media, or by a truncated tail, is fine). A
// malformed box before the match -> kInvalidArgument; no match -> kNotFound.
StatusOr<Box> FindChild(ByteSpan data, std::string_view type);

// Follows a '/'-separated path of box types from the top level of `data`,
// taking the first match at each level: "moov/trak/mdia/minf/stbl/stsd".
// Only container boxes whose payload is nothing but boxes can be walked
// through (not stsd or sample entries: their children follow a fixed
// header; use FindChild on the right sub-span). Errors as FindChild, the
// message naming the path walked so far.
StatusOr<Box> FindPath(ByteSpan data, std::string_view path);

}  // namespace vtp::bmff
