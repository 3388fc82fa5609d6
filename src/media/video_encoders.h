// Internal to src/media: how each video encoder is set up for a rendition.
//
// VideoEncoderSettingsFor is pure policy (a rendition in, plain settings
// out), so the mapping can be checked for encoders that cannot be opened on
// the machine running the tests (NVENC). OpenVideoEncoder applies the
// settings. docs/codecs.md explains the choices per encoder.
//
// Every encoder is configured so that
//   - keyframes come only from the caller's forced frames (AVFrame::pict_type
//     = AV_PICTURE_TYPE_I, always an IDR / closed-GOP key frame), the GOP
//     length being a safety net at twice the 2 s GOP;
//   - the same input with the same settings gives byte-identical packets
//     (no frame-parallel rate control, which depends on thread timing);
//   - quality is constant (CRF / CQ) and capped by the rendition's maxrate.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"
#include "domain/ladder.h"
#include "domain/media_info.h"
#include "media/av_handles.h"
#include "media/encoder.h"

namespace vtp::media {

// What the settings depend on besides the rendition.
struct VideoEncoderInput {
  Rational frame_rate;  // average; {0,1} when unknown (30 fps is assumed)
  int threads = 1;      // encoder threads for this rendition
  // The pictures were tone-mapped to SDR BT.709 (PictureConditioning).
  bool tonemapped = false;
  // Source colour tags (libav names, e.g. "bt2020", "smpte2084", "bt2020nc";
  // "unknown" when untagged), kept for untone-mapped output.
  std::string color_primaries, color_transfer, color_matrix;
};

// Everything OpenVideoEncoder sets: the encoder, its private AVOptions and
// the AVCodecContext fields that differ between encoders. Picture size,
// time base, frame rate, square pixels and global headers are common to all.
struct VideoEncoderSettings {
  std::string encoder;                         // libav encoder name
  std::map<std::string, std::string> options;  // private-context AVOptions
  AVPixelFormat pix_fmt = AV_PIX_FMT_YUV420P;  // also the filter graph's output format
  int gop_size = 0;                            // frames (safety net above the forced keyframes)
  int keyint_min = -1;                         // -1: libav's default is left alone
  int64_t bit_rate = -1;                       // -1: libav's default; 0: none (quality only)
  int64_t rc_max_rate = 0;                     // bits/s
  int rc_buffer_size = 0;                      // bits
  int thread_count = 1;
  int profile = FF_PROFILE_UNKNOWN;
  AVColorPrimaries color_primaries = AVCOL_PRI_UNSPECIFIED;
  AVColorTransferCharacteristic color_trc = AVCOL_TRC_UNSPECIFIED;
  AVColorSpace colorspace = AVCOL_SPC_UNSPECIFIED;
  AVColorRange color_range = AVCOL_RANGE_MPEG;
  bool hardware = false;  // needs a device that may be absent (NVENC)
};

// The settings for `r` (its codec, encoder, crf, preset, profile, level,
// bit depth, HDR flag and VBV). kInvalidArgument when the rendition is
// inconsistent: an encoder that does not produce `r.codec`, an unknown
// encoder, a non-numeric preset where digits are expected (VP9, AV1), a
// profile that contradicts the bit depth, an HDR rendition that is not
// 10-bit or whose pictures were tone-mapped, or a 10-bit H.264 rendition.
StatusOr<VideoEncoderSettings> VideoEncoderSettingsFor(const VideoRendition& r,
                                                       const VideoEncoderInput& in);

// The keyframe safety-net interval used by every encoder: 2 s of frames.
int KeyframeInterval(Rational frame_rate);

// Opens the encoder described by `s` for `width` x `height` pictures whose
// timestamps are in `time_base`. An encoder that is missing from this libav
// build or cannot be opened on this machine (no NVENC device, no driver) is
// kEncodeFailed (retryable) with "encoder <name> is unavailable here: <libav's
// message>", so a worker without the hardware fails fast and clearly; other
// refusals are kEncodeFailed.
StatusOr<Encoder> OpenVideoEncoder(const VideoEncoderSettings& s, int width, int height,
                                   Rational time_base, Rational frame_rate);

}  // namespace vtp::media
