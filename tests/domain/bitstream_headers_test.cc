// Known-answer tests for the bitstream header parsers, on headers written
// field by field from the specs (H.265 §7.3.2.2, VP9 §6.2, AV1 §5.5).
#include "domain/bitstream_headers.h"

#include <gtest/gtest.h>

#include "domain/codec_string.h"
#include "bit_writer.h"

namespace vtp {
namespace {

using Bytes = std::vector<uint8_t>;
using testutil::AddEmulationPrevention;
using testutil::BitWriter;

// -------------------------------------------------------------- H.265 --

struct SpsFields {
  int max_sub_layers_minus1 = 0;
  uint32_t compat = 0x60000000;  // flags 1 (Main) and 2 (Main 10)
  uint8_t profile_idc = 1;
  uint8_t level_idc = 93;
  bool high_tier = false;
  int profile_space = 0;
  uint32_t width = 1920;
  uint32_t height = 1080;
  uint32_t luma_minus8 = 0;
  uint32_t chroma_format_idc = 1;
};

void WriteGeneralPtl(BitWriter& w, const SpsFields& f) {
  w.Bits(f.profile_space, 2).Flag(f.high_tier).Bits(f.profile_idc, 5).Bits(f.compat, 32);
  // progressive, !interlaced, non_packed, frame_only -> 0xB0, then 40 zero
  // bits: three zero bytes in a row, which need emulation prevention.
  w.Bits(0xB0, 8).Bits(0, 40).Bits(f.level_idc, 8);
}

Bytes MakeHevcSps(const SpsFields& f) {
  BitWriter w;
  w.Bits(0, 1).Bits(33, 6).Bits(0, 6).Bits(1, 3);  // NAL header: SPS
  w.Bits(0, 4).Bits(f.max_sub_layers_minus1, 3).Flag(true);
  WriteGeneralPtl(w, f);
  const int n = f.max_sub_layers_minus1;
  for (int i = 0; i < n; ++i) w.Flag(i == 0).Flag(true);  // profile on layer 0 only
  if (n > 0) w.Bits(0, 2 * (8 - n));
  for (int i = 0; i < n; ++i) {
    if (i == 0) w.Bits(0x3ff, 10).Bits(0, 78);  // sub-layer profile: 88 bits
    w.Bits(60, 8);                              // sub-layer level
  }
  w.Ue(0).Ue(f.chroma_format_idc);
  if (f.chroma_format_idc == 3) w.Flag(false);
  w.Ue(f.width).Ue(f.height);
  w.Flag(true).Ue(0).Ue(0).Ue(0).Ue(4);  // conformance window: 8 rows off the bottom
  w.Ue(f.luma_minus8).Ue(f.luma_minus8);
  w.Ue(4).Trailing();  // log2_max_pic_order_cnt_lsb_minus4, then stop
  return AddEmulationPrevention(w.bytes());
}

TEST(ParseHevcSpsTest, MainProfileLevel31) {
  const Bytes nal = MakeHevcSps({});
  ASSERT_GT(nal.size(), 20u);
  auto sps = ParseHevcSps(nal);
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->ptl.profile_space, 0);
  EXPECT_FALSE(sps->ptl.tier_flag);
  EXPECT_EQ(sps->ptl.profile_idc, 1);
  EXPECT_EQ(sps->ptl.compatibility_flags, 0x60000000u);
  EXPECT_EQ(sps->ptl.constraint_flags, (std::array<uint8_t, 6>{0xB0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(sps->ptl.level_idc, 93);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_EQ(sps->width, 1920u);
  EXPECT_EQ(sps->height, 1080u);
  EXPECT_EQ(sps->bit_depth_luma, 8);
  // The example string of ISO/IEC 14496-15 Annex E.
  EXPECT_EQ(FormatHevcCodecString("hvc1", sps->ptl), "hvc1.1.6.L93.B0");
}

TEST(ParseHevcSpsTest, EmulationPreventionBytesAreRemoved) {
  const Bytes nal = MakeHevcSps({});
  // The zero constraint bytes forced at least one 00 00 03 into the NAL.
  bool has_epb = false;
  for (size_t i = 2; i < nal.size(); ++i) {
    has_epb |= nal[i - 2] == 0 && nal[i - 1] == 0 && nal[i] == 3;
  }
  ASSERT_TRUE(has_epb);
  SpsFields f;
  f.width = 3840;
  f.height = 2160;
  auto sps = ParseHevcSps(MakeHevcSps(f));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->width, 3840u);  // wrong if an 0x03 had been read as data
  EXPECT_EQ(sps->height, 2160u);
}

TEST(ParseHevcSpsTest, Main10HighTierWithSubLayers) {
  SpsFields f;
  f.max_sub_layers_minus1 = 2;
  f.profile_idc = 2;
  f.compat = 0x20000000;
  f.level_idc = 150;
  f.high_tier = true;
  f.profile_space = 1;
  f.luma_minus8 = 2;
  f.width = 1280;
  f.height = 720;
  auto sps = ParseHevcSps(MakeHevcSps(f));
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->bit_depth_luma, 10);
  EXPECT_EQ(sps->bit_depth_chroma, 10);
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_EQ(FormatHevcCodecString("hev1", sps->ptl), "hev1.A2.4.H150.B0");
}

TEST(ParseHevcSpsTest, RejectsOtherNalsAndTruncation) {
  const Bytes nal = MakeHevcSps({});
  Bytes pps = nal;
  pps[0] = 34 << 1;  // PPS
  EXPECT_EQ(ParseHevcSps(pps).status().code(), ErrorCode::kInvalidArgument);
  Bytes forbidden = nal;
  forbidden[0] |= 0x80;
  EXPECT_EQ(ParseHevcSps(forbidden).status().code(), ErrorCode::kInvalidArgument);
  // Every prefix that ends before bit_depth_chroma_minus8 fails cleanly.
  for (size_t len = 0; len + 1 < nal.size(); ++len) {
    auto sps = ParseHevcSps(std::span<const uint8_t>(nal.data(), len));
    EXPECT_FALSE(sps.ok()) << "prefix of " << len << " bytes parsed";
  }
}

TEST(ParseAvcSpsTest, HighProfileBitDepth) {
  BitWriter w;
  w.Bits(0x67, 8).Bits(110, 8).Bits(0, 8).Bits(40, 8);  // High 10, level 4.0
  w.Ue(0).Ue(1).Ue(2).Ue(2).Trailing();                 // 4:2:0, 10-bit
  auto sps = ParseAvcSps(w.bytes());
  ASSERT_TRUE(sps.ok()) << sps.status().ToString();
  EXPECT_EQ(sps->profile_idc, 110);
  EXPECT_EQ(sps->level_idc, 40);
  EXPECT_EQ(sps->bit_depth_luma, 10);

  BitWriter main;
  main.Bits(0x67, 8).Bits(77, 8).Bits(0x40, 8).Bits(30, 8).Ue(0).Trailing();
  auto main_sps = ParseAvcSps(main.bytes());
  ASSERT_TRUE(main_sps.ok()) << main_sps.status().ToString();
  EXPECT_EQ(main_sps->bit_depth_luma, 8);  // Main has no bit depth field
  EXPECT_EQ(main_sps->chroma_format_idc, 1u);
  EXPECT_FALSE(ParseAvcSps(Bytes{0x68, 0x64, 0, 0x1f}).ok());  // a PPS
}

// ---------------------------------------------------------------- VP9 --

Bytes MakeVp9Keyframe(int profile, int bit_depth_flag, int color_space, bool full_range,
                      int ssx, int ssy) {
  BitWriter w;
  w.Bits(2, 2).Bits(profile & 1, 1).Bits(profile >> 1, 1);
  if (profile == 3) w.Flag(false);
  w.Flag(false).Flag(false).Flag(true).Flag(false);  // !show_existing, KEY, show, !err_res
  w.Bits(0x49, 8).Bits(0x83, 8).Bits(0x42, 8);
  if (profile >= 2) w.Bits(bit_depth_flag, 1);
  w.Bits(color_space, 3);
  if (color_space != 7) {
    w.Flag(full_range);
    if (profile == 1 || profile == 3) w.Bits(ssx, 1).Bits(ssy, 1).Flag(false);
  } else if (profile == 1 || profile == 3) {
    w.Flag(false);
  }
  w.Bits(1279, 16).Bits(719, 16).Flag(false).AlignZero();
  return w.bytes();
}

TEST(ParseVp9FrameHeaderTest, Profile2TenBitBt2020) {
  auto h = ParseVp9FrameHeader(MakeVp9Keyframe(2, 0, 5, false, 1, 1));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->profile, 2);
  EXPECT_EQ(h->bit_depth, 10);
  EXPECT_EQ(h->color_space, 5);
  EXPECT_FALSE(h->full_range);
  EXPECT_EQ(h->subsampling_x, 1);
  EXPECT_EQ(h->subsampling_y, 1);
  EXPECT_EQ(h->width, 1280u);
  EXPECT_EQ(h->height, 720u);
  EXPECT_EQ(Vp9MatrixCoefficients(h->color_space), 9);  // H.273 BT.2020 NCL
}

TEST(ParseVp9FrameHeaderTest, Profile1FourFourFourAndTwelveBit) {
  auto h = ParseVp9FrameHeader(MakeVp9Keyframe(1, 0, 2, true, 0, 0));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->profile, 1);
  EXPECT_EQ(h->bit_depth, 8);
  EXPECT_TRUE(h->full_range);
  EXPECT_EQ(h->subsampling_x, 0);
  EXPECT_EQ(h->subsampling_y, 0);
  auto twelve = ParseVp9FrameHeader(MakeVp9Keyframe(3, 1, 7, true, 0, 0));
  ASSERT_TRUE(twelve.ok()) << twelve.status().ToString();
  EXPECT_EQ(twelve->profile, 3);
  EXPECT_EQ(twelve->bit_depth, 12);
  EXPECT_EQ(Vp9MatrixCoefficients(twelve->color_space), 0);  // RGB
}

