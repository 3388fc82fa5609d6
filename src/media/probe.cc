#include "media/probe.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <system_error>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/dovi_meta.h>
#include <libavutil/pixdesc.h>
}

#include "domain/media_info_json.h"
#include "media/av_handles.h"
#include "media/probe_scan.h"

namespace vtp::media {
namespace {

namespace fs = std::filesystem;
using probe_internal::kNoTimestamp;

// av_probe_input_buffer2 retries with more data up to this score; anything
// at or below it is a guess libav itself flags as "misdetection possible".
constexpr int kRecognisedScore = AVPROBE_SCORE_RETRY + 1;

Status CheckFile(const std::string& path, int64_t* size) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return IoError("cannot access the file: " + ec.message());
    }
    return NotFound("no such file");
  }
  if (fs::is_directory(st)) return IoError("is a directory, not a media file");
  if (!fs::is_regular_file(st)) return IoError("not a regular file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::error_code err(errno, std::generic_category());
    return IoError("cannot open for reading: " + err.message());
  }
  std::fclose(f);
  *size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) return IoError("cannot read the file size: " + ec.message());
  if (*size == 0) return Status(ErrorCode::kNotMedia, "not a media file: the file is empty");
  return Status::Ok();
}

// Identifies the container from the bytes alone: the file name is withheld
// so that a text file called notes.txt is not opened as ANSI art (tty).
StatusOr<const AVInputFormat*> SniffFormat(const std::string& path) {
  AVIOContext* pb = nullptr;
  int ret = avio_open(&pb, path.c_str(), AVIO_FLAG_READ);
  if (ret < 0) return AvStatus(ret, ErrorCode::kIo, "cannot open for reading");
  const AVInputFormat* fmt = nullptr;
  int score = av_probe_input_buffer2(pb, &fmt, "", nullptr, 0, 0);
  avio_closep(&pb);
  if (score < 0 || fmt == nullptr) {
    return Status(ErrorCode::kNotMedia,
                  "not a media file: no container format recognised from its content");
  }
  if (score < kRecognisedScore) {
    return Status(ErrorCode::kNotMedia,
                  "not a media file: content does not match any container (best guess '" +
                      std::string(fmt->name) + "' with confidence " + std::to_string(score) +
                      "/100)");
  }
  return fmt;
}

StatusOr<InputFormatPtr> OpenInput(const std::string& path, const AVInputFormat* fmt) {
  AVFormatContext* raw = nullptr;
  int ret = avformat_open_input(&raw, path.c_str(), fmt, nullptr);
  if (ret < 0) {
    if (ret == AVERROR(ENOENT) || ret == AVERROR(EACCES) || ret == AVERROR(EIO)) {
      return AvStatus(ret, ErrorCode::kIo, "cannot open for reading");
    }
    return AvStatus(ret, ErrorCode::kCorruptInput,
                    "recognised as " + std::string(fmt->name) + " but its header cannot be read");
  }
  return InputFormatPtr(raw);
}

double ToSeconds(int64_t ts, AVRational tb) {
  return ts == kNoTimestamp ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
}

std::string MetadataValue(const AVDictionary* dict, const char* key) {
  const AVDictionaryEntry* e = av_dict_get(dict, key, nullptr, 0);
  return e == nullptr || e->value == nullptr ? std::string() : std::string(e->value);
}

StreamKind KindOf(AVMediaType type) {
  switch (type) {
    case AVMEDIA_TYPE_VIDEO:
      return StreamKind::kVideo;
    case AVMEDIA_TYPE_AUDIO:
      return StreamKind::kAudio;
    case AVMEDIA_TYPE_SUBTITLE:
      return StreamKind::kSubtitle;
    case AVMEDIA_TYPE_DATA:
      return StreamKind::kData;
    case AVMEDIA_TYPE_ATTACHMENT:
      return StreamKind::kAttachment;
    default:
      return StreamKind::kUnknown;
  }
}

