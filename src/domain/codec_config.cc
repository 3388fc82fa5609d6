#include "domain/codec_config.h"

#include <algorithm>
#include <string>

#include "domain/bmff.h"

namespace vtp {
namespace {

using bmff::BoxReader;
using bmff::ByteSpan;

// ISO/IEC 14496-15 §8.3.3.1: the general profile_tier_level fields sit in
// the record byte-for-byte as in the SPS.
StatusOr<HevcProfileTierLevel> ReadHvcCPtl(BoxReader& r) {
  HevcProfileTierLevel ptl;
  ASSIGN_OR_RETURN(uint8_t first, r.ReadU8());
  ptl.profile_space = first >> 6;
  ptl.tier_flag = (first >> 5) & 1;
  ptl.profile_idc = first & 0x1f;
  ASSIGN_OR_RETURN(ptl.compatibility_flags, r.ReadU32());
  ASSIGN_OR_RETURN(ByteSpan constraints, r.ReadBytes(ptl.constraint_flags.size()));
  std::copy(constraints.begin(), constraints.end(), ptl.constraint_flags.begin());
  ASSIGN_OR_RETURN(ptl.level_idc, r.ReadU8());
  return ptl;
}

StatusOr<HevcDecoderConfig::NalArray> ReadHvcCArray(BoxReader& r) {
  HevcDecoderConfig::NalArray array;
  ASSIGN_OR_RETURN(uint8_t type, r.ReadU8());
  array.nal_unit_type = type & 0x3f;
  ASSIGN_OR_RETURN(uint16_t count, r.ReadU16());
  for (uint16_t i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(uint16_t length, r.ReadU16());
    ASSIGN_OR_RETURN(ByteSpan nal, r.ReadBytes(length));
    array.nal_units.emplace_back(nal.begin(), nal.end());
  }
  return array;
}

Status WithRecord(const Status& s, const char* record) {
  return Status(s.code(), std::string(record) + ": " + s.message());
}

StatusOr<HevcDecoderConfig> ReadHvcC(BoxReader& r) {
  ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  if (version != 1) {
    return InvalidArgument("configurationVersion " + std::to_string(version) + ", expected 1");
  }
  HevcDecoderConfig config;
  ASSIGN_OR_RETURN(config.ptl, ReadHvcCPtl(r));
  RETURN_IF_ERROR(r.Skip(3));  // min_spatial_segmentation_idc, parallelismType
  ASSIGN_OR_RETURN(uint8_t chroma, r.ReadU8());
  ASSIGN_OR_RETURN(uint8_t luma_depth, r.ReadU8());
  ASSIGN_OR_RETURN(uint8_t chroma_depth, r.ReadU8());
  config.chroma_format_idc = chroma & 0x03;
  config.bit_depth_luma = 8 + (luma_depth & 0x07);
  config.bit_depth_chroma = 8 + (chroma_depth & 0x07);
  RETURN_IF_ERROR(r.Skip(2));  // avgFrameRate
  ASSIGN_OR_RETURN(uint8_t layers, r.ReadU8());
  config.length_size = (layers & 0x03) + 1;
  ASSIGN_OR_RETURN(uint8_t num_arrays, r.ReadU8());
  for (uint8_t i = 0; i < num_arrays; ++i) {
    ASSIGN_OR_RETURN(HevcDecoderConfig::NalArray array, ReadHvcCArray(r));
    config.arrays.push_back(std::move(array));
  }
  return config;
}

StatusOr<Vp9CodecConfig> ReadVpcC(BoxReader& r) {
  ASSIGN_OR_RETURN(uint8_t version, r.ReadU8());
  // Version 0 is an earlier draft with a different bit layout.
  if (version != 1) {
    return InvalidArgument("full box version " + std::to_string(version) + ", expected 1");
  }
  RETURN_IF_ERROR(r.Skip(3));  // flags
  Vp9CodecConfig config;
  ASSIGN_OR_RETURN(uint8_t profile, r.ReadU8());
  ASSIGN_OR_RETURN(uint8_t level, r.ReadU8());
  ASSIGN_OR_RETURN(uint8_t packed, r.ReadU8());
  ASSIGN_OR_RETURN(config.colour.colour_primaries, r.ReadU8());
  ASSIGN_OR_RETURN(config.colour.transfer_characteristics, r.ReadU8());
  ASSIGN_OR_RETURN(config.colour.matrix_coefficients, r.ReadU8());
  ASSIGN_OR_RETURN(uint16_t init_size, r.ReadU16());
  RETURN_IF_ERROR(r.Skip(init_size));
  config.profile = profile;
  config.level = level;
  config.bit_depth = packed >> 4;
  config.chroma_subsampling = (packed >> 1) & 0x07;
  config.colour.full_range = packed & 0x01;
  if (config.bit_depth != 8 && config.bit_depth != 10 && config.bit_depth != 12) {
    return InvalidArgument("bitDepth " + std::to_string(config.bit_depth) +
                           " is not 8, 10 or 12");
  }
  return config;
}

StatusOr<Av1CodecConfig> ReadAv1C(BoxReader& r) {
  ASSIGN_OR_RETURN(uint8_t marker_version, r.ReadU8());
  if (marker_version != 0x81) {
    return InvalidArgument("marker/version byte is not 0x81 (marker 1, version 1)");
  }
  Av1CodecConfig config;
  ASSIGN_OR_RETURN(uint8_t profile_level, r.ReadU8());
  ASSIGN_OR_RETURN(uint8_t flags, r.ReadU8());
  RETURN_IF_ERROR(r.Skip(1));  // initial_presentation_delay
  config.seq_profile = profile_level >> 5;
  config.seq_level_idx_0 = profile_level & 0x1f;
  config.seq_tier_0 = flags >> 7;
  const bool high_bitdepth = (flags >> 6) & 1;
  const bool twelve_bit = (flags >> 5) & 1;
  config.bit_depth = twelve_bit ? 12 : (high_bitdepth ? 10 : 8);
  config.monochrome = (flags >> 4) & 1;
  config.chroma_subsampling_x = (flags >> 3) & 1;
  config.chroma_subsampling_y = (flags >> 2) & 1;
  config.chroma_sample_position = flags & 0x03;
  const ByteSpan obus = r.ReadRest();
  config.config_obus.assign(obus.begin(), obus.end());
  return config;
}

}  // namespace

const std::vector<uint8_t>* HevcDecoderConfig::FirstNal(int nal_unit_type) const {
  for (const NalArray& array : arrays) {
    if (array.nal_unit_type == nal_unit_type && !array.nal_units.empty()) {
      return &array.nal_units.front();
    }
  }
  return nullptr;
}

StatusOr<HevcDecoderConfig> ParseHevcDecoderConfig(std::span<const uint8_t> hvcc) {
  BoxReader r(hvcc);
  StatusOr<HevcDecoderConfig> config = ReadHvcC(r);
  if (!config.ok()) return WithRecord(config.status(), "hvcC");
  return config;
}

StatusOr<Vp9CodecConfig> ParseVp9CodecConfig(std::span<const uint8_t> vpcc_box_payload) {
  BoxReader r(vpcc_box_payload);
  StatusOr<Vp9CodecConfig> config = ReadVpcC(r);
  if (!config.ok()) return WithRecord(config.status(), "vpcC");
  return config;
}

StatusOr<Av1CodecConfig> ParseAv1CodecConfig(std::span<const uint8_t> av1c) {
  BoxReader r(av1c);
  StatusOr<Av1CodecConfig> config = ReadAv1C(r);
  if (!config.ok()) return WithRecord(config.status(), "av1C");
  return config;
}

}  // namespace vtp
