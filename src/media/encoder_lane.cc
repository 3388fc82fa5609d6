#include "media/encoder_lane.h"

namespace vtp::media {

EncoderLane::EncoderLane(Encoder encoder, PacketWriter writer, int64_t origin, size_t queue_frames)
    : encoder_(std::move(encoder)), writer_(std::move(writer)), origin_(origin),
      capacity_(queue_frames < 1 ? 1 : queue_frames) {
  thread_ = std::thread([this] { Run(); });
}

EncoderLane::~EncoderLane() {
  if (!finished_) (void)Finish();
}

Status EncoderLane::Push(AVFrame* frame, int64_t duration) {
  Item item{MakeFrame(), duration};
  av_frame_move_ref(item.frame.get(), frame);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queue_.size() < capacity_ || !status_.ok(); });
  if (!status_.ok()) return status_;
  queue_.push_back(std::move(item));
  cv_.notify_all();
  return Status::Ok();
}

Status EncoderLane::Finish() {
  if (!finished_) {
    finished_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(Item{});
      cv_.notify_all();
    }
    thread_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void EncoderLane::Run() {
  for (;;) {
    Item item;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty(); });
      item = std::move(queue_.front());
      queue_.pop_front();
      cv_.notify_all();
    }
    bool end = !item.frame;
    if (!end) durations_[item.frame->pts] = item.duration;
    Status s = Encode(end ? nullptr : item.frame.get());
    if (s.ok() && end) s = writer_.Finish();
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = s;
      cv_.notify_all();
    }
    if (end || !s.ok()) return;
  }
}

Status EncoderLane::Encode(const AVFrame* frame) {
  RETURN_IF_ERROR(encoder_.Send(frame));
  return WritePackets();
}

Status EncoderLane::WritePackets() {
  PacketPtr pkt = MakePacket();
  for (;;) {
    ASSIGN_OR_RETURN(bool got, encoder_.Receive(pkt.get()));
    if (!got) return Status::Ok();
    auto d = durations_.find(pkt->pts);
    pkt->duration = d != durations_.end() ? d->second : 0;
    if (d != durations_.end()) durations_.erase(d);
    pkt->pts -= origin_;
    pkt->dts -= origin_;
    if (delay_ == INT64_MIN) delay_ = pkt->pts - pkt->dts;
    RETURN_IF_ERROR(writer_.Write(pkt.get()));
    av_packet_unref(pkt.get());
  }
}

}  // namespace vtp::media
