#include "domain/slice_header.h"

#include <algorithm>
#include <string>

namespace vtp::cenc {
namespace {

constexpr uint32_t kMaxSpsId = 15;
constexpr uint32_t kMaxPpsId = 63;
constexpr uint32_t kMaxStRps = 64;      // num_short_term_ref_pic_sets <= 64
constexpr uint32_t kMaxRpsPics = 16;    // num_negative/positive_pics < MaxDpbSize
constexpr uint32_t kMaxLtPics = 32;     // num_long_term_ref_pics_sps <= 32
constexpr uint32_t kMaxEntryPoints = 1u << 16;

enum SliceType : uint32_t { kB = 0, kP = 1, kI = 2 };

Status Damaged(const char* what) {
  return InvalidArgument(std::string("H.265 ") + what + ": truncated or damaged");
}

uint32_t CeilLog2(uint64_t v) {
  uint32_t n = 0;
  while ((uint64_t{1} << n) < v) ++n;
  return n;
}

// profile_tier_level(1, max_sub_layers_minus1) (§7.3.3), skipped.
void SkipProfileTierLevel(NalBitReader& br, uint32_t max_sub_layers_minus1) {
  br.SkipBits(96);  // general profile, tier, flags and level_idc
  bool profile_present[8] = {};
  bool level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.Flag();
    level_present[i] = br.Flag();
  }
  if (max_sub_layers_minus1 > 0) br.SkipBits(2 * (8 - max_sub_layers_minus1));
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) br.SkipBits(88);
    if (level_present[i]) br.SkipBits(8);
  }
}

// scaling_list_data() (§7.3.4), skipped.
void SkipScalingListData(NalBitReader& br) {
  for (int size_id = 0; size_id < 4; ++size_id) {
    for (int matrix_id = 0; matrix_id < 6; matrix_id += size_id == 3 ? 3 : 1) {
      if (!br.Flag()) {  // scaling_list_pred_mode_flag
        br.Ue();         // scaling_list_pred_matrix_id_delta
        continue;
      }
      const int coefs = std::min(64, 1 << (4 + (size_id << 1)));
      if (size_id > 1) br.Se();  // scaling_list_dc_coef_minus8
      for (int i = 0; i < coefs && !br.overrun(); ++i) br.Se();
    }
  }
}

// st_ref_pic_set() with inter_ref_pic_set_prediction_flag == 1: the new set
// is derived from a reference set as in §7.4.8 (equations 7-61, 7-62),
// because later sets and NumPicTotalCurr depend on the derived lists.
bool ReadPredictedRps(NalBitReader& br, uint32_t idx, bool in_slice_header,
                      const std::vector<HevcShortTermRps>& sets, HevcShortTermRps& out) {
  const uint32_t delta_idx = in_slice_header ? br.Ue() + 1 : 1;
  if (delta_idx > idx) return false;
  const HevcShortTermRps& ref = sets[idx - delta_idx];
  const bool sign = br.Flag();
  const int64_t abs_delta = int64_t{br.Ue()} + 1;
  const int64_t delta_rps = sign ? -abs_delta : abs_delta;
  const size_t n = ref.NumDeltaPocs();
  std::vector<bool> used(n + 1);
  std::vector<bool> use_delta(n + 1, true);
  for (size_t j = 0; j <= n; ++j) {
    used[j] = br.Flag();
    if (!used[j]) use_delta[j] = br.Flag();
  }
  const size_t neg = ref.delta_poc_s0.size();
  auto add = [&](int64_t d, size_t j) {
    if (d < 0 && use_delta[j]) {
      out.delta_poc_s0.push_back(static_cast<int32_t>(d));
      out.used_s0.push_back(used[j]);
    } else if (d > 0 && use_delta[j]) {
      out.delta_poc_s1.push_back(static_cast<int32_t>(d));
      out.used_s1.push_back(used[j]);
    }
  };
  // S0 in decreasing POC order, then S1 in increasing order (7-61, 7-62).
  for (size_t j = ref.delta_poc_s1.size(); j-- > 0;) {
    if (ref.delta_poc_s1[j] + delta_rps < 0) add(ref.delta_poc_s1[j] + delta_rps, neg + j);
  }
  if (delta_rps < 0) add(delta_rps, n);
  for (size_t j = 0; j < neg; ++j) {
    if (ref.delta_poc_s0[j] + delta_rps < 0) add(ref.delta_poc_s0[j] + delta_rps, j);
  }
  for (size_t j = neg; j-- > 0;) {
    if (ref.delta_poc_s0[j] + delta_rps > 0) add(ref.delta_poc_s0[j] + delta_rps, j);
  }
  if (delta_rps > 0) add(delta_rps, n);
  for (size_t j = 0; j < ref.delta_poc_s1.size(); ++j) {
    if (ref.delta_poc_s1[j] + delta_rps > 0) add(ref.delta_poc_s1[j] + delta_rps, neg + j);
  }
  return out.delta_poc_s0.size() <= kMaxRpsPics && out.delta_poc_s1.size() <= kMaxRpsPics;
}

