#include "media/packet_file.h"

#include <cstring>
#include <vector>

namespace vtp::media {
namespace {

constexpr char kMagic[8] = {'V', 'T', 'P', 'P', 'K', 'T', '0', '1'};
constexpr int64_t kMaxBlob = int64_t{1} << 30;  // sanity bound on one record

void Put(std::vector<uint8_t>& out, int64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i)));
}

void PutBlob(std::vector<uint8_t>& out, const uint8_t* data, int64_t size) {
  Put(out, size);
  if (size > 0) out.insert(out.end(), data, data + size);
}

// The codec parameter fields a decoder or muxer can depend on, in file order.
void ParamsToInts(const AVCodecParameters* p, AVRational tb, int64_t (&t)[32]) {
  int64_t vals[32] = {p->codec_type, p->codec_id, p->codec_tag, p->format, p->bit_rate,
                      p->bits_per_coded_sample, p->bits_per_raw_sample, p->profile, p->level,
                      p->width, p->height, p->sample_aspect_ratio.num, p->sample_aspect_ratio.den,
                      p->field_order, p->color_range, p->color_primaries, p->color_trc,
                      p->color_space, p->chroma_location, p->video_delay, p->sample_rate,
                      p->block_align, p->frame_size, p->initial_padding, p->trailing_padding,
                      p->seek_preroll, p->ch_layout.order, p->ch_layout.nb_channels,
                      static_cast<int64_t>(p->ch_layout.order == AV_CHANNEL_ORDER_NATIVE ? p->ch_layout.u.mask : 0),
                      tb.num, tb.den, 0};
  std::memcpy(t, vals, sizeof(vals));
}

void IntsToParams(const int64_t (&t)[32], AVCodecParameters* p, AVRational* tb) {
  p->codec_type = static_cast<AVMediaType>(t[0]);
  p->codec_id = static_cast<AVCodecID>(t[1]);
  p->codec_tag = static_cast<uint32_t>(t[2]);
  p->format = static_cast<int>(t[3]);
  p->bit_rate = t[4];
  p->bits_per_coded_sample = static_cast<int>(t[5]);
  p->bits_per_raw_sample = static_cast<int>(t[6]);
  p->profile = static_cast<int>(t[7]);
  p->level = static_cast<int>(t[8]);
  p->width = static_cast<int>(t[9]);
  p->height = static_cast<int>(t[10]);
  p->sample_aspect_ratio = {static_cast<int>(t[11]), static_cast<int>(t[12])};
  p->field_order = static_cast<AVFieldOrder>(t[13]);
  p->color_range = static_cast<AVColorRange>(t[14]);
  p->color_primaries = static_cast<AVColorPrimaries>(t[15]);
  p->color_trc = static_cast<AVColorTransferCharacteristic>(t[16]);
  p->color_space = static_cast<AVColorSpace>(t[17]);
  p->chroma_location = static_cast<AVChromaLocation>(t[18]);
  p->video_delay = static_cast<int>(t[19]);
  p->sample_rate = static_cast<int>(t[20]);
  p->block_align = static_cast<int>(t[21]);
  p->frame_size = static_cast<int>(t[22]);
  p->initial_padding = static_cast<int>(t[23]);
  p->trailing_padding = static_cast<int>(t[24]);
  p->seek_preroll = static_cast<int>(t[25]);
  if (t[26] == AV_CHANNEL_ORDER_NATIVE) {
    av_channel_layout_from_mask(&p->ch_layout, static_cast<uint64_t>(t[28]));
  } else if (t[27] > 0) {
    av_channel_layout_default(&p->ch_layout, static_cast<int>(t[27]));
    if (t[26] == AV_CHANNEL_ORDER_UNSPEC) {
      av_channel_layout_uninit(&p->ch_layout);
      p->ch_layout.order = AV_CHANNEL_ORDER_UNSPEC;
      p->ch_layout.nb_channels = static_cast<int>(t[27]);
    }
  }
  *tb = {static_cast<int>(t[29]), static_cast<int>(t[30])};
}

class Reader {
 public:
  explicit Reader(std::FILE* f) : f_(f) {}
  // False at a clean end of file before the first byte; errors otherwise.
  StatusOr<bool> Int(int64_t* v) {
    uint8_t b[8];
    size_t n = std::fread(b, 1, 8, f_);
    if (n == 0 && std::feof(f_)) return false;
    if (n != 8) return Status(ErrorCode::kIo, "truncated packet file");
    uint64_t u = 0;
    for (int i = 7; i >= 0; --i) u = (u << 8) | b[i];
    *v = static_cast<int64_t>(u);
    return true;
  }
  Status Need(int64_t* v) {
    ASSIGN_OR_RETURN(bool ok, Int(v));
    return ok ? Status::Ok() : Status(ErrorCode::kIo, "truncated packet file");
  }
  Status Bytes(uint8_t* dst, int64_t size) {
    if (size < 0 || size > kMaxBlob) return Status(ErrorCode::kIo, "corrupt packet file");
    if (size > 0 && std::fread(dst, 1, static_cast<size_t>(size), f_) != static_cast<size_t>(size)) {
      return Status(ErrorCode::kIo, "truncated packet file");
    }
    return Status::Ok();
  }

