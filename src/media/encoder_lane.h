// Internal to src/media: one rendition's encoder running on its own thread,
// fed through a small bounded queue. A chunk task decodes and filters once on
// the calling thread and hands each rung's frames to its lane, so the rungs
// encode in parallel inside one process (one x264 instance per rung, as in a
// single ffmpeg process) instead of in several processes that would each hold
// a full set of encoders.
//
// Thread safety: Push/Finish are called from one producer thread; the lane's
// encoder and writer are touched only by the lane thread until Finish returns.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "media/av_handles.h"
#include "media/encoder.h"
#include "media/packet_file.h"

namespace vtp::media {

class EncoderLane {
 public:
  // `origin` is subtracted from every packet timestamp.
  EncoderLane(Encoder encoder, PacketWriter writer, int64_t origin, size_t queue_frames = 4);
  ~EncoderLane();  // joins the thread (finishing the stream if still open)
  EncoderLane(const EncoderLane&) = delete;
  EncoderLane& operator=(const EncoderLane&) = delete;

  // Hands over `frame` (moved from) with its display duration; blocks while
  // the queue is full. Returns the lane's first error, if any.
  Status Push(AVFrame* frame, int64_t duration);
  // Ends the stream, waits for the encoder to drain and the file to be
  // finished, and returns the lane's status.
  Status Finish();
  // pts - dts of the first packet (the encoder's reordering delay).
  int64_t delay() const { return delay_; }

 private:
  struct Item {
    FramePtr frame;  // null: end of stream
    int64_t duration = 0;
  };
  void Run();
  Status Encode(const AVFrame* frame);
  Status WritePackets();

  Encoder encoder_;
  PacketWriter writer_;
  int64_t origin_;
  size_t capacity_;
  std::map<int64_t, int64_t> durations_;  // lane thread only
  int64_t delay_ = INT64_MIN;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;  // guarded by mu_
  Status status_;           // guarded by mu_
  bool finished_ = false;   // producer side only
  std::thread thread_;
};

}  // namespace vtp::media
