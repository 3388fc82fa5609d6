#include "domain/bitstream_headers.h"

#include <string>

#include "domain/frame_bit_reader.h"

namespace vtp {
namespace {

// The MSB-first reader with a sticky error that the encryption's frame
// parsers use too (frame_bit_reader.h).
using BitReader = FrameBitReader;

// ---------------------------------------------------------- H.264/H.265 --

constexpr int kAvcNalSps = 7;
constexpr int kHevcNalSps = 33;

// Profiles whose SPS carries chroma_format_idc and bit depths (H.264
// §7.3.2.1.1).
bool AvcHasChromaInfo(int profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86:
    case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// H.264 §7.4.1 / H.265 §7.4.2: an emulation_prevention_three_byte follows
// every 00 00 inside a NAL unit; the RBSP is the NAL unit without them.
std::vector<uint8_t> NalToRbsp(std::span<const uint8_t> nal) {
  std::vector<uint8_t> rbsp;
  rbsp.reserve(nal.size());
  int zeros = 0;
  for (uint8_t byte : nal) {
    if (zeros >= 2 && byte == 3) {
      zeros = 0;
      continue;
    }
    zeros = byte == 0 ? zeros + 1 : 0;
    rbsp.push_back(byte);
  }
  return rbsp;
}

HevcProfileTierLevel ReadGeneralPtl(BitReader& br) {
  HevcProfileTierLevel ptl;
  ptl.profile_space = static_cast<uint8_t>(br.Bits(2));
  ptl.tier_flag = br.Flag();
  ptl.profile_idc = static_cast<uint8_t>(br.Bits(5));
  ptl.compatibility_flags = br.Bits(32);
  for (uint8_t& byte : ptl.constraint_flags) byte = static_cast<uint8_t>(br.Bits(8));
  ptl.level_idc = static_cast<uint8_t>(br.Bits(8));
  return ptl;
}

// The sub-layer part of profile_tier_level() (§7.3.3), read only to get
// past it.
void SkipSubLayerPtl(BitReader& br, int max_sub_layers_minus1) {
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.Flag();
    level_present[i] = br.Flag();
  }
  if (max_sub_layers_minus1 > 0) br.Skip(2 * (8 - max_sub_layers_minus1));
  for (int i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) br.Skip(88);
    if (level_present[i]) br.Skip(8);
  }
}

// ------------------------------------------------------------------ VP9 --

constexpr uint32_t kVp9FrameMarker = 2;
constexpr uint32_t kVp9SyncCode = 0x498342;
constexpr int kVp9ColorSpaceRgb = 7;

// color_config(), VP9 spec §6.2.2.
Status ReadVp9ColorConfig(BitReader& br, Vp9FrameHeader& h) {
  if (h.profile >= 2) h.bit_depth = br.Flag() ? 12 : 10;
  h.color_space = static_cast<int>(br.Bits(3));
  const bool odd_profile = h.profile == 1 || h.profile == 3;
  if (h.color_space != kVp9ColorSpaceRgb) {
    h.full_range = br.Flag();
    if (odd_profile) {
      h.subsampling_x = static_cast<int>(br.Bits(1));
      h.subsampling_y = static_cast<int>(br.Bits(1));
      if (br.Flag()) return InvalidArgument("VP9: reserved_zero bit set in color_config");
    }
  } else {
    h.full_range = true;
    if (!odd_profile) return InvalidArgument("VP9: RGB needs profile 1 or 3");
    h.subsampling_x = h.subsampling_y = 0;
    if (br.Flag()) return InvalidArgument("VP9: reserved_zero bit set in color_config");
  }
  return Status::Ok();
}

// ------------------------------------------------------------------ AV1 --

constexpr int kObuSequenceHeader = 1;
constexpr int kSelectScreenContentTools = 2;
constexpr uint8_t kCpBt709 = 1;
constexpr uint8_t kTcSrgb = 13;
constexpr uint8_t kMcIdentity = 0;

// leb128(), AV1 §4.10.5: at most 8 bytes, value below 2^32.
StatusOr<uint64_t> ReadLeb128(std::span<const uint8_t> data, size_t& pos) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    if (pos >= data.size()) return InvalidArgument("AV1: truncated leb128 OBU size");
    const uint8_t byte = data[pos++];
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) {
      if (value > UINT32_MAX) return InvalidArgument("AV1: OBU size above 2^32 - 1");
      return value;
    }
  }
  return InvalidArgument("AV1: leb128 OBU size longer than 8 bytes");
}

