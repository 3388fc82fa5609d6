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

}  // namespace
}  // namespace vtp
