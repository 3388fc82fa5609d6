#include "service/encoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/digest.h"
#include "service/http_date.h"

namespace vtp::service {
namespace {

TEST(EncodingTest, HexIsLowercaseTwoDigitsPerByte) {
  EXPECT_EQ(HexEncode(""), "");
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
}

// RFC 4648 section 10 test vectors.
TEST(EncodingTest, Base64RoundTripsTheRfcVectors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    SCOPED_TRACE(plain);
    EXPECT_EQ(Base64Encode(plain), encoded);
    StatusOr<std::string> back = Base64Decode(encoded);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, plain);
  }
}

TEST(EncodingTest, Base64DecodeIsStrict) {
  for (std::string bad : {"Zg", "Zg=", "Zg===", "Zh==", "Zm9=", "Z===", "====", "Zm 9v", "Zm9v\n", "Zm-v", "Zm_v",
                          "Z=g=", "Zm9vYg=\r"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(Base64Decode(bad).ok());
  }
}

TEST(EncodingTest, Base64UrlHasNoPaddingAndItsOwnAlphabet) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(bytes), "+/+/");
  EXPECT_EQ(Base64UrlEncode(bytes), "-_-_");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  ASSERT_TRUE(Base64UrlDecode("-_-_").ok());
  EXPECT_EQ(*Base64UrlDecode("-_-_"), bytes);
  EXPECT_EQ(*Base64UrlDecode("Zm8"), "fo");
  for (std::string bad : {"Zg==", "+/+/", "Z", "Zh", "Zm9"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(Base64UrlDecode(bad).ok());
  }
}

TEST(EncodingTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(DigestTest, KnownVectorsOfAbc) {
  struct Case {
    DigestAlgorithm algorithm;
    std::string base64;
  };
  const std::vector<Case> cases = {
      {DigestAlgorithm::kSha1, "qZk+NkcGgWq6PiVxeFDCbJzQ2J0="},
      {DigestAlgorithm::kSha256, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
      {DigestAlgorithm::kMd5, "kAFQmDzST7DWlj99KOF/cg=="},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(DigestAlgorithmName(c.algorithm)));
    StatusOr<std::string> one_shot = ComputeDigest(c.algorithm, "abc");
    ASSERT_TRUE(one_shot.ok());
    EXPECT_EQ(one_shot->size(), DigestSize(c.algorithm));
    EXPECT_EQ(Base64Encode(*one_shot), c.base64);
    // Streaming in pieces gives the same digest.
    StatusOr<Digest> d = Digest::Create(c.algorithm);
    ASSERT_TRUE(d.ok());
    Digest digest = std::move(d).value();
    ASSERT_TRUE(digest.Update("a").ok());
    ASSERT_TRUE(digest.Update("").ok());
    ASSERT_TRUE(digest.Update("bc").ok());
    StatusOr<std::string> streamed = digest.Final();
    ASSERT_TRUE(streamed.ok());
    EXPECT_EQ(Base64Encode(*streamed), c.base64);
    EXPECT_FALSE(digest.Update("x").ok());  // finished
    EXPECT_FALSE(digest.Final().ok());
  }
}

TEST(DigestTest, MovedDigestKeepsItsState) {
  StatusOr<Digest> d = Digest::Create(DigestAlgorithm::kSha1);
  ASSERT_TRUE(d.ok());
  Digest a = std::move(d).value();
  ASSERT_TRUE(a.Update("ab").ok());
  Digest b = std::move(a);
  ASSERT_TRUE(b.Update("c").ok());
  EXPECT_EQ(Base64Encode(*b.Final()), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(DigestTest, AlgorithmNamesAreLowercaseAndExact) {
  EXPECT_EQ(DigestAlgorithmFromName("sha1"), DigestAlgorithm::kSha1);
  EXPECT_EQ(DigestAlgorithmFromName("sha256"), DigestAlgorithm::kSha256);
  EXPECT_EQ(DigestAlgorithmFromName("md5"), DigestAlgorithm::kMd5);
  EXPECT_EQ(DigestAlgorithmFromName("SHA1"), std::nullopt);
  EXPECT_EQ(DigestAlgorithmFromName("sha512"), std::nullopt);
  EXPECT_EQ(DigestAlgorithmFromName(""), std::nullopt);
}

TEST(DigestTest, Sha256HexAndHmac) {
  EXPECT_EQ(Sha256Hex("hello world"), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
  // `printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret`
  EXPECT_EQ(HexEncode(HmacSha256("secret", "1700000000.{\"a\":1}")),
            "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
  EXPECT_EQ(HmacSha256("", "x").size(), 32u);  // empty key is legal HMAC
}

TEST(HttpDateTest, ImfFixdate) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {0, "Thu, 01 Jan 1970 00:00:00 GMT"},
      {1'700'000'000'000, "Tue, 14 Nov 2023 22:13:20 GMT"},
      {1'700'000'000'999, "Tue, 14 Nov 2023 22:13:20 GMT"},  // truncated to the second
      {951'782'400'000, "Tue, 29 Feb 2000 00:00:00 GMT"},    // leap day
      {784'111'777'000, "Sun, 06 Nov 1994 08:49:37 GMT"},    // RFC 7231's example
      {-1, "Wed, 31 Dec 1969 23:59:59 GMT"},                 // floor, not toward zero
  };
  for (const auto& [ms, text] : cases) {
    SCOPED_TRACE(ms);
    EXPECT_EQ(FormatHttpDate(ms), text);
  }
}

}  // namespace
}  // namespace vtp::service
