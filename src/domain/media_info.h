// What `vtp probe` learns about an input: the only facts the pipeline decides
// from. Plain values; produced by media::Probe, consumed by pure policy code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vtp {

struct Rational {
  int64_t num = 0;
  int64_t den = 1;
  double ToDouble() const { return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den); }
  bool operator==(const Rational&) const = default;
};

enum class StreamKind { kVideo, kAudio, kSubtitle, kData, kAttachment, kUnknown };
enum class HdrType { kSdr, kHdr10, kHlg, kDolbyVision };
enum class FieldOrder { kProgressive, kTopFirst, kBottomFirst, kUnknown };

struct GopInfo {
  // Presentation times (seconds, relative to the container's timeline) of
  // every keyframe of the stream, in presentation order.
  std::vector<double> keyframe_times;
  double max_gop_seconds = 0;
  double avg_gop_seconds = 0;
  // True if any GOP has leading pictures that reference the previous GOP
  // (frames after a keyframe in decode order but before it in display order).
  bool open_gop = false;
  bool open_gop_known = false;
};

struct VideoInfo {
  int width = 0;   // coded picture size
  int height = 0;
  Rational sample_aspect_ratio{1, 1};
  int display_width = 0;   // after SAR and rotation
  int display_height = 0;
  int rotation = 0;        // clockwise degrees to apply for display: 0/90/180/270
  std::string pixel_format;
  int bit_depth = 8;
  std::string color_primaries;
  std::string color_transfer;
  std::string color_matrix;
  std::string color_range;
  // Transfer-based class of the picture a plain decoder outputs. Dolby Vision
  // streams whose base layer is HDR10- or HLG-compatible (profiles 8.1/8.4)
  // report that base layer here and set dolby_vision_profile; kDolbyVision
  // only when the base layer alone is not a standard HDR/SDR signal.
  HdrType hdr = HdrType::kSdr;
  int dolby_vision_profile = -1;  // from the DOVI configuration record, -1 if none
  Rational avg_frame_rate;
  Rational real_frame_rate;  // r_frame_rate: lowest rate all timestamps fit
  bool variable_frame_rate = false;
  FieldOrder field_order = FieldOrder::kProgressive;
  int64_t frame_count = 0;   // packets seen in the scan
  GopInfo gop;
};

struct AudioInfo {
  int sample_rate = 0;
  int channels = 0;
  std::string channel_layout;  // e.g. "stereo", "5.1(side)"
  std::string sample_format;
};

struct StreamInfo {
  int index = 0;
  StreamKind kind = StreamKind::kUnknown;
  std::string codec;      // libavcodec short name, e.g. "h264"
  std::string profile;    // e.g. "High", may be empty
  int level = -1;         // codec-specific level number, -1 when unknown
  int64_t bit_rate = 0;   // bits/s, 0 when unknown
  double start_time = 0;  // seconds
  double duration = 0;    // seconds, 0 when unknown
  std::string language;   // ISO 639 tag from metadata, may be empty
  std::string title;
  bool is_default = false;
  bool decodable = false;  // a decoder exists here
  bool attached_picture = false;  // cover art: a video stream holding one image
  int64_t packets = -1;    // packets the probe's scan saw; -1 when not counted
  std::optional<VideoInfo> video;
  std::optional<AudioInfo> audio;
};

struct MediaInfo {
  std::string path;
  std::string container;       // libavformat name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  std::string container_long;  // human name
  int64_t file_size = 0;
  double duration = 0;         // seconds
  double start_time = 0;       // seconds
  int64_t bit_rate = 0;        // bits/s
  std::vector<StreamInfo> streams;

  // Facts worth telling the user that do not stop the job.
  std::vector<std::string> warnings;

  // Index into `streams` of the stream vtp transcodes, or -1.
  int primary_video = -1;
  int primary_audio = -1;

  bool audio_only() const { return primary_video < 0 && primary_audio >= 0; }
  const StreamInfo* video_stream() const {
    return primary_video < 0 ? nullptr : &streams[static_cast<size_t>(primary_video)];
  }
  const StreamInfo* audio_stream() const {
    return primary_audio < 0 ? nullptr : &streams[static_cast<size_t>(primary_audio)];
  }
};

// Guards against decompression bombs and runaway jobs (docs/errors.md).
struct ProbeLimits {
  int max_width = 8192;
  int max_height = 8192;
  int64_t max_pixels = 8192LL * 4352;  // a bit above 8K UHD
  double max_duration_seconds = 12 * 3600.0;
  int max_streams = 64;
  int64_t max_file_size = 256LL << 30;  // 256 GiB
};

}  // namespace vtp