// The operating-point and tool part of sequence_header_obu() between
// reduced_still_picture_header and color_config (§5.5.1), kept only for
// seq_level_idx[0] / seq_tier[0] and to get past it.
void ReadAv1OperatingPoints(BitReader& br, Av1SequenceHeader& h) {
  bool decoder_model_info_present = false;
  int buffer_delay_length = 0;
  if (br.Flag()) {  // timing_info_present_flag
    br.Skip(64);
    if (br.Flag()) br.Uvlc();  // equal_picture_interval
    decoder_model_info_present = br.Flag();
    if (decoder_model_info_present) {
      buffer_delay_length = static_cast<int>(br.Bits(5)) + 1;
      br.Skip(32 + 5 + 5);
    }
  }
  const bool initial_display_delay_present = br.Flag();
  const int operating_points = static_cast<int>(br.Bits(5)) + 1;
  for (int i = 0; i < operating_points && !br.overrun(); ++i) {
    br.Skip(12);  // operating_point_idc
    const int level = static_cast<int>(br.Bits(5));
    const int tier = level > 7 ? static_cast<int>(br.Bits(1)) : 0;
    if (i == 0) {
      h.seq_level_idx_0 = level;
      h.seq_tier_0 = tier;
    }
    if (decoder_model_info_present && br.Flag()) {
      br.Skip(2 * static_cast<size_t>(buffer_delay_length) + 1);
    }
    if (initial_display_delay_present && br.Flag()) br.Skip(4);
  }
}

void SkipAv1ToolFlags(BitReader& br, bool reduced_still_picture_header) {
  if (!reduced_still_picture_header && br.Flag()) {  // frame_id_numbers_present_flag
    br.Skip(4 + 3);
  }
  br.Skip(3);  // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced_still_picture_header) {
    br.Skip(4);  // interintra, masked compound, warped motion, dual filter
    const bool enable_order_hint = br.Flag();
    if (enable_order_hint) br.Skip(2);  // jnt_comp, ref_frame_mvs
    int force_screen_content_tools = kSelectScreenContentTools;
    if (!br.Flag()) force_screen_content_tools = static_cast<int>(br.Bits(1));
    if (force_screen_content_tools > 0 && !br.Flag()) br.Skip(1);  // seq_force_integer_mv
    if (enable_order_hint) br.Skip(3);
  }
  br.Skip(3);  // superres, cdef, restoration
}

// color_config(), AV1 §5.5.2.
void ReadAv1ColorConfig(BitReader& br, Av1SequenceHeader& h) {
  const bool high_bitdepth = br.Flag();
  if (h.seq_profile == 2 && high_bitdepth) {
    h.bit_depth = br.Flag() ? 12 : 10;
  } else {
    h.bit_depth = high_bitdepth ? 10 : 8;
  }
  h.mono_chrome = h.seq_profile == 1 ? false : br.Flag();
  h.color_description_present = br.Flag();
  if (h.color_description_present) {
    h.colour.colour_primaries = static_cast<uint8_t>(br.Bits(8));
    h.colour.transfer_characteristics = static_cast<uint8_t>(br.Bits(8));
    h.colour.matrix_coefficients = static_cast<uint8_t>(br.Bits(8));
  }
  if (h.mono_chrome) {
    h.colour.full_range = br.Flag();
    h.subsampling_x = h.subsampling_y = 1;
    return;
  }
  if (h.colour.colour_primaries == kCpBt709 && h.colour.transfer_characteristics == kTcSrgb &&
      h.colour.matrix_coefficients == kMcIdentity) {
    h.colour.full_range = true;
    h.subsampling_x = h.subsampling_y = 0;
    return;
  }
  h.colour.full_range = br.Flag();
  if (h.seq_profile == 0) {
    h.subsampling_x = h.subsampling_y = 1;
  } else if (h.seq_profile == 1) {
    h.subsampling_x = h.subsampling_y = 0;
  } else if (h.bit_depth == 12) {
    h.subsampling_x = static_cast<int>(br.Bits(1));
    h.subsampling_y = h.subsampling_x ? static_cast<int>(br.Bits(1)) : 0;
  } else {
    h.subsampling_x = 1;
    h.subsampling_y = 0;
  }
  if (h.subsampling_x && h.subsampling_y) h.chroma_sample_position = static_cast<int>(br.Bits(2));
}