FieldOrder FieldOrderOf(AVFieldOrder order) {
  switch (order) {
    case AV_FIELD_PROGRESSIVE:
      return FieldOrder::kProgressive;
    case AV_FIELD_TT:
    case AV_FIELD_TB:
      return FieldOrder::kTopFirst;
    case AV_FIELD_BB:
    case AV_FIELD_BT:
      return FieldOrder::kBottomFirst;
    default:
      return FieldOrder::kUnknown;
  }
}

Rational ToRational(AVRational r) { return Rational{r.num, r.den}; }

int RotationOf(const AVStream& st) {
  size_t size = 0;
  const uint8_t* matrix = av_stream_get_side_data(&st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (matrix == nullptr || size < 9 * sizeof(int32_t)) return 0;
  double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  return std::isnan(ccw) ? 0 : ClockwiseRotation(ccw);
}

std::string NameOrUnknown(const char* name) { return name == nullptr ? "unknown" : name; }

void DescribeColour(const AVStream& st, VideoInfo* v) {
  const AVCodecParameters& par = *st.codecpar;
  v->color_primaries = NameOrUnknown(av_color_primaries_name(par.color_primaries));
  v->color_transfer = NameOrUnknown(av_color_transfer_name(par.color_trc));
  v->color_matrix = NameOrUnknown(av_color_space_name(par.color_space));
  v->color_range = NameOrUnknown(av_color_range_name(par.color_range));
  if (par.color_trc == AVCOL_TRC_SMPTE2084) {
    v->hdr = HdrType::kHdr10;
  } else if (par.color_trc == AVCOL_TRC_ARIB_STD_B67) {
    v->hdr = HdrType::kHlg;
  }
  size_t size = 0;
  const uint8_t* data = av_stream_get_side_data(&st, AV_PKT_DATA_DOVI_CONF, &size);
  if (data != nullptr && size >= sizeof(AVDOVIDecoderConfigurationRecord)) {
    const auto* dovi = reinterpret_cast<const AVDOVIDecoderConfigurationRecord*>(data);
    v->dolby_vision_profile = dovi->dv_profile;
    // Compatibility id 0 (e.g. profile 5): the base layer is not a signal a
    // plain HEVC/AV1 decoder can show correctly without the RPU.
    if (dovi->dv_bl_signal_compatibility_id == 0) v->hdr = HdrType::kDolbyVision;
  }
}

void SetPixelFormat(int format, VideoInfo* v) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(format));
  if (desc == nullptr) return;
  v->pixel_format = desc->name;
  v->bit_depth = desc->comp[0].depth;
}

VideoInfo DescribeVideo(const AVStream& st) {
  const AVCodecParameters& par = *st.codecpar;
  VideoInfo v;
  v.width = par.width;
  v.height = par.height;
  AVRational sar =
      st.sample_aspect_ratio.num > 0 ? st.sample_aspect_ratio : par.sample_aspect_ratio;
  if (sar.num > 0 && sar.den > 0) v.sample_aspect_ratio = ToRational(sar);
  v.rotation = RotationOf(st);
  DisplaySize(v.width, v.height, v.sample_aspect_ratio, v.rotation, &v.display_width,
              &v.display_height);
  SetPixelFormat(par.format, &v);
  DescribeColour(st, &v);
  v.avg_frame_rate = ToRational(st.avg_frame_rate);
  v.real_frame_rate = ToRational(st.r_frame_rate);
  v.field_order = FieldOrderOf(par.field_order);
  return v;
}

AudioInfo DescribeAudio(const AVCodecParameters& par) {
  AudioInfo a;
  a.sample_rate = par.sample_rate;
  a.channels = par.ch_layout.nb_channels;
  char layout[128] = {0};
  if (a.channels > 0 && av_channel_layout_describe(&par.ch_layout, layout, sizeof(layout)) > 0) {
    a.channel_layout = layout;
  }
  const char* fmt = av_get_sample_fmt_name(static_cast<AVSampleFormat>(par.format));
  a.sample_format = fmt == nullptr ? "" : fmt;
  return a;
}

