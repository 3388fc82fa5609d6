// The Common Encryption boxes of domain/cenc_boxes.h: one typed suite runs
// every box (in every shape vtp writes) through write -> read back ->
// equal, write -> modify -> write differs, minimal values, every
// truncation and trailing bytes. Golden bytes below are worked out by hand
// from the box syntax of ISO/IEC 23001-7 (§8.1 pssh, §8.2 tenc, §7.2 senc)
// and ISO/IEC 14496-12 (§8.7.8 saiz, §8.7.9 saio, §8.12 sinf/frma/schm).
#include "domain/cenc_boxes.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "domain/bmff.h"
#include "domain/bmff_writer.h"

namespace vtp::cenc {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Hex(std::string hex) {
  std::erase(hex, ' ');
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

template <size_t N>
std::array<uint8_t, N> Arr(const std::string& hex) {
  std::array<uint8_t, N> out{};
  const Bytes b = Hex(hex);
  EXPECT_EQ(b.size(), N);
  std::copy(b.begin(), b.begin() + std::min(N, b.size()), out.begin());
  return out;
}

// W3C "Common PSSH" system ID, 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b.
const SystemId kCommonSystem = Arr<16>("1077efecc0b24d02ace33c1e52e2fb4b");
const Kid kKidA = Arr<16>("000102030405060708090a0b0c0d0e0f");
const Kid kKidB = Arr<16>("f0e0d0c0b0a090807060504030201000");

template <typename T>
Bytes Written(const T& box) {
  bmff::BoxWriter w;
  box.Write(w);
  StatusOr<Bytes> out = std::move(w).Finish();
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : Bytes{};
}

// ---------------------------------------------------------------------------
// One traits struct per box shape: the type, its fourcc, a full value, a
// minimal value, a modification, and how to parse it.

struct PsshV0 {
  using Box = ProtectionSystemHeader;
  static constexpr char kType[] = "pssh";
  static Box Full() { return {kCommonSystem, {}, {0xde, 0xad, 0xbe, 0xef, 0x00}}; }
  static Box Minimal() { return {}; }
  static void Modify(Box& b) { b.data.back() ^= 1; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct PsshV1 {
  using Box = ProtectionSystemHeader;
  static constexpr char kType[] = "pssh";
  static Box Full() { return {kCommonSystem, {kKidA, kKidB}, {0x01, 0x02}}; }
  static Box Minimal() { return {SystemId{}, {Kid{}}, {}}; }
  static void Modify(Box& b) { b.kids[1][15] ^= 0x80; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct TencV0Cenc {
  using Box = TrackEncryption;
  static constexpr char kType[] = "tenc";
  static Box Full() {
    Box t;
    t.version = 0;
    t.per_sample_iv_size = 8;
    t.default_kid = kKidA;
    return t;
  }
  static Box Minimal() {
    Box t;
    t.is_protected = false;
    t.per_sample_iv_size = 0;
    return t;
  }
  static void Modify(Box& b) { b.per_sample_iv_size = 16; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct TencV1Cbcs {
  using Box = TrackEncryption;
  static constexpr char kType[] = "tenc";
  static Box Full() {
    Box t;
    t.version = 1;
    t.pattern = {1, 9};
    t.per_sample_iv_size = 0;
    t.default_kid = kKidB;
    t.constant_iv = Hex("00112233445566778899aabbccddeeff");
    return t;
  }
  static Box Minimal() {
    Box t;
    t.version = 1;
    t.pattern = {0, 0};
    t.per_sample_iv_size = 0;
    t.constant_iv = Bytes(8, 0);
    return t;
  }
  static void Modify(Box& b) { b.pattern = {1, 0}; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct SencNoSubsamples {
  using Box = SampleEncryption;
  static constexpr char kType[] = "senc";
  static Box Full() {
    Box s;
    s.entries = {{Hex("0102030405060708"), {}}, {Hex("a1a2a3a4a5a6a7a8"), {}}};
    return s;
  }
  static Box Minimal() { return {}; }
  static void Modify(Box& b) { b.entries[1].iv[7] ^= 0xff; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p, 8); }
};

struct SencSubsamples {
  using Box = SampleEncryption;
  static constexpr char kType[] = "senc";
  static Box Full() {
    Box s;
    s.use_subsamples = true;
    s.entries = {{Hex("0102030405060708"), {{5, 32}, {0xffff, 0x00010000}}},
                 {Hex("1112131415161718"), {{0x1234, 16}}},
                 {Hex("2122232425262728"), {}}};
    return s;
  }
  static Box Minimal() {
    Box s;
    s.use_subsamples = true;
    return s;
  }
  static void Modify(Box& b) { b.entries[0].subsamples[1].protected_bytes += 16; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p, 8); }
};

// cbcs: constant IV (no per-sample IV), subsamples only.
struct SencConstantIv {
  using Box = SampleEncryption;
  static constexpr char kType[] = "senc";
  static Box Full() {
    Box s;
    s.use_subsamples = true;
    s.entries = {{{}, {{10, 160}}}, {{}, {{3, 0}, {0, 4000}}}};
    return s;
  }
  static Box Minimal() {
    Box s;
    s.use_subsamples = true;
    s.entries = {{{}, {}}};
    return s;
  }
  static void Modify(Box& b) { b.entries[1].subsamples.pop_back(); }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p, 0); }
};

struct SaizDefault {
  using Box = SampleAuxInfoSizes;
  static constexpr char kType[] = "saiz";
  static Box Full() { return {16, 300, {}}; }
  static Box Minimal() { return {1, 0, {}}; }
  static void Modify(Box& b) { b.sample_count = 301; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct SaizPerSample {
  using Box = SampleAuxInfoSizes;
  static constexpr char kType[] = "saiz";
  static Box Full() { return {0, 4, {16, 22, 10, 255}}; }
  static Box Minimal() { return {0, 0, {}}; }
  static void Modify(Box& b) { b.sizes[2] = 11; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct Saio {
  using Box = SampleAuxInfoOffsets;
  static constexpr char kType[] = "saio";
  static Box Full() { return {{0x4c, 0xffffffff}}; }
  static Box Minimal() { return {}; }
  static void Modify(Box& b) { b.offsets[0] = 0x4d; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct Schm {
  using Box = SchemeType;
  static constexpr char kType[] = "schm";
  static Box Full() { return {"cbcs", 0x00010000}; }
  static Box Minimal() { return {"cenc", 0}; }
  static void Modify(Box& b) { b.scheme_type = "cens"; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct Frma {
  using Box = OriginalFormat;
  static constexpr char kType[] = "frma";
  static Box Full() { return {"hvc1"}; }
  static Box Minimal() { return {"Opus"}; }
  static void Modify(Box& b) { b.format = "hev1"; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

struct Sinf {
  using Box = ProtectionSchemeInfo;
  static constexpr char kType[] = "sinf";
  static Box Full() { return {{"avc1"}, {"cbcs", 0x00010000}, TencV1Cbcs::Full()}; }
  static Box Minimal() { return {{"mp4a"}, {"cenc", 0x00010000}, TencV0Cenc::Minimal()}; }
  static void Modify(Box& b) { b.track_encryption.default_kid[0] ^= 1; }
  static StatusOr<Box> Parse(bmff::ByteSpan p) { return Box::Parse(p); }
};

template <typename T>
class CencBoxTest : public ::testing::Test {
 protected:
  using Box = typename T::Box;

  // The box written alone, checked to be exactly one box of the right type.
  static Bytes Payload(const Box& value) {
    const Bytes whole = Written(value);
    StatusOr<std::vector<bmff::Box>> boxes = bmff::ReadBoxes(whole);
    EXPECT_TRUE(boxes.ok()) << boxes.status().ToString();
    if (!boxes.ok() || boxes->size() != 1) {
      ADD_FAILURE() << "Write did not produce exactly one box";
      return {};
    }
    EXPECT_EQ((*boxes)[0].type, T::kType);
    EXPECT_EQ((*boxes)[0].size, whole.size());
    EXPECT_EQ((*boxes)[0].header_size, 8u);
    return Bytes((*boxes)[0].payload.begin(), (*boxes)[0].payload.end());
  }

  static void ExpectRoundTrip(const Box& value) {
    const Bytes payload = Payload(value);
    StatusOr<Box> parsed = T::Parse(payload);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_TRUE(*parsed == value);
    // Writing what was read gives the same bytes again.
    EXPECT_EQ(Written(*parsed), Written(value));
  }

  static void ExpectEveryTruncationRejected(const Box& value) {
    const Bytes payload = Payload(value);
    for (size_t n = 0; n < payload.size(); ++n) {
      StatusOr<Box> parsed = T::Parse(bmff::ByteSpan(payload).first(n));
      ASSERT_FALSE(parsed.ok()) << "accepted " << n << " of " << payload.size() << " bytes";
      EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument)
          << n << " bytes: " << parsed.status().ToString();
    }
  }

  static void ExpectTrailingBytesRejected(const Box& value) {
    for (const Bytes& tail : {Bytes{0}, Bytes{0, 0, 0, 0}, Bytes{0, 0, 0, 8, 'f', 'r', 'e', 'e'}}) {
      Bytes payload = Payload(value);
      payload.insert(payload.end(), tail.begin(), tail.end());
      StatusOr<Box> parsed = T::Parse(payload);
      ASSERT_FALSE(parsed.ok()) << "accepted " << tail.size() << " trailing bytes";
      EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << parsed.status().ToString();
    }
  }
};

using AllBoxes = ::testing::Types<PsshV0, PsshV1, TencV0Cenc, TencV1Cbcs, SencNoSubsamples,
                                  SencSubsamples, SencConstantIv, SaizDefault, SaizPerSample, Saio,
                                  Schm, Frma, Sinf>;

class BoxNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, PsshV0>) return "PsshV0";
    if (std::is_same_v<T, PsshV1>) return "PsshV1";
    if (std::is_same_v<T, TencV0Cenc>) return "TencV0Cenc";
    if (std::is_same_v<T, TencV1Cbcs>) return "TencV1Cbcs";
    if (std::is_same_v<T, SencNoSubsamples>) return "SencNoSubsamples";
    if (std::is_same_v<T, SencSubsamples>) return "SencSubsamples";
    if (std::is_same_v<T, SencConstantIv>) return "SencConstantIv";
    if (std::is_same_v<T, SaizDefault>) return "SaizDefault";
    if (std::is_same_v<T, SaizPerSample>) return "SaizPerSample";
    if (std::is_same_v<T, Saio>) return "Saio";
    if (std::is_same_v<T, Schm>) return "Schm";
    if (std::is_same_v<T, Frma>) return "Frma";
    if (std::is_same_v<T, Sinf>) return "Sinf";
    return "Unknown";
  }
};

TYPED_TEST_SUITE(CencBoxTest, AllBoxes, BoxNames);

TYPED_TEST(CencBoxTest, WriteThenParseGivesTheSameValue) {
  this->ExpectRoundTrip(TypeParam::Full());
}

TYPED_TEST(CencBoxTest, MinimalValueRoundTrips) {
  this->ExpectRoundTrip(TypeParam::Minimal());
}

TYPED_TEST(CencBoxTest, ModifiedValueWritesDifferentBytes) {
  auto value = TypeParam::Full();
  const Bytes before = Written(value);
  TypeParam::Modify(value);
  const Bytes after = Written(value);
  EXPECT_NE(before, after);
  EXPECT_FALSE(value == TypeParam::Full());
  this->ExpectRoundTrip(value);
}

TYPED_TEST(CencBoxTest, FullAndMinimalWriteDifferentBytes) {
  EXPECT_NE(Written(TypeParam::Full()), Written(TypeParam::Minimal()));
}

TYPED_TEST(CencBoxTest, EveryTruncationIsRejected) {
  this->ExpectEveryTruncationRejected(TypeParam::Full());
}

TYPED_TEST(CencBoxTest, EveryTruncationOfTheMinimalValueIsRejected) {
  this->ExpectEveryTruncationRejected(TypeParam::Minimal());
}

TYPED_TEST(CencBoxTest, TrailingBytesAreRejected) {
  this->ExpectTrailingBytesRejected(TypeParam::Full());
  this->ExpectTrailingBytesRejected(TypeParam::Minimal());
}

// ---------------------------------------------------------------------------
// Golden bytes.

// 23001-7 §8.1.1: FullBox('pssh', version 1, 0), SystemID[16], KID_count,
// KID[16] x count, DataSize, Data. 8 + 4 + 16 + 4 + 2*16 + 4 + 3 = 71.
TEST(CencBoxGoldenTest, PsshVersion1) {
  const Bytes expected = Hex(
      "00000047 70737368 01000000"                      // size 71, 'pssh', v1, flags 0
      "1077efec c0b24d02 ace33c1e 52e2fb4b"             // SystemID
      "00000002"                                        // KID_count
      "00010203 04050607 08090a0b 0c0d0e0f"             // KID A
      "f0e0d0c0 b0a09080 70605040 30201000"             // KID B
      "00000003 aabbcc");                               // DataSize, Data
  const ProtectionSystemHeader pssh{kCommonSystem, {kKidA, kKidB}, {0xaa, 0xbb, 0xcc}};
  EXPECT_EQ(Written(pssh), expected);
  StatusOr<ProtectionSystemHeader> parsed = ProtectionSystemHeader::Parse(bmff::ByteSpan(expected).subspan(8));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, pssh);
}

// Version 0: no KID_count and no KIDs. 8 + 4 + 16 + 4 + 0 = 32.
TEST(CencBoxGoldenTest, PsshVersion0) {
  const Bytes expected = Hex(
      "00000020 70737368 00000000"
      "1077efec c0b24d02 ace33c1e 52e2fb4b"
      "00000000");
  EXPECT_EQ(Written(ProtectionSystemHeader{kCommonSystem, {}, {}}), expected);
}

// 23001-7 §8.2.1, version 1: reserved byte, crypt:skip nibbles, isProtected,
// Per_Sample_IV_Size 0, KID, then constant IV size and IV.
// 8 + 4 + 4 + 16 + 1 + 16 = 49.
TEST(CencBoxGoldenTest, TrackEncryptionVersion1Cbcs) {
  const Bytes expected = Hex(
      "00000031 74656e63 01000000"           // size 49, 'tenc', v1, flags 0
      "00 19 01 00"                          // reserved, 1:9, protected, IV size 0
      "f0e0d0c0 b0a09080 70605040 30201000"  // default_KID
      "10"                                   // default_constant_IV_size 16
      "00112233 44556677 8899aabb ccddeeff");
  EXPECT_EQ(Written(TencV1Cbcs::Full()), expected);
  StatusOr<TrackEncryption> parsed = TrackEncryption::Parse(bmff::ByteSpan(expected).subspan(8));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, TencV1Cbcs::Full());
}

// Version 0: both leading bytes reserved, 8-byte per-sample IVs. 8+4+4+16 = 32.
TEST(CencBoxGoldenTest, TrackEncryptionVersion0Cenc) {
  const Bytes expected = Hex(
      "00000020 74656e63 00000000"
      "00 00 01 08"
      "00010203 04050607 08090a0b 0c0d0e0f");
  EXPECT_EQ(Written(TencV0Cenc::Full()), expected);
}

// A v0 tenc ignores whatever is in the pattern byte: it is reserved.
TEST(CencBoxGoldenTest, TrackEncryptionVersion0DoesNotWriteAPattern) {
  TrackEncryption t = TencV0Cenc::Full();
  t.pattern = {1, 9};
  EXPECT_EQ(Written(t), Written(TencV0Cenc::Full()));
}

// 23001-7 §7.2.1: FullBox('senc', 0, flags 0x2), sample_count, then per
// sample the IV (8 bytes here, from tenc), subsample_count and
// {BytesOfClearData(16), BytesOfProtectedData(32)} pairs.
// 16 + (8+2+2*6) + (8+2+6) + (8+2) = 64.
TEST(CencBoxGoldenTest, SampleEncryptionWithSubsamples) {
  const Bytes expected = Hex(
      "00000040 73656e63 00000002"             // size 64, 'senc', v0, flags 0x000002
      "00000003"                               // sample_count
      "01020304 05060708 0002"                 // IV, 2 subsamples
      "0005 00000020  ffff 00010000"           //   {5, 32}, {65535, 65536}
      "11121314 15161718 0001"                 // IV, 1 subsample
      "1234 00000010"                          //   {0x1234, 16}
      "21222324 25262728 0000");               // IV, no subsamples
  EXPECT_EQ(Written(SencSubsamples::Full()), expected);
  StatusOr<SampleEncryption> parsed = SampleEncryption::Parse(bmff::ByteSpan(expected).subspan(8), 8);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, SencSubsamples::Full());
  // saiz counts each entry: IV + 2 + 6 per subsample.
  EXPECT_EQ(parsed->EntrySize(0), 22u);
  EXPECT_EQ(parsed->EntrySize(1), 16u);
  EXPECT_EQ(parsed->EntrySize(2), 10u);
  // The first entry starts right after sample_count.
  EXPECT_EQ(expected[SampleEncryption::kFirstEntryOffset], 0x01);
  EXPECT_EQ(expected[SampleEncryption::kFirstEntryOffset - 1], 0x03);
}

TEST(CencBoxGoldenTest, SampleEncryptionWithoutSubsamples) {
  const Bytes expected = Hex(
      "00000020 73656e63 00000000 00000002"
      "01020304 05060708 a1a2a3a4 a5a6a7a8");
  EXPECT_EQ(Written(SencNoSubsamples::Full()), expected);
  EXPECT_EQ(SencNoSubsamples::Full().EntrySize(0), 8u);
}

// 14496-12 §8.7.8 with flags 0: default_sample_info_size, sample_count,
// then sizes only when the default is 0.
TEST(CencBoxGoldenTest, SampleAuxInfoSizes) {
  EXPECT_EQ(Written(SaizDefault::Full()), Hex("00000011 7361697a 00000000 10 0000012c"));
  EXPECT_EQ(Written(SaizPerSample::Full()), Hex("00000015 7361697a 00000000 00 00000004 10160aff"));
}

// 14496-12 §8.7.9, version 0, flags 0: entry_count, 32-bit offsets.
TEST(CencBoxGoldenTest, SampleAuxInfoOffsets) {
  const Bytes expected = Hex("00000018 7361696f 00000000 00000002 0000004c ffffffff");
  EXPECT_EQ(Written(Saio::Full()), expected);
  EXPECT_EQ(expected[SampleAuxInfoOffsets::kFirstOffsetOffset + 3], 0x4c);
}

// 14496-12 §8.12: sinf { frma, schm, schi { tenc } }.
TEST(CencBoxGoldenTest, ProtectionSchemeInfo) {
  const Bytes expected = Hex(
      "00000050 73696e66"                      // sinf: 8 + 12 + 20 + 40 = 80
      "0000000c 66726d61 61766331"             // frma 'avc1'
      "00000014 7363686d 00000000 63656e63 00010000"  // schm 'cenc' 1.0
      "00000028 73636869"                      // schi
      "00000020 74656e63 00000000 00000108"    // tenc v0
      "00010203 04050607 08090a0b 0c0d0e0f");
  const ProtectionSchemeInfo sinf{{"avc1"}, {"cenc", 0x00010000}, TencV0Cenc::Full()};
  EXPECT_EQ(Written(sinf), expected);
  StatusOr<ProtectionSchemeInfo> parsed = ProtectionSchemeInfo::Parse(bmff::ByteSpan(expected).subspan(8));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, sinf);
}

// ---------------------------------------------------------------------------
// Specific malformed inputs.

void ExpectInvalid(const Status& s, const std::string& fragment) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

TEST(CencBoxParseTest, TencRejectsBadPerSampleIvSizes) {
  for (uint8_t size : {1, 4, 7, 9, 12, 15, 17, 32, 255}) {
    Bytes payload = Hex("00000000 00000108 00010203040506070809 0a0b0c0d0e0f");
    payload[7] = size;
    ExpectInvalid(TrackEncryption::Parse(payload).status(), "per-sample IV size");
  }
}

TEST(CencBoxParseTest, TencRejectsBadConstantIvSizes) {
  for (uint8_t size : {0, 1, 4, 12, 15, 17, 32}) {
    Bytes payload = Hex("01000000 00190100 00010203040506070809 0a0b0c0d0e0f");
    payload.push_back(size);
    payload.resize(payload.size() + size, 0x5a);
    ExpectInvalid(TrackEncryption::Parse(payload).status(), "constant IV size");
  }
}

TEST(CencBoxParseTest, TencRejectsUnknownVersionAndIsProtected) {
  Bytes payload = Written(TencV0Cenc::Full());
  payload.erase(payload.begin(), payload.begin() + 8);
  Bytes v2 = payload;
  v2[0] = 2;
  ExpectInvalid(TrackEncryption::Parse(v2).status(), "version");
  Bytes protected2 = payload;
  protected2[6] = 2;
  ExpectInvalid(TrackEncryption::Parse(protected2).status(), "isProtected");
}

TEST(CencBoxParseTest, SencRejectsBadIvSizes) {
  const Bytes payload = Hex("00000000 00000000");  // no entries at all
  for (uint8_t size : {1, 4, 12, 15, 17, 32}) {
    ExpectInvalid(SampleEncryption::Parse(payload, size).status(), "IV size");
  }
  ASSERT_TRUE(SampleEncryption::Parse(payload, 16).ok());
}

TEST(CencBoxParseTest, SencSampleCountPastTheEnd) {
  // Two 8-byte IVs present, three claimed.
  ExpectInvalid(SampleEncryption::Parse(Hex("00000000 00000003 0102030405060708 1112131415161718"), 8).status(),
                "past the end");
  // A count that could never fit: rejected before reading anything.
  ExpectInvalid(SampleEncryption::Parse(Hex("00000002 ffffffff 0000"), 0).status(), "past the end");
  ExpectInvalid(SampleEncryption::Parse(Hex("00000000 ffffffff 0102030405060708"), 8).status(),
                "past the end");
}

// With a constant IV and no subsamples every entry is empty, so the count
// cannot be checked against the payload; a lying count must still neither
// allocate without bound nor crash.
TEST(CencBoxParseTest, SencHugeCountOfEmptyEntriesIsRejected) {
  ExpectInvalid(SampleEncryption::Parse(Hex("00000000 ffffffff"), 0).status(), "sample count");
}

TEST(CencBoxParseTest, SencSubsampleCountPastTheEnd) {
  // One subsample announced as 0xffff.
  const Bytes payload = Hex("00000002 00000001 0102030405060708 ffff 0005 00000010");
  EXPECT_EQ(SampleEncryption::Parse(payload, 8).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CencBoxParseTest, SencRejectsUnknownFlagsAndVersion) {
  ExpectInvalid(SampleEncryption::Parse(Hex("00000001 00000000"), 8).status(), "version/flags");
  ExpectInvalid(SampleEncryption::Parse(Hex("01000000 00000000"), 8).status(), "version/flags");
}

TEST(CencBoxParseTest, PsshKidCountPastTheEnd) {
  // KID_count 2, one KID present.
  const Bytes one_kid = Hex(
      "01000000 1077efecc0b24d02ace33c1e52e2fb4b 00000002"
      "000102030405060708090a0b0c0d0e0f 00000000");
  ExpectInvalid(ProtectionSystemHeader::Parse(one_kid).status(), "KID count");
  const Bytes huge = Hex("01000000 1077efecc0b24d02ace33c1e52e2fb4b ffffffff 00000000");
  ExpectInvalid(ProtectionSystemHeader::Parse(huge).status(), "KID count");
}

TEST(CencBoxParseTest, PsshDataSizePastTheEnd) {
  const Bytes payload = Hex("00000000 1077efecc0b24d02ace33c1e52e2fb4b 00000005 aabbcc");
  EXPECT_EQ(ProtectionSystemHeader::Parse(payload).status().code(), ErrorCode::kInvalidArgument);
}

TEST(CencBoxParseTest, PsshRejectsVersion2) {
  const Bytes payload = Hex("02000000 1077efecc0b24d02ace33c1e52e2fb4b 00000000");
  ExpectInvalid(ProtectionSystemHeader::Parse(payload).status(), "version");
}

TEST(CencBoxParseTest, SaizAndSaioCountsPastTheEnd) {
  EXPECT_EQ(SampleAuxInfoSizes::Parse(Hex("00000000 00 00000005 0a0a0a")).status().code(),
            ErrorCode::kInvalidArgument);
  ExpectInvalid(SampleAuxInfoOffsets::Parse(Hex("00000000 ffffffff 00000010")).status(), "past the end");
  ExpectInvalid(SampleAuxInfoOffsets::Parse(Hex("01000000 00000002 0000000000000010")).status(),
                "past the end");
}

// Readers must accept what other packagers write: saiz/saio with an
// explicit aux_info_type (flags 1) and a 64-bit saio.
TEST(CencBoxParseTest, SaizAndSaioWithAuxInfoTypeAndVersion1) {
  StatusOr<SampleAuxInfoSizes> saiz = SampleAuxInfoSizes::Parse(Hex("00000001 63656e63 00000000 08 00000003"));
  ASSERT_TRUE(saiz.ok()) << saiz.status().ToString();
  EXPECT_EQ(*saiz, (SampleAuxInfoSizes{8, 3, {}}));
  StatusOr<SampleAuxInfoOffsets> saio =
      SampleAuxInfoOffsets::Parse(Hex("01000001 63656e63 00000000 00000001 0000000000000123"));
  ASSERT_TRUE(saio.ok()) << saio.status().ToString();
  EXPECT_EQ(saio->offsets, std::vector<uint32_t>{0x123});
  ExpectInvalid(SampleAuxInfoOffsets::Parse(Hex("01000000 00000001 0000000100000000")).status(), "out of range");
}

TEST(CencBoxParseTest, SchmWithSchemeUriIsRejected) {
  ExpectInvalid(SchemeType::Parse(Hex("00000001 63656e63 00010000 687474703a00")).status(), "scheme URI");
}

TEST(CencBoxParseTest, SinfMissingAChildIsRejected) {
  bmff::BoxWriter w;
  OriginalFormat{"avc1"}.Write(w);
  SchemeType{"cenc", 0x00010000}.Write(w);
  StatusOr<Bytes> no_schi = std::move(w).Finish();
  ASSERT_TRUE(no_schi.ok());
  ExpectInvalid(ProtectionSchemeInfo::Parse(*no_schi).status(), "schi");

  bmff::BoxWriter w2;
  SchemeType{"cenc", 0x00010000}.Write(w2);
  w2.BeginBox("schi");
  TencV0Cenc::Full().Write(w2);
  w2.EndBox();
  StatusOr<Bytes> no_frma = std::move(w2).Finish();
  ASSERT_TRUE(no_frma.ok());
  ExpectInvalid(ProtectionSchemeInfo::Parse(*no_frma).status(), "frma");
}

TEST(CencBoxParseTest, SinfWithTrailingBytesInsideSchiIsRejected) {
  bmff::BoxWriter w;
  OriginalFormat{"avc1"}.Write(w);
  SchemeType{"cenc", 0x00010000}.Write(w);
  w.BeginBox("schi");
  TencV0Cenc::Full().Write(w);
  w.WriteU16(0);
  w.EndBox();
  StatusOr<Bytes> payload = std::move(w).Finish();
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(ProtectionSchemeInfo::Parse(*payload).status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp::cenc