TEST(ParseVp9FrameHeaderTest, RejectsNonKeyframesAndDamage) {
  Bytes key = MakeVp9Keyframe(0, 0, 2, false, 1, 1);
  ASSERT_TRUE(ParseVp9FrameHeader(key).ok());
  Bytes inter = key;
  inter[0] |= 0x04;  // frame_type = NON_KEY
  EXPECT_EQ(ParseVp9FrameHeader(inter).status().code(), ErrorCode::kInvalidArgument);
  Bytes existing = key;
  existing[0] |= 0x08;  // show_existing_frame
  EXPECT_FALSE(ParseVp9FrameHeader(existing).ok());
  Bytes marker = key;
  marker[0] &= 0x3f;  // frame_marker 0
  EXPECT_FALSE(ParseVp9FrameHeader(marker).ok());
  Bytes sync = key;
  sync[1] ^= 0x01;  // damaged sync code
  EXPECT_FALSE(ParseVp9FrameHeader(sync).ok());
  for (size_t len = 0; len < 9; ++len) {
    EXPECT_FALSE(ParseVp9FrameHeader(std::span<const uint8_t>(key.data(), len)).ok()) << len;
  }
}

// ---------------------------------------------------------------- AV1 --

struct SeqFields {
  int profile = 0;
  int level = 9;
  int tier = 0;
  bool high_bitdepth = true;
  bool colour = true;
  int cp = 9, tc = 16, mc = 9;
  int chroma_sample_position = 0;
  bool timing_info = false;
};