// st_ref_pic_set(idx) (§7.3.7); `sets` holds sets 0..idx-1. In a slice
// header idx is num_short_term_ref_pic_sets (§7.4.8) and delta_idx_minus1
// is present.
bool ReadStRps(NalBitReader& br, uint32_t idx, bool in_slice_header,
               const std::vector<HevcShortTermRps>& sets, HevcShortTermRps& out) {
  if (idx != 0 && br.Flag()) return ReadPredictedRps(br, idx, in_slice_header, sets, out);
  const uint32_t negative = br.Ue();
  const uint32_t positive = br.Ue();
  if (negative > kMaxRpsPics || positive > kMaxRpsPics) return false;
  int64_t poc = 0;
  for (uint32_t i = 0; i < negative; ++i) {
    poc -= int64_t{br.Ue()} + 1;
    out.delta_poc_s0.push_back(static_cast<int32_t>(poc));
    out.used_s0.push_back(br.Flag());
  }
  poc = 0;
  for (uint32_t i = 0; i < positive; ++i) {
    poc += int64_t{br.Ue()} + 1;
    out.delta_poc_s1.push_back(static_cast<int32_t>(poc));
    out.used_s1.push_back(br.Flag());
  }
  return !br.overrun();
}

struct PicSize {
  uint32_t width = 0;
  uint32_t height = 0;
};

// The SPS from chroma_format_idc through log2_max_pic_order_cnt_lsb_minus4
// (§7.3.2.2.1); returns the picture size in luma samples.
StatusOr<PicSize> ReadSpsFormat(NalBitReader& br, HevcSpsInfo& sps) {
  const uint32_t chroma_format_idc = br.Ue();
  if (chroma_format_idc == 3) sps.separate_colour_plane = br.Flag();
  sps.chroma_array_type = sps.separate_colour_plane ? 0 : chroma_format_idc;
  PicSize size;
  size.width = br.Ue();
  size.height = br.Ue();
  if (br.Flag()) {  // conformance_window_flag
    for (int i = 0; i < 4; ++i) br.Ue();
  }
  br.Ue();  // bit_depth_luma_minus8
  br.Ue();  // bit_depth_chroma_minus8
  sps.log2_max_poc_lsb = br.Ue() + 4;
  if (br.overrun() || chroma_format_idc > 3 || sps.log2_max_poc_lsb > 16 || size.width == 0 ||
      size.height == 0) {
    return Damaged("SPS");
  }
  return size;
}

