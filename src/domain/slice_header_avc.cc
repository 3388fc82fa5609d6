#include "domain/slice_header.h"

#include <string>

namespace vtp::cenc {
namespace {

constexpr uint32_t kMaxSpsId = 31;
constexpr uint32_t kMaxPpsId = 255;
// Loops driven by stream values stop here: no legal stream comes near.
constexpr int kMaxListOps = 256;

enum SliceType : uint32_t { kP = 0, kB = 1, kI = 2, kSp = 3, kSi = 4 };

Status Damaged(const char* what) {
  return InvalidArgument(std::string("H.264 ") + what + ": truncated or damaged");
}

// Profiles whose SPS carries chroma_format_idc .. scaling matrices
// (H.264 §7.3.2.1.1).
bool HasChromaInfo(uint32_t profile_idc) {
  switch (profile_idc) {
    case 100: case 110: case 122: case 244: case 44: case 83: case 86:
    case 118: case 128: case 138: case 139: case 134: case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() (§7.3.2.1.1.1), read only to get past it.
void SkipScalingList(NalBitReader& br, int size) {
  int last = 8;
  int next = 8;
  for (int j = 0; j < size && !br.overrun(); ++j) {
    if (next != 0) next = (last + br.Se() + 256) % 256;
    last = next == 0 ? last : next;
  }
}

// The high-profile block of the SPS, from chroma_format_idc through the
// scaling matrices.
void ReadSpsChromaInfo(NalBitReader& br, AvcSpsInfo& sps) {
  const uint32_t chroma_format_idc = br.Ue();
  if (chroma_format_idc == 3) sps.separate_colour_plane = br.Flag();
  sps.chroma_array_type = sps.separate_colour_plane ? 0 : chroma_format_idc;
  br.Ue();    // bit_depth_luma_minus8
  br.Ue();    // bit_depth_chroma_minus8
  br.Flag();  // qpprime_y_zero_transform_bypass_flag
  if (br.Flag()) {  // seq_scaling_matrix_present_flag
    const int lists = chroma_format_idc != 3 ? 8 : 12;
    for (int i = 0; i < lists; ++i) {
      if (br.Flag()) SkipScalingList(br, i < 6 ? 16 : 64);
    }
  }
}

uint32_t CeilLog2(uint64_t v) {
  uint32_t n = 0;
  while ((uint64_t{1} << n) < v) ++n;
  return n;
}

// PPS slice group syntax (§7.3.2.2), read only to get past it.
void ReadSliceGroups(NalBitReader& br, AvcPpsInfo& pps) {
  pps.slice_group_map_type = br.Ue();
  const uint32_t groups = pps.num_slice_groups_minus1 + 1;
  switch (pps.slice_group_map_type) {
    case 0:
      for (uint32_t i = 0; i < groups && !br.overrun(); ++i) br.Ue();  // run_length_minus1
      break;
    case 2:
      for (uint32_t i = 0; i + 1 < groups && !br.overrun(); ++i) {
        br.Ue();  // top_left
        br.Ue();  // bottom_right
      }
      break;
    case 3: case 4: case 5:
      br.Flag();  // slice_group_change_direction_flag
      pps.slice_group_change_rate = br.Ue() + 1;
      break;
    case 6: {
      const uint64_t units = uint64_t{br.Ue()} + 1;
      br.SkipBits(units * CeilLog2(groups));  // slice_group_id[]
      break;
    }
    default:
      break;
  }
}

// ref_pic_list_modification() (§7.3.3.1) for one list.
bool SkipRefPicListModification(NalBitReader& br) {
  if (!br.Flag()) return true;  // ref_pic_list_modification_flag_lX
  for (int n = 0; n < kMaxListOps && !br.overrun(); ++n) {
    const uint32_t idc = br.Ue();  // modification_of_pic_nums_idc
    if (idc == 3) return true;
    if (idc > 5) return false;
    br.Ue();  // abs_diff_pic_num_minus1 / long_term_pic_num / abs_diff_view_idx_minus1
  }
  return false;
}

// pred_weight_table() (§7.3.3.2).
void SkipPredWeightTable(NalBitReader& br, uint32_t chroma_array_type, bool is_b,
                         uint32_t l0_minus1, uint32_t l1_minus1) {
  br.Ue();  // luma_log2_weight_denom
  if (chroma_array_type != 0) br.Ue();  // chroma_log2_weight_denom
  for (int list = 0; list < (is_b ? 2 : 1); ++list) {
    const uint32_t count = (list == 0 ? l0_minus1 : l1_minus1) + 1;
    for (uint32_t i = 0; i < count && !br.overrun(); ++i) {
      if (br.Flag()) {  // luma_weight_lX_flag
        br.Se();
        br.Se();
      }
      if (chroma_array_type != 0 && br.Flag()) {  // chroma_weight_lX_flag
        for (int j = 0; j < 4; ++j) br.Se();
      }
    }
  }
}

// dec_ref_pic_marking() (§7.3.3.3).
bool SkipDecRefPicMarking(NalBitReader& br, bool idr) {
  if (idr) {
    br.SkipBits(2);  // no_output_of_prior_pics_flag, long_term_reference_flag
    return true;
  }
  if (!br.Flag()) return true;  // adaptive_ref_pic_marking_mode_flag
  for (int n = 0; n < kMaxListOps && !br.overrun(); ++n) {
    const uint32_t op = br.Ue();  // memory_management_control_operation
    if (op == 0) return true;
    if (op > 6) return false;
    if (op == 1 || op == 3) br.Ue();  // difference_of_pic_nums_minus1
    if (op == 2) br.Ue();             // long_term_pic_num
    if (op == 3 || op == 6) br.Ue();  // long_term_frame_idx
    if (op == 4) br.Ue();             // max_long_term_frame_idx_plus1
  }
  return false;
}

struct SliceStart {
  uint32_t nal_ref_idc = 0;
  bool idr = false;
  uint32_t slice_type = 0;
  const AvcPpsInfo* pps = nullptr;
  const AvcSpsInfo* sps = nullptr;
};

// slice_header() from frame_num through the reference fields that precede
// ref_pic_list_modification() (§7.3.3). Returns num_ref_idx_lX_active_minus1.
std::pair<uint32_t, uint32_t> ReadPicFields(NalBitReader& br, const SliceStart& s) {
  const AvcSpsInfo& sps = *s.sps;
  const AvcPpsInfo& pps = *s.pps;
  if (sps.separate_colour_plane) br.Bits(2);  // colour_plane_id
  br.Bits(static_cast<int>(sps.log2_max_frame_num));  // frame_num
  bool field_pic = false;
  if (!sps.frame_mbs_only) {
    field_pic = br.Flag();
    if (field_pic) br.Flag();  // bottom_field_flag
  }
  if (s.idr) br.Ue();  // idr_pic_id
  const bool bottom_delta = pps.bottom_field_pic_order_in_frame_present && !field_pic;
  if (sps.pic_order_cnt_type == 0) {
    br.Bits(static_cast<int>(sps.log2_max_poc_lsb));  // pic_order_cnt_lsb
    if (bottom_delta) br.Se();                         // delta_pic_order_cnt_bottom
  }
  if (sps.pic_order_cnt_type == 1 && !sps.delta_pic_order_always_zero) {
    br.Se();  // delta_pic_order_cnt[0]
    if (bottom_delta) br.Se();
  }
  if (pps.redundant_pic_cnt_present) br.Ue();
  if (s.slice_type == kB) br.Flag();  // direct_spatial_mv_pred_flag
  uint32_t l0 = pps.num_ref_idx_l0_default_minus1;
  uint32_t l1 = pps.num_ref_idx_l1_default_minus1;
  if ((s.slice_type == kP || s.slice_type == kSp || s.slice_type == kB) && br.Flag()) {
    l0 = br.Ue();
    if (s.slice_type == kB) l1 = br.Ue();
  }
  return {l0, l1};
}

// The rest of slice_header() after the reference counts, through
// slice_group_change_cycle, then cabac_alignment_one_bit (§7.3.4).
Status ReadSliceTail(NalBitReader& br, const SliceStart& s, uint32_t l0, uint32_t l1) {
  const AvcSpsInfo& sps = *s.sps;
  const AvcPpsInfo& pps = *s.pps;
  const uint32_t t = s.slice_type;
  if (l0 > 31 || l1 > 31) return InvalidArgument("H.264 slice: num_ref_idx_active > 32");
  if (t != kI && t != kSi && !SkipRefPicListModification(br)) return Damaged("ref_pic_list_modification");
  if (t == kB && !SkipRefPicListModification(br)) return Damaged("ref_pic_list_modification");
  if ((pps.weighted_pred && (t == kP || t == kSp)) || (pps.weighted_bipred_idc == 1 && t == kB)) {
    SkipPredWeightTable(br, sps.chroma_array_type, t == kB, l0, l1);
  }
  if (s.nal_ref_idc != 0 && !SkipDecRefPicMarking(br, s.idr)) return Damaged("dec_ref_pic_marking");
  if (pps.entropy_coding_mode && t != kI && t != kSi) br.Ue();  // cabac_init_idc
  br.Se();                                                      // slice_qp_delta
  if (t == kSp) br.Flag();                                      // sp_for_switch_flag
  if (t == kSp || t == kSi) br.Se();                            // slice_qs_delta
  if (pps.deblocking_filter_control_present && br.Ue() != 1) {  // disable_deblocking_filter_idc
    br.Se();  // slice_alpha_c0_offset_div2
    br.Se();  // slice_beta_offset_div2
  }
  if (pps.num_slice_groups_minus1 > 0 && pps.slice_group_map_type >= 3 &&
      pps.slice_group_map_type <= 5) {
    const uint64_t cycles = uint64_t{sps.pic_size_in_map_units} / pps.slice_group_change_rate + 1;
    br.Bits(static_cast<int>(CeilLog2(cycles)));  // slice_group_change_cycle
  }
  if (br.overrun()) return Damaged("slice header");
  if (pps.entropy_coding_mode) {
    while (!br.ByteAligned()) {
      if (!br.Flag()) return InvalidArgument("H.264 slice: cabac_alignment_one_bit is 0");
    }
  }
  return br.overrun() ? Damaged("slice header") : Status::Ok();
}

}  // namespace

Status AvcSliceHeaderParser::AddSps(std::span<const uint8_t> nal) {
  NalBitReader br(nal);
  br.Bits(8);  // NAL unit header
  AvcSpsInfo sps;
  const uint32_t profile_idc = br.Bits(8);
  br.Bits(16);  // constraint flags, level_idc
  const uint32_t id = br.Ue();
  if (HasChromaInfo(profile_idc)) ReadSpsChromaInfo(br, sps);
  sps.log2_max_frame_num = br.Ue() + 4;
  sps.pic_order_cnt_type = br.Ue();
  if (sps.pic_order_cnt_type == 0) {
    sps.log2_max_poc_lsb = br.Ue() + 4;
  } else if (sps.pic_order_cnt_type == 1) {
    sps.delta_pic_order_always_zero = br.Flag();
    br.Se();  // offset_for_non_ref_pic
    br.Se();  // offset_for_top_to_bottom_field
    const uint32_t cycle = br.Ue();
    if (cycle > 255) return Damaged("SPS");
    for (uint32_t i = 0; i < cycle; ++i) br.Se();
  }
  br.Ue();    // max_num_ref_frames
  br.Flag();  // gaps_in_frame_num_value_allowed_flag
  const uint64_t width_mbs = uint64_t{br.Ue()} + 1;
  const uint64_t height_map_units = uint64_t{br.Ue()} + 1;
  sps.frame_mbs_only = br.Flag();
  if (br.overrun() || id > kMaxSpsId || sps.log2_max_frame_num > 16 ||
      sps.log2_max_poc_lsb > 16 || sps.pic_order_cnt_type > 2 || sps.chroma_array_type > 3 ||
      width_mbs * height_map_units > UINT32_MAX) {
    return Damaged("SPS");
  }
  sps.pic_size_in_map_units = static_cast<uint32_t>(width_mbs * height_map_units);
  sps_[id] = sps;
  return Status::Ok();
}

Status AvcSliceHeaderParser::AddPps(std::span<const uint8_t> nal) {
  NalBitReader br(nal);
  br.Bits(8);  // NAL unit header
  AvcPpsInfo pps;
  const uint32_t id = br.Ue();
  pps.sps_id = br.Ue();
  pps.entropy_coding_mode = br.Flag();
  pps.bottom_field_pic_order_in_frame_present = br.Flag();
  pps.num_slice_groups_minus1 = br.Ue();
  if (pps.num_slice_groups_minus1 > 7) return Damaged("PPS");
  if (pps.num_slice_groups_minus1 > 0) ReadSliceGroups(br, pps);
  pps.num_ref_idx_l0_default_minus1 = br.Ue();
  pps.num_ref_idx_l1_default_minus1 = br.Ue();
  pps.weighted_pred = br.Flag();
  pps.weighted_bipred_idc = br.Bits(2);
  br.Se();  // pic_init_qp_minus26
  br.Se();  // pic_init_qs_minus26
  br.Se();  // chroma_qp_index_offset
  pps.deblocking_filter_control_present = br.Flag();
  br.Flag();  // constrained_intra_pred_flag
  pps.redundant_pic_cnt_present = br.Flag();
  if (br.overrun() || id > kMaxPpsId || pps.sps_id > kMaxSpsId ||
      pps.num_ref_idx_l0_default_minus1 > 31 || pps.num_ref_idx_l1_default_minus1 > 31 ||
      pps.slice_group_change_rate == 0) {
    return Damaged("PPS");
  }
  pps_[id] = pps;
  return Status::Ok();
}

StatusOr<size_t> AvcSliceHeaderParser::HeaderSize(std::span<const uint8_t> nal) const {
  NalBitReader br(nal);
  SliceStart s;
  br.Flag();  // forbidden_zero_bit
  s.nal_ref_idc = br.Bits(2);
  const uint32_t nal_unit_type = br.Bits(5);
  if (nal_unit_type < 1 || nal_unit_type > 5) {
    return InvalidArgument("H.264: NAL type " + std::to_string(nal_unit_type) + " is no slice");
  }
  s.idr = nal_unit_type == 5;
  br.Ue();  // first_mb_in_slice
  const uint32_t slice_type = br.Ue();
  if (slice_type > 9) return Damaged("slice_type");
  s.slice_type = slice_type % 5;
  const uint32_t pps_id = br.Ue();
  if (br.overrun()) return Damaged("slice header");
  const auto pps = pps_.find(pps_id);
  if (pps == pps_.end()) {
    return InvalidArgument("H.264 slice refers to unknown PPS id " + std::to_string(pps_id));
  }
  const auto sps = sps_.find(pps->second.sps_id);
  if (sps == sps_.end()) {
    return InvalidArgument("H.264 PPS " + std::to_string(pps_id) + " refers to unknown SPS id " +
                           std::to_string(pps->second.sps_id));
  }
  s.pps = &pps->second;
  s.sps = &sps->second;
  const auto [l0, l1] = ReadPicFields(br, s);
  RETURN_IF_ERROR(ReadSliceTail(br, s, l0, l1));
  return br.EscapedBytesConsumed();
}

}  // namespace vtp::cenc