Bytes MakeSequenceHeaderPayload(const SeqFields& f) {
  BitWriter w;
  w.Bits(f.profile, 3).Flag(false).Flag(false);  // still_picture, reduced header
  w.Flag(f.timing_info);
  if (f.timing_info) {
    w.Bits(1, 32).Bits(60, 32).Flag(true).Ue(0);  // equal_picture_interval, uvlc 0
    w.Flag(true).Bits(9, 5).Bits(1, 32).Bits(31, 5).Bits(31, 5);  // decoder model
  }
  w.Flag(false);                          // initial_display_delay_present_flag
  w.Bits(1, 5);                           // two operating points
  w.Bits(0x103, 12).Bits(f.level, 5);     // op 0
  if (f.level > 7) w.Bits(f.tier, 1);
  if (f.timing_info) w.Flag(true).Bits(0, 10).Bits(0, 10).Flag(false);
  w.Bits(0x101, 12).Bits(4, 5);           // op 1, level 2.2 (no tier bit)
  if (f.timing_info) w.Flag(false);
  w.Bits(15, 4).Bits(15, 4).Bits(1919, 16).Bits(1079, 16);
  w.Flag(false);                          // frame_id_numbers_present_flag
  w.Bits(0, 3).Bits(0, 4);                // sb size, intra tools, compound tools
  w.Flag(true).Bits(0, 2);                // enable_order_hint, jnt_comp, ref_frame_mvs
  w.Flag(true).Flag(true);                // choose screen content, choose integer mv
  w.Bits(6, 3);                           // order_hint_bits_minus_1
  w.Bits(0b011, 3);                       // superres, cdef, restoration
  w.Flag(f.high_bitdepth).Flag(false).Flag(f.colour);  // color_config: mono_chrome 0
  if (f.colour) w.Bits(f.cp, 8).Bits(f.tc, 8).Bits(f.mc, 8);
  w.Flag(false).Bits(f.chroma_sample_position, 2).Flag(false);
  w.Flag(false).Trailing();               // film_grain_params_present
  return w.bytes();
}

