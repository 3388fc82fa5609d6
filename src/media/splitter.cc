#include "media/splitter.h"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "media/demuxer.h"
#include "media/packet_file.h"

namespace vtp::media {
namespace {

// Packets without a pts (AVI, raw streams) are placed by their dts.
int64_t PacketTime(const AVPacket* p) { return p->pts != AV_NOPTS_VALUE ? p->pts : p->dts; }

int64_t PacketDuration(const AVPacket* p, const AVStream* st) {
  if (p->duration > 0) return p->duration;
  AVRational fr = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
  if (fr.num <= 0) return 1;
  return std::max<int64_t>(1, av_rescale_q(1, av_inv_q(fr), st->time_base));
}

}  // namespace

StatusOr<VideoIndex> IndexVideo(const std::string& path, int stream_index) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(path, stream_index));
  const AVStream* st = ctx->streams[stream_index];
  VideoIndex idx;
  idx.stream_index = stream_index;
  idx.time_base = {st->time_base.num, st->time_base.den};
  int64_t min_ts = INT64_MAX, min_pts = INT64_MAX, max_end = INT64_MIN;
  std::vector<int64_t> keys;
  PacketPtr pkt = MakePacket();
  for (;;) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) return AvStatus(ret, ErrorCode::kCorruptInput, "reading " + path);
    if (pkt->stream_index == stream_index) {
      int64_t t = PacketTime(pkt.get());
      if (t != AV_NOPTS_VALUE) {
        ++idx.packets;
        min_pts = std::min(min_pts, t);
        min_ts = std::min(min_ts, pkt->dts != AV_NOPTS_VALUE ? std::min(t, pkt->dts) : t);
        max_end = std::max(max_end, t + PacketDuration(pkt.get(), st));
        if (pkt->flags & AV_PKT_FLAG_KEY) keys.push_back(t);
      }
    }
    av_packet_unref(pkt.get());
  }
  if (idx.packets == 0) return Status(ErrorCode::kCorruptInput, "video stream has no packets");
  idx.offset = min_ts < 0 ? -min_ts : 0;
  idx.first_pts = min_pts + idx.offset;
  idx.end_pts = max_end + idx.offset;
  std::sort(keys.begin(), keys.end());
  for (int64_t& k : keys) k += idx.offset;
  idx.keyframes = std::move(keys);
  double seconds = static_cast<double>(idx.end_pts - idx.first_pts) * av_q2d(st->time_base);
  idx.frame_rate = seconds > 0 ? static_cast<double>(idx.packets) / seconds : 0;
  return idx;
}

namespace {

// Per-chunk copy state while the input is read once, in decode order.
struct ChunkCopy {
  const Chunk* chunk = nullptr;
  std::optional<PacketWriter> writer;
  enum class Phase { kWaiting, kCopying, kLeading, kDone } phase = Phase::kWaiting;
  int64_t end_key = 0;  // pts of the keyframe at or past the chunk end
};

// Decides whether `c` takes the packet with time `t`, advancing its phase.
bool Takes(ChunkCopy& c, int64_t t, bool key, bool first_packet) {
  using P = ChunkCopy::Phase;
  if (c.phase == P::kWaiting) {
    bool starts = c.chunk->decode_from == INT64_MIN ? first_packet : (key && t == c.chunk->decode_from);
    if (!starts) return false;
    c.phase = P::kCopying;
  }
  if (c.phase == P::kCopying) {
    if (key && t >= c.chunk->end && c.chunk->end != INT64_MAX) {
      c.phase = P::kLeading;
      c.end_key = t;
    }
    return true;
  }
  if (c.phase == P::kLeading) {
    if (t < c.end_key) return true;  // leading picture of the next GOP
    c.phase = P::kDone;
  }
  return false;
}

}  // namespace

StatusOr<std::vector<ChunkFile>> SplitIntoChunks(const std::string& path, const VideoIndex& index,
                                                 const SegmentPlan& plan, const std::string& dir) {
  ASSIGN_OR_RETURN(InputFormatPtr ctx, OpenInputStream(path, index.stream_index));
  AVStream* st = ctx->streams[index.stream_index];
  std::vector<ChunkCopy> copies(plan.chunks.size());
  std::vector<ChunkFile> files(plan.chunks.size());
  for (size_t i = 0; i < plan.chunks.size(); ++i) {
    copies[i].chunk = &plan.chunks[i];
    char name[32];
    std::snprintf(name, sizeof(name), "chunk_%03zu.nut", i);
    files[i].index = static_cast<int>(i);
    files[i].path = (std::filesystem::path(dir) / name).string();
  }
  PacketPtr pkt = MakePacket();
  PacketPtr copy = MakePacket();
  bool first = true;
  for (;;) {
    int ret = av_read_frame(ctx.get(), pkt.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) return AvStatus(ret, ErrorCode::kCorruptInput, "reading " + path);
    if (pkt->stream_index != index.stream_index || PacketTime(pkt.get()) == AV_NOPTS_VALUE) {
      av_packet_unref(pkt.get());
      continue;
    }
    int64_t t = PacketTime(pkt.get()) + index.offset;
    bool key = (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    if (pkt->duration <= 0) pkt->duration = PacketDuration(pkt.get(), st);
    for (size_t i = 0; i < copies.size(); ++i) {
      if (!Takes(copies[i], t, key, first)) continue;
      if (!copies[i].writer) {
        ASSIGN_OR_RETURN(PacketWriter w, PacketWriter::Create(files[i].path, st->codecpar, st->time_base));
        copies[i].writer.emplace(std::move(w));
      }
      av_packet_ref(copy.get(), pkt.get());
      if (copy->pts != AV_NOPTS_VALUE) copy->pts += index.offset;
      if (copy->dts != AV_NOPTS_VALUE) copy->dts += index.offset;
      files[i].bytes += copy->size;
      RETURN_IF_ERROR(copies[i].writer->Write(copy.get()));
      av_packet_unref(copy.get());
    }
    first = false;
    av_packet_unref(pkt.get());
  }
  for (size_t i = 0; i < copies.size(); ++i) {
    if (!copies[i].writer) {
      return Status(ErrorCode::kCorruptInput,
                    "chunk " + std::to_string(i) + " has no keyframe to start decoding from");
    }
    files[i].packets = copies[i].writer->packets();
    RETURN_IF_ERROR(copies[i].writer->Finish());
  }
  return files;
}

}  // namespace vtp::media
