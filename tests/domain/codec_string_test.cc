#include "domain/codec_string.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace vtp {
namespace {

using Bytes = std::vector<uint8_t>;

// SPS of an x264 1280x720 High@3.1 stream (NAL header 0x67 included).
const Bytes kHighSps = {0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05,
                        0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00,
                        0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60};
// SPS of a Main@3.0 stream with constraint_set1_flag set.
const Bytes kMainSps = {0x67, 0x4d, 0x40, 0x1e, 0xe8, 0x80, 0x28, 0x02, 0xdd,
                        0x80, 0xb5, 0x01, 0x01, 0x01, 0x40};
const Bytes kPps = {0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0};

// AVCDecoderConfigurationRecord with one SPS and one PPS; the header's
// profile/compat/level bytes are copied from the SPS as muxers do.
Bytes MakeAvcC(const Bytes& sps, const Bytes& pps) {
  Bytes out = {0x01, sps[1], sps[2], sps[3], 0xff, 0xe1,
               static_cast<uint8_t>(sps.size() >> 8), static_cast<uint8_t>(sps.size())};
  out.insert(out.end(), sps.begin(), sps.end());
  out.push_back(0x01);
  out.push_back(static_cast<uint8_t>(pps.size() >> 8));
  out.push_back(static_cast<uint8_t>(pps.size()));
  out.insert(out.end(), pps.begin(), pps.end());
  return out;
}

Bytes MakeAnnexB(const std::vector<Bytes>& nals) {
  Bytes out;
  for (const Bytes& nal : nals) {
    out.insert(out.end(), {0x00, 0x00, 0x00, 0x01});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

void ExpectInvalid(const StatusOr<std::string>& result) {
  ASSERT_FALSE(result.ok()) << "unexpected value " << *result;
  EXPECT_EQ(result.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(result.status().message().empty());
}

TEST(AvcCodecStringTest, AvcCHighProfile) {
  auto result = AvcCodecString(MakeAvcC(kHighSps, kPps));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "avc1.64001f");
}

TEST(AvcCodecStringTest, AvcCMainProfileKeepsConstraintFlags) {
  auto result = AvcCodecString(MakeAvcC(kMainSps, kPps));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "avc1.4d401e");
}

TEST(AvcCodecStringTest, AnnexBFourByteStartCodes) {
  auto result = AvcCodecString(MakeAnnexB({kHighSps, kPps}));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "avc1.64001f");
}

TEST(AvcCodecStringTest, AnnexBSkipsNalsBeforeTheSps) {
  const Bytes aud = {0x09, 0xf0};
  Bytes data = {0x00, 0x00, 0x01, 0x09, 0xf0, 0x00, 0x00, 0x01};  // 3-byte codes
  data.insert(data.end(), kMainSps.begin(), kMainSps.end());
  auto result = AvcCodecString(data);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "avc1.4d401e");
  EXPECT_EQ(*AvcCodecString(MakeAnnexB({aud, kPps, kHighSps})), "avc1.64001f");
}

TEST(AvcCodecStringTest, RejectsMalformedInput) {
  ExpectInvalid(AvcCodecString({}));
  ExpectInvalid(AvcCodecString({0x02, 0x64, 0x00, 0x1f}));  // neither format
  ExpectInvalid(AvcCodecString({0x01, 0x64}));              // truncated avcC
  Bytes avcc = MakeAvcC(kHighSps, kPps);
  ExpectInvalid(AvcCodecString(Bytes(avcc.begin(), avcc.begin() + 12)));  // cut SPS
  Bytes no_sps = avcc;
  no_sps[5] = 0xe0;  // numOfSequenceParameterSets = 0
  ExpectInvalid(AvcCodecString(no_sps));
  Bytes mismatch = avcc;
  mismatch[3] = 0x28;  // header says level 4.0, SPS says 3.1
  ExpectInvalid(AvcCodecString(mismatch));
  Bytes pps_first = MakeAvcC(kHighSps, kPps);
  pps_first[8] = 0x68;  // the "SPS" slot holds a PPS
  ExpectInvalid(AvcCodecString(pps_first));
}

TEST(AvcCodecStringTest, RejectsAnnexBWithoutUsableSps) {
  ExpectInvalid(AvcCodecString(MakeAnnexB({kPps})));
  ExpectInvalid(AvcCodecString(MakeAnnexB({{0x67, 0x64, 0x00}})));  // truncated SPS
  // SPS cut short by the next start code.
  ExpectInvalid(AvcCodecString(MakeAnnexB({{0x67, 0x64}, kPps})));
  ExpectInvalid(AvcCodecString(MakeAnnexB({{0x67, 0x00, 0x00, 0x1f}})));  // profile 0
  ExpectInvalid(AvcCodecString(MakeAnnexB({{0xe7, 0x64, 0x00, 0x1f}})));  // forbidden bit
  ExpectInvalid(AvcCodecString({0x00, 0x00, 0x00}));
}

