// Slice-header length measurement for H.264 and H.265, the piece of
// codec-aware Common Encryption that finds where slice_data() starts
// (ISO/IEC 23001-7 §10.2: the slice header stays clear). Each parser keeps
// the parameter sets it has been given (by id, a later set replacing an
// earlier one with the same id) and measures slice headers against them.
// Pure: bytes in, numbers out. Not thread-safe; one parser per stream.
//
// All NAL units are passed whole, starting at the NAL unit header, with
// emulation prevention bytes in place (as avcC/hvcC and length-prefixed
// samples carry them). Damage, truncation or a reference to a parameter set
// never seen -> kInvalidArgument; nothing is read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/status.h"

namespace vtp::cenc {

// MSB-first reader over an escaped NAL unit: emulation_prevention_three_bytes
// (H.264 §7.4.1, H.265 §7.4.2) are dropped as bytes are loaded, so fields are
// read from the RBSP while the position is still known in on-wire bytes.
// Reads past the end yield 0 and set a sticky overrun flag.
class NalBitReader {
 public:
  explicit NalBitReader(std::span<const uint8_t> nal) : nal_(nal) {}

  uint32_t Bits(int n) {  // 0 <= n <= 32
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | Bit();
    return static_cast<uint32_t>(v);
  }
  bool Flag() { return Bit() != 0; }
  void SkipBits(uint64_t n) {
    for (uint64_t i = 0; i < n && !overrun_; ++i) Bit();
  }
  // ue(v); codes longer than 32 bits count as damage (overrun).
  uint32_t Ue() {
    int zeros = 0;
    while (!overrun_ && Bit() == 0) {
      if (++zeros > 31) {
        overrun_ = true;
        return 0;
      }
    }
    return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + Bits(zeros));
  }
  // se(v).
  int32_t Se() {
    const uint64_t k = Ue();
    return static_cast<int32_t>((k & 1) ? static_cast<int64_t>((k + 1) / 2)
                                        : -static_cast<int64_t>(k / 2));
  }
  bool ByteAligned() const { return bits_left_ == 0; }
  bool overrun() const { return overrun_; }
  // On-wire bytes loaded so far: a partly read byte counts whole, and an
  // emulation prevention byte counts once the byte after it is loaded.
  size_t EscapedBytesConsumed() const { return next_; }

 private:
  uint32_t Bit() {
    if (bits_left_ == 0 && !Load()) return 0;
    --bits_left_;
    return (current_ >> bits_left_) & 1;
  }
  bool Load() {
    if (next_ < nal_.size() && zeros_ >= 2 && nal_[next_] == 3) {
      ++next_;
      zeros_ = 0;
    }
    if (next_ >= nal_.size()) {
      overrun_ = true;
      return false;
    }
    current_ = nal_[next_++];
    zeros_ = current_ == 0 ? zeros_ + 1 : 0;
    bits_left_ = 8;
    return true;
  }

  std::span<const uint8_t> nal_;
  size_t next_ = 0;
  uint8_t current_ = 0;
  int bits_left_ = 0;
  int zeros_ = 0;
  bool overrun_ = false;
};

// ---------------------------------------------------------------- H.264 --

// The SPS fields slice_header() depends on (H.264 §7.3.2.1.1).
struct AvcSpsInfo {
  uint32_t chroma_array_type = 1;
  bool separate_colour_plane = false;
  uint32_t log2_max_frame_num = 4;
  uint32_t pic_order_cnt_type = 0;
  uint32_t log2_max_poc_lsb = 4;
  bool delta_pic_order_always_zero = false;
  bool frame_mbs_only = true;
  uint32_t pic_size_in_map_units = 0;
};

// The PPS fields slice_header() depends on (H.264 §7.3.2.2).
struct AvcPpsInfo {
  uint32_t sps_id = 0;
  bool entropy_coding_mode = false;
  bool bottom_field_pic_order_in_frame_present = false;
  uint32_t num_slice_groups_minus1 = 0;
  uint32_t slice_group_map_type = 0;
  uint32_t slice_group_change_rate = 1;
  uint32_t num_ref_idx_l0_default_minus1 = 0;
  uint32_t num_ref_idx_l1_default_minus1 = 0;
  bool weighted_pred = false;
  uint32_t weighted_bipred_idc = 0;
  bool deblocking_filter_control_present = false;
  bool redundant_pic_cnt_present = false;
};