StreamInfo DescribeStream(const AVStream& st) {
  const AVCodecParameters& par = *st.codecpar;
  StreamInfo s;
  s.index = st.index;
  s.kind = KindOf(par.codec_type);
  s.codec = avcodec_get_name(par.codec_id);
  if (par.codec_id == AV_CODEC_ID_NONE && par.codec_tag != 0) {
    // Unknown to libavcodec (e.g. QuickTime 'mebx' metadata): the fourcc
    // says more than "none".
    char tag[AV_FOURCC_MAX_STRING_SIZE] = {0};
    s.codec = av_fourcc_make_string(tag, par.codec_tag);
  }
  const char* profile = avcodec_profile_name(par.codec_id, par.profile);
  s.profile = profile == nullptr ? "" : profile;
  s.level = par.level == FF_LEVEL_UNKNOWN ? -1 : par.level;
  s.bit_rate = par.bit_rate;
  s.start_time = ToSeconds(st.start_time, st.time_base);
  s.duration = ToSeconds(st.duration, st.time_base);
  s.language = MetadataValue(st.metadata, "language");
  s.title = MetadataValue(st.metadata, "title");
  s.is_default = (st.disposition & AV_DISPOSITION_DEFAULT) != 0;
  s.attached_picture = (st.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
  s.decodable = par.codec_id != AV_CODEC_ID_NONE && avcodec_find_decoder(par.codec_id) != nullptr;
  if (s.kind == StreamKind::kVideo) s.video = DescribeVideo(st);
  if (s.kind == StreamKind::kAudio) s.audio = DescribeAudio(par);
  return s;
}

MediaInfo Describe(const AVFormatContext& ctx, const std::string& path, int64_t file_size) {
  MediaInfo info;
  info.path = path;
  info.file_size = file_size;
  info.container = ctx.iformat->name;
  info.container_long = ctx.iformat->long_name == nullptr ? "" : ctx.iformat->long_name;
  if (ctx.duration != kNoTimestamp && ctx.duration > 0) {
    info.duration = static_cast<double>(ctx.duration) / AV_TIME_BASE;
  }
  if (ctx.start_time != kNoTimestamp) {
    info.start_time = static_cast<double>(ctx.start_time) / AV_TIME_BASE;
  }
  info.bit_rate = ctx.bit_rate;
  for (unsigned i = 0; i < ctx.nb_streams; ++i)
    info.streams.push_back(DescribeStream(*ctx.streams[i]));
  ChoosePrimaryStreams(&info);
  return info;
}

void IgnoreEmptyPrimary(const probe_internal::ScanResult& scan, MediaInfo* info);

StatusOr<MediaInfo> ProbeUnlabelled(const std::string& path, const ProbeLimits& limits) {
  int64_t size = 0;
  RETURN_IF_ERROR(CheckFile(path, &size));
  MediaInfo sized;
  sized.file_size = size;
  RETURN_IF_ERROR(CheckLimits(sized, limits));
  ASSIGN_OR_RETURN(const AVInputFormat* fmt, SniffFormat(path));
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInput(path, fmt));
  // Guards run on the header's facts before find_stream_info decodes
  // anything, so a declared 10000x10000 picture is never allocated.
  RETURN_IF_ERROR(CheckLimits(Describe(*ctx, path, size), limits));
  int ret = avformat_find_stream_info(ctx.get(), nullptr);
  RETURN_IF_ERROR(AvStatus(
      ret, ErrorCode::kCorruptInput,
      "recognised as " + std::string(fmt->name) + " but its stream parameters cannot be read"));
  MediaInfo info = Describe(*ctx, path, size);
  RETURN_IF_ERROR(CheckLimits(info, limits));
  RETURN_IF_ERROR(CheckStreamsUsable(info));
  ASSIGN_OR_RETURN(probe_internal::ScanResult scan,
                   probe_internal::ScanPackets(ctx.get(), info.primary_video, info.primary_audio));
  probe_internal::ApplyScan(scan, *ctx, &info);
  for (size_t i = 0; i < scan.streams.size() && i < info.streams.size(); ++i) {
    info.streams[i].packets = scan.streams[i].packets;
  }
  IgnoreEmptyPrimary(scan, &info);
  RETURN_IF_ERROR(probe_internal::CheckIntegrity(scan, *ctx, info));
  RETURN_IF_ERROR(CheckLimits(info, limits));  // the scan may have found the duration
  return info;
}

