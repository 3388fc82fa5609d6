#include "media/hardware_encoders.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <mutex>

#include "domain/ladder.h"
#include "media/av_handles.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/log.h>
}

namespace vtp::media {
namespace {

struct BufferUnref {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};
using BufferPtr = std::unique_ptr<AVBufferRef, BufferUnref>;

constexpr int kProbeSize = 256;  // above every encoder's minimum picture size

// libav reports why a device or encoder failed through its log, not its
// return code ("Cannot load libcuda.so.1" comes back as a generic external
// library error), so detection collects error lines while it runs.
std::mutex g_capture_mu;
std::string g_captured;  // guarded by g_capture_mu

void CaptureLog(void*, int level, const char* fmt, va_list args) {
  if (level > AV_LOG_ERROR) return;
  char buf[1024];
  std::vsnprintf(buf, sizeof(buf), fmt, args);
  std::string line(buf);  // a copy: GCC 12 misreads appending the array as dangling
  std::lock_guard<std::mutex> lock(g_capture_mu);
  g_captured.append(line);
}

// Captures libav's error messages for its lifetime.
class LogCapture {
 public:
  LogCapture() {
    {
      std::lock_guard<std::mutex> lock(g_capture_mu);
      g_captured.clear();
    }
    av_log_set_callback(CaptureLog);
  }
  ~LogCapture() {
    av_log_set_callback(av_log_default_callback);
    std::lock_guard<std::mutex> lock(g_capture_mu);
    g_captured.clear();
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The lines logged since the last call, joined by "; ", or `fallback`.
  std::string Take(const std::string& fallback) {
    std::string text;
    {
      std::lock_guard<std::mutex> lock(g_capture_mu);
      text.swap(g_captured);
    }
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      std::string piece = text.substr(start, nl - start);
      if (!piece.empty()) out += (out.empty() ? "" : "; ") + piece;
      start = nl + 1;
    }
    return out.empty() ? fallback : out;
  }
};

// Opens `encoder` on a small picture: software `sw_format` frames, or
// hardware frames of `device` when `hw_format` is set. Returns "" when it
// opened, else why not.
std::string TryEncoder(LogCapture& log, const char* encoder, AVPixelFormat sw_format, AVBufferRef* device,
                       AVPixelFormat hw_format = AV_PIX_FMT_NONE) {
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
  if (codec == nullptr) return std::string(encoder) + ": not built into this FFmpeg";
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) return std::string(encoder) + ": out of memory";
  ctx->width = kProbeSize;
  ctx->height = kProbeSize;
  ctx->time_base = AVRational{1, 25};
  ctx->framerate = AVRational{25, 1};
  ctx->bit_rate = 1'000'000;
  ctx->pix_fmt = sw_format;
  if (device != nullptr) ctx->hw_device_ctx = av_buffer_ref(device);
  if (hw_format != AV_PIX_FMT_NONE) {
    BufferPtr frames(av_hwframe_ctx_alloc(device));
    if (!frames) return std::string(encoder) + ": " + log.Take("cannot allocate hardware frames");
    auto* fc = reinterpret_cast<AVHWFramesContext*>(frames->data);
    fc->format = hw_format;
    fc->sw_format = sw_format;
    fc->width = kProbeSize;
    fc->height = kProbeSize;
    fc->initial_pool_size = 4;
    int rc = av_hwframe_ctx_init(frames.get());
    if (rc < 0) return std::string(encoder) + ": " + log.Take(AvErrorText(rc));
    ctx->hw_frames_ctx = av_buffer_ref(frames.get());
    ctx->pix_fmt = hw_format;
  }
  int rc = avcodec_open2(ctx.get(), codec, nullptr);
  if (rc < 0) return std::string(encoder) + ": " + log.Take(AvErrorText(rc));
  log.Take("");  // an encoder that opened may still have complained
  return "";
}

struct Probe {
  const char* name;
  AVHWDeviceType device;  // AV_HWDEVICE_TYPE_NONE: no device needed
  std::vector<const char*> encoders;
  AVPixelFormat sw_format;
  AVPixelFormat hw_format;  // AV_PIX_FMT_NONE: software frames in
};

HardwareCapability Detect(LogCapture& log, const Probe& p) {
  HardwareCapability cap;
  cap.name = p.name;
  cap.routable = !EncoderForPool("h264", p.name).empty() || !EncoderForPool("hevc", p.name).empty();
  BufferPtr device;
  if (p.device != AV_HWDEVICE_TYPE_NONE) {
    AVBufferRef* raw = nullptr;
    int rc = av_hwdevice_ctx_create(&raw, p.device, nullptr, nullptr, 0);
    device.reset(raw);
    if (rc < 0) {
      cap.reason = std::string(av_hwdevice_get_type_name(p.device)) + " device: " + log.Take(AvErrorText(rc));
      return cap;
    }
  }
  std::vector<std::string> failures;
  for (const char* e : p.encoders) {
    std::string why = TryEncoder(log, e, p.sw_format, device.get(), p.hw_format);
    if (why.empty()) {
      cap.encoders.push_back(e);
    } else {
      failures.push_back(std::move(why));
    }
  }
  cap.available = failures.empty();
  for (const auto& f : failures) cap.reason += (cap.reason.empty() ? "" : " | ") + f;
  return cap;
}

}  // namespace

std::vector<HardwareCapability> DetectHardwareEncoders() {
  const std::vector<Probe> probes = {
      {kNvencPool, AV_HWDEVICE_TYPE_NONE, {"h264_nvenc", "hevc_nvenc"}, AV_PIX_FMT_YUV420P, AV_PIX_FMT_NONE},
      {"gpu-vaapi", AV_HWDEVICE_TYPE_VAAPI, {"h264_vaapi"}, AV_PIX_FMT_NV12, AV_PIX_FMT_VAAPI},
      {"gpu-qsv", AV_HWDEVICE_TYPE_QSV, {"h264_qsv"}, AV_PIX_FMT_NV12, AV_PIX_FMT_NONE},
  };
  LogCapture log;
  std::vector<HardwareCapability> out;
  for (const auto& p : probes) out.push_back(Detect(log, p));
  return out;
}

}  // namespace vtp::media
