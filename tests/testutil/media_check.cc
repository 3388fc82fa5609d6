#include "testutil/media_check.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
}

#include <filesystem>
#include <set>
#include <fstream>
#include <sstream>

namespace vtp::testutil {
namespace {

struct Input {
  AVFormatContext* ctx = nullptr;
  ~Input() { avformat_close_input(&ctx); }
};

bool Open(const std::string& url, Input* in, std::string* error) {
  av_log_set_level(AV_LOG_ERROR);
  AVDictionary* opts = nullptr;
  // The HLS/DASH demuxers refuse file:// segment URLs with unusual
  // extensions unless told which are allowed.
  av_dict_set(&opts, "allowed_extensions", "ALL", 0);
  int ret = avformat_open_input(&in->ctx, url.c_str(), nullptr, &opts);
  av_dict_free(&opts);
  if (ret < 0) {
    *error = "open " + url + " failed: " + std::to_string(ret);
    return false;
  }
  if (avformat_find_stream_info(in->ctx, nullptr) < 0) {
    *error = "find_stream_info failed for " + url;
    return false;
  }
  return true;
}

struct DecoderState {
  AVCodecContext* ctx = nullptr;
  AVRational tb{1, 1};
  StreamDecode out;
  bool any = false;
  std::set<int64_t> seen;
  ~DecoderState() { avcodec_free_context(&ctx); }
};

void Drain(DecoderState& d, AVFrame* f) {
  while (avcodec_receive_frame(d.ctx, f) >= 0) {
    int64_t ts = f->best_effort_timestamp;
    if (ts != AV_NOPTS_VALUE && d.seen.insert(ts).second) ++d.out.timed_frames;
    if (ts != AV_NOPTS_VALUE) {
      double t = static_cast<double>(ts) * av_q2d(d.tb);
      double dur = static_cast<double>(f->pkt_duration) * av_q2d(d.tb);
      if (!d.out.video && f->sample_rate > 0) dur = static_cast<double>(f->nb_samples) / f->sample_rate;
      if (!d.any || t < d.out.first_pts) d.out.first_pts = t;
      if (!d.any || t + dur > d.out.end) d.out.end = t + dur;
      d.any = true;
    }
    if (f->decode_error_flags || (f->flags & AV_FRAME_FLAG_CORRUPT)) ++d.out.corrupt_frames;
    ++d.out.frames;
    av_frame_unref(f);
  }
}

}  // namespace

std::map<int, StreamDecode> DecodeAll(const std::string& url, int only_stream, std::string* error) {
  std::map<int, StreamDecode> result;
  Input in;
  if (!Open(url, &in, error)) return result;
  std::map<int, DecoderState> decs;
  for (unsigned i = 0; i < in.ctx->nb_streams; ++i) {
    AVStream* st = in.ctx->streams[i];
    bool wanted = only_stream < 0 || static_cast<int>(i) == only_stream;
    bool av = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO || st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    if (!wanted || !av) {
      st->discard = AVDISCARD_ALL;
      continue;
    }
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    DecoderState& d = decs[static_cast<int>(i)];
    d.ctx = avcodec_alloc_context3(codec);
    avcodec_parameters_to_context(d.ctx, st->codecpar);
    d.ctx->pkt_timebase = st->time_base;
    d.ctx->thread_count = 1;
    if (avcodec_open2(d.ctx, codec, nullptr) < 0) {
      *error = "cannot open decoder";
      return {};
    }
    d.tb = st->time_base;
    d.out.index = static_cast<int>(i);
    d.out.codec = avcodec_get_name(st->codecpar->codec_id);
    d.out.video = st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    d.out.width = st->codecpar->width;
    d.out.height = st->codecpar->height;
    d.out.sample_rate = st->codecpar->sample_rate;
    d.out.channels = st->codecpar->ch_layout.nb_channels;
    const char* pf = d.out.video ? av_get_pix_fmt_name(static_cast<AVPixelFormat>(st->codecpar->format)) : nullptr;
    d.out.pix_fmt = pf ? pf : "";
    d.out.bits_per_raw_sample = st->codecpar->bits_per_raw_sample;
    const char* trc = av_color_transfer_name(st->codecpar->color_trc);
    d.out.color_transfer = trc ? trc : "";
  }
  AVPacket* pkt = av_packet_alloc();
  AVFrame* f = av_frame_alloc();
  while (av_read_frame(in.ctx, pkt) >= 0) {
    auto it = decs.find(pkt->stream_index);
    if (it != decs.end()) {
      avcodec_send_packet(it->second.ctx, pkt);
      Drain(it->second, f);
    }
    av_packet_unref(pkt);
  }
  for (auto& [i, d] : decs) {
    avcodec_send_packet(d.ctx, nullptr);
    Drain(d, f);
    result[i] = d.out;
  }
  av_frame_free(&f);
  av_packet_free(&pkt);
  return result;
}

int StreamCount(const std::string& url, std::string* error) {
  Input in;
  if (!Open(url, &in, error)) return -1;
  return static_cast<int>(in.ctx->nb_streams);
}

std::vector<StreamHeader> StreamHeaders(const std::string& url, std::string* error) {
  std::vector<StreamHeader> out;
  Input in;
  if (!Open(url, &in, error)) return out;
  for (unsigned i = 0; i < in.ctx->nb_streams; ++i) {
    const AVCodecParameters* p = in.ctx->streams[i]->codecpar;
    out.push_back({p->codec_type == AVMEDIA_TYPE_VIDEO, avcodec_get_name(p->codec_id), p->width,
                   p->height, p->profile, p->level, p->ch_layout.nb_channels});
  }
  return out;
}

bool StartsWithKeyframe(const std::string& path, std::string* error) {
  Input in;
  if (!Open(path, &in, error)) return false;
  int vi = av_find_best_stream(in.ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (vi < 0) {
    *error = "no video stream in " + path;
    return false;
  }
  AVPacket* pkt = av_packet_alloc();
  bool key = false;
  while (av_read_frame(in.ctx, pkt) >= 0) {
    if (pkt->stream_index == vi) {
      key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
      av_packet_unref(pkt);
      break;
    }
    av_packet_unref(pkt);
  }
  av_packet_free(&pkt);
  if (!key) *error = "first video packet of " + path + " is not a keyframe";
  return key;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) lines.push_back(line);
  return lines;
}

std::map<std::string, std::string> HlsAttributes(const std::string& tag_line) {
  std::map<std::string, std::string> attrs;
  size_t colon = tag_line.find(':');
  if (colon == std::string::npos) return attrs;
  std::string s = tag_line.substr(colon + 1);
  size_t i = 0;
  while (i < s.size()) {
    size_t eq = s.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = s.substr(i, eq - i);
    std::string value;
    size_t j = eq + 1;
    if (j < s.size() && s[j] == '"') {
      size_t close = s.find('"', j + 1);
      value = s.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      size_t comma = s.find(',', j);
      value = s.substr(j, comma == std::string::npos ? std::string::npos : comma - j);
      j = comma == std::string::npos ? s.size() : comma;
    }
    attrs[key] = value;
    i = j < s.size() && s[j] == ',' ? j + 1 : j;
  }
  return attrs;
}

std::map<std::string, std::string> TreeContents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      out[std::filesystem::relative(e.path(), dir).string()] = ReadFile(e.path().string());
    }
  }
  return out;
}

}  // namespace vtp::testutil
