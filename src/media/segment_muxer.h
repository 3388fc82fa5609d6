// Internal to src/media: a muxer whose output is captured in memory and cut
// into segment files at caller-chosen packet boundaries.
#pragma once

#include <string>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

class SegmentMuxer {
 public:
  enum class Kind { kFmp4, kMpegTs };

  // `par` describes the single stream; `time_base` is the caller's.
  // kInvalidArgument for kMpegTs with a codec MpegTsCarries refuses.
  static StatusOr<std::unique_ptr<SegmentMuxer>> Create(Kind kind, const AVCodecParameters* par,
                                                        AVRational time_base);
  ~SegmentMuxer();

  // Writes a packet whose timestamps are in the caller's time base.
  Status Write(const AVPacket* pkt);
  // Ends the current segment and writes its bytes to `path`; returns the
  // byte count. For fMP4 the first call also writes the init segment to
  // `init_path` (ftyp + moov) and stores its size in init_bytes().
  StatusOr<int64_t> CutSegment(const std::string& path, const std::string& init_path = "");
  // The muxer's track timescale (fMP4: after the header is written).
  AVRational stream_time_base() const { return ctx_->streams[0]->time_base; }
  int64_t init_bytes() const { return init_bytes_; }

 private:
  SegmentMuxer() = default;
  static int WriteCallback(void* opaque, uint8_t* buf, int size);
  Status Flush();

  Kind kind_ = Kind::kFmp4;
  OutputFormatPtr ctx_;
  IoContextPtr io_;
  AVRational in_tb_{1, 1};
  std::string buffer_;
  bool init_written_ = false;
  int64_t init_bytes_ = 0;
};

// The fMP4 sample entry (codec tag) vtp writes for `codec`: hvc1 for HEVC,
// 0 (the mp4 muxer's default) otherwise.
uint32_t Fmp4SampleEntry(AVCodecID codec);

// Whether vtp's MPEG-TS segments may carry `codec`: H.264 and AAC only, the
// codecs every HLS client decodes from TS.
bool MpegTsCarries(AVCodecID codec);

// Writes `bytes` to `path` via a temporary file and rename.
Status WriteFileAtomically(const std::string& path, const std::string& bytes);

}  // namespace vtp::media
