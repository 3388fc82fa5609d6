#include "domain/drm_systems.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace vtp::drm {
namespace {

// KID 00112233-4455-6677-8899-aabbccddeeff and key 000102...0f. Expected
// PlayReady values were computed outside vtp:
//   GUID-ordered KID: 33 22 11 00 55 44 77 66 88 99 aa bb cc dd ee ff
//   base64 of it (coreutils base64):                MyIRAFVEd2aImaq7zN3u/w==
//   openssl enc -aes-128-ecb -nopad -K 0001..0f of it:
//     2a93af5d12d45dfbc5e3c3d49bcb6cbd; first 8 bytes base64: KpOvXRLUXfs=
constexpr cenc::Kid kKid = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                            0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
constexpr cenc::Key kKey = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                            0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
constexpr char kPlayReadyKidBase64[] = "MyIRAFVEd2aImaq7zN3u/w==";
constexpr char kPlayReadyChecksum[] = "KpOvXRLUXfs=";

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// The PRO's 10-byte preamble: u32 length, u16 count, u16 type, u16 record
// length, all little-endian.
std::vector<uint8_t> Preamble(const std::vector<uint8_t>& pro) {
  return {pro.begin(), pro.begin() + std::min<size_t>(10, pro.size())};
}

// The record value of an all-ASCII UTF-16LE WRMHEADER, narrowed back; a
// non-ASCII code unit becomes '?' so a mismatch shows in the comparison.
std::string NarrowRecord(const std::vector<uint8_t>& pro) {
  std::string out;
  for (size_t i = 10; i + 1 < pro.size(); i += 2) {
    out.push_back(pro[i + 1] == 0 && pro[i] < 0x80 ? static_cast<char>(pro[i]) : '?');
  }
  return out;
}

std::string ExpectedWrmHeader(const std::string& algid, const std::string& la_url_element) {
  return "<WRMHEADER xmlns=\"http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader\" "
         "version=\"4.3.0.0\"><DATA><PROTECTINFO><KIDS><KID ALGID=\"" +
         algid + "\" CHECKSUM=\"" + kPlayReadyChecksum + "\" VALUE=\"" + kPlayReadyKidBase64 +
         "\"></KID></KIDS></PROTECTINFO>" + la_url_element + "</DATA></WRMHEADER>";
}

TEST(DrmSystemsTest, SystemIdsSpellTheRegistryUuids) {
  EXPECT_EQ(UuidString(kWidevineSystemId), "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed");
  EXPECT_EQ(UuidString(kPlayReadySystemId), "9a04f079-9840-4286-ab92-e65be0885f95");
  EXPECT_EQ(UuidString(kCommonSystemId), "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b");
  EXPECT_EQ(UuidString(kFairPlaySystemId), "94ce86fb-07ff-4f43-adb8-93d2fa968ca2");
}

TEST(DrmSystemsTest, ParseUuidAcceptsDashedAndPlainInEitherCase) {
  for (const char* text : {"edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",
                           "EDEF8BA979D64ACEA3C827DCD51D21ED",
                           "edef8ba9-79D6-4aCE-a3c8-27dcd51d21ed"}) {
    auto uuid = ParseUuid(text);
    ASSERT_TRUE(uuid.ok()) << text << ": " << uuid.status().ToString();
    EXPECT_EQ(*uuid, kWidevineSystemId) << text;
  }
  auto kid = ParseUuid("00112233445566778899aabbccddeeff");
  ASSERT_TRUE(kid.ok());
  EXPECT_EQ(*kid, kKid);
}

TEST(DrmSystemsTest, ParseUuidRejectsOtherForms) {
  for (const char* text : {"", "edef8ba979d64acea3c827dcd51d21e",  // 31 digits
                           "edef8ba979d64acea3c827dcd51d21edd",   // 33 digits
                           "edef8ba-979d6-4ace-a3c8-27dcd51d21ed",  // dash moved
                           "edef8ba9-79d6-4ace-a3c8-27dcd51d21eg",  // not hex
                           "{edef8ba9-79d6-4ace-a3c8-27dcd51d21e}",
                           "edef8ba9_79d6_4ace_a3c8_27dcd51d21ed",
                           "urn:uuid:edef8ba979d64acea3c827dcd51d21ed"}) {
    auto uuid = ParseUuid(text);
    ASSERT_FALSE(uuid.ok()) << text;
    EXPECT_EQ(uuid.status().code(), ErrorCode::kInvalidArgument) << text;
  }
}

TEST(DrmSystemsTest, Base64MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(Bytes("")), "");
  EXPECT_EQ(Base64Encode(Bytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(Bytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(Bytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(Bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(Base64Encode(Bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(Base64Encode(Bytes("foobar")), "Zm9vYmFy");
  const std::vector<uint8_t> high = {0xfb, 0xff, 0xbf};  // the last two alphabet letters
  EXPECT_EQ(Base64Encode(high), "+/+/");
}

// The protection_scheme varints, worked by hand: 0x63656E63 in 7-bit
// groups from the least significant is 0x63, 0x5C, 0x15, 0x1B, 0x06, so
// e3 dc 95 9b 06; 0x63626373 gives 0x73, 0x46, 0x09, 0x1B, 0x06, so
// f3 c6 89 9b 06.
TEST(DrmSystemsTest, WidevinePsshDataTwoKidsCenc) {
  const cenc::Kid second = {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
                            0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff};
  const std::vector<uint8_t> expected = {
      0x12, 0x10,  // field 2 (key_id), length-delimited, 16 bytes
      0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
      0x12, 0x10,  // the second key_id
      0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
      0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
      0x48,  // field 9 (protection_scheme), varint
      0xe3, 0xdc, 0x95, 0x9b, 0x06};
  EXPECT_EQ(WidevinePsshData({kKid, second}, cenc::Scheme::kCenc), expected);
}

TEST(DrmSystemsTest, WidevinePsshDataOneKidCbcs) {
  const std::vector<uint8_t> expected = {
      0x12, 0x10, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
      0x48, 0xf3, 0xc6, 0x89, 0x9b, 0x06};
  EXPECT_EQ(WidevinePsshData({kKid}, cenc::Scheme::kCbcs), expected);
}

TEST(DrmSystemsTest, WidevinePsshDataWithoutKidsHasOnlyTheScheme) {
  const std::vector<uint8_t> expected = {0x48, 0xe3, 0xdc, 0x95, 0x9b, 0x06};
  EXPECT_EQ(WidevinePsshData({}, cenc::Scheme::kCenc), expected);
}

TEST(DrmSystemsTest, PlayReadyObjectCencWithLicenseUrl) {
  auto pro = PlayReadyObject(kKid, kKey, cenc::Scheme::kCenc,
                             "https://pr.example.com/rightsmanager.asmx?a=1&b=2");
  ASSERT_TRUE(pro.ok()) << pro.status().ToString();
  // 624 bytes of UTF-16LE (312 ASCII characters) plus the 10-byte preamble.
  const std::vector<uint8_t> preamble = {0x7a, 0x02, 0x00, 0x00,  // length 634
                                         0x01, 0x00,              // one record
                                         0x01, 0x00,              // PlayReady Header
                                         0x70, 0x02};             // 624 bytes
  EXPECT_EQ(Preamble(*pro), preamble);
  EXPECT_EQ(pro->size(), 634u);
  EXPECT_EQ(NarrowRecord(*pro),
            ExpectedWrmHeader("AESCTR",
                              "<LA_URL>https://pr.example.com/rightsmanager.asmx?a=1&amp;b=2"
                              "</LA_URL>"));
}

TEST(DrmSystemsTest, PlayReadyObjectCbcsWithoutLicenseUrl) {
  auto pro = PlayReadyObject(kKid, kKey, cenc::Scheme::kCbcs, "");
  ASSERT_TRUE(pro.ok()) << pro.status().ToString();
  const std::vector<uint8_t> preamble = {0xee, 0x01, 0x00, 0x00, 0x01, 0x00,
                                         0x01, 0x00, 0xe4, 0x01};  // 494 / 484 bytes
  EXPECT_EQ(Preamble(*pro), preamble);
  EXPECT_EQ(pro->size(), 494u);
  EXPECT_EQ(NarrowRecord(*pro), ExpectedWrmHeader("AESCBC", ""));
}

TEST(DrmSystemsTest, PlayReadyChecksumDependsOnTheKey) {
  cenc::Key other = kKey;
  other[15] ^= 1;
  auto a = PlayReadyObject(kKid, kKey, cenc::Scheme::kCenc, "");
  auto b = PlayReadyObject(kKid, other, cenc::Scheme::kCenc, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(NarrowRecord(*a), NarrowRecord(*b));
  EXPECT_NE(NarrowRecord(*a).find(kPlayReadyChecksum), std::string::npos);
  EXPECT_EQ(NarrowRecord(*b).find(kPlayReadyChecksum), std::string::npos);
}

TEST(DrmSystemsTest, PlayReadyLicenseUrlOutsideAsciiIsUtf16) {
  // U+00E9 (2 UTF-8 bytes), U+20AC (3), U+1F600 (4: a surrogate pair).
  auto pro = PlayReadyObject(kKid, kKey, cenc::Scheme::kCenc,
                             "https://x/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  ASSERT_TRUE(pro.ok()) << pro.status().ToString();
  const std::vector<uint8_t> units = {'/', 0, 0xe9, 0x00, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde,
                                      '<', 0};
  const auto it = std::search(pro->begin(), pro->end(), units.begin(), units.end());
  EXPECT_NE(it, pro->end());
}

TEST(DrmSystemsTest, PlayReadyRejectsUnwritableLicenseUrls) {
  const std::string too_long = "https://x/" + std::string(8000, 'a');  // > 15 KB as UTF-16
  for (const std::string& url : {std::string("https://x/\xff"), std::string("https://x/\xc3"),
                                 std::string("https://x/\xed\xa0\x80"),  // a surrogate
                                 std::string("https://x/\x01"), too_long}) {
    auto pro = PlayReadyObject(kKid, kKey, cenc::Scheme::kCenc, url);
    ASSERT_FALSE(pro.ok()) << url.substr(0, 20);
    EXPECT_EQ(pro.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(pro.status().message().find("LA_URL"), std::string::npos)
        << pro.status().message();
  }
}

}  // namespace
}  // namespace vtp::drm
