// The AV1 sequence header and frame header (AV1 bitstream spec §5.5, §5.9)
// as far as Common Encryption needs them: where a frame header ends inside
// an OBU_FRAME, and the tile layout that tile groups are cut by. Pure:
// bytes in, sizes out.
//
// Supported: everything libaom and SVT-AV1 produce — any sequence header
// (timing / decoder model info, operating points, frame id numbers,
// reduced still picture header), key / inter / intra-only / switch frames,
// show_existing_frame, frame_size_override with found_ref, superres,
// segmentation (features inherited through primary_ref_frame, so lossless
// is decided exactly), delta q / lf, loop filter, CDEF, loop restoration,
// skip mode (from the reference order hints), global motion, film grain.
// Not supported (kUnsupportedCodec): frame_refs_short_signaling = 1
// (set_frame_refs, §7.8) — no common encoder writes it by default.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/status.h"

namespace vtp::cenc {

// sequence_header_obu() fields a frame header parse depends on.
struct Av1SequenceParams {
  bool reduced_still_picture_header = false;
  bool decoder_model_info_present = false;
  bool equal_picture_interval = false;
  int buffer_removal_time_length = 0;
  int frame_presentation_time_length = 0;
  int operating_points = 1;
  std::array<uint16_t, 32> operating_point_idc{};
  std::array<bool, 32> decoder_model_present_for_op{};
  int frame_width_bits = 0;
  int frame_height_bits = 0;
  uint32_t max_frame_width = 0;
  uint32_t max_frame_height = 0;
  bool frame_id_numbers_present = false;
  int delta_frame_id_length = 0;  // delta_frame_id_length_minus_2 + 2
  int frame_id_length = 0;        // idLen
  bool use_128x128_superblock = false;
  bool enable_warped_motion = false;
  bool enable_order_hint = false;
  bool enable_ref_frame_mvs = false;
  int seq_force_screen_content_tools = 2;  // 2 = SELECT_SCREEN_CONTENT_TOOLS
  int seq_force_integer_mv = 2;            // 2 = SELECT_INTEGER_MV
  int order_hint_bits = 0;
  bool enable_superres = false;
  bool enable_cdef = false;
  bool enable_restoration = false;
  bool mono_chrome = false;
  int subsampling_x = 1;
  int subsampling_y = 1;
  bool separate_uv_delta_q = false;
  bool film_grain_params_present = false;
};

// `payload` is a sequence header OBU's payload (after header and size).
// Truncated or reserved values -> kInvalidArgument. (av1_sequence_params.cc)
StatusOr<Av1SequenceParams> ParseAv1SequenceParams(std::span<const uint8_t> payload);

// How a frame is cut into tiles (tile_info(), §5.9.15).
struct Av1TileLayout {
  int tile_cols = 1;
  int tile_rows = 1;
  int tile_cols_log2 = 0;
  int tile_rows_log2 = 0;
  int tile_size_bytes = 4;  // bytes of each tile_size_minus_1 field
  int num_tiles() const { return tile_cols * tile_rows; }
};

struct Av1FrameHeaderInfo {
  bool show_existing_frame = false;
  // Bytes from the start of the frame_header_obu() payload to its end
  // padded to a byte (byte_alignment(), where an OBU_FRAME's tile group
  // starts).
  size_t header_bytes = 0;
  Av1TileLayout tiles;  // of the frame whose tile groups follow
};

// Parses frame headers in decode order, keeping the reference frame state
// (§7.20) that later headers depend on: frame sizes, frame types, order
// hints and segmentation features of the eight slots.
// Not thread-safe; copyable.
class Av1FrameHeaderParser {
 public:
  explicit Av1FrameHeaderParser(const Av1SequenceParams& sequence) : seq_(sequence) {}

  // A new sequence header (from a sequence header OBU) for the frames that
  // follow.
  void SetSequence(const Av1SequenceParams& sequence) { seq_ = sequence; }

  // `payload` is the frame_header_obu() of an OBU_FRAME_HEADER or OBU_FRAME
  // (after OBU header and size field); temporal_id / spatial_id come from
  // the OBU extension header (0 without one). On success the reference
  // state is updated as if the frame were decoded; on error it is
  // unchanged. Truncated or invalid headers and references to empty slots
  // -> kInvalidArgument; unsupported syntax -> kUnsupportedCodec.
  StatusOr<Av1FrameHeaderInfo> Parse(std::span<const uint8_t> payload, int temporal_id,
                                     int spatial_id);

  // Reference slot state (§7.20), public so the .cc's helpers can read it.
  struct RefSlot {
    bool valid = false;
    int frame_type = 0;
    uint32_t upscaled_width = 0;
    uint32_t frame_height = 0;
    uint32_t render_width = 0;
    uint32_t render_height = 0;
    uint32_t order_hint = 0;
    std::array<uint8_t, 8> seg_alt_q_enabled{};  // FeatureEnabled[i][SEG_LVL_ALT_Q]
    std::array<int16_t, 8> seg_alt_q{};          // FeatureData[i][SEG_LVL_ALT_Q]
  };

 private:
  Av1SequenceParams seq_;
  std::array<RefSlot, 8> refs_{};
};

}  // namespace vtp::cenc
