// Internal to src/media: a libavfilter graph with one video or audio input and
// any number of outputs, built from a textual description.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

class FilterGraph {
 public:
  // `description` uses the labels [in] and [out0]..[outN-1]. The input is
  // configured from `dec` (size, format, time base, sample rate, layout).
  static StatusOr<FilterGraph> Create(const AVCodecContext* dec, AVRational time_base,
                                      const std::string& description, int outputs);

  // Pushes one frame (nullptr at end of stream). Takes a reference.
  Status Push(AVFrame* frame);
  // Pulls one frame from output `i`; false when it has none ready.
  StatusOr<bool> Pull(int i, AVFrame* frame);
  // Output `i`'s time base once configured.
  AVRational output_time_base(int i) const;
  int outputs() const { return static_cast<int>(sinks_.size()); }
  // For audio outputs: makes sink `i` return frames of exactly `n` samples.
  void SetFrameSize(int i, int n);

 private:
  FilterGraph() = default;
  FilterGraphPtr graph_;
  AVFilterContext* source_ = nullptr;  // owned by graph_
  std::vector<AVFilterContext*> sinks_;
};

}  // namespace vtp::media
