// Decoder configuration records as a muxer stores them in an ISO-BMFF
// sample entry: hvcC (H.265), vpcC (VP8/VP9) and av1C (AV1). Pure parsers:
// the bytes of the box payload in, plain structs out. Codec strings are
// derived from these in codec_string.h.
//
// Every parser bounds each read by its input; a short record, a wrong
// version or reserved marker -> kInvalidArgument.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "domain/bitstream_headers.h"

namespace vtp {

// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1).
struct HevcDecoderConfig {
  struct NalArray {
    int nal_unit_type = 0;  // 32 VPS, 33 SPS, 34 PPS, 39/40 SEI
    std::vector<std::vector<uint8_t>> nal_units;  // each with its NAL header
  };

  HevcProfileTierLevel ptl;
  int chroma_format_idc = 0;
  int bit_depth_luma = 8;
  int bit_depth_chroma = 8;
  int length_size = 4;  // bytes of each NAL unit length in samples
  std::vector<NalArray> arrays;

  // The first NAL unit of `nal_unit_type` in the arrays, or nullptr.
  const std::vector<uint8_t>* FirstNal(int nal_unit_type) const;
};

// `hvcc` is the hvcC box payload (the record, no box header).
StatusOr<HevcDecoderConfig> ParseHevcDecoderConfig(std::span<const uint8_t> hvcc);

// VPCodecConfigurationRecord inside a version 1 vpcC full box (VP Codec
// ISO Media File Format Binding §2.2 / §2.3).
struct Vp9CodecConfig {
  int profile = 0;
  int level = 0;  // 10 x the VP9 level (31 = level 3.1); 0 if unknown
  int bit_depth = 8;
  // 0 4:2:0 vertical, 1 4:2:0 colocated with luma (the default), 2 4:2:2,
  // 3 4:4:4.
  int chroma_subsampling = 1;
  ColourDescription colour;

  bool operator==(const Vp9CodecConfig&) const = default;
};

// `vpcc_box_payload` is everything after the vpcC box header, starting with
// the full box version (which must be 1) and flags.
StatusOr<Vp9CodecConfig> ParseVp9CodecConfig(std::span<const uint8_t> vpcc_box_payload);

// AV1CodecConfigurationRecord (AV1 ISO-BMFF binding §2.3).
struct Av1CodecConfig {
  int seq_profile = 0;
  int seq_level_idx_0 = 0;
  int seq_tier_0 = 0;
  int bit_depth = 8;  // from high_bitdepth and twelve_bit
  bool monochrome = false;
  int chroma_subsampling_x = 1;
  int chroma_subsampling_y = 1;
  int chroma_sample_position = 0;
  std::vector<uint8_t> config_obus;  // zero or more OBUs, usually a sequence header
};

// `av1c` is the av1C box payload (marker and version byte first).
StatusOr<Av1CodecConfig> ParseAv1CodecConfig(std::span<const uint8_t> av1c);

}  // namespace vtp