// The SPS from log2_min_luma_coding_block_size_minus3 through pcm; sets
// PicSizeInCtbsY (§7.4.3.2.1).
Status ReadSpsBlockSizes(NalBitReader& br, PicSize pic, HevcSpsInfo& sps) {
  const uint32_t log2_min_cb = br.Ue() + 3;
  const uint32_t log2_ctb = log2_min_cb + br.Ue();
  for (int i = 0; i < 4; ++i) br.Ue();  // transform block sizes and depths
  if (br.Flag() && br.Flag()) SkipScalingListData(br);  // scaling_list_enabled, data present
  br.Flag();                                            // amp_enabled_flag
  sps.sample_adaptive_offset_enabled = br.Flag();
  if (br.Flag()) {     // pcm_enabled_flag
    br.SkipBits(8);    // pcm_sample_bit_depth_luma/chroma_minus1
    br.Ue();           // log2_min_pcm_luma_coding_block_size_minus3
    br.Ue();           // log2_diff_max_min_pcm_luma_coding_block_size
    br.Flag();         // pcm_loop_filter_disabled_flag
  }
  if (br.overrun() || log2_ctb < 4 || log2_ctb > 6) return Damaged("SPS");
  const uint64_t ctb = uint64_t{1} << log2_ctb;
  const uint64_t ctbs = ((pic.width + ctb - 1) / ctb) * ((pic.height + ctb - 1) / ctb);
  if (ctbs > UINT32_MAX) return Damaged("SPS");
  sps.pic_size_in_ctbs = static_cast<uint32_t>(ctbs);
  return Status::Ok();
}

// The SPS reference picture syntax through sps_temporal_mvp_enabled_flag.
Status ReadSpsReferences(NalBitReader& br, HevcSpsInfo& sps) {
  const uint32_t sets = br.Ue();
  if (sets > kMaxStRps) return Damaged("SPS");
  for (uint32_t i = 0; i < sets; ++i) {
    HevcShortTermRps rps;
    if (!ReadStRps(br, i, false, sps.st_rps, rps)) return Damaged("SPS st_ref_pic_set");
    sps.st_rps.push_back(std::move(rps));
  }
  sps.long_term_ref_pics_present = br.Flag();
  if (sps.long_term_ref_pics_present) {
    const uint32_t lt = br.Ue();
    if (lt > kMaxLtPics) return Damaged("SPS");
    for (uint32_t i = 0; i < lt; ++i) {
      br.Bits(static_cast<int>(sps.log2_max_poc_lsb));  // lt_ref_pic_poc_lsb_sps
      sps.used_by_curr_pic_lt_sps.push_back(br.Flag());
    }
  }
  sps.temporal_mvp_enabled = br.Flag();
  return br.overrun() ? Damaged("SPS") : Status::Ok();
}

// The PPS from tiles_enabled_flag through the extensions (§7.3.2.3.1,
// §7.3.2.3.2).
Status ReadPpsTail(NalBitReader& br, bool transform_skip, HevcPpsInfo& pps) {
  const bool tiles = br.Flag();
  pps.tiles_or_entropy_sync = br.Flag() || tiles;  // entropy_coding_sync_enabled_flag
  if (tiles) {
    const uint32_t cols = br.Ue();
    const uint32_t rows = br.Ue();
    if (cols > 64 || rows > 64) return Damaged("PPS");
    if (!br.Flag()) {  // uniform_spacing_flag
      for (uint32_t i = 0; i < cols + rows; ++i) br.Ue();
    }
    br.Flag();  // loop_filter_across_tiles_enabled_flag
  }
  pps.loop_filter_across_slices_enabled = br.Flag();
  if (br.Flag()) {  // deblocking_filter_control_present_flag
    pps.deblocking_filter_override_enabled = br.Flag();
    pps.deblocking_filter_disabled = br.Flag();
    if (!pps.deblocking_filter_disabled) {
      br.Se();  // pps_beta_offset_div2
      br.Se();  // pps_tc_offset_div2
    }
  }
  if (br.Flag()) SkipScalingListData(br);  // pps_scaling_list_data_present_flag
  pps.lists_modification_present = br.Flag();
  br.Ue();  // log2_parallel_merge_level_minus2
  pps.slice_segment_header_extension_present = br.Flag();
  if (!br.Flag()) return br.overrun() ? Damaged("PPS") : Status::Ok();  // pps_extension_present
  const bool range = br.Flag();
  br.Flag();  // pps_multilayer_extension_flag
  br.Flag();  // pps_3d_extension_flag
  if (br.Flag()) return InvalidArgument("H.265 PPS: screen content coding is not supported");
  br.Bits(4);  // pps_extension_4bits
  if (range) {
    if (transform_skip) br.Ue();  // log2_max_transform_skip_block_size_minus2
    br.Flag();                    // cross_component_prediction_enabled_flag
    pps.chroma_qp_offset_list_enabled = br.Flag();
  }
  return br.overrun() ? Damaged("PPS") : Status::Ok();
}

