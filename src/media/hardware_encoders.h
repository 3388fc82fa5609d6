// Which hardware video encoders this machine can open, for `vtp worker
// --pool gpu|auto`. Each capability is tried for real -- the encoder opened
// on a small picture, through a device where libav needs one -- because an
// encoder compiled into FFmpeg says nothing about a driver, a device node or
// a free encoder session being there. A capability that fails carries
// libav's own words for why ("Cannot load libcuda.so.1").
//
// Capability names are the worker pool names of domain/ladder.h:
//   gpu-nvenc  h264_nvenc and hevc_nvenc, software frames in
//   gpu-vaapi  a VAAPI device (av_hwdevice_ctx_create) and h264_vaapi on it
//   gpu-qsv    a QSV device and h264_qsv
// Only capabilities vtp encodes with (EncoderForPool names an encoder for
// the pool: gpu-nvenc today) are `routable`; the others are reported as
// detected but not used.
//
// Detection installs a capturing libav log callback for its duration and
// then restores libav's default one: call it from one thread, before
// anything else that logs through libav (at worker start).
#pragma once

#include <string>
#include <vector>

namespace vtp::media {

struct HardwareCapability {
  std::string name;        // "gpu-nvenc", "gpu-vaapi", "gpu-qsv"
  bool available = false;  // every encoder of the capability opened
  // Why not, when not: "<encoder or device>: <libav's messages>".
  std::string reason;
  bool routable = false;  // vtp encodes in this pool (EncoderForPool)
  std::vector<std::string> encoders;  // the encoders that opened
};

// Every capability above, in that order. Never fails: a capability that
// cannot be tried is reported unavailable with the reason.
std::vector<HardwareCapability> DetectHardwareEncoders();

}  // namespace vtp::media
