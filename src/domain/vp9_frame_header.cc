#include "domain/vp9_frame_header.h"

#include <string>

#include "domain/frame_bit_reader.h"

namespace vtp::cenc {
namespace {

constexpr uint32_t kFrameMarker = 2;
constexpr uint32_t kSyncCode = 0x498342;
constexpr int kColorSpaceRgb = 7;
constexpr int kMaxTileWidthB64 = 64;  // §3 MAX_TILE_WIDTH_B64
constexpr int kMinTileWidthB64 = 4;   // §3 MIN_TILE_WIDTH_B64
constexpr int kMaxSegments = 8;
constexpr int kSegLvlMax = 4;
constexpr int kSegFeatureBits[kSegLvlMax] = {8, 6, 2, 0};
constexpr bool kSegFeatureSigned[kSegLvlMax] = {true, true, false, false};

struct Header {
  int profile = 0;
  bool key_frame = false;
  bool intra_only = false;
  bool error_resilient = false;
  uint8_t refresh_frame_flags = 0;
  uint32_t width = 0;
  uint32_t height = 0;
};

Status ExpectSyncCode(FrameBitReader& br) {
  if (br.Bits(24) != kSyncCode && !br.overrun()) {
    return InvalidArgument("VP9: intra frame without frame_sync_code");
  }
  return Status::Ok();
}

// color_config(), §6.2.2: only read past.
Status SkipColorConfig(FrameBitReader& br, int profile) {
  if (profile >= 2) br.Skip(1);  // ten_or_twelve_bit
  const bool odd_profile = profile == 1 || profile == 3;
  if (static_cast<int>(br.Bits(3)) != kColorSpaceRgb) {
    br.Skip(1);  // color_range
    if (odd_profile) {
      br.Skip(2);  // subsampling_x, subsampling_y
      if (br.Flag()) return InvalidArgument("VP9: reserved_zero bit set in color_config");
    }
  } else if (odd_profile) {
    if (br.Flag()) return InvalidArgument("VP9: reserved_zero bit set in color_config");
  } else {
    return InvalidArgument("VP9: RGB color_space needs profile 1 or 3");
  }
  return Status::Ok();
}

// frame_size() then render_size(), §6.2.3-6.2.4.
void ReadFrameSize(FrameBitReader& br, Header& h) {
  h.width = br.Bits(16) + 1;
  h.height = br.Bits(16) + 1;
}
void SkipRenderSize(FrameBitReader& br) {
  if (br.Flag()) br.Skip(32);
}

// loop_filter_params(), §6.2.8. VP9's su(6) is 6 bits plus a sign bit.
void SkipLoopFilterParams(FrameBitReader& br) {
  br.Skip(6 + 3);  // loop_filter_level, loop_filter_sharpness
  if (!br.Flag() || !br.Flag()) return;  // delta_enabled, delta_update
  for (int i = 0; i < 4 + 2; ++i) {      // 4 ref deltas, 2 mode deltas
    if (br.Flag()) br.Skip(7);
  }
}

// quantization_params(), §6.2.9: base_q_idx and three delta_q su(4).
void SkipQuantizationParams(FrameBitReader& br) {
  br.Skip(8);
  for (int i = 0; i < 3; ++i) {
    if (br.Flag()) br.Skip(5);
  }
}

// segmentation_params(), §6.2.11.
void SkipSegmentationParams(FrameBitReader& br) {
  if (!br.Flag()) return;  // segmentation_enabled
  if (br.Flag()) {         // segmentation_update_map
    for (int i = 0; i < 7; ++i) {
      if (br.Flag()) br.Skip(8);
    }
    if (br.Flag()) {  // segmentation_temporal_update
      for (int i = 0; i < 3; ++i) {
        if (br.Flag()) br.Skip(8);
      }
    }
  }
  if (!br.Flag()) return;  // segmentation_update_data
  br.Skip(1);              // segmentation_abs_or_delta_update
  for (int i = 0; i < kMaxSegments; ++i) {
    for (int j = 0; j < kSegLvlMax; ++j) {
      if (!br.Flag()) continue;  // feature_enabled
      br.Skip(static_cast<size_t>(kSegFeatureBits[j]) + (kSegFeatureSigned[j] ? 1 : 0));
    }
  }
}

// tile_info(), §6.2.13: the number of increment bits depends on the frame
// width in 64x64 superblocks (§7.2.4 calc_min/max_log2_tile_cols).
void SkipTileInfo(FrameBitReader& br, uint32_t width) {
  const int mi_cols = static_cast<int>((width + 7) >> 3);
  const int sb64_cols = (mi_cols + 7) >> 3;
  int min_log2 = 0;
  while ((kMaxTileWidthB64 << min_log2) < sb64_cols) ++min_log2;
  int max_log2 = 1;
  while ((sb64_cols >> max_log2) >= kMinTileWidthB64) ++max_log2;
  --max_log2;
  for (int log2 = min_log2; log2 < max_log2 && br.Flag(); ++log2) {
  }
  if (br.Flag()) br.Skip(1);  // tile_rows_log2, increment_tile_rows_log2
}

// The inter frame part of uncompressed_header() up to the end of
// read_interpolation_filter(), with frame_size_with_refs() (§6.2.6) taking
// the size from the first reference slot flagged found_ref.
Status ReadInterFrameHeader(FrameBitReader& br, std::span<const Vp9FrameSize, 8> refs,
                            Header& h) {
  h.refresh_frame_flags = static_cast<uint8_t>(br.Bits(8));
  uint32_t ref_frame_idx[3] = {};
  for (uint32_t& idx : ref_frame_idx) {
    idx = br.Bits(3);
    br.Skip(1);  // ref_frame_sign_bias
  }
  bool found_ref = false;
  for (int i = 0; i < 3 && !found_ref; ++i) {
    found_ref = br.Flag();
    if (!found_ref || br.overrun()) continue;
    const Vp9FrameSize& ref = refs[ref_frame_idx[i]];
    if (!ref.valid) {
      return InvalidArgument("VP9: frame size taken from reference slot " +
                             std::to_string(ref_frame_idx[i]) + ", which no frame filled");
    }
    h.width = ref.width;
    h.height = ref.height;
  }
  if (!found_ref) ReadFrameSize(br, h);
  SkipRenderSize(br);
  br.Skip(1);                  // allow_high_precision_mv
  if (!br.Flag()) br.Skip(2);  // is_filter_switchable, raw_interpolation_filter
  return Status::Ok();
}

}  // namespace

StatusOr<Vp9FrameLayout> Vp9HeaderParser::Parse(std::span<const uint8_t> frame) {
  FrameBitReader br(frame);
  if (br.Bits(2) != kFrameMarker) {
    return InvalidArgument(br.overrun() ? "VP9: empty frame" : "VP9: bad frame_marker");
  }
  Header h;
  const uint32_t profile_low = br.Bits(1);
  h.profile = static_cast<int>((br.Bits(1) << 1) | profile_low);
  if (h.profile == 3 && br.Flag()) return InvalidArgument("VP9: reserved_zero bit set");
  Vp9FrameLayout layout;
  if (br.Flag()) {  // show_existing_frame: frame_to_show_map_idx, no data
    br.Skip(3);
    if (br.overrun()) return InvalidArgument("VP9: show_existing_frame header is truncated");
    layout.show_existing_frame = true;
    layout.uncompressed_header_size = br.byte_position();
    return layout;
  }
  h.key_frame = !br.Flag();  // frame_type 0 is KEY_FRAME
  const bool show_frame = br.Flag();
  h.error_resilient = br.Flag();
  if (h.key_frame) {
    RETURN_IF_ERROR(ExpectSyncCode(br));
    RETURN_IF_ERROR(SkipColorConfig(br, h.profile));
    ReadFrameSize(br, h);
    SkipRenderSize(br);
    h.refresh_frame_flags = 0xff;
  } else {
    h.intra_only = show_frame ? false : br.Flag();
    if (!h.error_resilient) br.Skip(2);  // reset_frame_context
    if (h.intra_only) {
      RETURN_IF_ERROR(ExpectSyncCode(br));
      if (h.profile > 0) RETURN_IF_ERROR(SkipColorConfig(br, h.profile));
      h.refresh_frame_flags = static_cast<uint8_t>(br.Bits(8));
      ReadFrameSize(br, h);
      SkipRenderSize(br);
    } else {
      RETURN_IF_ERROR(ReadInterFrameHeader(br, refs_, h));
    }
  }
  if (!h.error_resilient) br.Skip(2);  // refresh_frame_context, frame_parallel_decoding_mode
  br.Skip(2);                           // frame_context_idx
  SkipLoopFilterParams(br);
  SkipQuantizationParams(br);
  SkipSegmentationParams(br);
  SkipTileInfo(br, h.width);
  layout.compressed_header_size = br.Bits(16);  // header_size_in_bytes
  if (br.overrun()) return InvalidArgument("VP9: uncompressed header runs past the frame");
  layout.uncompressed_header_size = br.byte_position();
  if (layout.compressed_header_size == 0) {
    return InvalidArgument("VP9: header_size_in_bytes is 0");
  }
  if (layout.compressed_header_size > frame.size() - layout.uncompressed_header_size) {
    return InvalidArgument("VP9: compressed header (" +
                           std::to_string(layout.compressed_header_size) +
                           " bytes) runs past the frame");
  }
  for (size_t i = 0; i < refs_.size(); ++i) {
    if (h.refresh_frame_flags & (1u << i)) refs_[i] = {h.width, h.height, true};
  }
  return layout;
}

}  // namespace vtp::cenc
