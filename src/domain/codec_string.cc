#include "domain/codec_string.h"

#include <cstdio>

namespace vtp {
namespace {

constexpr uint8_t kNalTypeSps = 7;
constexpr int kAudioObjectTypeEscape = 31;

// The three SPS bytes RFC 6381 §3.3 puts in an avc1 string.
struct SpsHead {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;
  uint8_t level_idc = 0;
};

std::string FormatAvc(const SpsHead& sps) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "avc1.%02x%02x%02x",
                static_cast<unsigned>(sps.profile_idc),
                static_cast<unsigned>(sps.constraint_flags),
                static_cast<unsigned>(sps.level_idc));
  return buf;
}

// Parses an SPS NAL unit occupying [pos, end): one header byte, then the
// profile/constraint/level bytes (H.264 §7.3.2.1.1).
StatusOr<SpsHead> ParseSps(const std::vector<uint8_t>& data, size_t pos, size_t end) {
  if (pos >= end) return InvalidArgument("H.264 SPS: empty NAL unit");
  const uint8_t header = data[pos];
  if ((header & 0x80) != 0) return InvalidArgument("H.264 SPS: forbidden_zero_bit is set");
  if ((header & 0x1F) != kNalTypeSps) {
    return InvalidArgument("H.264: expected an SPS (NAL type 7), found NAL type " +
                           std::to_string(header & 0x1F));
  }
  if (end - pos < 4) return InvalidArgument("H.264 SPS: truncated before level_idc");
  // No emulation_prevention_three_byte (§7.4.1) can sit among these three
  // bytes: it needs two zero bytes before it, and profile_idc is never 0.
  SpsHead sps{data[pos + 1], data[pos + 2], data[pos + 3]};
  if (sps.profile_idc == 0) return InvalidArgument("H.264 SPS: profile_idc is 0");
  return sps;
}

// ISO/IEC 14496-15 §5.3.3.1.1: configurationVersion, AVCProfileIndication,
// profile_compatibility, AVCLevelIndication, lengthSizeMinusOne,
// numOfSequenceParameterSets, then 16-bit length + SPS NAL unit.
StatusOr<std::string> FromAvcC(const std::vector<uint8_t>& avcc) {
  constexpr size_t kFirstSpsLength = 6;
  constexpr size_t kFirstSps = 8;
  if (avcc.size() < kFirstSps) {
    return InvalidArgument("avcC: record of " + std::to_string(avcc.size()) +
                           " bytes is too short to hold an SPS");
  }
  if ((avcc[5] & 0x1F) == 0) return InvalidArgument("avcC: record holds no SPS");
  const size_t sps_size = (size_t{avcc[kFirstSpsLength]} << 8) | avcc[kFirstSpsLength + 1];
  if (kFirstSps + sps_size > avcc.size()) {
    return InvalidArgument("avcC: SPS length " + std::to_string(sps_size) +
                           " runs past the end of the record");
  }
  ASSIGN_OR_RETURN(SpsHead sps, ParseSps(avcc, kFirstSps, kFirstSps + sps_size));
  // The header copies these fields from the SPS (§5.3.3.1.2); disagreement
  // means a damaged record, and either choice could mislabel the stream.
  if (sps.profile_idc != avcc[1] || sps.constraint_flags != avcc[2] ||
      sps.level_idc != avcc[3]) {
    return InvalidArgument("avcC: header profile/level disagrees with its SPS");
  }
  return FormatAvc(sps);
}

// Annex B start code prefix 00 00 01 at data[i].
bool IsStartCode(const std::vector<uint8_t>& data, size_t i) {
  return i + 2 < data.size() && data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1;
}

// A NAL unit ends at the next 00 00 00/01/02: emulation prevention keeps
// those sequences out of NAL payloads (H.264 §7.4.1, Annex B.2).
size_t NalEnd(const std::vector<uint8_t>& data, size_t pos) {
  for (size_t i = pos; i + 2 < data.size(); ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] <= 2) return i;
  }
  return data.size();
}

StatusOr<std::string> FromAnnexB(const std::vector<uint8_t>& data) {
  for (size_t i = 0; i < data.size(); ++i) {
    if (!IsStartCode(data, i)) continue;
    const size_t nal = i + 3;
    if (nal < data.size() && (data[nal] & 0x1F) == kNalTypeSps) {
      ASSIGN_OR_RETURN(SpsHead sps, ParseSps(data, nal, NalEnd(data, nal + 1)));
      return FormatAvc(sps);
    }
    i += 2;
  }
  return InvalidArgument("H.264 Annex B extradata holds no SPS (NAL type 7)");
}

}  // namespace

StatusOr<std::string> AvcCodecString(const std::vector<uint8_t>& extradata) {
  if (extradata.empty()) return InvalidArgument("H.264 extradata is empty");
  if (extradata[0] == 1) return FromAvcC(extradata);
  if (extradata[0] == 0) return FromAnnexB(extradata);
  return InvalidArgument("H.264 extradata is neither avcC (first byte 1) nor Annex B");
}

StatusOr<std::string> AacCodecString(const std::vector<uint8_t>& audio_specific_config) {
  const auto& asc = audio_specific_config;
  if (asc.empty()) return InvalidArgument("AudioSpecificConfig is empty");
  // GetAudioObjectType(), ISO/IEC 14496-3 §1.6.2.1: 5 bits, and when they
  // read 31, the type is 32 plus the next 6 bits.
  int object_type = asc[0] >> 3;
  if (object_type == kAudioObjectTypeEscape) {
    if (asc.size() < 2) {
      return InvalidArgument("AudioSpecificConfig: escaped object type is truncated");
    }
    object_type = 32 + (((asc[0] & 0x07) << 3) | (asc[1] >> 5));
  }
  if (object_type == 0) return InvalidArgument("AudioSpecificConfig: object type 0 (null)");
  return "mp4a.40." + std::to_string(object_type);
}

}  // namespace vtp
