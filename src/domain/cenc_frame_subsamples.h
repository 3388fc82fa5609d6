// Codec-aware subsample maps for VP9 and AV1 samples as stored in ISO-BMFF
// (the fMP4 mdat), following the codecs' Common Encryption bindings: the
// "Common Encryption" sections of the VP Codec ISO Media File Format
// Binding and of the AV1 Codec ISO Media File Format Binding. Pure: bytes
// in, subsample entries out; nothing is encrypted here.
//
// Every map returned:
//  - tiles the sample exactly, in order;
//  - has protected_bytes a multiple of 16 in every entry; bytes of a
//    protected range that do not fill a block are moved to the clear bytes
//    in front of it;
//  - merges adjacent clear bytes into the next entry's clear_bytes, splits a
//    clear run above 65535 into extra {65535, 0} entries, and may end with
//    a {clear, 0} entry.
// The same map is produced for Scheme::kCenc and Scheme::kCbcs; the pattern
// (crypt:skip) of cbcs is applied inside protected ranges by the cryptor.
// Malformed input -> kInvalidArgument naming what is wrong; syntax the
// parsers do not implement -> kUnsupportedCodec naming it. Nothing is read
// out of bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "domain/av1_frame_header.h"
#include "domain/cenc_types.h"
#include "domain/vp9_frame_header.h"

namespace vtp::cenc {

class FrameSubsampleBuilder;  // cenc_frame_subsamples.cc

// Maps VP9 samples in decode order. A sample is one frame or a superframe
// (VP9 spec Annex B: frames followed by an index whose first and last byte
// are the marker 0b110xxxxx). Each frame gets its own subsample: its
// uncompressed header is clear, the compressed header and tile data are
// protected; a show_existing_frame frame is entirely clear; the superframe
// index is clear (a trailing {index_size, 0} entry).
//
// An inter frame may take its size from a reference frame, so the mapper
// keeps the reference sizes (see Vp9HeaderParser) and must be given every
// sample of the track, in decode order, from a keyframe on. After an error
// its state is unchanged. Not thread-safe; copyable.
class Vp9Subsampler {
 public:
  StatusOr<std::vector<Subsample>> Map(std::span<const uint8_t> sample, Scheme scheme);

 private:
  Vp9HeaderParser parser_;
};

// Stateless form of Vp9Subsampler::Map for a sample that needs no earlier
// sample: a keyframe, or frames whose sizes are all coded explicitly or
// come from frames earlier in the same superframe. An inter frame that
// takes its size from an earlier sample -> kInvalidArgument.
StatusOr<std::vector<Subsample>> Vp9Subsamples(std::span<const uint8_t> sample, Scheme scheme);

// Maps AV1 samples (low-overhead OBUs, AV1 spec §5.2) in decode order. OBU
// headers and size fields are clear; temporal delimiter, sequence header,
// metadata, padding, frame header and redundant frame header OBUs are
// clear; in a frame OBU the frame header is clear; in a tile group (inside
// a frame OBU or on its own) the tile group header and tile_size_minus_1
// fields are clear and each tile's data is its own protected range.
//
// Finding where a frame header ends means parsing uncompressed_header()
// (§5.9), which depends on the sequence header and on reference frame state
// (Av1FrameHeaderParser), so every sample of the track must be mapped in
// decode order. Sequence header OBUs inside samples replace the one from
// av1C. Not thread-safe; copyable.
class Av1Subsampler {
 public:
  // `av1c_payload`: the av1C box payload (4 bytes, then configOBUs), whose
  // sequence header OBU, if any, applies from the first sample. An empty
  // payload is accepted too (ffmpeg writes an empty av1C for libaom with
  // +empty_moov). Without a sequence header in av1C, the first sample
  // must carry one before its first frame header (keyframe samples do).
  // A bad marker/version byte or damaged configOBUs -> kInvalidArgument.
  static StatusOr<Av1Subsampler> Create(std::span<const uint8_t> av1c_payload);

  // A frame header before any sequence header, a tile group OBU with no
  // frame header before it, an OBU_FRAME while
  // the previous frame's tiles are incomplete, or tile sizes that do not
  // fit their OBU -> kInvalidArgument. Tile list OBUs (large scale tile)
  // -> kUnsupportedCodec. After an error the state is unchanged.
  StatusOr<std::vector<Subsample>> Map(std::span<const uint8_t> sample, Scheme scheme);

 private:
  Av1Subsampler() = default;
  Status MapObu(int type, int temporal_id, int spatial_id, std::span<const uint8_t> payload,
                FrameSubsampleBuilder& out);
  Status MapTiles(std::span<const uint8_t> tile_group, FrameSubsampleBuilder& out);

  Status ParseFrameHeader(std::span<const uint8_t> payload, int temporal_id, int spatial_id,
                          Av1FrameHeaderInfo& info);

  std::optional<Av1FrameHeaderParser> parser_;  // once a sequence header is known
  // SeenFrameHeader (§7.5): a frame header was parsed and its tiles are
  // not all mapped yet; later frame header OBUs are copies of it.
  bool in_frame_ = false;
  Av1TileLayout tiles_;
  int next_tile_ = 0;
};

}  // namespace vtp::cenc
