#include "media/filter_graph.h"

#include <cinttypes>
#include <cstdio>

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
}

#include "media/demuxer.h"

namespace vtp::media {
namespace {

std::string SourceArgs(const AVCodecContext* dec, AVRational tb) {
  char args[512];
  if (dec->codec_type == AVMEDIA_TYPE_VIDEO) {
    AVRational sar = dec->sample_aspect_ratio.num > 0 ? dec->sample_aspect_ratio : AVRational{1, 1};
    std::snprintf(args, sizeof(args), "video_size=%dx%d:pix_fmt=%d:time_base=%d/%d:pixel_aspect=%d/%d",
                  dec->width, dec->height, dec->pix_fmt, tb.num, tb.den, sar.num, sar.den);
  } else {
    char layout[128] = "stereo";
    AVChannelLayout ch = dec->ch_layout;
    if (ch.order == AV_CHANNEL_ORDER_UNSPEC) av_channel_layout_default(&ch, ch.nb_channels);
    av_channel_layout_describe(&ch, layout, sizeof(layout));
    std::snprintf(args, sizeof(args), "time_base=%d/%d:sample_rate=%d:sample_fmt=%s:channel_layout=%s",
                  tb.num, tb.den, dec->sample_rate, av_get_sample_fmt_name(dec->sample_fmt), layout);
  }
  return args;
}

}  // namespace

StatusOr<FilterGraph> FilterGraph::Create(const AVCodecContext* dec, AVRational time_base,
                                          const std::string& description, int outputs) {
  FilterGraph fg;
  fg.graph_.reset(avfilter_graph_alloc());
  if (!fg.graph_) return Internal("avfilter_graph_alloc failed");
  // Filters run on the caller's thread; parallelism comes from worker processes.
  fg.graph_->nb_threads = 1;
  bool video = dec->codec_type == AVMEDIA_TYPE_VIDEO;
  const AVFilter* src = avfilter_get_by_name(video ? "buffer" : "abuffer");
  const AVFilter* sink = avfilter_get_by_name(video ? "buffersink" : "abuffersink");
  std::string args = SourceArgs(dec, time_base);
  RETURN_IF_ERROR(AvStatus(avfilter_graph_create_filter(&fg.source_, src, "in", args.c_str(), nullptr,
                                                        fg.graph_.get()),
                           ErrorCode::kInternal, "creating filter source (" + args + ")"));
  AVFilterInOut* ins = nullptr;   // open inputs of the parsed graph (our sinks feed none)
  AVFilterInOut* outs = avfilter_inout_alloc();
  outs->name = av_strdup("in");
  outs->filter_ctx = fg.source_;
  outs->pad_idx = 0;
  outs->next = nullptr;
  AVFilterInOut* sink_list = nullptr;
  for (int i = outputs - 1; i >= 0; --i) {
    AVFilterContext* s = nullptr;
    std::string name = "out" + std::to_string(i);
    int ret = avfilter_graph_create_filter(&s, sink, name.c_str(), nullptr, nullptr, fg.graph_.get());
    if (ret < 0) {
      avfilter_inout_free(&outs);
      avfilter_inout_free(&sink_list);
      return AvStatus(ret, ErrorCode::kInternal, "creating filter sink");
    }
    AVFilterInOut* io = avfilter_inout_alloc();
    io->name = av_strdup(name.c_str());
    io->filter_ctx = s;
    io->pad_idx = 0;
    io->next = sink_list;
    sink_list = io;
    fg.sinks_.insert(fg.sinks_.begin(), s);
  }
  ins = sink_list;
  int ret = avfilter_graph_parse_ptr(fg.graph_.get(), description.c_str(), &ins, &outs, nullptr);
  avfilter_inout_free(&ins);
  avfilter_inout_free(&outs);
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kInternal, "parsing filter graph '" + description + "'"));
  RETURN_IF_ERROR(AvStatus(avfilter_graph_config(fg.graph_.get(), nullptr), ErrorCode::kInternal,
                           "configuring filter graph '" + description + "'"));
  return fg;
}

Status FilterGraph::Push(AVFrame* frame) {
  int ret = av_buffersrc_add_frame_flags(source_, frame, AV_BUFFERSRC_FLAG_KEEP_REF);
  return AvStatus(ret, ErrorCode::kInternal, "filtering");
}

StatusOr<bool> FilterGraph::Pull(int i, AVFrame* frame) {
  int ret = av_buffersink_get_frame(sinks_[static_cast<size_t>(i)], frame);
  if (ret == AvErrorAgain() || ret == AVERROR_EOF) return false;
  RETURN_IF_ERROR(AvStatus(ret, ErrorCode::kInternal, "filtering"));
  return true;
}

AVRational FilterGraph::output_time_base(int i) const {
  return av_buffersink_get_time_base(sinks_[static_cast<size_t>(i)]);
}

void FilterGraph::SetFrameSize(int i, int n) {
  av_buffersink_set_frame_size(sinks_[static_cast<size_t>(i)], static_cast<unsigned>(n));
}

}  // namespace vtp::media
