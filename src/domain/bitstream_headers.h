// Parsers for the few bitstream headers that say what a video stream is:
// the H.265 sequence parameter set, the VP9 uncompressed frame header of a
// keyframe and the AV1 sequence header OBU. They exist to cross-check what a
// muxer wrote into a sample entry's configuration box (hvcC, vpcC, av1C)
// against the stream itself, and to read colour where only the bitstream
// carries it (AV1 configOBUs). Pure: bytes in, structs out.
//
// Each parser reads only the leading fields it reports and stops; bits past
// them are never looked at. Input that ends early, or violates a fixed-value
// field, -> kInvalidArgument; nothing is read out of bounds.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace vtp {

// Colour description with ISO/IEC 23091-2 (H.273) code points, the shared
// vocabulary of H.265 VUI, the colr 'nclx' box, vpcC, VP9 and AV1.
// 2 is "unspecified" in all three tables.
struct ColourDescription {
  uint8_t colour_primaries = 2;
  uint8_t transfer_characteristics = 2;
  uint8_t matrix_coefficients = 2;
  bool full_range = false;

  bool operator==(const ColourDescription&) const = default;
};

// H.273 transfer_characteristics values vtp distinguishes.
inline constexpr uint8_t kTransferPq = 16;   // SMPTE ST 2084
inline constexpr uint8_t kTransferHlg = 18;  // ARIB STD-B67

// ---------------------------------------------------------------- H.264 --

struct AvcSps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 flags + 2 reserved bits
  uint8_t level_idc = 0;
  uint32_t chroma_format_idc = 1;  // inferred 1 outside the high profiles
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
};

// `nal` is one SPS NAL unit (nal_unit_type 7) with its header byte and
// emulation prevention bytes. Parses up to bit_depth_chroma_minus8
// (H.264 §7.3.2.1.1).
StatusOr<AvcSps> ParseAvcSps(std::span<const uint8_t> nal);

// ---------------------------------------------------------------- H.265 --

// The general_* fields of profile_tier_level() (H.265 §7.3.3), laid out as
// hvcC stores them (ISO/IEC 14496-15 §8.3.3.1).
struct HevcProfileTierLevel {
  uint8_t profile_space = 0;  // 0..3
  bool tier_flag = false;     // true = High tier
  uint8_t profile_idc = 0;    // 0..31
  // general_profile_compatibility_flag[j] is bit (31 - j).
  uint32_t compatibility_flags = 0;
  // The 48 bits from general_progressive_source_flag on, first bit = MSB of
  // byte 0.
  std::array<uint8_t, 6> constraint_flags{};
  uint8_t level_idc = 0;  // 30 x the level number

  bool operator==(const HevcProfileTierLevel&) const = default;
};

struct HevcSps {
  HevcProfileTierLevel ptl;
  uint32_t chroma_format_idc = 0;  // 0 mono, 1 4:2:0, 2 4:2:2, 3 4:4:4
  uint32_t width = 0;              // pic_width_in_luma_samples (uncropped)
  uint32_t height = 0;             // pic_height_in_luma_samples (uncropped)
  int bit_depth_luma = 0;
  int bit_depth_chroma = 0;
};

// `nal` is one complete SPS NAL unit (nal_unit_type 33) starting with its
// two-byte NAL header, with emulation prevention bytes still in place
// (as hvcC arrays and length-prefixed samples carry it). Parses up to
// bit_depth_chroma_minus8.
StatusOr<HevcSps> ParseHevcSps(std::span<const uint8_t> nal);

// ------------------------------------------------------------------ VP9 --

// Fields of a VP9 keyframe's uncompressed header (VP9 bitstream spec §6.2).
struct Vp9FrameHeader {
  int profile = 0;    // 0..3
  int bit_depth = 8;  // 8, 10, 12
  // color_space (§7.2): 0 unknown, 1 BT.601, 2 BT.709, 3 SMPTE 170,
  // 4 SMPTE 240, 5 BT.2020, 6 reserved, 7 sRGB.
  int color_space = 0;
  bool full_range = false;
  int subsampling_x = 1;
  int subsampling_y = 1;
  uint32_t width = 0;
  uint32_t height = 0;
};

// `frame` is a VP9 frame (or a superframe, whose first frame is read) that
// must be a keyframe. A frame that is not a keyframe (including
// show_existing_frame), a bad frame marker or sync code -> kInvalidArgument.
StatusOr<Vp9FrameHeader> ParseVp9FrameHeader(std::span<const uint8_t> frame);

// The H.273 matrix_coefficients a VP9 color_space means (VP9 has no
// primaries or transfer code points; 2 for unknown/reserved).
uint8_t Vp9MatrixCoefficients(int color_space);

// ------------------------------------------------------------------ AV1 --

// Fields of an AV1 sequence header OBU (AV1 spec §5.5) that the av01 codec
// string and display need.
struct Av1SequenceHeader {
  int seq_profile = 0;      // 0 Main, 1 High, 2 Professional
  int seq_level_idx_0 = 0;  // 0..31
  int seq_tier_0 = 0;       // 0 Main, 1 High
  int bit_depth = 8;
  bool mono_chrome = false;
  int subsampling_x = 1;
  int subsampling_y = 1;
  int chroma_sample_position = 0;  // 0 unknown, 1 vertical, 2 colocated
  bool color_description_present = false;
  ColourDescription colour;  // 2/2/2 when not present
  uint32_t max_frame_width = 0;
  uint32_t max_frame_height = 0;
};

// `obus` is a sequence of OBUs in low-overhead format (§5.2: each with
// obu_has_size_field, except that the last may run to the end), as in
// av1C configOBUs or an ISO-BMFF AV1 sample. Parses the first sequence
// header OBU. Well-formed OBUs but no sequence header among them ->
// kNotFound (av1C may legitimately carry none); damage -> kInvalidArgument.
StatusOr<Av1SequenceHeader> ParseAv1SequenceHeader(std::span<const uint8_t> obus);

}  // namespace vtp