// ---------------------------------------------------------------- slices --

struct RefInfo {
  uint32_t num_pic_total_curr = 0;
  bool temporal_mvp = false;
};

// Long-term reference syntax of slice_segment_header() (§7.3.6.1); returns
// how many long-term pictures are used by the current picture.
StatusOr<uint32_t> ReadLongTermRefs(NalBitReader& br, const HevcSpsInfo& sps) {
  const std::vector<bool>& lt_sps = sps.used_by_curr_pic_lt_sps;
  const uint32_t num_sps = lt_sps.empty() ? 0 : br.Ue();
  const uint32_t num_pics = br.Ue();
  if (num_sps > lt_sps.size() || num_pics > kMaxLtPics) return Damaged("slice long-term refs");
  uint32_t used = 0;
  for (uint32_t i = 0; i < num_sps + num_pics && !br.overrun(); ++i) {
    if (i < num_sps) {
      const uint32_t idx = lt_sps.size() > 1 ? br.Bits(static_cast<int>(CeilLog2(lt_sps.size()))) : 0;
      if (idx >= lt_sps.size()) return Damaged("slice lt_idx_sps");
      used += lt_sps[idx] ? 1 : 0;
    } else {
      br.Bits(static_cast<int>(sps.log2_max_poc_lsb));  // poc_lsb_lt
      used += br.Flag() ? 1 : 0;                          // used_by_curr_pic_lt_flag
    }
    if (br.Flag()) br.Ue();  // delta_poc_msb_present_flag, delta_poc_msb_cycle_lt
  }
  return used;
}

// slice_pic_order_cnt_lsb through slice_temporal_mvp_enabled_flag.
StatusOr<RefInfo> ReadReferenceFields(NalBitReader& br, const HevcSpsInfo& sps) {
  br.Bits(static_cast<int>(sps.log2_max_poc_lsb));  // slice_pic_order_cnt_lsb
  HevcShortTermRps own;
  const HevcShortTermRps* rps = &own;
  const uint32_t sets = static_cast<uint32_t>(sps.st_rps.size());
  if (!br.Flag()) {  // short_term_ref_pic_set_sps_flag
    if (!ReadStRps(br, sets, true, sps.st_rps, own)) return Damaged("slice st_ref_pic_set");
  } else {
    const uint32_t idx = sets > 1 ? br.Bits(static_cast<int>(CeilLog2(sets))) : 0;
    if (idx >= sets) return Damaged("slice short_term_ref_pic_set_idx");
    rps = &sps.st_rps[idx];
  }
  RefInfo info;
  for (bool used : rps->used_s0) info.num_pic_total_curr += used ? 1 : 0;
  for (bool used : rps->used_s1) info.num_pic_total_curr += used ? 1 : 0;
  if (sps.long_term_ref_pics_present) {
    ASSIGN_OR_RETURN(const uint32_t lt_used, ReadLongTermRefs(br, sps));
    info.num_pic_total_curr += lt_used;
  }
  if (sps.temporal_mvp_enabled) info.temporal_mvp = br.Flag();
  return info;
}

