// BoxWriter: big-endian field widths, nested box sizes, FullBox headers,
// patching, misuse reported through Finish() (never a crash), and output
// read back by the bmff reader. Expected bytes are written out by hand.
#include "domain/bmff_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "domain/bmff.h"

namespace vtp::bmff {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes FinishOk(BoxWriter&& w) {
  StatusOr<Bytes> out = std::move(w).Finish();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : Bytes{};
}

void ExpectInternal(BoxWriter&& w, const std::string& fragment) {
  StatusOr<Bytes> out = std::move(w).Finish();
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInternal);
  EXPECT_NE(out.status().message().find(fragment), std::string::npos) << out.status().message();
}

TEST(BoxWriterTest, EveryFieldWidthIsBigEndian) {
  BoxWriter w;
  w.WriteU8(0x01);
  w.WriteU16(0x0203);
  w.WriteU24(0x040506);
  w.WriteU32(0x0708090a);
  w.WriteU64(0x0b0c0d0e0f101112);
  w.WriteFourCC("abcd");
  const Bytes raw = {0xfe, 0xff};
  w.WriteBytes(raw);
  EXPECT_EQ(w.size(), 1u + 2 + 3 + 4 + 8 + 4 + 2);
  const Bytes expected = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                          0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 'a',  'b',  'c',  'd',  0xfe, 0xff};
  EXPECT_EQ(FinishOk(std::move(w)), expected);
}

TEST(BoxWriterTest, ExtremeValues) {
  BoxWriter w;
  w.WriteU8(0xff);
  w.WriteU16(0xffff);
  w.WriteU24(0xffffff);
  w.WriteU32(0xffffffff);
  w.WriteU64(0xffffffffffffffffull);
  w.WriteU64(0);
  Bytes expected(1 + 2 + 3 + 4 + 8, 0xff);
  expected.resize(expected.size() + 8, 0x00);
  EXPECT_EQ(FinishOk(std::move(w)), expected);
}

TEST(BoxWriterTest, U24KeepsOnlyTheLow24Bits) {
  BoxWriter w;
  w.WriteU24(0xaabbccdd);
  EXPECT_EQ(FinishOk(std::move(w)), (Bytes{0xbb, 0xcc, 0xdd}));
}

TEST(BoxWriterTest, EmptyWriterFinishesEmpty) {
  BoxWriter w;
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(FinishOk(std::move(w)).empty());
}

TEST(BoxWriterTest, EmptyBoxIsEightBytes) {
  BoxWriter w;
  w.BeginBox("free");
  w.EndBox();
  EXPECT_EQ(FinishOk(std::move(w)), (Bytes{0, 0, 0, 8, 'f', 'r', 'e', 'e'}));
}

TEST(BoxWriterTest, NestedBoxesGetTheirOwnSizes) {
  BoxWriter w;
  w.BeginBox("moov");    // 8 + 12 + 8 + 9 = 37
  w.BeginBox("mvhd");    // 8 + 4 = 12
  w.WriteU32(0x11223344);
  w.EndBox();
  w.BeginBox("trak");    // 8 + 9 = 17
  w.BeginBox("tkhd");    // 8 + 1 = 9
  w.WriteU8(0x55);
  w.EndBox();
  w.EndBox();
  w.EndBox();
  w.BeginBox("mdat");    // a sibling after the nest: 8 + 2
  w.WriteU16(0xabcd);
  w.EndBox();
  const Bytes expected = {
      0, 0, 0, 37, 'm', 'o', 'o', 'v',                      //
      0, 0, 0, 12, 'm', 'v', 'h', 'd', 0x11, 0x22, 0x33, 0x44,  //
      0, 0, 0, 17, 't', 'r', 'a', 'k',                      //
      0, 0, 0, 9,  't', 'k', 'h', 'd', 0x55,                //
      0, 0, 0, 10, 'm', 'd', 'a', 't', 0xab, 0xcd};
  EXPECT_EQ(FinishOk(std::move(w)), expected);
}

TEST(BoxWriterTest, BeginFullBoxWritesVersionAndFlags) {
  BoxWriter w;
  w.BeginFullBox("tfhd", 1, 0x020038);
  w.WriteU32(7);
  w.EndBox();
  const Bytes expected = {0, 0, 0, 16, 't', 'f', 'h', 'd', 0x01, 0x02, 0x00, 0x38, 0, 0, 0, 7};
  EXPECT_EQ(FinishOk(std::move(w)), expected);
}

TEST(BoxWriterTest, BeginFullBoxKeepsOnlyTwentyFourFlagBits) {
  BoxWriter w;
  w.BeginFullBox("senc", 0, 0xff000002);
  w.EndBox();
  EXPECT_EQ(FinishOk(std::move(w)), (Bytes{0, 0, 0, 12, 's', 'e', 'n', 'c', 0, 0, 0, 2}));
}

TEST(BoxWriterTest, PatchU32OverwritesInPlace) {
  BoxWriter w;
  w.BeginBox("saio");
  w.WriteU32(0);
  const size_t at = w.size();
  w.WriteU32(0);
  w.WriteU8(0x77);
  w.EndBox();
  w.PatchU32(at, 0xdeadbeef);
  w.PatchU32(w.size() - 4, 0x01020304);  // the last four bytes exactly
  const Bytes expected = {0, 0, 0, 17, 's', 'a', 'i', 'o', 0, 0, 0, 0, 0xde, 0x01, 0x02, 0x03, 0x04};
  EXPECT_EQ(FinishOk(std::move(w)), expected);
}