Bytes Obu(int type, const Bytes& payload) {
  Bytes out = {static_cast<uint8_t>((type << 3) | 0x02)};
  size_t size = payload.size();
  do {  // leb128
    uint8_t byte = size & 0x7f;
    size >>= 7;
    out.push_back(size ? (byte | 0x80) : byte);
  } while (size);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

TEST(ParseAv1SequenceHeaderTest, Hdr10MainProfile) {
  Bytes obus = Obu(2, {});  // temporal delimiter first, as in a sample
  const Bytes seq = Obu(1, MakeSequenceHeaderPayload({}));
  obus.insert(obus.end(), seq.begin(), seq.end());
  auto h = ParseAv1SequenceHeader(obus);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->seq_profile, 0);
  EXPECT_EQ(h->seq_level_idx_0, 9);
  EXPECT_EQ(h->seq_tier_0, 0);
  EXPECT_EQ(h->bit_depth, 10);
  EXPECT_FALSE(h->mono_chrome);
  EXPECT_EQ(h->max_frame_width, 1920u);
  EXPECT_EQ(h->max_frame_height, 1080u);
  EXPECT_TRUE(h->color_description_present);
  EXPECT_EQ(h->colour.transfer_characteristics, kTransferPq);
  // The HDR10 example of the AV1 ISO-BMFF binding's codecs parameter annex.
  EXPECT_EQ(FormatAv1CodecString(*h), "av01.0.09M.10.0.110.09.16.09.0");
}

TEST(ParseAv1SequenceHeaderTest, TimingInfoDecoderModelAndHighTier) {
  SeqFields f;
  f.timing_info = true;
  f.level = 12;
  f.tier = 1;
  f.high_bitdepth = false;
  f.colour = false;
  auto h = ParseAv1SequenceHeader(Obu(1, MakeSequenceHeaderPayload(f)));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->seq_level_idx_0, 12);
  EXPECT_EQ(h->seq_tier_0, 1);
  EXPECT_EQ(h->bit_depth, 8);
  EXPECT_EQ(h->max_frame_width, 1920u);
  EXPECT_FALSE(h->color_description_present);
  EXPECT_EQ(h->colour.colour_primaries, 2);
  EXPECT_EQ(FormatAv1CodecString(*h), "av01.0.12H.08");
}