class AvcSliceHeaderParser {
 public:
  // `nal` is an SPS (nal_unit_type 7) / PPS (8) NAL unit.
  Status AddSps(std::span<const uint8_t> nal);
  Status AddPps(std::span<const uint8_t> nal);

  // `nal` is a coded slice NAL unit (nal_unit_type 1..5). Returns the number
  // of on-wire bytes from the NAL header through the end of slice_header()
  // (with cabac_alignment_one_bits under CABAC), rounded up to whole bytes:
  // slice_data() starts in the last of them (CAVLC) or right after (CABAC).
  StatusOr<size_t> HeaderSize(std::span<const uint8_t> nal) const;

 private:
  std::map<uint32_t, AvcSpsInfo> sps_;
  std::map<uint32_t, AvcPpsInfo> pps_;
};

// ---------------------------------------------------------------- H.265 --

// One st_ref_pic_set() after derivation (H.265 §7.4.8): POC deltas and
// used_by_curr_pic flags of the negative (S0) and positive (S1) lists.
struct HevcShortTermRps {
  std::vector<int32_t> delta_poc_s0;
  std::vector<bool> used_s0;
  std::vector<int32_t> delta_poc_s1;
  std::vector<bool> used_s1;
  size_t NumDeltaPocs() const { return delta_poc_s0.size() + delta_poc_s1.size(); }
};

// The SPS fields slice_segment_header() depends on (H.265 §7.3.2.2).
struct HevcSpsInfo {
  uint32_t chroma_array_type = 1;
  bool separate_colour_plane = false;
  uint32_t pic_size_in_ctbs = 0;
  uint32_t log2_max_poc_lsb = 4;
  std::vector<HevcShortTermRps> st_rps;
  bool long_term_ref_pics_present = false;
  std::vector<bool> used_by_curr_pic_lt_sps;  // one per lt_ref_pic_poc_lsb_sps
  bool temporal_mvp_enabled = false;
  bool sample_adaptive_offset_enabled = false;
};

// The PPS fields slice_segment_header() depends on (H.265 §7.3.2.3).
struct HevcPpsInfo {
  uint32_t sps_id = 0;
  bool dependent_slice_segments_enabled = false;
  bool output_flag_present = false;
  uint32_t num_extra_slice_header_bits = 0;
  bool cabac_init_present = false;
  uint32_t num_ref_idx_l0_default_minus1 = 0;
  uint32_t num_ref_idx_l1_default_minus1 = 0;
  bool slice_chroma_qp_offsets_present = false;
  bool weighted_pred = false;
  bool weighted_bipred = false;
  bool tiles_or_entropy_sync = false;
  bool loop_filter_across_slices_enabled = false;
  bool deblocking_filter_override_enabled = false;
  bool deblocking_filter_disabled = false;
  bool lists_modification_present = false;
  bool slice_segment_header_extension_present = false;
  bool chroma_qp_offset_list_enabled = false;
};

class HevcSliceHeaderParser {
 public:
  // `nal` is an SPS (nal_unit_type 33) / PPS (34) NAL unit. The SPS is read
  // up to sps_temporal_mvp_enabled_flag only, so screen content coding
  // streams (whose SPS extension adds use_integer_mv_flag) are unsupported;
  // a PPS with pps_scc_extension_flag is rejected.
  Status AddSps(std::span<const uint8_t> nal);
  Status AddPps(std::span<const uint8_t> nal);

  // `nal` is a coded slice segment NAL unit of the base layer
  // (nal_unit_type 0..9 or 16..21, nuh_layer_id 0). Returns the number of
  // on-wire bytes from the NAL header through byte_alignment(): slice data
  // starts at the next byte.
  StatusOr<size_t> HeaderSize(std::span<const uint8_t> nal) const;

 private:
  std::map<uint32_t, HevcSpsInfo> sps_;
  std::map<uint32_t, HevcPpsInfo> pps_;
};

}  // namespace vtp::cenc