// pred_weight_table() (§7.3.6.3). For single-layer streams every reference
// picture has a POC other than the current one, so every flag is present.
void SkipPredWeightTable(NalBitReader& br, uint32_t chroma_array_type, bool is_b,
                         uint32_t l0_minus1, uint32_t l1_minus1) {
  br.Ue();                                // luma_log2_weight_denom
  if (chroma_array_type != 0) br.Se();    // delta_chroma_log2_weight_denom
  for (int list = 0; list < (is_b ? 2 : 1); ++list) {
    const uint32_t count = (list == 0 ? l0_minus1 : l1_minus1) + 1;
    std::vector<bool> luma(count);
    std::vector<bool> chroma(count);
    for (uint32_t i = 0; i < count; ++i) luma[i] = br.Flag();
    if (chroma_array_type != 0) {
      for (uint32_t i = 0; i < count; ++i) chroma[i] = br.Flag();
    }
    for (uint32_t i = 0; i < count; ++i) {
      if (luma[i]) {
        br.Se();  // delta_luma_weight_lX
        br.Se();  // luma_offset_lX
      }
      if (chroma[i]) {
        for (int j = 0; j < 4; ++j) br.Se();  // delta_chroma_weight/offset_lX[i][j]
      }
    }
  }
}

// P/B part of slice_segment_header(): num_ref_idx_active_override_flag
// through five_minus_max_num_merge_cand.
Status ReadInterFields(NalBitReader& br, uint32_t slice_type, const HevcPpsInfo& pps,
                       const HevcSpsInfo& sps, RefInfo refs) {
  const bool is_b = slice_type == kB;
  uint32_t l0 = pps.num_ref_idx_l0_default_minus1;
  uint32_t l1 = pps.num_ref_idx_l1_default_minus1;
  if (br.Flag()) {  // num_ref_idx_active_override_flag
    l0 = br.Ue();
    if (is_b) l1 = br.Ue();
  }
  if (l0 > 14 || l1 > 14) return Damaged("slice num_ref_idx_active");
  if (pps.lists_modification_present && refs.num_pic_total_curr > 1) {
    const uint32_t bits = CeilLog2(refs.num_pic_total_curr);
    if (br.Flag()) br.SkipBits(uint64_t{l0 + 1} * bits);  // list_entry_l0[]
    if (is_b && br.Flag()) br.SkipBits(uint64_t{l1 + 1} * bits);
  }
  if (is_b) br.Flag();                   // mvd_l1_zero_flag
  if (pps.cabac_init_present) br.Flag();  // cabac_init_flag
  if (refs.temporal_mvp) {
    const bool from_l0 = is_b ? br.Flag() : true;  // collocated_from_l0_flag
    if ((from_l0 && l0 > 0) || (!from_l0 && l1 > 0)) br.Ue();  // collocated_ref_idx
  }
  if ((pps.weighted_pred && slice_type == kP) || (pps.weighted_bipred && is_b)) {
    SkipPredWeightTable(br, sps.chroma_array_type, is_b, l0, l1);
  }
  br.Ue();  // five_minus_max_num_merge_cand
  return Status::Ok();
}

// slice_qp_delta through slice_loop_filter_across_slices_enabled_flag.
void ReadQpAndFilters(NalBitReader& br, const HevcPpsInfo& pps, bool sao) {
  br.Se();  // slice_qp_delta
  if (pps.slice_chroma_qp_offsets_present) {
    br.Se();  // slice_cb_qp_offset
    br.Se();  // slice_cr_qp_offset
  }
  if (pps.chroma_qp_offset_list_enabled) br.Flag();  // cu_chroma_qp_offset_enabled_flag
  bool deblocking_disabled = pps.deblocking_filter_disabled;
  if (pps.deblocking_filter_override_enabled && br.Flag()) {  // deblocking_filter_override_flag
    deblocking_disabled = br.Flag();
    if (!deblocking_disabled) {
      br.Se();  // slice_beta_offset_div2
      br.Se();  // slice_tc_offset_div2
    }
  }
  if (pps.loop_filter_across_slices_enabled && (sao || !deblocking_disabled)) br.Flag();
}

