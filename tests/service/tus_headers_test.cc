#include "service/tus_headers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::service {
namespace {

std::string Header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TEST(TusHeadersTest, TusResumableMustBe100Else412WithTusVersion) {
  EXPECT_FALSE(CheckTusResumable("1.0.0").has_value());
  for (std::optional<std::string> bad : std::vector<std::optional<std::string>>{
           std::nullopt, "", "0.2.2", "1.0", "1.0.0 ", "2.0.0"}) {
    SCOPED_TRACE(bad.value_or("<absent>"));
    std::optional<TusError> e = CheckTusResumable(bad);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status, 412);
    EXPECT_EQ(Header(e->headers, "Tus-Version"), "1.0.0");
  }
}

TEST(TusHeadersTest, IntegersAreStrictNonNegativeDecimals) {
  struct Case {
    std::string text;
    bool ok;
    uint64_t value;
  };
  const std::vector<Case> cases = {
      {"0", true, 0},        {"42", true, 42},     {"007", true, 7},
      {"9223372036854775807", true, 9223372036854775807ULL},
      {"9223372036854775808", false, 0},  // beyond int64
      {"99999999999999999999", false, 0},
      {"", false, 0},        {"-1", false, 0},     {"+1", false, 0},
      {" 1", false, 0},      {"1 ", false, 0},     {"1.0", false, 0},
      {"0x10", false, 0},    {"1e3", false, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    TusOr<uint64_t> n = ParseTusInteger("Upload-Offset", c.text);
    ASSERT_EQ(n.ok(), c.ok);
    if (c.ok) {
      EXPECT_EQ(*n, c.value);
    } else {
      EXPECT_EQ(n.error().status, 400);
    }
  }
}

TEST(TusHeadersTest, UploadLength) {
  EXPECT_EQ(*ParseUploadLength("100", 100), 100u);
  EXPECT_EQ(*ParseUploadLength("0", 100), 0u);
  EXPECT_EQ(ParseUploadLength("101", 100).error().status, 413);
  EXPECT_EQ(ParseUploadLength("-5", 100).error().status, 400);
  EXPECT_EQ(ParseUploadLength(std::nullopt, 100).error().status, 400);
}

TEST(TusHeadersTest, UploadOffsetMustMatchTheServer) {
  EXPECT_EQ(*CheckUploadOffset("70", 70), 70u);
  EXPECT_EQ(CheckUploadOffset("69", 70).error().status, 409);
  EXPECT_EQ(CheckUploadOffset("71", 70).error().status, 409);
  EXPECT_EQ(CheckUploadOffset("abc", 70).error().status, 400);
  EXPECT_EQ(CheckUploadOffset(std::nullopt, 70).error().status, 400);
}

TEST(TusHeadersTest, ContentTypeForPatch) {
  for (std::string ok : {"application/offset+octet-stream", "Application/Offset+Octet-Stream",
                         "application/offset+octet-stream; charset=binary", " application/offset+octet-stream "}) {
    SCOPED_TRACE(ok);
    EXPECT_FALSE(CheckOffsetContentType(ok).has_value());
  }
  for (std::optional<std::string> bad : std::vector<std::optional<std::string>>{
           std::nullopt, "", "application/octet-stream", "application/offset+octet-streams", "text/plain"}) {
    SCOPED_TRACE(bad.value_or("<absent>"));
    std::optional<TusError> e = CheckOffsetContentType(bad);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->status, 415);
  }
}

TEST(TusHeadersTest, MetadataParsesPairsAndExposesFilenameAndType) {
  // "world.mp4", "video/mp4"; "empty" has no value; "blank" has an empty one.
  TusOr<UploadMetadata> md = ParseUploadMetadata("filename d29ybGQubXA0,filetype dmlkZW8vbXA0,empty, blank ");
  ASSERT_TRUE(md.ok()) << md.error().message;
  EXPECT_EQ(md->filename(), "world.mp4");
  EXPECT_EQ(md->filetype(), "video/mp4");
  ASSERT_EQ(md->entries.size(), 4u);
  EXPECT_EQ(md->entries.at("empty"), "");
  EXPECT_EQ(md->entries.at("blank"), "");
  EXPECT_EQ(FormatUploadMetadata(*md), "blank,empty,filename d29ybGQubXA0,filetype dmlkZW8vbXA0");
  TusOr<UploadMetadata> again = ParseUploadMetadata(FormatUploadMetadata(*md));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *md);
}

TEST(TusHeadersTest, EmptyMetadataHeaderIsNoMetadata) {
  TusOr<UploadMetadata> md = ParseUploadMetadata("");
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(md->entries.empty());
  EXPECT_EQ(md->filename(), std::nullopt);
  EXPECT_EQ(md->filetype(), std::nullopt);
  EXPECT_EQ(FormatUploadMetadata(*md), "");
}

TEST(TusHeadersTest, BadMetadataIs400) {
  for (std::string bad : {
           "filename d29ybGQubXA0,filename dmlkZW8vbXA0",  // duplicate key
           "filename d29ybGQubXA",                         // bad padding
           "filename d29y!GQubXA0",                        // outside the alphabet
           "filename  d29ybGQubXA0",                       // two spaces
           "filename d29y bGQu",                           // space inside the value
           "a b2s=,",                                      // trailing comma: empty key
           ",a b2s=",                                      // leading comma
           "k\xc3\xa9y b2s=",                              // non-ASCII key
           "ke\x01y b2s=",                                 // control character
       }) {
    SCOPED_TRACE(bad);
    TusOr<UploadMetadata> md = ParseUploadMetadata(bad);
    ASSERT_FALSE(md.ok());
    EXPECT_EQ(md.error().status, 400);
  }
}

TEST(TusHeadersTest, ChecksumHeader) {
  TusOr<UploadChecksum> c = ParseUploadChecksum("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->algorithm, DigestAlgorithm::kSha1);
  EXPECT_EQ(c->digest.size(), 20u);
  EXPECT_TRUE(ParseUploadChecksum("sha256 ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=").ok());
  EXPECT_TRUE(ParseUploadChecksum("md5 kAFQmDzST7DWlj99KOF/cg==").ok());
  for (std::string bad : {
           "crc32 AAAAAA==",                                 // unsupported algorithm
           "SHA1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",              // names are lowercase
           "sha1",                                           // no digest
           "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0",               // bad base64
           "sha256 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",            // sha1-sized digest
           "sha1  qZk+NkcGgWq6PiVxeFDCbJzQ2J0=",             // two spaces
           "",
       }) {
    SCOPED_TRACE(bad);
    TusOr<UploadChecksum> r = ParseUploadChecksum(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status, 400);
  }
  EXPECT_EQ(TusChecksumAlgorithms(), "sha1,sha256,md5");
}

}  // namespace
}  // namespace vtp::service
