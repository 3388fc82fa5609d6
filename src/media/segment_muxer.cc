#include "media/segment_muxer.h"

#include <cstdio>
#include <cstring>
#include <fstream>

extern "C" {
#include <libavutil/opt.h>
}

#include "media/package.h"

namespace vtp::media {
namespace {

constexpr int kIoBufferSize = 1 << 16;

// Top-level ISO-BMFF box size at `pos`, or 0 if the header is incomplete.
uint64_t BoxSize(const std::string& b, size_t pos, std::string* type) {
  if (pos + 8 > b.size()) return 0;
  auto u8 = [&](size_t i) { return static_cast<uint64_t>(static_cast<uint8_t>(b[pos + i])); };
  uint64_t size = (u8(0) << 24) | (u8(1) << 16) | (u8(2) << 8) | u8(3);
  *type = b.substr(pos + 4, 4);
  if (size == 1 && pos + 16 <= b.size()) {
    size = 0;
    for (size_t i = 8; i < 16; ++i) size = (size << 8) | u8(i);
  }
  return size;
}

// Offset just past the moov box: everything before it is the init segment.
size_t InitSegmentEnd(const std::string& b) {
  size_t pos = 0;
  std::string type;
  while (uint64_t size = BoxSize(b, pos, &type)) {
    pos += size;
    if (type == "moov") return pos;
  }
  return 0;
}

}  // namespace

uint32_t Fmp4SampleEntry(AVCodecID codec) {
  // hvc1, not the muxer's default hev1: parameter sets only in hvcC, the
  // form Apple's HLS authoring spec requires and every MSE player accepts.
  // The muxer's defaults are right for the rest (avc1, vp09 + vpcC,
  // av01 + av1C, mp4a, Opus).
  return codec == AV_CODEC_ID_HEVC ? MKTAG('h', 'v', 'c', '1') : 0;
}

bool MpegTsCarries(AVCodecID codec) { return codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_AAC; }

Status WriteFileAtomically(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".part";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) return IoError("writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return IoError("renaming " + tmp + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

int SegmentMuxer::WriteCallback(void* opaque, uint8_t* buf, int size) {
  auto* self = static_cast<SegmentMuxer*>(opaque);
  self->buffer_.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(size));
  return size;
}

StatusOr<std::unique_ptr<SegmentMuxer>> SegmentMuxer::Create(Kind kind, const AVCodecParameters* par,
                                                             AVRational time_base) {
  if (kind == Kind::kMpegTs && !MpegTsCarries(par->codec_id)) {
    return InvalidArgument(std::string("MPEG-TS segments carry only H.264 and AAC, not ") +
                           avcodec_get_name(par->codec_id));
  }
  std::unique_ptr<SegmentMuxer> m(new SegmentMuxer());
  m->kind_ = kind;
  m->in_tb_ = time_base;
  AVFormatContext* raw = nullptr;
  const char* fmt = kind == Kind::kFmp4 ? "mp4" : "mpegts";
  int ret = avformat_alloc_output_context2(&raw, nullptr, fmt, nullptr);
  if (ret < 0) return AvStatus(ret, ErrorCode::kInternal, std::string("allocating ") + fmt + " muxer");
  m->ctx_.reset(raw);
  auto* buf = static_cast<unsigned char*>(av_malloc(kIoBufferSize));
  m->io_.reset(avio_alloc_context(buf, kIoBufferSize, 1, m.get(), nullptr, &SegmentMuxer::WriteCallback, nullptr));
  raw->pb = m->io_.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_BITEXACT;
  raw->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
  AVStream* st = avformat_new_stream(raw, nullptr);
  if (st == nullptr) return Internal("avformat_new_stream failed");
  RETURN_IF_ERROR(AvStatus(avcodec_parameters_copy(st->codecpar, par), ErrorCode::kInternal, "codec parameters"));
  st->codecpar->codec_tag = kind == Kind::kFmp4 ? Fmp4SampleEntry(par->codec_id) : 0;
  st->time_base = kind == Kind::kMpegTs ? AVRational{1, 90000} : time_base;
  AVDictionary* opts = nullptr;
  if (kind == Kind::kFmp4) {
    // CMAF: fragments only where we cut, moov written once we know the
    // stream, styp per segment, no sidx/mfra (segments are addressed by
    // template). No edit list and no rebasing (frag_discont): tfdt carries
    // the packets' own decode times, and every track of a job is shifted by
    // the same presentation delay instead (PackageJob::shift), which every
    // player and demuxer reads the same way; edit lists and negative
    // composition offsets are each ignored by some of them.
    av_dict_set(&opts, "movflags", "+frag_custom+dash+delay_moov+skip_sidx+skip_trailer+frag_discont", 0);
    av_dict_set(&opts, "use_editlist", "0", 0);
  } else {
    av_dict_set(&opts, "mpegts_flags", "+resend_headers", 0);
  }
  av_dict_set(&opts, "fflags", "+bitexact", 0);
  ret = avformat_write_header(raw, &opts);
  av_dict_free(&opts);
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kEncodeFailed, std::string("starting ") + fmt + " output"));
  return m;
}

SegmentMuxer::~SegmentMuxer() {
  if (ctx_) ctx_->pb = nullptr;  // io_ is released by its own deleter
}

Status SegmentMuxer::Write(const AVPacket* pkt) {
  PacketPtr copy = MakePacket();
  av_packet_ref(copy.get(), pkt);
  copy->stream_index = 0;
  av_packet_rescale_ts(copy.get(), in_tb_, ctx_->streams[0]->time_base);
  if (kind_ == Kind::kMpegTs) {
    copy->pts += kMpegTsOffset90k;
    copy->dts += kMpegTsOffset90k;
  }
  return AvStatus(av_write_frame(ctx_.get(), copy.get()), ErrorCode::kEncodeFailed, "muxing");
}

Status SegmentMuxer::Flush() {
  RETURN_IF_ERROR(AvStatus(av_write_frame(ctx_.get(), nullptr), ErrorCode::kEncodeFailed, "flushing segment"));
  avio_flush(ctx_->pb);
  return Status::Ok();
}

StatusOr<int64_t> SegmentMuxer::CutSegment(const std::string& path, const std::string& init_path) {
  RETURN_IF_ERROR(Flush());
  if (kind_ == Kind::kFmp4 && !init_written_) {
    // With delay_moov the first flush emits ftyp+moov; a second flush then
    // emits the fragment itself.
    size_t init_end = InitSegmentEnd(buffer_);
    if (init_end == 0) {
      RETURN_IF_ERROR(Flush());
      init_end = InitSegmentEnd(buffer_);
    }
    if (init_end == 0) return Internal("fMP4 muxer wrote no moov box");
    RETURN_IF_ERROR(WriteFileAtomically(init_path, buffer_.substr(0, init_end)));
    init_bytes_ = static_cast<int64_t>(init_end);
    buffer_.erase(0, init_end);
    if (buffer_.empty()) RETURN_IF_ERROR(Flush());
    init_written_ = true;
  }
  if (kind_ == Kind::kMpegTs) {
    // Each TS segment starts with PAT/PMT so it can be decoded on its own.
    av_opt_set(ctx_->priv_data, "mpegts_flags", "+resend_headers", 0);
  }
  int64_t bytes = static_cast<int64_t>(buffer_.size());
  RETURN_IF_ERROR(WriteFileAtomically(path, buffer_));
  buffer_.clear();
  return bytes;
}

}  // namespace vtp::media