TEST(AacCodecStringTest, AacLc) {
  auto result = AacCodecString({0x12, 0x10});  // LC, 44.1 kHz, stereo
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "mp4a.40.2");
}

TEST(AacCodecStringTest, HeAacExplicitSbr) {
  // Object type 5 (SBR), 24 kHz core, stereo, 48 kHz extension, LC core.
  auto result = AacCodecString({0x2b, 0x92, 0x08, 0x00});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "mp4a.40.5");
}

TEST(AacCodecStringTest, HeAacV2ExplicitPs) {
  EXPECT_EQ(*AacCodecString({0xeb, 0x92, 0x08, 0x00}), "mp4a.40.29");
}

TEST(AacCodecStringTest, EscapedObjectType) {
  // 11111 001010 -> 32 + 10 = 42 (USAC).
  auto result = AacCodecString({0xf9, 0x40});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "mp4a.40.42");
  EXPECT_EQ(*AacCodecString({0xf8, 0x00}), "mp4a.40.32");
  EXPECT_EQ(*AacCodecString({0xff, 0xe0}), "mp4a.40.95");
}

TEST(AacCodecStringTest, RejectsMalformedInput) {
  ExpectInvalid(AacCodecString({}));
  ExpectInvalid(AacCodecString({0xf9}));        // escape without its 6 bits
  ExpectInvalid(AacCodecString({0x00, 0x00}));  // object type 0 (null)
}

// ------------------------------------------------------------- H.265 --

// An hvcC record (ISO/IEC 14496-15 §8.3.3.1) with no NAL arrays.
Bytes MakeHvcC(uint8_t space_tier_profile, uint32_t compat, const Bytes& constraints,
               uint8_t level, uint8_t luma_minus8 = 0) {
  Bytes out = {0x01, space_tier_profile, static_cast<uint8_t>(compat >> 24),
               static_cast<uint8_t>(compat >> 16), static_cast<uint8_t>(compat >> 8),
               static_cast<uint8_t>(compat)};
  out.insert(out.end(), constraints.begin(), constraints.end());
  out.push_back(level);
  const Bytes tail = {0xf0, 0x00, 0xfc, 0xfd, static_cast<uint8_t>(0xf8 | luma_minus8),
                      static_cast<uint8_t>(0xf8 | luma_minus8), 0x00, 0x00, 0x0f, 0x00};
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

const Bytes kProgressiveFrameOnly = {0xb0, 0, 0, 0, 0, 0};

TEST(HevcCodecStringTest, MainLevel31) {
  // Main: compatibility flags 1 and 2 set, i.e. bits 30 and 29.
  auto result = HevcCodecString(MakeHvcC(0x01, 0x60000000, kProgressiveFrameOnly, 93));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "hvc1.1.6.L93.B0");
}

TEST(HevcCodecStringTest, Main10Level4) {
  auto result = HevcCodecString(MakeHvcC(0x02, 0x20000000, kProgressiveFrameOnly, 120, 2));
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "hvc1.2.4.L120.B0");
}

TEST(HevcCodecStringTest, ProfileSpaceTierFourccAndConstraintBytes) {
  // space 2 ('B'), high tier, profile 1; only flag 31 -> reversed 0x80000000.
  const Bytes constraints = {0x90, 0x00, 0x01, 0x00, 0x00, 0x00};
  auto result = HevcCodecString(MakeHvcC(0xa1, 0x00000001, constraints, 153), "hev1");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "hev1.B1.80000000.H153.90.0.1");
  // All constraint bytes zero: the whole field goes.
  EXPECT_EQ(*HevcCodecString(MakeHvcC(0x01, 0x40000000, Bytes(6, 0), 60)), "hvc1.1.2.L60");
}

TEST(HevcCodecStringTest, RejectsMalformedRecords) {
  const Bytes good = MakeHvcC(0x01, 0x60000000, kProgressiveFrameOnly, 93);
  for (size_t len = 0; len < good.size(); ++len) {
    ExpectInvalid(HevcCodecString(Bytes(good.begin(), good.begin() + len)));
  }
  Bytes version = good;
  version[0] = 0;
  ExpectInvalid(HevcCodecString(version));
  Bytes arrays = good;
  arrays.back() = 1;  // one NAL array announced, none present
  ExpectInvalid(HevcCodecString(arrays));
}

