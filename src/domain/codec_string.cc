#include "domain/codec_string.h"

#include <cstdio>
#include <optional>

#include "domain/bmff.h"

namespace vtp {
namespace {

using bmff::BoxReader;
using bmff::ByteSpan;

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

namespace {

constexpr uint8_t kUnspecified = 2;

std::string UpperHex(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%X", static_cast<unsigned>(value));
  return buf;
}

uint32_t ReverseBits(uint32_t v) {
  uint32_t out = 0;
  for (int i = 0; i < 32; ++i, v >>= 1) out = (out << 1) | (v & 1);
  return out;
}

// The short-form test shared by vp09 and av01 (see codec_string.h): BT.709
// or unspecified colour, limited range.
bool IsDefaultColour(const ColourDescription& c) {
  auto default_or_unspecified = [](uint8_t v) { return v == 1 || v == kUnspecified; };
  return default_or_unspecified(c.colour_primaries) &&
         default_or_unspecified(c.transfer_characteristics) &&
         default_or_unspecified(c.matrix_coefficients) && !c.full_range;
}

Status Prefixed(const Status& s, std::string_view prefix) {
  return Status(ErrorCode::kInvalidArgument, std::string(prefix) + ": " + s.message());
}

Av1SequenceHeader FromAv1Record(const Av1CodecConfig& record) {
  Av1SequenceHeader seq;
  seq.seq_profile = record.seq_profile;
  seq.seq_level_idx_0 = record.seq_level_idx_0;
  seq.seq_tier_0 = record.seq_tier_0;
  seq.bit_depth = record.bit_depth;
  seq.mono_chrome = record.monochrome;
  seq.subsampling_x = record.chroma_subsampling_x;
  seq.subsampling_y = record.chroma_subsampling_y;
  seq.chroma_sample_position = record.chroma_sample_position;
  return seq;
}

bool Av1RecordMatches(const Av1CodecConfig& record, const Av1SequenceHeader& seq) {
  const Av1SequenceHeader from_record = FromAv1Record(record);
  return from_record.seq_profile == seq.seq_profile &&
         from_record.seq_level_idx_0 == seq.seq_level_idx_0 &&
         from_record.seq_tier_0 == seq.seq_tier_0 && from_record.bit_depth == seq.bit_depth &&
         from_record.mono_chrome == seq.mono_chrome &&
         from_record.subsampling_x == seq.subsampling_x &&
         from_record.subsampling_y == seq.subsampling_y &&
         from_record.chroma_sample_position == seq.chroma_sample_position;
}

// The sequence header av1C describes: the one in configOBUs when there is
// one (it carries colour), else the record's own fields.
StatusOr<Av1SequenceHeader> Av1SequenceFromRecord(const Av1CodecConfig& record) {
  if (record.config_obus.empty()) return FromAv1Record(record);
  StatusOr<Av1SequenceHeader> seq = ParseAv1SequenceHeader(record.config_obus);
  if (seq.status().code() == ErrorCode::kNotFound) return FromAv1Record(record);
  if (!seq.ok()) return Prefixed(seq.status(), "av1C configOBUs");
  // AV1 ISO-BMFF binding §2.3.4: the record's fields copy the sequence
  // header's; a mismatch is a damaged record, and either side could be the
  // one that is wrong.
  if (!Av1RecordMatches(record, *seq)) {
    return InvalidArgument("av1C: record fields disagree with its sequence header OBU");
  }
  return seq;
}

}  // namespace

std::string FormatHevcCodecString(std::string_view fourcc, const HevcProfileTierLevel& ptl) {
  std::string out(fourcc);
  out += '.';
  if (ptl.profile_space > 0) out += static_cast<char>('A' + ptl.profile_space - 1);
  out += std::to_string(ptl.profile_idc);
  out += '.' + UpperHex(ReverseBits(ptl.compatibility_flags));
  out += '.';
  out += ptl.tier_flag ? 'H' : 'L';
  out += std::to_string(ptl.level_idc);
  size_t bytes = ptl.constraint_flags.size();
  while (bytes > 0 && ptl.constraint_flags[bytes - 1] == 0) --bytes;
  for (size_t i = 0; i < bytes; ++i) out += '.' + UpperHex(ptl.constraint_flags[i]);
  return out;
}

StatusOr<std::string> HevcCodecString(const std::vector<uint8_t>& hvcc, std::string_view fourcc) {
  ASSIGN_OR_RETURN(HevcDecoderConfig config, ParseHevcDecoderConfig(hvcc));
  return FormatHevcCodecString(fourcc, config.ptl);
}

std::string FormatVp9CodecString(const Vp9CodecConfig& c) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "vp09.%02d.%02d.%02d", c.profile, c.level, c.bit_depth);
  std::string out = buf;
  if (c.chroma_subsampling == 1 && IsDefaultColour(c.colour)) return out;
  std::snprintf(buf, sizeof(buf), ".%02d.%02d.%02d.%02d.%02d", c.chroma_subsampling,
                c.colour.colour_primaries, c.colour.transfer_characteristics,
                c.colour.matrix_coefficients, c.colour.full_range ? 1 : 0);
  return out + buf;
}