TEST(BoxWriterTest, PatchInsideAnOpenBoxSurvivesEndBox) {
  BoxWriter w;
  w.BeginBox("trun");
  const size_t at = w.size();
  w.WriteU32(1);
  w.PatchU32(at, 0x0000fffe);
  w.EndBox();
  EXPECT_EQ(FinishOk(std::move(w)), (Bytes{0, 0, 0, 12, 't', 'r', 'u', 'n', 0, 0, 0xff, 0xfe}));
}

TEST(BoxWriterTest, BytesViewTracksWhatWasWritten) {
  BoxWriter w;
  w.BeginBox("abcd");
  EXPECT_EQ(w.bytes(), (Bytes{0, 0, 0, 0, 'a', 'b', 'c', 'd'}));  // size not known yet
  w.EndBox();
  EXPECT_EQ(w.bytes(), (Bytes{0, 0, 0, 8, 'a', 'b', 'c', 'd'}));
}

TEST(BoxWriterTest, FourCCShorterThanFourCharsIsAnError) {
  BoxWriter w;
  w.WriteFourCC("abc");
  ExpectInternal(std::move(w), "'abc'");
}

TEST(BoxWriterTest, FourCCLongerThanFourCharsIsAnError) {
  BoxWriter w;
  w.BeginBox("moovx");
  w.EndBox();
  ExpectInternal(std::move(w), "'moovx'");
}

TEST(BoxWriterTest, EmptyFourCCIsAnError) {
  BoxWriter w;
  w.BeginFullBox("", 0, 0);
  w.EndBox();
  ExpectInternal(std::move(w), "not 4 bytes");
}

TEST(BoxWriterTest, EndBoxWithoutABoxIsAnError) {
  BoxWriter w;
  w.WriteU32(1);
  w.EndBox();
  ExpectInternal(std::move(w), "EndBox without an open box");
}

TEST(BoxWriterTest, OneEndBoxTooManyIsAnError) {
  BoxWriter w;
  w.BeginBox("moov");
  w.EndBox();
  w.EndBox();
  ExpectInternal(std::move(w), "EndBox without an open box");
}

TEST(BoxWriterTest, BoxLeftOpenIsAnError) {
  BoxWriter w;
  w.BeginBox("moov");
  w.BeginBox("trak");
  w.EndBox();
  ExpectInternal(std::move(w), "1 box(es) left open");
}

TEST(BoxWriterTest, TwoBoxesLeftOpenAreCounted) {
  BoxWriter w;
  w.BeginBox("moov");
  w.BeginFullBox("mvhd", 0, 0);
  ExpectInternal(std::move(w), "2 box(es) left open");
}

TEST(BoxWriterTest, PatchPastTheEndIsAnError) {
  BoxWriter w;
  w.WriteU32(0);
  w.WriteU16(0);
  w.PatchU32(3, 1);  // needs bytes 3..6, only 0..5 exist
  ExpectInternal(std::move(w), "patch at 3 is past the end");
}

TEST(BoxWriterTest, PatchFarPastTheEndIsAnError) {
  BoxWriter w;
  w.PatchU32(static_cast<size_t>(-2), 1);  // offset + 4 would wrap around
  ExpectInternal(std::move(w), "past the end");
}

TEST(BoxWriterTest, PatchPastTheEndLeavesBytesAlone) {
  BoxWriter w;
  w.WriteU16(0x1234);
  w.PatchU32(0, 0xffffffff);
  EXPECT_EQ(w.bytes(), (Bytes{0x12, 0x34}));
}

TEST(BoxWriterTest, FirstErrorWins) {
  BoxWriter w;
  w.EndBox();
  w.WriteFourCC("toolong");
  w.BeginBox("open");
  ExpectInternal(std::move(w), "EndBox without an open box");
}

TEST(BoxWriterTest, OutputReadsBackThroughTheReader) {
  BoxWriter w;
  w.WriteBytes(Bytes{0, 0, 0, 12, 'f', 't', 'y', 'p', 'i', 's', 'o', '6'});
  w.BeginBox("moov");
  w.BeginFullBox("mvhd", 1, 0x000003);
  w.WriteU64(0x0102030405060708);
  w.EndBox();
  w.BeginBox("trak");
  w.EndBox();
  w.EndBox();
  w.BeginBox("mdat");
  for (int i = 0; i < 300; ++i) w.WriteU8(static_cast<uint8_t>(i));
  w.EndBox();
  const Bytes out = FinishOk(std::move(w));

  StatusOr<std::vector<Box>> top = ReadBoxes(out);
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].type, "ftyp");
  EXPECT_EQ((*top)[1].type, "moov");
  EXPECT_EQ((*top)[1].size, 8u + 20u + 8u);
  EXPECT_EQ((*top)[2].type, "mdat");
  EXPECT_EQ((*top)[2].size, 308u);
  EXPECT_EQ((*top)[2].payload.size(), 300u);
  EXPECT_EQ((*top)[2].payload[299], 299 % 256);

  StatusOr<Box> mvhd = FindPath(out, "moov/mvhd");
  ASSERT_TRUE(mvhd.ok()) << mvhd.status().ToString();
  BoxReader r(mvhd->payload);
  EXPECT_EQ(*r.ReadU8(), 1);
  EXPECT_EQ(*r.ReadU24(), 3u);
  EXPECT_EQ(*r.ReadU64(), 0x0102030405060708u);
  EXPECT_EQ(r.remaining(), 0u);
  StatusOr<Box> trak = FindPath(out, "moov/trak");
  ASSERT_TRUE(trak.ok()) << trak.status().ToString();
  EXPECT_TRUE(trak->payload.empty());
}

}  // namespace
}  // namespace vtp::bmff
