#include "domain/bmff.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::bmff {
namespace {

using Bytes = std::vector<uint8_t>;

void PutU32(Bytes& out, uint64_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

Bytes MakeBox(const std::string& type, const Bytes& payload) {
  Bytes out;
  PutU32(out, 8 + payload.size());
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(BoxReaderTest, ReadsBigEndianFields) {
  const Bytes data = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                      0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 'a', 'b', 'c', 'd'};
  BoxReader r(data);
  EXPECT_EQ(*r.ReadU8(), 0x01);
  EXPECT_EQ(*r.ReadU16(), 0x0203);
  EXPECT_EQ(*r.ReadU24(), 0x040506u);
  EXPECT_EQ(*r.ReadU32(), 0x0708090au);
  EXPECT_EQ(*r.ReadU64(), 0x0b0c0d0e0f101112u);
  EXPECT_EQ(*r.ReadFourCC(), "abcd");
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(BoxReaderTest, ShortReadFailsAndKeepsPosition) {
  const Bytes data = {0x01, 0x02, 0x03};
  BoxReader r(data);
  ASSERT_TRUE(r.Skip(1).ok());
  auto v = r.ReadU32();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.position(), 1u);
  EXPECT_FALSE(r.ReadBytes(3).ok());
  EXPECT_FALSE(r.Skip(3).ok());
  EXPECT_EQ(*r.ReadU16(), 0x0203);
  EXPECT_FALSE(r.ReadU8().ok());
  EXPECT_TRUE(r.ReadRest().empty());
}

TEST(ReadBoxTest, CompactLargeToEndAndUuid) {
  Bytes large = {0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 19, 'x', 'y', 'z'};
  Bytes uuid = {0, 0, 0, 25, 'u', 'u', 'i', 'd'};
  for (uint8_t i = 0; i < 16; ++i) uuid.push_back(i);
  uuid.push_back(0xee);
  Bytes to_end = {0, 0, 0, 0, 'f', 'r', 'e', 'e', 1, 2, 3};
  const Bytes data = Concat({MakeBox("ftyp", {'i', 's', 'o', 'm'}), large, uuid, to_end});
  auto boxes = ReadBoxes(data);
  ASSERT_TRUE(boxes.ok()) << boxes.status().ToString();
  ASSERT_EQ(boxes->size(), 4u);
  EXPECT_EQ((*boxes)[0].type, "ftyp");
  EXPECT_EQ((*boxes)[0].header_size, 8u);
  EXPECT_EQ((*boxes)[0].payload.size(), 4u);
  EXPECT_EQ((*boxes)[1].type, "mdat");
  EXPECT_EQ((*boxes)[1].offset, 12u);
  EXPECT_EQ((*boxes)[1].header_size, 16u);
  EXPECT_EQ((*boxes)[1].size, 19u);
  EXPECT_EQ(Bytes((*boxes)[1].payload.begin(), (*boxes)[1].payload.end()),
            (Bytes{'x', 'y', 'z'}));
  EXPECT_EQ((*boxes)[2].type, "uuid");
  EXPECT_EQ((*boxes)[2].header_size, 24u);
  EXPECT_EQ((*boxes)[2].usertype[15], 15);
  EXPECT_EQ((*boxes)[2].payload.size(), 1u);
  EXPECT_EQ((*boxes)[3].type, "free");
  EXPECT_EQ((*boxes)[3].size, 11u);
  EXPECT_EQ((*boxes)[3].payload.size(), 3u);
}

TEST(ReadBoxTest, RejectsLyingSizes) {
  const Bytes too_big = {0, 0, 0, 20, 'f', 'r', 'e', 'e', 0, 0};
  const Bytes too_small = {0, 0, 0, 7, 'f', 'r', 'e', 'e'};
  const Bytes large_too_small = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 8};
  const Bytes large_huge = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0xff, 0xff, 0xff, 0xff,
                            0xff, 0xff, 0xff, 0xff};
  const Bytes short_header = {0, 0, 0, 8, 'f', 'r'};
  for (const Bytes& data : {too_big, too_small, large_too_small, large_huge, short_header}) {
    BoxReader r(data);
    auto box = ReadBox(r);
    ASSERT_FALSE(box.ok());
    EXPECT_EQ(box.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.position(), 0u);
  }
  EXPECT_FALSE(ReadBoxes(Concat({MakeBox("free", {}), Bytes{0, 0}})).ok());
}

TEST(FindPathTest, WalksNestedContainers) {
  const Bytes stsd = MakeBox("stsd", {0, 0, 0, 0, 0, 0, 0, 0});
  const Bytes stbl = MakeBox("stbl", Concat({MakeBox("stts", {}), stsd}));
  const Bytes trak = MakeBox("trak", MakeBox("mdia", MakeBox("minf", stbl)));
  const Bytes moov = MakeBox("moov", Concat({MakeBox("mvhd", {1}), trak, trak}));
  const Bytes file = Concat({MakeBox("ftyp", {}), moov, Bytes{0xde, 0xad}});  // junk after
  auto box = FindPath(file, "moov/trak/mdia/minf/stbl/stsd");
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  EXPECT_EQ(box->type, "stsd");
  EXPECT_EQ(box->payload.size(), 8u);
  // Offsets are relative to the parent's payload.
  EXPECT_EQ(box->offset, 8u);

  auto missing = FindPath(file, "moov/trak/mdia/hdlr");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("moov/trak/mdia/hdlr"), std::string::npos);
  // Junk after moov is only reached when looking past it.
  EXPECT_EQ(FindPath(file, "moof").status().code(), ErrorCode::kInvalidArgument);
}

TEST(FindPathTest, DamagedChildIsInvalidArgument) {
  Bytes inner = MakeBox("trak", {});
  inner[3] = 0x40;  // trak claims 64 bytes inside an 8-byte payload
  const Bytes file = MakeBox("moov", inner);
  EXPECT_EQ(FindPath(file, "moov/trak").status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::bmff
