// SigV4 query-string presigning (adapters/s3_presign.h). The known answer is
// the presigned URL of AWS's documentation ("Authenticating Requests: Using
// Query Parameters (AWS Signature Version 4)", the GET of
// examplebucket/test.txt): s3rver does not verify signatures, so this test
// is what checks the signing itself.
#include "adapters/s3_presign.h"

#include <gtest/gtest.h>

#include <string>

namespace vtp {
namespace {

using adapters::PresignRequest;
using adapters::PresignUrl;

constexpr int64_t k20130524 = 1'369'353'600;  // Fri, 24 May 2013 00:00:00 GMT

PresignRequest AwsExample() {
  PresignRequest r;
  r.method = "GET";
  r.endpoint = "https://s3.amazonaws.com";
  r.bucket = "examplebucket";
  r.object_key = "test.txt";
  r.path_style = false;  // the documented example is virtual-hosted
  r.region = "us-east-1";
  r.access_key = "AKIAIOSFODNN7EXAMPLE";
  r.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  r.now_s = k20130524;
  r.expires_s = 86'400;
  return r;
}

TEST(S3PresignTest, ReproducesTheAwsDocumentationExample) {
  auto url = PresignUrl(AwsExample());
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(*url,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z"
            "&X-Amz-Expires=86400"
            "&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3PresignTest, AmzDateIsUtc) {
  EXPECT_EQ(adapters::AmzDate(k20130524), "20130524T000000Z");
  EXPECT_EQ(adapters::AmzDate(0), "19700101T000000Z");
  EXPECT_EQ(adapters::AmzDate(1'700'000'000), "20231114T221320Z");
}

TEST(S3PresignTest, EveryInputChangesTheSignature) {
  const std::string base = *PresignUrl(AwsExample());
  const auto signature = [](const std::string& url) { return url.substr(url.find("X-Amz-Signature=")); };
  const std::string sig = signature(base);
  auto changed = [&](auto mutate) {
    PresignRequest r = AwsExample();
    mutate(r);
    auto url = PresignUrl(r);
    EXPECT_TRUE(url.ok()) << url.status().ToString();
    return url.ok() ? signature(*url) : sig;
  };
  EXPECT_NE(changed([](PresignRequest& r) { r.method = "PUT"; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.object_key = "test2.txt"; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.region = "eu-west-1"; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.secret_key += "x"; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.now_s += 1; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.expires_s = 60; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.path_style = true; }), sig);
  EXPECT_NE(changed([](PresignRequest& r) { r.query = {{"uploadId", "u1"}}; }), sig);
}

TEST(S3PresignTest, PathStyleWithPortAndExtraQuery) {
  PresignRequest r = AwsExample();
  r.method = "PUT";
  r.endpoint = "http://127.0.0.1:9000";
  r.path_style = true;
  r.object_key = "prod/segments/v 1/part+1.bin";
  r.query = {{"uploadId", "a/b=c"}, {"partNumber", "2"}};
  auto url = PresignUrl(r);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  // Path segments are encoded but '/' kept; the query is sorted by name
  // (upper case first, as bytes) with values encoded.
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:9000/examplebucket/prod/segments/v%201/part%2B1.bin?"
                               "X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
      << *url;
  EXPECT_NE(url->find("&X-Amz-SignedHeaders=host&partNumber=2&uploadId=a%2Fb%3Dc&X-Amz-Signature="),
            std::string::npos)
      << *url;
}

TEST(S3PresignTest, RejectsBadInput) {
  const auto code = [](auto mutate) {
    PresignRequest r = AwsExample();
    mutate(r);
    return PresignUrl(r).status().code();
  };
  EXPECT_EQ(code([](PresignRequest& r) { r.expires_s = 0; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.expires_s = 604'801; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.endpoint = "ftp://host"; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.endpoint = "https://host/path"; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.bucket = ""; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.access_key = ""; }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code([](PresignRequest& r) { r.expires_s = 604'800; }), ErrorCode::kOk);
}

}  // namespace
}  // namespace vtp