// The fields of an independent slice segment, from slice_reserved_flag
// through slice_loop_filter_across_slices_enabled_flag.
Status ReadIndependentFields(NalBitReader& br, uint32_t nal_type, const HevcPpsInfo& pps,
                             const HevcSpsInfo& sps) {
  br.SkipBits(pps.num_extra_slice_header_bits);  // slice_reserved_flag[]
  const uint32_t slice_type = br.Ue();
  if (slice_type > 2) return Damaged("slice_type");
  if (pps.output_flag_present) br.Flag();   // pic_output_flag
  if (sps.separate_colour_plane) br.Bits(2);  // colour_plane_id
  RefInfo refs;
  constexpr uint32_t kIdrWRadl = 19;
  constexpr uint32_t kIdrNLp = 20;
  if (nal_type != kIdrWRadl && nal_type != kIdrNLp) {
    ASSIGN_OR_RETURN(refs, ReadReferenceFields(br, sps));
  }
  bool sao = false;
  if (sps.sample_adaptive_offset_enabled) {
    sao = br.Flag();                                      // slice_sao_luma_flag
    if (sps.chroma_array_type != 0) sao = br.Flag() || sao;  // slice_sao_chroma_flag
  }
  if (slice_type != kI) RETURN_IF_ERROR(ReadInterFields(br, slice_type, pps, sps, refs));
  ReadQpAndFilters(br, pps, sao);
  return Status::Ok();
}

// num_entry_point_offsets through byte_alignment().
Status ReadHeaderEnd(NalBitReader& br, const HevcPpsInfo& pps) {
  if (pps.tiles_or_entropy_sync) {
    const uint32_t offsets = br.Ue();  // num_entry_point_offsets
    if (offsets > kMaxEntryPoints) return Damaged("slice num_entry_point_offsets");
    if (offsets > 0) {
      const uint32_t len = br.Ue() + 1;  // offset_len_minus1 + 1
      if (len > 32) return Damaged("slice offset_len_minus1");
      br.SkipBits(uint64_t{offsets} * len);
    }
  }
  if (pps.slice_segment_header_extension_present) {
    const uint32_t len = br.Ue();
    if (len > 256) return Damaged("slice_segment_header_extension_length");
    br.SkipBits(uint64_t{len} * 8);
  }
  if (br.overrun()) return Damaged("slice segment header");
  if (!br.Flag()) return InvalidArgument("H.265 slice: alignment_bit_equal_to_one is 0");
  while (!br.ByteAligned()) {
    if (br.Flag()) return InvalidArgument("H.265 slice: alignment_bit_equal_to_zero is 1");
  }
  return br.overrun() ? Damaged("slice segment header") : Status::Ok();
}

}  // namespace

Status HevcSliceHeaderParser::AddSps(std::span<const uint8_t> nal) {
  NalBitReader br(nal);
  br.Bits(16);  // NAL unit header
  br.Bits(4);   // sps_video_parameter_set_id
  const uint32_t max_sub_layers_minus1 = br.Bits(3);
  br.Flag();  // sps_temporal_id_nesting_flag
  if (max_sub_layers_minus1 > 6) return Damaged("SPS");
  SkipProfileTierLevel(br, max_sub_layers_minus1);
  const uint32_t id = br.Ue();
  if (id > kMaxSpsId) return Damaged("SPS");
  HevcSpsInfo sps;
  ASSIGN_OR_RETURN(const PicSize pic, ReadSpsFormat(br, sps));
  const bool ordering_for_all = br.Flag();  // sps_sub_layer_ordering_info_present_flag
  for (uint32_t i = ordering_for_all ? 0 : max_sub_layers_minus1; i <= max_sub_layers_minus1; ++i) {
    for (int j = 0; j < 3; ++j) br.Ue();
  }
  RETURN_IF_ERROR(ReadSpsBlockSizes(br, pic, sps));
  RETURN_IF_ERROR(ReadSpsReferences(br, sps));
  sps_[id] = std::move(sps);
  return Status::Ok();
}

