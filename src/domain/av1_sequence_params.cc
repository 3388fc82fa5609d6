#include "domain/av1_frame_header.h"

#include <string>

#include "domain/frame_bit_reader.h"

// sequence_header_obu() (AV1 spec §5.5), kept apart from the frame header
// parser that consumes it.
namespace vtp::cenc {
namespace {

constexpr int kSelect = 2;  // SELECT_SCREEN_CONTENT_TOOLS / SELECT_INTEGER_MV

// timing_info(), decoder_model_info() and the operating points of
// sequence_header_obu() (§5.5.1-5.5.4).
void ReadOperatingPoints(FrameBitReader& br, Av1SequenceParams& s) {
  int buffer_delay_length = 0;
  if (br.Flag()) {    // timing_info_present_flag
    br.Skip(64);      // num_units_in_display_tick, time_scale
    s.equal_picture_interval = br.Flag();
    if (s.equal_picture_interval) br.Uvlc();
    s.decoder_model_info_present = br.Flag();
    if (s.decoder_model_info_present) {
      buffer_delay_length = static_cast<int>(br.Bits(5)) + 1;
      br.Skip(32);  // num_units_in_decoding_tick
      s.buffer_removal_time_length = static_cast<int>(br.Bits(5)) + 1;
      s.frame_presentation_time_length = static_cast<int>(br.Bits(5)) + 1;
    }
  }
  const bool initial_display_delay_present = br.Flag();
  s.operating_points = static_cast<int>(br.Bits(5)) + 1;
  for (int i = 0; i < s.operating_points && !br.overrun(); ++i) {
    s.operating_point_idc[static_cast<size_t>(i)] = static_cast<uint16_t>(br.Bits(12));
    if (br.Bits(5) > 7) br.Skip(1);  // seq_level_idx, seq_tier
    if (s.decoder_model_info_present) {
      s.decoder_model_present_for_op[static_cast<size_t>(i)] = br.Flag();
      if (s.decoder_model_present_for_op[static_cast<size_t>(i)]) {
        br.Skip(2 * static_cast<size_t>(buffer_delay_length) + 1);
      }
    }
    if (initial_display_delay_present && br.Flag()) br.Skip(4);
  }
}

// The coding tool flags between frame size and color_config (§5.5.1).
void ReadToolFlags(FrameBitReader& br, Av1SequenceParams& s) {
  s.use_128x128_superblock = br.Flag();
  br.Skip(2);  // enable_filter_intra, enable_intra_edge_filter
  if (s.reduced_still_picture_header) return;
  br.Skip(2);  // enable_interintra_compound, enable_masked_compound
  s.enable_warped_motion = br.Flag();
  br.Skip(1);  // enable_dual_filter
  s.enable_order_hint = br.Flag();
  if (s.enable_order_hint) {
    br.Skip(1);  // enable_jnt_comp
    s.enable_ref_frame_mvs = br.Flag();
  }
  s.seq_force_screen_content_tools = br.Flag() ? kSelect : static_cast<int>(br.Bits(1));
  if (s.seq_force_screen_content_tools > 0) {
    s.seq_force_integer_mv = br.Flag() ? kSelect : static_cast<int>(br.Bits(1));
  }
  if (s.enable_order_hint) s.order_hint_bits = static_cast<int>(br.Bits(3)) + 1;
}

// color_config(), §5.5.2: only what changes later syntax.
void ReadColorConfig(FrameBitReader& br, int seq_profile, Av1SequenceParams& s) {
  const bool high_bitdepth = br.Flag();
  const bool twelve_bit = seq_profile == 2 && high_bitdepth && br.Flag();
  s.mono_chrome = seq_profile == 1 ? false : br.Flag();
  uint32_t cp = 2, tc = 2, mc = 2;
  if (br.Flag()) {  // color_description_present_flag
    cp = br.Bits(8);
    tc = br.Bits(8);
    mc = br.Bits(8);
  }
  if (s.mono_chrome) {
    br.Skip(1);  // color_range
    return;
  }
  if (cp == 1 && tc == 13 && mc == 0) {  // BT.709 primaries, sRGB, identity
    s.subsampling_x = s.subsampling_y = 0;
  } else {
    br.Skip(1);  // color_range
    if (seq_profile == 0) {
      s.subsampling_x = s.subsampling_y = 1;
    } else if (seq_profile == 1) {
      s.subsampling_x = s.subsampling_y = 0;
    } else if (twelve_bit) {
      s.subsampling_x = static_cast<int>(br.Bits(1));
      s.subsampling_y = s.subsampling_x ? static_cast<int>(br.Bits(1)) : 0;
    } else {
      s.subsampling_x = 1;
      s.subsampling_y = 0;
    }
    if (s.subsampling_x && s.subsampling_y) br.Skip(2);  // chroma_sample_position
  }
  s.separate_uv_delta_q = br.Flag();
}

}  // namespace

StatusOr<Av1SequenceParams> ParseAv1SequenceParams(std::span<const uint8_t> payload) {
  FrameBitReader br(payload);
  Av1SequenceParams s;
  const int seq_profile = static_cast<int>(br.Bits(3));
  if (seq_profile > 2 && !br.overrun()) {
    return InvalidArgument("AV1: reserved seq_profile " + std::to_string(seq_profile));
  }
  br.Skip(1);  // still_picture
  s.reduced_still_picture_header = br.Flag();
  if (s.reduced_still_picture_header) {
    br.Skip(5);  // seq_level_idx[0]
  } else {
    ReadOperatingPoints(br, s);
  }
  s.frame_width_bits = static_cast<int>(br.Bits(4)) + 1;
  s.frame_height_bits = static_cast<int>(br.Bits(4)) + 1;
  s.max_frame_width = br.Bits(s.frame_width_bits) + 1;
  s.max_frame_height = br.Bits(s.frame_height_bits) + 1;
  if (!s.reduced_still_picture_header) s.frame_id_numbers_present = br.Flag();
  if (s.frame_id_numbers_present) {
    s.delta_frame_id_length = static_cast<int>(br.Bits(4)) + 2;
    s.frame_id_length = static_cast<int>(br.Bits(3)) + 1 + s.delta_frame_id_length;
  }
  ReadToolFlags(br, s);
  s.enable_superres = br.Flag();
  s.enable_cdef = br.Flag();
  s.enable_restoration = br.Flag();
  ReadColorConfig(br, seq_profile, s);
  s.film_grain_params_present = br.Flag();
  if (br.overrun()) return InvalidArgument("AV1: sequence header OBU is truncated");
  return s;
}

}  // namespace vtp::cenc