TEST(ParseAv1SequenceHeaderTest, MissingAndDamaged) {
  EXPECT_EQ(ParseAv1SequenceHeader(Obu(2, {})).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ParseAv1SequenceHeader(Bytes{}).status().code(), ErrorCode::kNotFound);
  const Bytes seq = Obu(1, MakeSequenceHeaderPayload({}));
  for (size_t len = 1; len < seq.size() - 1; ++len) {
    auto h = ParseAv1SequenceHeader(std::span<const uint8_t>(seq.data(), len));
    EXPECT_EQ(h.status().code(), ErrorCode::kInvalidArgument) << "prefix of " << len;
  }
  Bytes forbidden = seq;
  forbidden[0] |= 0x80;
  EXPECT_EQ(ParseAv1SequenceHeader(forbidden).status().code(), ErrorCode::kInvalidArgument);
  Bytes long_size = {0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  EXPECT_EQ(ParseAv1SequenceHeader(long_size).status().code(), ErrorCode::kInvalidArgument);
}

// av1C whose configOBUs holds the sequence header: the record's fields and
// the OBU's must agree, and colour comes from the OBU.
TEST(Av1CodecStringTest, ColourFromConfigObus) {
  // profile 0, level 9; main tier, high_bitdepth, 4:2:0, position 0.
  Bytes av1c = {0x81, 0x09, 0x4c, 0x00};
  const Bytes seq = Obu(1, MakeSequenceHeaderPayload({}));
  av1c.insert(av1c.end(), seq.begin(), seq.end());
  auto result = Av1CodecString(av1c);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "av01.0.09M.10.0.110.09.16.09.0");

  SeqFields hlg;
  hlg.tc = 18;
  hlg.chroma_sample_position = 2;
  Bytes av1c_hlg = {0x81, 0x09, 0x4e, 0x00};
  const Bytes seq_hlg = Obu(1, MakeSequenceHeaderPayload(hlg));
  av1c_hlg.insert(av1c_hlg.end(), seq_hlg.begin(), seq_hlg.end());
  EXPECT_EQ(*Av1CodecString(av1c_hlg), "av01.0.09M.10.0.112.09.18.09.0");

  Bytes mismatch = av1c;
  mismatch[1] = 0x05;  // record says level 5, the sequence header 9
  auto bad = Av1CodecString(mismatch);
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  Bytes depth = av1c;
  depth[2] = 0x0c;  // record says 8-bit
  EXPECT_FALSE(Av1CodecString(depth).ok());
}

TEST(Vp9CodecConfigFromFrameTest, TakesLevelAndPrimariesFromCaller) {
  auto h = ParseVp9FrameHeader(MakeVp9Keyframe(2, 0, 5, false, 1, 1));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ColourDescription container;
  container.colour_primaries = 9;
  container.transfer_characteristics = 16;
  auto config = Vp9CodecConfigFromFrame(*h, 31, container);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(FormatVp9CodecString(*config), "vp09.02.31.10.01.09.16.09.00");
  auto f444 = ParseVp9FrameHeader(MakeVp9Keyframe(1, 0, 2, false, 0, 0));
  EXPECT_EQ(FormatVp9CodecString(*Vp9CodecConfigFromFrame(*f444, 40, {1, 1, 1, false})),
            "vp09.01.40.08.03.01.01.01.00");
  auto f440 = ParseVp9FrameHeader(MakeVp9Keyframe(1, 0, 2, false, 0, 1));
  ASSERT_TRUE(f440.ok());
  EXPECT_FALSE(Vp9CodecConfigFromFrame(*f440, 40, {}).ok());
}

}  // namespace
}  // namespace vtp
