// RFC 6381 "codecs" parameter values (the HLS CODECS attribute and the DASH
// @codecs attribute), derived from the decoder configuration a muxer stores
// in the init segment (AVCodecParameters::extradata, or the sample entry's
// configuration box). Pure: bytes in, string out; no libav types.
//
// One function per codec family, plus a Format* function per family that
// builds the same string from parsed bitstream headers
// (domain/bitstream_headers.h), so a stream's own headers can vouch for what
// its configuration box claims.
//
// Long or short form (VP9 and AV1). Both strings have optional trailing
// colour fields whose defaults are BT.709 (1), limited range and 4:2:0
// (colocated for VP9, unknown position for AV1). The short form is emitted
// when chroma, range and colour all match those defaults, where an
// unspecified (2) primaries/transfer/matrix counts as matching: untagged
// video is shown as BT.709 by players anyway, and the short form is the one
// every player parses. Anything else (HDR's PQ or HLG transfer, BT.2020,
// full range, 4:2:2 or 4:4:4) gets the long form, whose transfer field is
// how a player learns a stream is HDR.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "domain/bitstream_headers.h"
#include "domain/codec_config.h"

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

// H.265: "<fourcc>.<space><profile>.<compat>.<tier><level>[.<constraint>]*"
// (ISO/IEC 14496-15 Annex E.3): profile space as nothing/A/B/C, then
// general_profile_idc in decimal; the 32 compatibility flags bit-reversed,
// in uppercase hex without leading zeros; L or H for the tier, then
// general_level_idc in decimal; then each of the six constraint-flag bytes
// in uppercase hex (no zero padding), trailing zero bytes dropped. E.g.
// "hvc1.1.6.L93.B0" (Main, level 3.1), "hvc1.2.4.L120.90" (Main 10, 4.0).
std::string FormatHevcCodecString(std::string_view fourcc, const HevcProfileTierLevel& ptl);

// The H.265 string from an hvcC record (the box payload; its header fields,
// which mirror the SPS). `fourcc` is the sample entry type, "hvc1" (what
// vtp's packager writes) or "hev1". Malformed record -> kInvalidArgument.
StatusOr<std::string> HevcCodecString(const std::vector<uint8_t>& hvcc,
                                      std::string_view fourcc = "hvc1");

// VP9: "vp09.PP.LL.DD" or, when colour differs from the defaults (see the
// top of this file), "vp09.PP.LL.DD.CC.cp.tc.mc.FF": profile, level x 10,
// bit depth, chroma subsampling, colour primaries, transfer, matrix, full
// range flag, each as two decimal digits (VP Codec ISO-BMFF binding,
// "Codecs Parameter String"). E.g. "vp09.00.31.08",
// "vp09.02.31.10.01.09.16.09.00" (HDR10).
std::string FormatVp9CodecString(const Vp9CodecConfig& config);

// The VP9 string from a vpcC box payload (version 1 full box: version and
// flags first). Malformed or version 0 -> kInvalidArgument.
StatusOr<std::string> Vp9CodecString(const std::vector<uint8_t>& vpcc_box_payload);

// What a VP9 keyframe says, as a Vp9CodecConfig. The bitstream carries no
// level, colour primaries or transfer characteristics, so `level` and those
// two fields of `colour` are taken from the caller (normally the vpcC box);
// matrix coefficients and range come from the frame's color_space and
// color_range, chroma subsampling from its subsampling bits (4:2:0 is
// reported as 1, colocated: the bitstream cannot tell the siting apart).
// 4:4:0, which vpcC cannot express -> kInvalidArgument.
StatusOr<Vp9CodecConfig> Vp9CodecConfigFromFrame(const Vp9FrameHeader& frame, int level,
                                                 const ColourDescription& colour);

// AV1: "av01.P.LLT.DD" or, when colour differs from the defaults (see the
// top of this file), "av01.P.LLT.DD.M.CCC.cp.tc.mc.F": seq_profile, two-digit
// seq_level_idx_0, M/H tier, two-digit bit depth, monochrome, subsampling x,
// y and chroma sample position, then the colour description and full range
// flag (AV1 ISO-BMFF binding, Annex A "Codecs Parameter String"). E.g.
// "av01.0.05M.08", "av01.0.09M.10.0.110.09.16.09.0" (HDR10).
std::string FormatAv1CodecString(const Av1SequenceHeader& seq);

// The AV1 string from an av1C record. Colour comes from the sequence header
// OBU in configOBUs; its profile, level, tier, bit depth and chroma fields
// must agree with the record's (av1C is a copy of them), else
// kInvalidArgument. Without a sequence header the record's fields are used
// and colour counts as unspecified (short form).
StatusOr<std::string> Av1CodecString(const std::vector<uint8_t>& av1c);

// What the first sample entry of an initialization segment declares.
struct SampleEntryInfo {
  // The sample entry type: "avc1", "avc3", "hvc1", "hev1", "vp09", "av01",
  // "mp4a" or "Opus".
  std::string fourcc;
  std::string codecs;  // the RFC 6381 string; "opus" for Opus
  int width = 0;       // visual sample entries only; 0 for audio
  int height = 0;
  int bit_depth = 0;   // luma bit depth from the configuration; 0 for audio
  // "SDR", "PQ" or "HLG" from transfer_characteristics 16 (PQ) / 18 (HLG):
  // the sample entry's colr 'nclx'/'nclc' box if present, else vpcC or the
  // AV1 sequence header in av1C. H.264/H.265 without colr count as SDR
  // (their VUI is not parsed). Empty for audio.
  std::string video_range;
};

// Reads the first trak's first sample entry (moov/trak/mdia/minf/stbl/stsd)
// of `init_mp4`, an initialization segment (ftyp + moov; anything after moov
// is ignored, so a whole fragmented file works too). Truncated or malformed
// boxes, a missing box on that path, or a sample entry type not listed
// above -> kInvalidArgument. Never reads outside `init_mp4`.
StatusOr<SampleEntryInfo> InspectInitSegment(const std::vector<uint8_t>& init_mp4);

}  // namespace vtp