StatusOr<std::string> Vp9CodecString(const std::vector<uint8_t>& vpcc_box_payload) {
  ASSIGN_OR_RETURN(Vp9CodecConfig config, ParseVp9CodecConfig(vpcc_box_payload));
  return FormatVp9CodecString(config);
}

StatusOr<Vp9CodecConfig> Vp9CodecConfigFromFrame(const Vp9FrameHeader& frame, int level,
                                                 const ColourDescription& colour) {
  Vp9CodecConfig config;
  config.profile = frame.profile;
  config.level = level;
  config.bit_depth = frame.bit_depth;
  if (frame.subsampling_x == 1 && frame.subsampling_y == 1) {
    config.chroma_subsampling = 1;
  } else if (frame.subsampling_x == 1 && frame.subsampling_y == 0) {
    config.chroma_subsampling = 2;
  } else if (frame.subsampling_x == 0 && frame.subsampling_y == 0) {
    config.chroma_subsampling = 3;
  } else {
    return InvalidArgument("VP9: 4:4:0 subsampling has no vpcC chromaSubsampling value");
  }
  config.colour.colour_primaries = colour.colour_primaries;
  config.colour.transfer_characteristics = colour.transfer_characteristics;
  config.colour.matrix_coefficients = Vp9MatrixCoefficients(frame.color_space);
  config.colour.full_range = frame.full_range;
  return config;
}

std::string FormatAv1CodecString(const Av1SequenceHeader& seq) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "av01.%d.%02d%c.%02d", seq.seq_profile, seq.seq_level_idx_0,
                seq.seq_tier_0 ? 'H' : 'M', seq.bit_depth);
  std::string out = buf;
  const bool default_chroma = !seq.mono_chrome && seq.subsampling_x == 1 &&
                              seq.subsampling_y == 1 && seq.chroma_sample_position == 0;
  if (default_chroma && IsDefaultColour(seq.colour)) return out;
  std::snprintf(buf, sizeof(buf), ".%d.%d%d%d.%02d.%02d.%02d.%d", seq.mono_chrome ? 1 : 0,
                seq.subsampling_x, seq.subsampling_y, seq.chroma_sample_position,
                seq.colour.colour_primaries, seq.colour.transfer_characteristics,
                seq.colour.matrix_coefficients, seq.colour.full_range ? 1 : 0);
  return out + buf;
}

StatusOr<std::string> Av1CodecString(const std::vector<uint8_t>& av1c) {
  ASSIGN_OR_RETURN(Av1CodecConfig record, ParseAv1CodecConfig(av1c));
  ASSIGN_OR_RETURN(Av1SequenceHeader seq, Av1SequenceFromRecord(record));
  return FormatAv1CodecString(seq);
}