// A declared stream with no packets at all (a capture tool's placeholder
// track) is ignored with a warning when the other kind of stream is usable:
// the job then has no audio (or no video) instead of failing.
void IgnoreEmptyPrimary(const probe_internal::ScanResult& scan, MediaInfo* info) {
  auto empty = [&](int i) { return i >= 0 && scan.streams[static_cast<size_t>(i)].packets == 0; };
  auto note = [&](int i) {
    const StreamInfo& s = info->streams[static_cast<size_t>(i)];
    info->warnings.push_back(std::string(StreamKindName(s.kind)) + " stream #" + std::to_string(s.index) +
                             " (" + s.codec + ") has no packets and is ignored");
  };
  if (empty(info->primary_audio) && info->primary_video >= 0 && !empty(info->primary_video)) {
    note(info->primary_audio);
    info->primary_audio = -1;
  } else if (empty(info->primary_video) && info->primary_audio >= 0 && !empty(info->primary_audio)) {
    note(info->primary_video);
    info->primary_video = -1;
  }
}

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Ranks candidates for primary stream: decodable beats default beats order.
int PickStream(const MediaInfo& info, StreamKind kind) {
  int best = -1;
  int best_rank = -1;
  for (size_t i = 0; i < info.streams.size(); ++i) {
    const StreamInfo& s = info.streams[i];
    if (s.kind != kind || s.attached_picture) continue;
    int rank = (s.decodable ? 2 : 0) + (s.is_default ? 1 : 0);
    if (rank > best_rank) {
      best = static_cast<int>(i);
      best_rank = rank;
    }
  }
  return best;
}

Status CheckDecoder(const StreamInfo& s) {
  if (s.decodable) return Status::Ok();
  std::string what = std::string(StreamKindName(s.kind)) + " stream #" + std::to_string(s.index);
  if (s.codec == "none" || s.codec.empty()) {
    return Status(ErrorCode::kUnsupportedCodec,
                  what + " uses a codec this build of libavformat does not know");
  }
  return Status(ErrorCode::kUnsupportedCodec,
                what + " uses codec '" + s.codec + "', which has no decoder in this build");
}

Status LimitError(const std::string& what, const std::string& value, const std::string& limit) {
  return Status(ErrorCode::kLimitExceeded, what + " " + value + " exceeds the limit of " + limit);
}

std::string FormatSeconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", s);
  return buf;
}

double Median(std::vector<int64_t> values) {
  auto mid = values.begin() + static_cast<ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return static_cast<double>(*mid);
}

// Intervals between the presentation slots of sorted, distinct timestamps.
// A timestamp closer than half the median interval to the previous one is
// not a slot of its own: VP9/VP8 in WebM carry hidden (altref) frames 1 ms
// after a shown one, which would otherwise look like a frame-rate change.
std::vector<int64_t> FrameIntervals(std::vector<int64_t> pts) {
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  if (pts.size() < 2) return {};
  std::vector<int64_t> raw;
  for (size_t i = 1; i < pts.size(); ++i) raw.push_back(pts[i] - pts[i - 1]);
  double half_median = Median(raw) / 2;
  std::vector<int64_t> deltas;
  int64_t last = pts[0];
  for (size_t i = 1; i < pts.size(); ++i) {
    if (static_cast<double>(pts[i] - last) < half_median) continue;
    deltas.push_back(pts[i] - last);
    last = pts[i];
  }
  return deltas;
}

}  // namespace

StatusOr<MediaInfo> Probe(const std::string& path, const ProbeLimits& limits) {
  StatusOr<MediaInfo> result = ProbeUnlabelled(path, limits);
  if (!result.ok()) return result.status().WithContext(path);
  return result;
}

void ChoosePrimaryStreams(MediaInfo* info) {
  info->primary_video = PickStream(*info, StreamKind::kVideo);
  info->primary_audio = PickStream(*info, StreamKind::kAudio);
}