StatusOr<Av1SequenceHeader> ParseAv1SequenceHeaderObu(std::span<const uint8_t> payload) {
  BitReader br(payload);
  Av1SequenceHeader h;
  h.seq_profile = static_cast<int>(br.Bits(3));
  if (h.seq_profile > 2) {
    return InvalidArgument("AV1: reserved seq_profile " + std::to_string(h.seq_profile));
  }
  br.Skip(1);  // still_picture
  const bool reduced_still_picture_header = br.Flag();
  if (reduced_still_picture_header) {
    h.seq_level_idx_0 = static_cast<int>(br.Bits(5));
  } else {
    ReadAv1OperatingPoints(br, h);
  }
  const int width_bits = static_cast<int>(br.Bits(4)) + 1;
  const int height_bits = static_cast<int>(br.Bits(4)) + 1;
  h.max_frame_width = br.Bits(width_bits) + 1;
  h.max_frame_height = br.Bits(height_bits) + 1;
  SkipAv1ToolFlags(br, reduced_still_picture_header);
  ReadAv1ColorConfig(br, h);
  if (br.overrun()) return InvalidArgument("AV1: sequence header OBU is truncated");
  return h;
}

}  // namespace

StatusOr<AvcSps> ParseAvcSps(std::span<const uint8_t> nal) {
  const std::vector<uint8_t> rbsp = NalToRbsp(nal);
  BitReader br(rbsp);
  if (br.Flag()) return InvalidArgument("H.264 SPS: forbidden_zero_bit is set");
  br.Skip(2);  // nal_ref_idc
  const int nal_type = static_cast<int>(br.Bits(5));
  if (!br.overrun() && nal_type != kAvcNalSps) {
    return InvalidArgument("H.264: expected an SPS (NAL type 7), found NAL type " +
                           std::to_string(nal_type));
  }
  AvcSps sps;
  sps.profile_idc = static_cast<uint8_t>(br.Bits(8));
  sps.constraint_flags = static_cast<uint8_t>(br.Bits(8));
  sps.level_idc = static_cast<uint8_t>(br.Bits(8));
  br.Ue();  // seq_parameter_set_id
  uint32_t luma_minus8 = 0;
  uint32_t chroma_minus8 = 0;
  if (AvcHasChromaInfo(sps.profile_idc)) {
    sps.chroma_format_idc = br.Ue();
    if (sps.chroma_format_idc == 3) br.Skip(1);  // separate_colour_plane_flag
    luma_minus8 = br.Ue();
    chroma_minus8 = br.Ue();
  }
  if (br.overrun()) return InvalidArgument("H.264 SPS: truncated before its bit depths");
  if (sps.chroma_format_idc > 3 || luma_minus8 > 6 || chroma_minus8 > 6) {
    return InvalidArgument("H.264 SPS: chroma_format_idc or bit depth out of range");
  }
  sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
  sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
  return sps;
}

