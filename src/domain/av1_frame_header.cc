#include "domain/av1_frame_header.h"

#include <algorithm>
#include <string>

#include "domain/frame_bit_reader.h"

namespace vtp::cenc {
namespace {

// §6.2 / §3 constants.
constexpr int kKeyFrame = 0;
constexpr int kInterFrame = 1;
constexpr int kIntraOnlyFrame = 2;
constexpr int kSwitchFrame = 3;
constexpr int kNumRefFrames = 8;
constexpr int kRefsPerFrame = 7;
constexpr int kPrimaryRefNone = 7;
constexpr int kSelect = 2;  // SELECT_SCREEN_CONTENT_TOOLS / SELECT_INTEGER_MV
constexpr int kMaxSegments = 8;
constexpr int kSegLvlMax = 8;
constexpr int kSegFeatureBits[kSegLvlMax] = {8, 6, 6, 6, 6, 3, 0, 0};
constexpr bool kSegFeatureSigned[kSegLvlMax] = {true, true, true, true, true, false, false, false};
constexpr int kSegFeatureMax[kSegLvlMax] = {255, 63, 63, 63, 63, 7, 0, 0};
constexpr int kSuperresNum = 8;
constexpr int kSuperresDenomMin = 9;
constexpr int kMaxTileWidth = 4096;
constexpr int kMaxTileArea = 4096 * 2304;
constexpr int kMaxTileCols = 64;
constexpr int kMaxTileRows = 64;

using RefSlot = Av1FrameHeaderParser::RefSlot;

// The current frame's values that later parts of uncompressed_header()
// depend on.
struct Frame {
  int frame_type = kKeyFrame;
  bool show_frame = true;
  bool showable_frame = false;
  bool error_resilient = true;
  bool intra = true;  // FrameIsIntra
  bool allow_screen_content_tools = false;
  bool force_integer_mv = false;
  bool frame_size_override = false;
  uint32_t order_hint = 0;
  int primary_ref_frame = kPrimaryRefNone;
  uint8_t refresh_frame_flags = 0;
  std::array<int, kRefsPerFrame> ref_frame_idx{};
  uint32_t upscaled_width = 0;
  uint32_t frame_width = 0;
  uint32_t frame_height = 0;
  uint32_t render_width = 0;
  uint32_t render_height = 0;
  bool allow_intrabc = false;
  bool allow_high_precision_mv = false;
  int base_q_idx = 0;
  bool nonzero_delta_q = false;  // any DeltaQ{Y,U,V}{Dc,Ac} != 0
  bool segmentation_enabled = false;
  std::array<uint8_t, kMaxSegments> seg_alt_q_enabled{};
  std::array<int16_t, kMaxSegments> seg_alt_q{};
  bool coded_lossless = false;
  bool all_lossless = false;
  bool reference_select = false;
  Av1TileLayout tiles;
};

int NumPlanes(const Av1SequenceParams& seq) { return seq.mono_chrome ? 1 : 3; }

// ---------------------------------------------------- frame header parts --

// get_relative_dist(), §7.12.3.
int RelativeDist(const Av1SequenceParams& seq, uint32_t a, uint32_t b) {
  if (!seq.enable_order_hint) return 0;
  const int diff = static_cast<int>(a) - static_cast<int>(b);
  const int m = 1 << (seq.order_hint_bits - 1);
  return (diff & (m - 1)) - (diff & m);
}

// superres_params() and compute_image_size(), §5.9.8-5.9.9.
void ReadSuperres(FrameBitReader& br, const Av1SequenceParams& seq, Frame& f) {
  int denom = kSuperresNum;
  if (seq.enable_superres && br.Flag()) denom = static_cast<int>(br.Bits(3)) + kSuperresDenomMin;
  f.upscaled_width = f.frame_width;
  f.frame_width = (f.upscaled_width * kSuperresNum + static_cast<uint32_t>(denom / 2)) /
                  static_cast<uint32_t>(denom);
}

// frame_size() and render_size(), §5.9.5-5.9.6.
void ReadFrameSize(FrameBitReader& br, const Av1SequenceParams& seq, Frame& f) {
  if (f.frame_size_override) {
    f.frame_width = br.Bits(seq.frame_width_bits) + 1;
    f.frame_height = br.Bits(seq.frame_height_bits) + 1;
  } else {
    f.frame_width = seq.max_frame_width;
    f.frame_height = seq.max_frame_height;
  }
  ReadSuperres(br, seq, f);
  if (br.Flag()) {  // render_and_frame_size_different
    f.render_width = br.Bits(16) + 1;
    f.render_height = br.Bits(16) + 1;
  } else {
    f.render_width = f.upscaled_width;
    f.render_height = f.frame_height;
  }
}

// frame_size_with_refs(), §5.9.7.
void ReadFrameSizeWithRefs(FrameBitReader& br, const Av1SequenceParams& seq,
                           std::span<const RefSlot, kNumRefFrames> refs, Frame& f) {
  for (int i = 0; i < kRefsPerFrame; ++i) {
    if (!br.Flag()) continue;  // found_ref
    const RefSlot& ref = refs[static_cast<size_t>(f.ref_frame_idx[static_cast<size_t>(i)])];
    f.frame_width = ref.upscaled_width;
    f.frame_height = ref.frame_height;
    f.render_width = ref.render_width;
    f.render_height = ref.render_height;
    ReadSuperres(br, seq, f);
    return;
  }
  ReadFrameSize(br, seq, f);
}

// The reference list of an inter frame (§5.9.2, from
// frame_refs_short_signaling to the frame size).
Status ReadInterRefs(FrameBitReader& br, const Av1SequenceParams& seq,
                     std::span<const RefSlot, kNumRefFrames> refs, Frame& f) {
  if (seq.enable_order_hint && br.Flag()) {
    return Status(ErrorCode::kUnsupportedCodec,
                  "AV1: frame_refs_short_signaling (set_frame_refs, §7.8) is not supported");
  }
  for (int& idx : f.ref_frame_idx) {
    idx = static_cast<int>(br.Bits(3));
    if (seq.frame_id_numbers_present) br.Skip(static_cast<size_t>(seq.delta_frame_id_length));
    if (!refs[static_cast<size_t>(idx)].valid && !br.overrun()) {
      return InvalidArgument("AV1: inter frame refers to empty reference slot " +
                             std::to_string(idx));
    }
  }
  if (f.frame_size_override && !f.error_resilient) {
    ReadFrameSizeWithRefs(br, seq, refs, f);
  } else {
    ReadFrameSize(br, seq, f);
  }
  f.allow_high_precision_mv = f.force_integer_mv ? false : br.Flag();
  if (!br.Flag()) br.Skip(2);  // is_filter_switchable, interpolation_filter
  br.Skip(1);                  // is_motion_mode_switchable
  if (!f.error_resilient && seq.enable_ref_frame_mvs) br.Skip(1);  // use_ref_frame_mvs
  return Status::Ok();
}

// tile_log2(), §5.9.16.
int TileLog2(int blk_size, int target) {
  int k = 0;
  while ((blk_size << k) < target) ++k;
  return k;
}

// Reads increment flags while `log2` is below `max_log2`.
int ReadIncrements(FrameBitReader& br, int log2, int max_log2) {
  while (log2 < max_log2 && br.Flag()) ++log2;
  return log2;
}

// tile_info(), §5.9.15.
void ReadTileInfo(FrameBitReader& br, const Av1SequenceParams& seq, Frame& f) {
  const int mi_cols = 2 * static_cast<int>((f.frame_width + 7) >> 3);
  const int mi_rows = 2 * static_cast<int>((f.frame_height + 7) >> 3);
  const int sb_shift = seq.use_128x128_superblock ? 5 : 4;
  const int sb_cols = (mi_cols + (1 << sb_shift) - 1) >> sb_shift;
  const int sb_rows = (mi_rows + (1 << sb_shift) - 1) >> sb_shift;
  const int sb_size = sb_shift + 2;
  const int max_tile_width_sb = kMaxTileWidth >> sb_size;
  int max_tile_area_sb = kMaxTileArea >> (2 * sb_size);
  const int min_log2_tile_cols = TileLog2(max_tile_width_sb, sb_cols);
  const int max_log2_tile_cols = TileLog2(1, std::min(sb_cols, kMaxTileCols));
  const int max_log2_tile_rows = TileLog2(1, std::min(sb_rows, kMaxTileRows));
  const int min_log2_tiles =
      std::max(min_log2_tile_cols, TileLog2(max_tile_area_sb, sb_rows * sb_cols));
  Av1TileLayout& t = f.tiles;
  if (br.Flag()) {  // uniform_tile_spacing_flag
    t.tile_cols_log2 = ReadIncrements(br, min_log2_tile_cols, max_log2_tile_cols);
    const int tile_width_sb = (sb_cols + (1 << t.tile_cols_log2) - 1) >> t.tile_cols_log2;
    t.tile_cols = (sb_cols + tile_width_sb - 1) / tile_width_sb;
    const int min_log2_tile_rows = std::max(min_log2_tiles - t.tile_cols_log2, 0);
    t.tile_rows_log2 = ReadIncrements(br, min_log2_tile_rows, max_log2_tile_rows);
    const int tile_height_sb = (sb_rows + (1 << t.tile_rows_log2) - 1) >> t.tile_rows_log2;
    t.tile_rows = (sb_rows + tile_height_sb - 1) / tile_height_sb;
  } else {
    int widest_tile_sb = 0;
    t.tile_cols = 0;
    for (int start = 0; start < sb_cols && !br.overrun(); ++t.tile_cols) {
      const int size = static_cast<int>(br.Ns(static_cast<uint32_t>(
                           std::min(sb_cols - start, max_tile_width_sb)))) + 1;
      widest_tile_sb = std::max(size, widest_tile_sb);
      start += size;
    }
    t.tile_cols_log2 = TileLog2(1, t.tile_cols);
    max_tile_area_sb = min_log2_tiles > 0 ? (sb_rows * sb_cols) >> (min_log2_tiles + 1)
                                          : sb_rows * sb_cols;
    const int max_tile_height_sb = std::max(max_tile_area_sb / std::max(widest_tile_sb, 1), 1);
    t.tile_rows = 0;
    for (int start = 0; start < sb_rows && !br.overrun(); ++t.tile_rows) {
      start += static_cast<int>(br.Ns(static_cast<uint32_t>(
                   std::min(sb_rows - start, max_tile_height_sb)))) + 1;
    }
    t.tile_rows_log2 = TileLog2(1, t.tile_rows);
  }
  if (t.tile_cols_log2 > 0 || t.tile_rows_log2 > 0) {
    br.Skip(static_cast<size_t>(t.tile_cols_log2 + t.tile_rows_log2));  // context_update_tile_id
    t.tile_size_bytes = static_cast<int>(br.Bits(2)) + 1;
  }
}

// read_delta_q(), §5.9.13: true when a nonzero delta is coded.
bool ReadDeltaQ(FrameBitReader& br) { return br.Flag() && br.Su(7) != 0; }

// quantization_params(), §5.9.12.
void ReadQuantization(FrameBitReader& br, const Av1SequenceParams& seq, Frame& f) {
  f.base_q_idx = static_cast<int>(br.Bits(8));
  f.nonzero_delta_q = ReadDeltaQ(br);
  if (NumPlanes(seq) > 1) {
    const bool diff_uv_delta = seq.separate_uv_delta_q && br.Flag();
    f.nonzero_delta_q |= ReadDeltaQ(br);
    f.nonzero_delta_q |= ReadDeltaQ(br);
    if (diff_uv_delta) {
      f.nonzero_delta_q |= ReadDeltaQ(br);
      f.nonzero_delta_q |= ReadDeltaQ(br);
    }
  }
  if (br.Flag()) br.Skip(seq.separate_uv_delta_q ? 12 : 8);  // using_qmatrix, qm_y/u/v
}

// segmentation_params(), §5.9.14. Only SEG_LVL_ALT_Q (feature 0) matters
// later (lossless); with update_data 0 it is the primary reference's.
void ReadSegmentation(FrameBitReader& br, std::span<const RefSlot, kNumRefFrames> refs,
                      Frame& f) {
  f.segmentation_enabled = br.Flag();
  bool update_data = true;
  if (f.segmentation_enabled && f.primary_ref_frame != kPrimaryRefNone) {
    if (br.Flag()) br.Skip(1);  // segmentation_update_map, segmentation_temporal_update
    update_data = br.Flag();
  }
  if (!f.segmentation_enabled) {
    f.seg_alt_q_enabled.fill(0);
    f.seg_alt_q.fill(0);
    return;
  }
  if (!update_data) {
    const RefSlot& ref = refs[static_cast<size_t>(
        f.ref_frame_idx[static_cast<size_t>(f.primary_ref_frame)])];
    f.seg_alt_q_enabled = ref.seg_alt_q_enabled;
    f.seg_alt_q = ref.seg_alt_q;
    return;
  }
  for (int i = 0; i < kMaxSegments; ++i) {
    for (int j = 0; j < kSegLvlMax; ++j) {
      const bool enabled = br.Flag();
      int value = 0;
      if (enabled && kSegFeatureSigned[j]) {
        value = std::clamp(br.Su(1 + kSegFeatureBits[j]), -kSegFeatureMax[j], kSegFeatureMax[j]);
      } else if (enabled) {
        value = std::min(static_cast<int>(br.Bits(kSegFeatureBits[j])), kSegFeatureMax[j]);
      }
      if (j != 0) continue;
      f.seg_alt_q_enabled[static_cast<size_t>(i)] = enabled ? 1 : 0;
      f.seg_alt_q[static_cast<size_t>(i)] = static_cast<int16_t>(value);
    }
  }
}

// delta_q_params() and delta_lf_params(), §5.9.17-5.9.18; then CodedLossless
// and AllLossless from get_qindex(1, segmentId) (§7.12.2).
void ReadDeltasAndLossless(FrameBitReader& br, Frame& f) {
  const bool delta_q_present = f.base_q_idx > 0 && br.Flag();
  if (delta_q_present) {
    br.Skip(2);  // delta_q_res
    if (!f.allow_intrabc && br.Flag()) br.Skip(3);  // delta_lf_present, _res, _multi
  }
  f.coded_lossless = true;
  for (size_t seg = 0; seg < kMaxSegments; ++seg) {
    int qindex = f.base_q_idx;
    if (f.segmentation_enabled && f.seg_alt_q_enabled[seg]) {
      qindex = std::clamp(f.base_q_idx + f.seg_alt_q[seg], 0, 255);
    }
    if (qindex != 0 || f.nonzero_delta_q) f.coded_lossless = false;
  }
  f.all_lossless = f.coded_lossless && f.frame_width == f.upscaled_width;
}

// loop_filter_params(), §5.9.11.
void SkipLoopFilter(FrameBitReader& br, const Av1SequenceParams& seq, const Frame& f) {
  if (f.coded_lossless || f.allow_intrabc) return;
  const uint32_t level0 = br.Bits(6);
  const uint32_t level1 = br.Bits(6);
  if (NumPlanes(seq) > 1 && (level0 || level1)) br.Skip(12);
  br.Skip(3);  // loop_filter_sharpness
  if (!br.Flag() || !br.Flag()) return;  // loop_filter_delta_enabled, _update
  for (int i = 0; i < 8 + 2; ++i) {      // ref deltas, mode deltas: su(1+6)
    if (br.Flag()) br.Skip(7);
  }
}

// cdef_params(), §5.9.19.
void SkipCdef(FrameBitReader& br, const Av1SequenceParams& seq, const Frame& f) {
  if (f.coded_lossless || f.allow_intrabc || !seq.enable_cdef) return;
  br.Skip(2);  // cdef_damping_minus_3
  const int cdef_bits = static_cast<int>(br.Bits(2));
  br.Skip(static_cast<size_t>(1 << cdef_bits) * (NumPlanes(seq) > 1 ? 12 : 6));
}

// lr_params(), §5.9.20.
void SkipLoopRestoration(FrameBitReader& br, const Av1SequenceParams& seq, const Frame& f) {
  if (f.all_lossless || f.allow_intrabc || !seq.enable_restoration) return;
  bool uses_lr = false;
  bool uses_chroma_lr = false;
  for (int i = 0; i < NumPlanes(seq); ++i) {
    if (br.Bits(2) != 0) {  // lr_type other than RESTORE_NONE
      uses_lr = true;
      if (i > 0) uses_chroma_lr = true;
    }
  }
  if (!uses_lr) return;
  if (seq.use_128x128_superblock) {
    br.Skip(1);  // lr_unit_shift
  } else if (br.Flag()) {
    br.Skip(1);  // lr_unit_extra_shift
  }
  if (seq.subsampling_x && seq.subsampling_y && uses_chroma_lr) br.Skip(1);  // lr_uv_shift
}

// skip_mode_params(), §5.9.22: whether skip_mode_present is coded depends
// on the order hints of the frame's references.
bool SkipModeAllowed(const Av1SequenceParams& seq, std::span<const RefSlot, kNumRefFrames> refs,
                     const Frame& f) {
  if (f.intra || !f.reference_select || !seq.enable_order_hint) return false;
  int forward = -1, backward = -1;
  uint32_t forward_hint = 0, backward_hint = 0;
  for (int idx : f.ref_frame_idx) {
    const uint32_t hint = refs[static_cast<size_t>(idx)].order_hint;
    if (RelativeDist(seq, hint, f.order_hint) < 0) {
      if (forward < 0 || RelativeDist(seq, hint, forward_hint) > 0) {
        forward = idx;
        forward_hint = hint;
      }
    } else if (RelativeDist(seq, hint, f.order_hint) > 0) {
      if (backward < 0 || RelativeDist(seq, hint, backward_hint) < 0) {
        backward = idx;
        backward_hint = hint;
      }
    }
  }
  if (forward < 0) return false;
  if (backward >= 0) return true;
  for (int idx : f.ref_frame_idx) {
    if (RelativeDist(seq, refs[static_cast<size_t>(idx)].order_hint, forward_hint) < 0) {
      return true;
    }
  }
  return false;
}

// decode_subexp(numSyms), §5.9.26: its length does not depend on the
// reference value, so global motion parses without PrevGmParams.
void SkipSubexp(FrameBitReader& br, int num_syms) {
  int i = 0, mk = 0;
  const int k = 3;
  while (!br.overrun()) {
    const int b2 = i ? k + i - 1 : k;
    const int a = 1 << b2;
    if (num_syms <= mk + 3 * a) {
      br.Ns(static_cast<uint32_t>(num_syms - mk));
      return;
    }
    if (!br.Flag()) {  // subexp_more_bits
      br.Skip(static_cast<size_t>(b2));
      return;
    }
    ++i;
    mk += a;
  }
}

// global_motion_params(), §5.9.24-5.9.25.
void SkipGlobalMotion(FrameBitReader& br, const Frame& f) {
  if (f.intra) return;
  constexpr int kTranslation = 1, kRotZoom = 2, kAffine = 3;
  for (int ref = 0; ref < kRefsPerFrame; ++ref) {
    int type = 0;
    if (br.Flag()) {  // is_global
      if (br.Flag()) {
        type = kRotZoom;
      } else {
        type = br.Flag() ? kTranslation : kAffine;
      }
    }
    constexpr int kAbsAlphaBits = 12;
    if (type >= kRotZoom) {
      const int params = type == kAffine ? 4 : 2;
      for (int p = 0; p < params; ++p) SkipSubexp(br, 2 * (1 << kAbsAlphaBits) + 1);
    }
    if (type >= kTranslation) {
      const int abs_bits = type == kTranslation ? 9 - (f.allow_high_precision_mv ? 0 : 1) : 12;
      for (int p = 0; p < 2; ++p) SkipSubexp(br, 2 * (1 << abs_bits) + 1);
    }
  }
}

// film_grain_params(), §5.9.30.
void SkipFilmGrain(FrameBitReader& br, const Av1SequenceParams& seq, const Frame& f) {
  if (!seq.film_grain_params_present || (!f.show_frame && !f.showable_frame)) return;
  if (!br.Flag()) return;  // apply_grain
  br.Skip(16);             // grain_seed
  if (f.frame_type == kInterFrame && !br.Flag()) {  // update_grain
    br.Skip(3);                                     // film_grain_params_ref_idx
    return;
  }
  const int num_y_points = static_cast<int>(br.Bits(4));
  br.Skip(16 * static_cast<size_t>(num_y_points));
  const bool chroma_from_luma = seq.mono_chrome ? false : br.Flag();
  int num_cb_points = 0, num_cr_points = 0;
  if (!seq.mono_chrome && !chroma_from_luma &&
      !(seq.subsampling_x == 1 && seq.subsampling_y == 1 && num_y_points == 0)) {
    num_cb_points = static_cast<int>(br.Bits(4));
    br.Skip(16 * static_cast<size_t>(num_cb_points));
    num_cr_points = static_cast<int>(br.Bits(4));
    br.Skip(16 * static_cast<size_t>(num_cr_points));
  }
  br.Skip(2);  // grain_scaling_minus_8
  const int lag = static_cast<int>(br.Bits(2));
  const int num_pos_luma = 2 * lag * (lag + 1);
  const int num_pos_chroma = num_y_points ? num_pos_luma + 1 : num_pos_luma;
  if (num_y_points) br.Skip(8 * static_cast<size_t>(num_pos_luma));
  if (chroma_from_luma || num_cb_points) br.Skip(8 * static_cast<size_t>(num_pos_chroma));
  if (chroma_from_luma || num_cr_points) br.Skip(8 * static_cast<size_t>(num_pos_chroma));
  br.Skip(4);  // ar_coeff_shift_minus_6, grain_scale_shift
  if (num_cb_points) br.Skip(25);
  if (num_cr_points) br.Skip(25);
  br.Skip(2);  // overlap_flag, clip_to_restricted_range
}

// show_existing_frame = 1 (§5.9.2): a shown key frame is loaded into
// every slot (§7.21 then §7.20 with refresh_frame_flags = allFrames).
StatusOr<Av1FrameHeaderInfo> ReadShowExisting(FrameBitReader& br, const Av1SequenceParams& seq,
                                              std::array<RefSlot, kNumRefFrames>& refs) {
  const uint32_t idx = br.Bits(3);  // frame_to_show_map_idx
  if (seq.decoder_model_info_present && !seq.equal_picture_interval) {
    br.Skip(static_cast<size_t>(seq.frame_presentation_time_length));
  }
  if (seq.frame_id_numbers_present) br.Skip(static_cast<size_t>(seq.frame_id_length));
  if (br.overrun()) return InvalidArgument("AV1: show_existing_frame header is truncated");
  const RefSlot shown = refs[idx];
  if (!shown.valid) {
    return InvalidArgument("AV1: show_existing_frame of empty slot " + std::to_string(idx));
  }
  if (shown.frame_type == kKeyFrame) refs.fill(shown);
  Av1FrameHeaderInfo info;
  info.show_existing_frame = true;
  info.header_bytes = br.byte_position();
  return info;
}

// buffer_removal_time for the operating points this OBU's layer is in
// (§5.9.2).
void SkipBufferRemovalTimes(FrameBitReader& br, const Av1SequenceParams& seq, int temporal_id,
                            int spatial_id) {
  if (!seq.decoder_model_info_present || !br.Flag()) return;
  for (size_t op = 0; op < static_cast<size_t>(seq.operating_points); ++op) {
    if (!seq.decoder_model_present_for_op[op]) continue;
    const int idc = seq.operating_point_idc[op];
    const bool in_temporal = (idc >> temporal_id) & 1;
    const bool in_spatial = (idc >> (spatial_id + 8)) & 1;
    if (idc == 0 || (in_temporal && in_spatial)) {
      br.Skip(static_cast<size_t>(seq.buffer_removal_time_length));
    }
  }
}

// uncompressed_header() from frame_type to the frame size, intrabc and
// the reference list (§5.9.2), for a frame that is not show_existing.
Status ReadFrameStart(FrameBitReader& br, const Av1SequenceParams& seq, int temporal_id,
                      int spatial_id, std::array<RefSlot, kNumRefFrames>& refs, Frame& f) {
  if (!seq.reduced_still_picture_header) {
    f.frame_type = static_cast<int>(br.Bits(2));
    f.intra = f.frame_type == kIntraOnlyFrame || f.frame_type == kKeyFrame;
    f.show_frame = br.Flag();
    if (f.show_frame && seq.decoder_model_info_present && !seq.equal_picture_interval) {
      br.Skip(static_cast<size_t>(seq.frame_presentation_time_length));
    }
    f.showable_frame = f.show_frame ? f.frame_type != kKeyFrame : br.Flag();
    const bool forced = f.frame_type == kSwitchFrame || (f.frame_type == kKeyFrame && f.show_frame);
    f.error_resilient = forced ? true : br.Flag();
  }
  const bool shown_key = f.frame_type == kKeyFrame && f.show_frame;
  if (shown_key) refs.fill(RefSlot{});
  const bool disable_cdf_update = br.Flag();
  f.allow_screen_content_tools = seq.seq_force_screen_content_tools == kSelect
                                     ? br.Flag()
                                     : seq.seq_force_screen_content_tools != 0;
  if (f.allow_screen_content_tools) {
    f.force_integer_mv =
        seq.seq_force_integer_mv == kSelect ? br.Flag() : seq.seq_force_integer_mv != 0;
  }
  if (f.intra) f.force_integer_mv = true;
  if (seq.frame_id_numbers_present) br.Skip(static_cast<size_t>(seq.frame_id_length));
  if (f.frame_type == kSwitchFrame) {
    f.frame_size_override = true;
  } else if (!seq.reduced_still_picture_header) {
    f.frame_size_override = br.Flag();
  }
  f.order_hint = br.Bits(seq.order_hint_bits);
  if (!f.intra && !f.error_resilient) f.primary_ref_frame = static_cast<int>(br.Bits(3));
  SkipBufferRemovalTimes(br, seq, temporal_id, spatial_id);
  f.refresh_frame_flags = f.frame_type == kSwitchFrame || shown_key
                              ? uint8_t{0xff}
                              : static_cast<uint8_t>(br.Bits(8));
  if ((!f.intra || f.refresh_frame_flags != 0xff) && f.error_resilient && seq.enable_order_hint) {
    for (RefSlot& ref : refs) {
      const uint32_t hint = br.Bits(seq.order_hint_bits);  // ref_order_hint[i]
      if (hint != ref.order_hint) ref = RefSlot{false, 0, 0, 0, 0, 0, hint, {}, {}};
    }
  }
  if (!f.intra) RETURN_IF_ERROR(ReadInterRefs(br, seq, refs, f));
  if (f.intra) {
    ReadFrameSize(br, seq, f);
    if (f.allow_screen_content_tools && f.upscaled_width == f.frame_width) {
      f.allow_intrabc = br.Flag();
    }
  }
  if (!seq.reduced_still_picture_header && !disable_cdf_update) {
    br.Skip(1);  // disable_frame_end_update_cdf
  }
  return Status::Ok();
}

// The rest of uncompressed_header(), from tile_info() on (§5.9.2).
void ReadFrameTools(FrameBitReader& br, const Av1SequenceParams& seq,
                    std::span<const RefSlot, kNumRefFrames> refs, Frame& f) {
  ReadTileInfo(br, seq, f);
  ReadQuantization(br, seq, f);
  ReadSegmentation(br, refs, f);
  ReadDeltasAndLossless(br, f);
  SkipLoopFilter(br, seq, f);
  SkipCdef(br, seq, f);
  SkipLoopRestoration(br, seq, f);
  if (!f.coded_lossless) br.Skip(1);  // tx_mode_select
  f.reference_select = f.intra ? false : br.Flag();
  if (SkipModeAllowed(seq, refs, f)) br.Skip(1);  // skip_mode_present
  if (!f.intra && !f.error_resilient && seq.enable_warped_motion) br.Skip(1);
  br.Skip(1);  // reduced_tx_set
  SkipGlobalMotion(br, f);
  SkipFilmGrain(br, seq, f);
}

}  // namespace

StatusOr<Av1FrameHeaderInfo> Av1FrameHeaderParser::Parse(std::span<const uint8_t> payload,
                                                         int temporal_id, int spatial_id) {
  FrameBitReader br(payload);
  std::array<RefSlot, kNumRefFrames> refs = refs_;
  if (!seq_.reduced_still_picture_header && br.Flag()) {  // show_existing_frame
    ASSIGN_OR_RETURN(Av1FrameHeaderInfo info, ReadShowExisting(br, seq_, refs));
    refs_ = refs;
    return info;
  }
  Frame f;
  RETURN_IF_ERROR(ReadFrameStart(br, seq_, temporal_id, spatial_id, refs, f));
  ReadFrameTools(br, seq_, refs, f);
  if (br.overrun()) return InvalidArgument("AV1: frame header runs past the end of its OBU");
  if (f.frame_width == 0 || f.frame_height == 0) {
    return InvalidArgument("AV1: frame size taken from a reference slot with no frame");
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    if (!(f.refresh_frame_flags & (1u << i))) continue;
    refs[i] = RefSlot{true, f.frame_type, f.upscaled_width, f.frame_height, f.render_width,
                      f.render_height, f.order_hint, f.seg_alt_q_enabled, f.seg_alt_q};
  }
  refs_ = refs;
  Av1FrameHeaderInfo info;
  info.header_bytes = br.byte_position();
  info.tiles = f.tiles;
  return info;
}

}  // namespace vtp::cenc
