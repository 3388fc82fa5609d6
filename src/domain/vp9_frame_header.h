// The length of a VP9 frame's headers (VP9 bitstream spec §6.2), which is
// what Common Encryption needs to leave them clear. Pure: bytes in, sizes
// out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/status.h"

namespace vtp::cenc {

// Where one VP9 frame's parts start: uncompressed header, compressed
// header, then tile data to the end of the frame.
struct Vp9FrameLayout {
  bool show_existing_frame = false;  // a 1-2 byte frame with no data
  // uncompressed_header() plus trailing_bits(), in bytes.
  size_t uncompressed_header_size = 0;
  // header_size_in_bytes: the compressed header's length (0 for
  // show_existing_frame).
  size_t compressed_header_size = 0;
};

// A reference slot's frame size; valid once a frame has refreshed it.
struct Vp9FrameSize {
  uint32_t width = 0;
  uint32_t height = 0;
  bool valid = false;
};

// Parses the uncompressed headers of a VP9 stream's frames in decode order.
// The header's length depends on the frame size, which an inter frame may
// take from a reference frame (frame_size_with_refs, §6.2.6), so the parser
// keeps the eight reference frame sizes a decoder keeps (§8.10) and must see
// every frame of the stream, hidden ones included, in order.
// Not thread-safe; copyable.
class Vp9HeaderParser {
 public:
  // `frame` is one frame, not a superframe. On success the frame's
  // refresh_frame_flags are applied to the reference sizes; on failure the
  // state is unchanged. Bad frame_marker, sync code or reserved bit, a
  // header that runs past the frame, header_size_in_bytes of 0 or past the
  // frame, or a reference to a slot no earlier frame filled ->
  // kInvalidArgument.
  StatusOr<Vp9FrameLayout> Parse(std::span<const uint8_t> frame);

 private:
  std::array<Vp9FrameSize, 8> refs_{};
};

}  // namespace vtp::cenc
