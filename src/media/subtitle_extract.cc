#include "media/subtitle_extract.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "media/demuxer.h"

namespace vtp::media {

namespace {
constexpr int64_t kMaxEventTimeMs = 48LL * 3600 * 1000;
constexpr size_t kMaxEvents = 20'000;  // subtitle::kMaxCues: the same bound as a file


std::string Tag(const AVStream* st, const char* key) {
  const AVDictionaryEntry* e = av_dict_get(st->metadata, key, nullptr, 0);
  return e != nullptr && e->value != nullptr ? e->value : "";
}

bool IsTextCodec(AVCodecID id) {
  const AVCodecDescriptor* d = avcodec_descriptor_get(id);
  return d != nullptr && (d->props & AV_CODEC_PROP_TEXT_SUB) != 0;
}

// Frees the rectangles avcodec_decode_subtitle2 filled in.
struct SubtitleGuard {
  AVSubtitle sub{};
  ~SubtitleGuard() { avsubtitle_free(&sub); }
};

}  // namespace

void ResolveOpenEnds(std::vector<TextSubtitleEvent>& events) {
  for (size_t i = 0; i < events.size(); ++i) {
    TextSubtitleEvent& e = events[i];
    if (e.end_ms > e.start_ms) continue;
    e.end_ms = e.start_ms + kDefaultSubtitleEventMs;
    for (size_t k = i + 1; k < events.size(); ++k) {
      if (events[k].start_ms > e.start_ms) {
        e.end_ms = std::min(e.end_ms, events[k].start_ms);
        break;
      }
    }
  }
}

StatusOr<std::vector<SubtitleStreamInfo>> ListSubtitleStreams(const std::string& path) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInput(path));
  std::vector<SubtitleStreamInfo> out;
  for (unsigned i = 0; i < ctx->nb_streams; ++i) {
    const AVStream* st = ctx->streams[i];
    if (st->codecpar->codec_type != AVMEDIA_TYPE_SUBTITLE) continue;
    SubtitleStreamInfo info;
    info.index = static_cast<int>(i);
    info.codec = avcodec_get_name(st->codecpar->codec_id);
    info.language = Tag(st, "language");
    info.title = Tag(st, "title");
    info.is_text = IsTextCodec(st->codecpar->codec_id);
    out.push_back(std::move(info));
  }
  return out;
}

StatusOr<std::vector<TextSubtitleEvent>> ExtractTextSubtitles(const std::string& path,
                                                              int stream_index,
                                                              double origin_seconds) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(path, stream_index));
  AVStream* st = ctx->streams[stream_index];
  const std::string where = "stream " + std::to_string(stream_index) + " of " + path;
  if (st->codecpar->codec_type != AVMEDIA_TYPE_SUBTITLE) {
    return InvalidArgument(where + " is not a subtitle stream");
  }
  const char* codec_name = avcodec_get_name(st->codecpar->codec_id);
  if (!IsTextCodec(st->codecpar->codec_id)) {
    return Status(ErrorCode::kUnsupportedCodec,
                  where + " holds image subtitles (" + codec_name +
                      "); image subtitles are skipped, only text subtitles are extracted");
  }
  ASSIGN_OR_RETURN(Decoder dec, Decoder::Open(st, 1));
  const int64_t origin_ms = std::llround(origin_seconds * 1000.0);
  const AVRational ms{1, 1000};

  std::vector<TextSubtitleEvent> raw;
  PacketPtr pkt = MakePacket();
  for (;;) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) return AvStatus(ret, ErrorCode::kCorruptInput, "reading subtitles of " + path);
    std::unique_ptr<AVPacket, void (*)(AVPacket*)> unref(pkt.get(), av_packet_unref);
    if (pkt->stream_index != stream_index) continue;
    int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
    if (ts == AV_NOPTS_VALUE) continue;  // an event with no time cannot be placed
    SubtitleGuard guard;
    int got = 0;
    ret = avcodec_decode_subtitle2(dec.context(), &guard.sub, &got, pkt.get());
    // A damaged packet costs its own event, not the stream.
    if (ret < 0 || got == 0) continue;
    const AVSubtitle& sub = guard.sub;
    int64_t packet_ms = av_rescale_q(ts, st->time_base, ms);
    // Hostile timestamps: anything beyond a day either side of 0 cannot be
    // on the video's timeline, and would overflow the sums below.
    if (packet_ms < -kMaxEventTimeMs || packet_ms > kMaxEventTimeMs) continue;
    if (raw.size() >= kMaxEvents) {
      return Status(ErrorCode::kLimitExceeded, "subtitle stream has more than " + std::to_string(kMaxEvents) +
                                                   " events");
    }
    int64_t start = packet_ms + sub.start_display_time;
    // avcodec_decode_subtitle2 fills end_display_time from the packet
    // duration when the payload has none. None is 0, a value not after the
    // start, or a wrapped negative (demuxers mark "no end" as duration -1).
    bool has_end = sub.end_display_time > sub.start_display_time &&
                   sub.end_display_time < 0x80000000u && pkt->duration >= 0;
    int64_t end = has_end ? packet_ms + static_cast<int64_t>(sub.end_display_time) : start;
    for (unsigned r = 0; r < sub.num_rects; ++r) {
      const AVSubtitleRect* rect = sub.rects[r];
      if (rect == nullptr || rect->ass == nullptr || rect->ass[0] == '\0') continue;
      raw.push_back({start, end, rect->ass});
    }
  }

  std::stable_sort(raw.begin(), raw.end(), [](const TextSubtitleEvent& a,
                                               const TextSubtitleEvent& b) {
    return a.start_ms < b.start_ms;
  });
  ResolveOpenEnds(raw);
  std::vector<TextSubtitleEvent> out;
  out.reserve(raw.size());
  for (TextSubtitleEvent& e : raw) {
    int64_t start = std::max<int64_t>(e.start_ms - origin_ms, 0);
    int64_t end = e.end_ms - origin_ms;
    if (end <= start) continue;
    out.push_back({start, end, std::move(e.ass)});
  }
  return out;
}

}  // namespace vtp::media