namespace {

// ISO/IEC 14496-12 §12.1.3 VisualSampleEntry and §12.2.3 AudioSampleEntry:
// bytes of fixed fields between the box header and the child boxes.
constexpr size_t kVisualEntryFields = 78;
constexpr size_t kVisualWidthOffset = 24;
constexpr size_t kAudioEntryFields = 28;
constexpr size_t kAudioVersionOffset = 8;
// QuickTime sound sample description versions 1 and 2 append fields.
constexpr size_t kAudioV1Extra = 16;
constexpr size_t kAudioV2Extra = 36;

// ISO/IEC 14496-1 §7.2.2.1 descriptor tags used in esds.
constexpr uint8_t kEsDescrTag = 3;
constexpr uint8_t kDecoderConfigDescrTag = 4;
constexpr uint8_t kDecSpecificInfoTag = 5;
constexpr uint8_t kObjectTypeMpeg4Audio = 0x40;

struct Descriptor {
  uint8_t tag = 0;
  ByteSpan body;
};

// A descriptor header is a tag byte and a size of 1 to 4 bytes, 7 bits
// each, high bit = more (ISO/IEC 14496-1 §8.3.3).
StatusOr<Descriptor> ReadDescriptor(BoxReader& r) {
  Descriptor d;
  ASSIGN_OR_RETURN(d.tag, r.ReadU8());
  size_t size = 0;
  for (int i = 0; i < 4; ++i) {
    ASSIGN_OR_RETURN(uint8_t b, r.ReadU8());
    size = (size << 7) | (b & 0x7f);
    if ((b & 0x80) == 0) break;
  }
  ASSIGN_OR_RETURN(d.body, r.ReadBytes(size));
  return d;
}

StatusOr<ByteSpan> FindDescriptor(BoxReader& r, uint8_t tag) {
  while (r.remaining() > 0) {
    ASSIGN_OR_RETURN(Descriptor d, ReadDescriptor(r));
    if (d.tag == tag) return d.body;
  }
  return InvalidArgument("esds: no descriptor with tag " + std::to_string(tag));
}

StatusOr<std::string> Mp4aCodecString(ByteSpan esds) {
  BoxReader r(esds);
  RETURN_IF_ERROR(r.Skip(4));  // full box version and flags
  ASSIGN_OR_RETURN(ByteSpan es, FindDescriptor(r, kEsDescrTag));
  BoxReader es_reader(es);
  RETURN_IF_ERROR(es_reader.Skip(2));  // ES_ID
  ASSIGN_OR_RETURN(uint8_t flags, es_reader.ReadU8());
  if (flags & 0x80) RETURN_IF_ERROR(es_reader.Skip(2));  // dependsOn_ES_ID
  if (flags & 0x40) {
    ASSIGN_OR_RETURN(uint8_t url_length, es_reader.ReadU8());
    RETURN_IF_ERROR(es_reader.Skip(url_length));
  }
  if (flags & 0x20) RETURN_IF_ERROR(es_reader.Skip(2));  // OCR_ES_Id
  ASSIGN_OR_RETURN(ByteSpan dcd, FindDescriptor(es_reader, kDecoderConfigDescrTag));
  BoxReader dcd_reader(dcd);
  ASSIGN_OR_RETURN(uint8_t object_type, dcd_reader.ReadU8());
  RETURN_IF_ERROR(dcd_reader.Skip(12));  // streamType .. avgBitrate
  if (object_type != kObjectTypeMpeg4Audio) {
    // RFC 6381 §3.3: other object types are named by their OTI alone.
    char buf[16];
    std::snprintf(buf, sizeof(buf), "mp4a.%02X", static_cast<unsigned>(object_type));
    return std::string(buf);
  }
  ASSIGN_OR_RETURN(ByteSpan dsi, FindDescriptor(dcd_reader, kDecSpecificInfoTag));
  return AacCodecString(std::vector<uint8_t>(dsi.begin(), dsi.end()));
}

// A child box of a sample entry; absent is not an error for optional ones.
StatusOr<std::optional<bmff::Box>> OptionalChild(ByteSpan children, std::string_view type) {
  StatusOr<bmff::Box> box = bmff::FindChild(children, type);
  if (box.status().code() == ErrorCode::kNotFound) return std::optional<bmff::Box>();
  if (!box.ok()) return box.status();
  return std::optional<bmff::Box>(std::move(box).value());
}

StatusOr<bmff::Box> RequiredChild(ByteSpan children, std::string_view type) {
  StatusOr<bmff::Box> box = bmff::FindChild(children, type);
  if (!box.ok()) return Prefixed(box.status(), "sample entry");
  return box;
}

// transfer_characteristics of a colr box of type nclx or nclc
// (ISO/IEC 14496-12 §12.1.5); nullopt for ICC profiles.
StatusOr<std::optional<uint8_t>> ColrTransfer(ByteSpan colr) {
  BoxReader r(colr);
  ASSIGN_OR_RETURN(std::string type, r.ReadFourCC());
  if (type != "nclx" && type != "nclc") return std::optional<uint8_t>();
  RETURN_IF_ERROR(r.Skip(2));  // colour_primaries
  ASSIGN_OR_RETURN(uint16_t transfer, r.ReadU16());
  return std::optional<uint8_t>(static_cast<uint8_t>(transfer));
}

std::string VideoRange(uint8_t transfer_characteristics) {
  if (transfer_characteristics == kTransferPq) return "PQ";
  if (transfer_characteristics == kTransferHlg) return "HLG";
  return "SDR";
}

// The codec-specific part of a visual sample entry: codecs, bit depth and
// the transfer its configuration carries (kUnspecified if none).
struct VideoConfig {
  std::string codecs;
  int bit_depth = 8;
  uint8_t transfer = kUnspecified;
};

StatusOr<VideoConfig> AvcConfig(ByteSpan children) {
  ASSIGN_OR_RETURN(bmff::Box avcc, RequiredChild(children, "avcC"));
  const std::vector<uint8_t> record(avcc.payload.begin(), avcc.payload.end());
  // AvcCodecString also takes Annex B; an avcC box must hold a record.
  if (record.empty() || record[0] != 1) {
    return InvalidArgument("avcC: configurationVersion is not 1");
  }
  VideoConfig config;
  ASSIGN_OR_RETURN(config.codecs, AvcCodecString(record));
  // AvcCodecString checked that the first SPS sits whole at byte 8.
  const size_t sps_size = (size_t{record[6]} << 8) | record[7];
  ASSIGN_OR_RETURN(AvcSps sps, ParseAvcSps(ByteSpan(record).subspan(8, sps_size)));
  config.bit_depth = sps.bit_depth_luma;
  return config;
}

StatusOr<VideoConfig> HevcConfig(ByteSpan children, std::string_view fourcc) {
  ASSIGN_OR_RETURN(bmff::Box hvcc, RequiredChild(children, "hvcC"));
  ASSIGN_OR_RETURN(HevcDecoderConfig record, ParseHevcDecoderConfig(hvcc.payload));
  return VideoConfig{FormatHevcCodecString(fourcc, record.ptl), record.bit_depth_luma,
                     kUnspecified};
}

StatusOr<VideoConfig> Vp9Config(ByteSpan children) {
  ASSIGN_OR_RETURN(bmff::Box vpcc, RequiredChild(children, "vpcC"));
  ASSIGN_OR_RETURN(Vp9CodecConfig record, ParseVp9CodecConfig(vpcc.payload));
  return VideoConfig{FormatVp9CodecString(record), record.bit_depth,
                     record.colour.transfer_characteristics};
}

StatusOr<VideoConfig> Av1Config(ByteSpan children) {
  ASSIGN_OR_RETURN(bmff::Box av1c, RequiredChild(children, "av1C"));
  ASSIGN_OR_RETURN(Av1CodecConfig record, ParseAv1CodecConfig(av1c.payload));
  ASSIGN_OR_RETURN(Av1SequenceHeader seq, Av1SequenceFromRecord(record));
  return VideoConfig{FormatAv1CodecString(seq), seq.bit_depth,
                     seq.colour.transfer_characteristics};
}

StatusOr<VideoConfig> VideoConfigFor(const std::string& fourcc, ByteSpan children) {
  if (fourcc == "avc1" || fourcc == "avc3") return AvcConfig(children);
  if (fourcc == "hvc1" || fourcc == "hev1") return HevcConfig(children, fourcc);
  if (fourcc == "vp09") return Vp9Config(children);
  return Av1Config(children);
}

StatusOr<SampleEntryInfo> InspectVisualEntry(const bmff::Box& entry) {
  BoxReader r(entry.payload);
  RETURN_IF_ERROR(r.Skip(kVisualWidthOffset));
  SampleEntryInfo info;
  info.fourcc = entry.type;
  ASSIGN_OR_RETURN(uint16_t width, r.ReadU16());
  ASSIGN_OR_RETURN(uint16_t height, r.ReadU16());
  info.width = width;
  info.height = height;
  RETURN_IF_ERROR(r.Skip(kVisualEntryFields - r.position()));
  const ByteSpan children = r.ReadRest();
  ASSIGN_OR_RETURN(VideoConfig config, VideoConfigFor(entry.type, children));
  info.codecs = std::move(config.codecs);
  info.bit_depth = config.bit_depth;
  ASSIGN_OR_RETURN(std::optional<bmff::Box> colr, OptionalChild(children, "colr"));
  std::optional<uint8_t> transfer;
  if (colr) {
    ASSIGN_OR_RETURN(transfer, ColrTransfer(colr->payload));
  }
  info.video_range = VideoRange(transfer.value_or(config.transfer));
  return info;
}

StatusOr<SampleEntryInfo> InspectAudioEntry(const bmff::Box& entry) {
  BoxReader r(entry.payload);
  RETURN_IF_ERROR(r.Skip(kAudioVersionOffset));
  ASSIGN_OR_RETURN(uint16_t version, r.ReadU16());
  const size_t extra = version == 1 ? kAudioV1Extra : version == 2 ? kAudioV2Extra : 0;
  RETURN_IF_ERROR(r.Skip(kAudioEntryFields + extra - r.position()));
  SampleEntryInfo info;
  info.fourcc = entry.type;
  if (entry.type == "Opus") {
    info.codecs = "opus";  // Encapsulation of Opus in ISO-BMFF §4.5
    return info;
  }
  ASSIGN_OR_RETURN(bmff::Box esds, RequiredChild(r.ReadRest(), "esds"));
  ASSIGN_OR_RETURN(info.codecs, Mp4aCodecString(esds.payload));
  return info;
}

bool IsVisual(const std::string& type) {
  return type == "avc1" || type == "avc3" || type == "hvc1" || type == "hev1" ||
         type == "vp09" || type == "av01";
}

StatusOr<bmff::Box> FirstSampleEntry(ByteSpan init) {
  StatusOr<bmff::Box> stsd = bmff::FindPath(init, "moov/trak/mdia/minf/stbl/stsd");
  if (!stsd.ok()) return Prefixed(stsd.status(), "init segment");
  BoxReader r(stsd->payload);
  RETURN_IF_ERROR(r.Skip(4));  // full box version and flags
  ASSIGN_OR_RETURN(uint32_t entry_count, r.ReadU32());
  if (entry_count == 0) return InvalidArgument("init segment: stsd has no sample entry");
  return bmff::ReadBox(r);
}

StatusOr<SampleEntryInfo> InspectFirstEntry(ByteSpan init) {
  ASSIGN_OR_RETURN(bmff::Box entry, FirstSampleEntry(init));
  if (IsVisual(entry.type)) return InspectVisualEntry(entry);
  if (entry.type == "mp4a" || entry.type == "Opus") return InspectAudioEntry(entry);
  return InvalidArgument("unsupported sample entry '" + entry.type + "'");
}

}  // namespace

StatusOr<SampleEntryInfo> InspectInitSegment(const std::vector<uint8_t>& init_mp4) {
  StatusOr<SampleEntryInfo> info = InspectFirstEntry(init_mp4);
  // Every failure here is a property of the bytes given, whatever code the
  // layer below chose (e.g. kNotFound for a missing box).
  if (!info.ok() && info.status().code() != ErrorCode::kInvalidArgument) {
    return InvalidArgument(info.status().message());
  }
  return info;
}

}  // namespace vtp
