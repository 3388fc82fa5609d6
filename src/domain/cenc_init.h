// Protecting a CMAF track's initialization segment (ftyp + moov with one
// trak), ISO/IEC 23001-7 §8 and 14496-12 §8.12: the sample entry becomes
// encv/enca with a sinf (frma, schm, schi/tenc) and the moov gains the
// pssh boxes. Everything else is copied byte for byte. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "domain/bmff.h"
#include "domain/cenc_boxes.h"

namespace vtp::cenc {

// What the encryptor needs to know about a clear track, read from its init.
struct TrackInfo {
  uint32_t track_id = 0;
  std::string sample_entry;  // "avc1", "hvc1", "vp09", "av01", "mp4a", "Opus"
  std::string codec;         // "h264", "hevc", "vp9", "av1", "aac", "opus"
  bool video = false;
  // Payload (after the box header) of the decoder configuration box:
  // avcC, hvcC, vpcC or av1C for video; empty for audio.
  std::vector<uint8_t> codec_config;
  uint32_t trex_default_sample_size = 0;
};

// kInvalidArgument when `init` is not a single-track fMP4 init segment with
// one clear sample entry of a codec vtp can protect (already encrypted
// entries included).
StatusOr<TrackInfo> ReadTrackInfo(bmff::ByteSpan init);

struct InitProtection {
  ProtectionSchemeInfo sinf;                 // frma is filled in from the entry
  std::vector<ProtectionSystemHeader> pssh;  // appended to moov, in order
  // Keeps a clear copy of the sample entry as stsd entry 2, for clear-lead
  // fragments that select it with tfhd sample_description_index = 2.
  bool clear_entry = false;
};

// The protected init segment. Errors as ReadTrackInfo.
StatusOr<std::vector<uint8_t>> ProtectInitSegment(bmff::ByteSpan init, const InitProtection& p);

}  // namespace vtp::cenc
