// Internal to src/media: single-stream intermediate files that carry packets
// between tasks — split chunks and encoded chunk renditions.
//
// The format is vtp's own ("VTPPKT01"): codec parameters, then packets with
// their exact timestamps, durations, flags and side data. No container
// available here keeps an arbitrary time base exactly (NUT re-derives it from
// the frame rate, Matroska rounds to milliseconds), and chunk boundaries are
// decided with exact tick comparisons, so nothing may be rounded in transit.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "core/status.h"
#include "media/av_handles.h"

namespace vtp::media {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct CodecParametersDeleter {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, CodecParametersDeleter>;

class PacketWriter {
 public:
  // Creates `path` for one stream described by `par` in `time_base`.
  static StatusOr<PacketWriter> Create(const std::string& path, const AVCodecParameters* par,
                                       AVRational time_base);
  // Writes `pkt` as is (timestamps in the writer's time base).
  Status Write(const AVPacket* pkt);
  // Flushes and closes the file. Must be called for a complete file.
  Status Finish();
  int64_t packets() const { return packets_; }

 private:
  PacketWriter() = default;
  FilePtr file_;
  std::string path_;
  int64_t packets_ = 0;
};

class PacketReader {
 public:
  static StatusOr<PacketReader> Open(const std::string& path);
  // Reads the next packet into `pkt`; false at end of file.
  StatusOr<bool> Next(AVPacket* pkt);
  const AVCodecParameters* codecpar() const { return par_.get(); }
  AVRational time_base() const { return time_base_; }

 private:
  PacketReader() = default;
  FilePtr file_;
  std::string path_;
  CodecParametersPtr par_;
  AVRational time_base_{1, 1};
};

}  // namespace vtp::media