Status CheckStreamsUsable(const MediaInfo& info) {
  if (info.video_stream() == nullptr && info.audio_stream() == nullptr) {
    std::string found;
    for (const StreamInfo& s : info.streams) {
      found +=
          (found.empty() ? "" : ", ") + std::string(StreamKindName(s.kind)) + " (" + s.codec + ")";
    }
    return Status(ErrorCode::kNoDecodableStream,
                  "no audio or video stream; found " +
                      (found.empty() ? std::string("no streams at all")
                                     : Plural(info.streams.size(), "stream") + ": " + found));
  }
  if (const StreamInfo* v = info.video_stream()) RETURN_IF_ERROR(CheckDecoder(*v));
  if (const StreamInfo* a = info.audio_stream()) RETURN_IF_ERROR(CheckDecoder(*a));
  return Status::Ok();
}

Status CheckLimits(const MediaInfo& info, const ProbeLimits& limits) {
  if (info.file_size > limits.max_file_size) {
    return LimitError("file size", std::to_string(info.file_size) + " bytes",
                      std::to_string(limits.max_file_size) + " bytes");
  }
  if (static_cast<int64_t>(info.streams.size()) > limits.max_streams) {
    return LimitError("stream count", std::to_string(info.streams.size()),
                      std::to_string(limits.max_streams) + " (--max-streams)");
  }
  if (info.duration > limits.max_duration_seconds) {
    return LimitError("duration", FormatSeconds(info.duration),
                      FormatSeconds(limits.max_duration_seconds) + " (--max-duration)");
  }
  for (const StreamInfo& s : info.streams) {
    if (!s.video || s.attached_picture) continue;
    const VideoInfo& v = *s.video;
    std::string what = "video stream #" + std::to_string(s.index);
    if (v.width > limits.max_width) {
      return LimitError(what + " width", std::to_string(v.width),
                        std::to_string(limits.max_width) + " (--max-width)");
    }
    if (v.height > limits.max_height) {
      return LimitError(what + " height", std::to_string(v.height),
                        std::to_string(limits.max_height) + " (--max-height)");
    }
    int64_t pixels = static_cast<int64_t>(v.width) * v.height;
    if (pixels > limits.max_pixels) {
      return LimitError(what + " picture size", std::to_string(pixels) + " pixels",
                        std::to_string(limits.max_pixels) + " pixels");
    }
  }
  return Status::Ok();
}

int ClockwiseRotation(double counter_clockwise_degrees) {
  long quarter_turns = std::lround(-counter_clockwise_degrees / 90.0);
  return static_cast<int>(((quarter_turns % 4) + 4) % 4) * 90;
}

void DisplaySize(int width, int height, Rational sar, int rotation, int* display_width,
                 int* display_height) {
  int w = width;
  if (sar.num > 0 && sar.den > 0 && sar.num != sar.den) {
    w = static_cast<int>(std::llround(static_cast<double>(width) * static_cast<double>(sar.num) /
                                      static_cast<double>(sar.den)));
  }
  bool swap = rotation == 90 || rotation == 270;
  *display_width = swap ? height : w;
  *display_height = swap ? w : height;
}

bool IsVariableFrameRate(std::vector<int64_t> pts) {
  std::vector<int64_t> deltas = FrameIntervals(std::move(pts));
  if (deltas.size() < 2) return false;
  double median = Median(deltas);
  double tolerance = std::max(1.0, 0.05 * median);
  size_t outliers = 0;
  for (int64_t d : deltas) {
    if (std::fabs(static_cast<double>(d) - median) > tolerance) ++outliers;
  }
  return static_cast<double>(outliers) > 0.02 * static_cast<double>(deltas.size());
}

double MeasuredFrameRate(std::vector<int64_t> pts, Rational time_base) {
  std::vector<int64_t> deltas = FrameIntervals(std::move(pts));
  int64_t span = 0;
  for (int64_t d : deltas) span += d;
  double seconds = static_cast<double>(span) * time_base.ToDouble();
  return seconds > 0 ? static_cast<double>(deltas.size()) / seconds : 0.0;
}

}  // namespace vtp::media