 private:
  std::FILE* f_;
};

}  // namespace

StatusOr<PacketWriter> PacketWriter::Create(const std::string& path, const AVCodecParameters* par,
                                            AVRational time_base) {
  PacketWriter w;
  w.path_ = path;
  w.file_.reset(std::fopen(path.c_str(), "wb"));
  if (!w.file_) return IoError("creating " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  int64_t ints[32];
  ParamsToInts(par, time_base, ints);
  for (int64_t v : ints) Put(out, v);
  PutBlob(out, par->extradata, par->extradata_size);
  if (std::fwrite(out.data(), 1, out.size(), w.file_.get()) != out.size()) return IoError("writing " + path);
  return w;
}

Status PacketWriter::Write(const AVPacket* pkt) {
  std::vector<uint8_t> out;
  out.reserve(64);
  Put(out, pkt->pts);
  Put(out, pkt->dts);
  Put(out, pkt->duration);
  Put(out, pkt->flags);
  Put(out, pkt->side_data_elems);
  for (int i = 0; i < pkt->side_data_elems; ++i) {
    Put(out, pkt->side_data[i].type);
    PutBlob(out, pkt->side_data[i].data, static_cast<int64_t>(pkt->side_data[i].size));
  }
  Put(out, pkt->size);
  if (std::fwrite(out.data(), 1, out.size(), file_.get()) != out.size() ||
      (pkt->size > 0 && std::fwrite(pkt->data, 1, static_cast<size_t>(pkt->size), file_.get()) !=
                            static_cast<size_t>(pkt->size))) {
    return IoError("writing " + path_);
  }
  ++packets_;
  return Status::Ok();
}

Status PacketWriter::Finish() {
  if (!file_) return Status::Ok();
  bool ok = std::fflush(file_.get()) == 0;
  ok = std::fclose(file_.release()) == 0 && ok;
  return ok ? Status::Ok() : IoError("closing " + path_);
}

StatusOr<PacketReader> PacketReader::Open(const std::string& path) {
  PacketReader r;
  r.path_ = path;
  r.file_.reset(std::fopen(path.c_str(), "rb"));
  if (!r.file_) return IoError("opening " + path + ": " + std::strerror(errno));
  char magic[8];
  if (std::fread(magic, 1, 8, r.file_.get()) != 8 || std::memcmp(magic, kMagic, 8) != 0) {
    return IoError(path + " is not a vtp packet file");
  }
  Reader in(r.file_.get());
  int64_t ints[32];
  for (int64_t& v : ints) RETURN_IF_ERROR(in.Need(&v));
  r.par_.reset(avcodec_parameters_alloc());
  IntsToParams(ints, r.par_.get(), &r.time_base_);
  int64_t extra = 0;
  RETURN_IF_ERROR(in.Need(&extra));
  if (extra < 0 || extra > kMaxBlob) return IoError(path + " is corrupt");
  if (extra > 0) {
    r.par_->extradata = static_cast<uint8_t*>(av_mallocz(static_cast<size_t>(extra) + AV_INPUT_BUFFER_PADDING_SIZE));
    r.par_->extradata_size = static_cast<int>(extra);
    RETURN_IF_ERROR(in.Bytes(r.par_->extradata, extra));
  }
  return r;
}

StatusOr<bool> PacketReader::Next(AVPacket* pkt) {
  av_packet_unref(pkt);
  Reader in(file_.get());
  int64_t pts = 0, dts = 0, duration = 0, flags = 0, nside = 0, size = 0;
  ASSIGN_OR_RETURN(bool more, in.Int(&pts));
  if (!more) return false;
  RETURN_IF_ERROR(in.Need(&dts));
  RETURN_IF_ERROR(in.Need(&duration));
  RETURN_IF_ERROR(in.Need(&flags));
  RETURN_IF_ERROR(in.Need(&nside));
  if (nside < 0 || nside > 64) return IoError(path_ + " is corrupt");
  for (int64_t i = 0; i < nside; ++i) {
    int64_t type = 0, len = 0;
    RETURN_IF_ERROR(in.Need(&type));
    RETURN_IF_ERROR(in.Need(&len));
    if (len < 0 || len > kMaxBlob) return IoError(path_ + " is corrupt");
    uint8_t* sd = av_packet_new_side_data(pkt, static_cast<AVPacketSideDataType>(type), static_cast<size_t>(len));
    if (sd == nullptr) return Internal("allocating packet side data");
    RETURN_IF_ERROR(in.Bytes(sd, len));
  }
  RETURN_IF_ERROR(in.Need(&size));
  if (size < 0 || size > kMaxBlob) return IoError(path_ + " is corrupt");
  RETURN_IF_ERROR(AvStatus(av_new_packet(pkt, static_cast<int>(size)), ErrorCode::kInternal, "allocating packet"));
  RETURN_IF_ERROR(in.Bytes(pkt->data, size));
  pkt->pts = pts;
  pkt->dts = dts;
  pkt->duration = duration;
  pkt->flags = static_cast<int>(flags);
  return true;
}

}  // namespace vtp::media