StatusOr<HevcSps> ParseHevcSps(std::span<const uint8_t> nal) {
  const std::vector<uint8_t> rbsp = NalToRbsp(nal);
  BitReader br(rbsp);
  if (br.Flag()) return InvalidArgument("H.265 SPS: forbidden_zero_bit is set");
  const int nal_type = static_cast<int>(br.Bits(6));
  br.Skip(6 + 3);  // nuh_layer_id, nuh_temporal_id_plus1
  if (!br.overrun() && nal_type != kHevcNalSps) {
    return InvalidArgument("H.265: expected an SPS (NAL type 33), found NAL type " +
                           std::to_string(nal_type));
  }
  br.Skip(4);  // sps_video_parameter_set_id
  const int max_sub_layers_minus1 = static_cast<int>(br.Bits(3));
  br.Skip(1);  // sps_temporal_id_nesting_flag
  HevcSps sps;
  sps.ptl = ReadGeneralPtl(br);
  if (max_sub_layers_minus1 == 7) {
    return InvalidArgument("H.265 SPS: sps_max_sub_layers_minus1 is 7 (reserved)");
  }
  SkipSubLayerPtl(br, max_sub_layers_minus1);
  br.Ue();  // sps_seq_parameter_set_id
  sps.chroma_format_idc = br.Ue();
  if (sps.chroma_format_idc > 3) return InvalidArgument("H.265 SPS: chroma_format_idc > 3");
  if (sps.chroma_format_idc == 3) br.Skip(1);  // separate_colour_plane_flag
  sps.width = br.Ue();
  sps.height = br.Ue();
  if (br.Flag()) {  // conformance_window_flag
    for (int i = 0; i < 4; ++i) br.Ue();
  }
  const uint32_t luma_minus8 = br.Ue();
  const uint32_t chroma_minus8 = br.Ue();
  if (br.overrun()) return InvalidArgument("H.265 SPS: truncated before bit_depth_chroma_minus8");
  if (luma_minus8 > 8 || chroma_minus8 > 8) {
    return InvalidArgument("H.265 SPS: bit depth above 16");
  }
  sps.bit_depth_luma = 8 + static_cast<int>(luma_minus8);
  sps.bit_depth_chroma = 8 + static_cast<int>(chroma_minus8);
  return sps;
}

StatusOr<Vp9FrameHeader> ParseVp9FrameHeader(std::span<const uint8_t> frame) {
  BitReader br(frame);
  if (br.Bits(2) != kVp9FrameMarker) {
    return InvalidArgument(br.overrun() ? "VP9: empty frame" : "VP9: bad frame_marker");
  }
  Vp9FrameHeader h;
  const uint32_t low = br.Bits(1);
  h.profile = static_cast<int>((br.Bits(1) << 1) | low);
  if (h.profile == 3 && br.Flag()) return InvalidArgument("VP9: reserved_zero bit set");
  if (br.Flag()) return InvalidArgument("VP9: show_existing_frame, not a keyframe");
  if (br.Flag()) return InvalidArgument("VP9: frame_type is not KEY_FRAME");
  br.Skip(2);  // show_frame, error_resilient_mode
  if (br.Bits(24) != kVp9SyncCode && !br.overrun()) {
    return InvalidArgument("VP9: keyframe without frame_sync_code");
  }
  RETURN_IF_ERROR(ReadVp9ColorConfig(br, h));
  h.width = br.Bits(16) + 1;
  h.height = br.Bits(16) + 1;
  if (br.overrun()) return InvalidArgument("VP9: uncompressed header is truncated");
  return h;
}

uint8_t Vp9MatrixCoefficients(int color_space) {
  // VP9 §7.2 color_space -> H.273 MatrixCoefficients.
  switch (color_space) {
    case 1: return 5;  // BT.601 (625-line)
    case 2: return 1;  // BT.709
    case 3: return 6;  // SMPTE 170M
    case 4: return 7;  // SMPTE 240M
    case 5: return 9;  // BT.2020 non-constant luminance
    case 7: return 0;  // identity (RGB)
    default: return 2;
  }
}

StatusOr<Av1SequenceHeader> ParseAv1SequenceHeader(std::span<const uint8_t> obus) {
  size_t pos = 0;
  while (pos < obus.size()) {
    // obu_header(), AV1 §5.3.2.
    const uint8_t header = obus[pos++];
    if (header & 0x80) return InvalidArgument("AV1: obu_forbidden_bit is set");
    const int type = (header >> 3) & 0x0f;
    const bool has_extension = header & 0x04;
    const bool has_size = header & 0x02;
    if (has_extension) ++pos;
    if (pos > obus.size()) return InvalidArgument("AV1: truncated OBU extension header");
    size_t size = obus.size() - pos;
    if (has_size) {
      ASSIGN_OR_RETURN(uint64_t declared, ReadLeb128(obus, pos));
      if (declared > obus.size() - pos) {
        return InvalidArgument("AV1: OBU size " + std::to_string(declared) +
                               " runs past the end of the data");
      }
      size = static_cast<size_t>(declared);
    }
    if (type == kObuSequenceHeader) return ParseAv1SequenceHeaderObu(obus.subspan(pos, size));
    pos += size;
  }
  return NotFound("AV1: no sequence header OBU");
}

}  // namespace vtp
