// Internal to media::Probe (src/media only): the single pass over an opened
// input's packets, the few decoded frames that prove the primary streams
// decode, and what Probe concludes from them.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/media_info.h"
#include "media/av_handles.h"

namespace vtp::media::probe_internal {

// Same value as AV_NOPTS_VALUE, whose definition is an old-style cast.
inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// How many frames of each primary stream the probe decodes, and after how
// many packets without them it gives up.
inline constexpr int kWantedFrames = 5;
inline constexpr int kMaxDecodePackets = 64;

// What one pass over the packets of one stream saw. Timestamps are in the
// stream's time base; packets without pts fall back to dts.
struct StreamScan {
  int64_t packets = 0;
  int64_t corrupt_packets = 0;
  int64_t first_ts = kNoTimestamp;  // smallest timestamp
  int64_t end_ts = kNoTimestamp;    // largest timestamp + packet duration
  // Video streams only.
  std::vector<int64_t> pts;                  // of the packets that have one
  std::vector<int64_t> dts;                  // likewise
  std::vector<int64_t> keyframe_timestamps;  // in decode order
  int64_t keyframes = 0;
  // False once a packet the open-GOP test needs (a keyframe after the first,
  // or a packet after one) lacked a pts.
  bool gop_check_complete = true;
  int64_t gop_keyframe_pts = kNoTimestamp;  // latest keyframe after the first
  bool open_gop = false;
};

// The first frames decoded from one primary stream.
struct DecodeSample {
  int stream_index = -1;
  int packets_sent = 0;
  int frames = 0;
  int interlaced_frames = 0;
  int top_field_first_frames = 0;
  int pixel_format = -1;   // AVPixelFormat of the first frame, -1 if none
  std::string last_error;  // libav text of the last decoder error
};

struct ScanResult {
  std::vector<StreamScan> streams;  // indexed like AVFormatContext::streams
  int64_t packets = 0;
  int read_error = 0;  // AVERROR other than EOF that ended the scan, else 0
  DecodeSample video;  // stream_index -1 when not sampled
  DecodeSample audio;
};

// Reads every packet of `ctx` from the current position to the end, feeding
// the first packets of streams `video_index` and `audio_index` (-1: none) to
// single-threaded decoders. Fails only when a decoder cannot be opened
// (kCorruptInput); read errors are reported in ScanResult::read_error.
StatusOr<ScanResult> ScanPackets(AVFormatContext* ctx, int video_index, int audio_index);

// Fills what only the scan knows into `info` (built from the same `ctx`):
// frame counts, keyframes and GOPs, frame-rate regularity, field order and
// pixel format seen by the decoder, and durations the header lacked.
void ApplyScan(const ScanResult& scan, const AVFormatContext& ctx, MediaInfo* info);

// kCorruptInput when the scan shows damage: a read error, corrupt-flagged
// packets, packets ending far before the declared duration or sample count,
// or a primary stream that yields no frame.
Status CheckIntegrity(const ScanResult& scan, const AVFormatContext& ctx, const MediaInfo& info);

}  // namespace vtp::media::probe_internal
