// RFC 6381 "codecs" parameter values (the HLS CODECS attribute and the DASH
// @codecs attribute), derived from the decoder configuration a muxer stores
// in the init segment (AVCodecParameters::extradata). Pure: bytes in, string
// out; no libav types.
//
// One function per codec family. HEVC ("hvc1.*", ISO/IEC 14496-15 Annex E),
// VP9 ("vp09.*", VP Codec ISO-BMFF binding) and AV1 ("av01.*", AV1 ISO-BMFF
// binding) belong here as siblings when the ladder grows those codecs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace vtp {

// H.264: "avc1.PPCCLL", the lowercase hex of profile_idc, the constraint_set
// flags byte and level_idc of the first sequence parameter set.
//
// `extradata` is either
//   - an AVCDecoderConfigurationRecord ("avcC", ISO/IEC 14496-15 §5.3.3.1,
//     first byte 1), whose header bytes must agree with its first SPS, or
//   - Annex B byte stream (start codes 00 00 01 / 00 00 00 01, first byte 0),
//     scanned for the first NAL unit of type 7 (SPS).
// Anything else, truncated data, or a missing SPS -> kInvalidArgument.
StatusOr<std::string> AvcCodecString(const std::vector<uint8_t>& extradata);

// AAC and the other MPEG-4 audio object types: "mp4a.40.N", N the decimal
// audioObjectType of an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1),
// including the escape (31 -> 32 + next 6 bits). HE-AAC signalled
// explicitly yields its own type (5 = SBR, 29 = PS), as RFC 6381 §3.3 asks.
// Empty or truncated config, or object type 0 -> kInvalidArgument.
StatusOr<std::string> AacCodecString(const std::vector<uint8_t>& audio_specific_config);

}  // namespace vtp