// --------------------------------------------------------------- VP9 --

// A version 1 vpcC payload: version/flags, then the record.
Bytes MakeVpcC(uint8_t profile, uint8_t level, uint8_t depth_chroma_range, uint8_t cp,
               uint8_t tc, uint8_t mc) {
  return {0x01, 0x00, 0x00, 0x00, profile, level, depth_chroma_range, cp, tc, mc, 0x00, 0x00};
}

TEST(Vp9CodecStringTest, ShortFormForDefaultsAndUnspecified) {
  // 8-bit (0x8 << 4), 4:2:0 colocated (1 << 1), limited range.
  auto bt709 = Vp9CodecString(MakeVpcC(0, 31, 0x82, 1, 1, 1));
  ASSERT_TRUE(bt709.ok()) << bt709.status().ToString();
  EXPECT_EQ(*bt709, "vp09.00.31.08");
  EXPECT_EQ(*Vp9CodecString(MakeVpcC(0, 10, 0x82, 2, 2, 2)), "vp09.00.10.08");
}

TEST(Vp9CodecStringTest, LongFormForHdrRangeAndChroma) {
  auto hdr = Vp9CodecString(MakeVpcC(2, 31, 0xa2, 9, 16, 9));
  ASSERT_TRUE(hdr.ok()) << hdr.status().ToString();
  EXPECT_EQ(*hdr, "vp09.02.31.10.01.09.16.09.00");
  EXPECT_EQ(*Vp9CodecString(MakeVpcC(0, 40, 0x83, 1, 1, 1)), "vp09.00.40.08.01.01.01.01.01");
  EXPECT_EQ(*Vp9CodecString(MakeVpcC(1, 41, 0x86, 1, 1, 1)), "vp09.01.41.08.03.01.01.01.00");
  EXPECT_EQ(*Vp9CodecString(MakeVpcC(0, 31, 0x80, 1, 1, 1)), "vp09.00.31.08.00.01.01.01.00");
  EXPECT_EQ(*Vp9CodecString(MakeVpcC(2, 51, 0xa2, 9, 18, 9)), "vp09.02.51.10.01.09.18.09.00");
}

TEST(Vp9CodecStringTest, RejectsMalformedRecords) {
  const Bytes good = MakeVpcC(0, 31, 0x82, 1, 1, 1);
  for (size_t len = 0; len < good.size(); ++len) {
    ExpectInvalid(Vp9CodecString(Bytes(good.begin(), good.begin() + len)));
  }
  Bytes v0 = good;
  v0[0] = 0;
  ExpectInvalid(Vp9CodecString(v0));
  ExpectInvalid(Vp9CodecString(MakeVpcC(0, 31, 0x92, 1, 1, 1)));  // 9-bit
  Bytes init = good;
  init.back() = 4;  // 4 bytes of codec initialization data that are not there
  ExpectInvalid(Vp9CodecString(init));
}

// --------------------------------------------------------------- AV1 --

TEST(Av1CodecStringTest, RecordWithoutConfigObus) {
  // marker+version, profile 0 level 5, 4:2:0 (subsampling x and y), delay.
  auto result = Av1CodecString({0x81, 0x05, 0x0c, 0x00});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "av01.0.05M.08");
  // Profile 2, level 13, high tier, 12-bit 4:2:0 -> still the default colour.
  EXPECT_EQ(*Av1CodecString({0x81, 0x4d, 0xec, 0x00}), "av01.2.13H.12");
  // Monochrome is not the default chroma: long form, colour unspecified.
  EXPECT_EQ(*Av1CodecString({0x81, 0x08, 0x1c, 0x00}), "av01.0.08M.08.1.110.02.02.02.0");
}

TEST(Av1CodecStringTest, RejectsMalformedRecords) {
  ExpectInvalid(Av1CodecString({}));
  ExpectInvalid(Av1CodecString({0x81, 0x05, 0x0c}));
  ExpectInvalid(Av1CodecString({0x01, 0x05, 0x0c, 0x00}));  // marker bit clear
  ExpectInvalid(Av1CodecString({0x82, 0x05, 0x0c, 0x00}));  // version 2
  ExpectInvalid(Av1CodecString({0x81, 0x05, 0x0c, 0x00, 0x0a, 0x05, 0x00}));  // cut OBU
}

}  // namespace
}  // namespace vtp