Status HevcSliceHeaderParser::AddPps(std::span<const uint8_t> nal) {
  NalBitReader br(nal);
  br.Bits(16);  // NAL unit header
  HevcPpsInfo pps;
  const uint32_t id = br.Ue();
  pps.sps_id = br.Ue();
  pps.dependent_slice_segments_enabled = br.Flag();
  pps.output_flag_present = br.Flag();
  pps.num_extra_slice_header_bits = br.Bits(3);
  br.Flag();  // sign_data_hiding_enabled_flag
  pps.cabac_init_present = br.Flag();
  pps.num_ref_idx_l0_default_minus1 = br.Ue();
  pps.num_ref_idx_l1_default_minus1 = br.Ue();
  br.Se();    // init_qp_minus26
  br.Flag();  // constrained_intra_pred_flag
  const bool transform_skip = br.Flag();
  if (br.Flag()) br.Ue();  // cu_qp_delta_enabled_flag, diff_cu_qp_delta_depth
  br.Se();                 // pps_cb_qp_offset
  br.Se();                 // pps_cr_qp_offset
  pps.slice_chroma_qp_offsets_present = br.Flag();
  pps.weighted_pred = br.Flag();
  pps.weighted_bipred = br.Flag();
  br.Flag();  // transquant_bypass_enabled_flag
  if (br.overrun() || id > kMaxPpsId || pps.sps_id > kMaxSpsId ||
      pps.num_ref_idx_l0_default_minus1 > 14 || pps.num_ref_idx_l1_default_minus1 > 14) {
    return Damaged("PPS");
  }
  RETURN_IF_ERROR(ReadPpsTail(br, transform_skip, pps));
  pps_[id] = pps;
  return Status::Ok();
}

StatusOr<size_t> HevcSliceHeaderParser::HeaderSize(std::span<const uint8_t> nal) const {
  NalBitReader br(nal);
  br.Flag();  // forbidden_zero_bit
  const uint32_t type = br.Bits(6);
  const uint32_t layer = br.Bits(6);
  br.Bits(3);  // nuh_temporal_id_plus1
  if (type > 21 || (type >= 10 && type <= 15)) {
    return InvalidArgument("H.265: NAL type " + std::to_string(type) + " is no known slice type");
  }
  if (layer != 0) return InvalidArgument("H.265: slices of nuh_layer_id > 0 are not supported");
  const bool first_in_pic = br.Flag();
  if (type >= 16) br.Flag();  // no_output_of_prior_pics_flag (IRAP)
  const uint32_t pps_id = br.Ue();
  if (br.overrun()) return Damaged("slice segment header");
  const auto pps = pps_.find(pps_id);
  if (pps == pps_.end()) {
    return InvalidArgument("H.265 slice refers to unknown PPS id " + std::to_string(pps_id));
  }
  const auto sps = sps_.find(pps->second.sps_id);
  if (sps == sps_.end()) {
    return InvalidArgument("H.265 PPS " + std::to_string(pps_id) + " refers to unknown SPS id " +
                           std::to_string(pps->second.sps_id));
  }
  bool dependent = false;
  if (!first_in_pic) {
    if (pps->second.dependent_slice_segments_enabled) dependent = br.Flag();
    br.Bits(static_cast<int>(CeilLog2(sps->second.pic_size_in_ctbs)));  // slice_segment_address
  }
  if (!dependent) RETURN_IF_ERROR(ReadIndependentFields(br, type, pps->second, sps->second));
  RETURN_IF_ERROR(ReadHeaderEnd(br, pps->second));
  return br.EscapedBytesConsumed();
}

}  // namespace vtp::cenc
