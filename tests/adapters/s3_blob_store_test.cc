// S3BlobStore beyond the port contract (tests/ports/blob_store_contract_test.cc):
// multipart uploads, ListObjectsV2 paging, the checksum metadata, error
// classes and retries, and interoperability with the AWS CLI. Runs against a
// real s3rver started per test (testutil/s3rver.h); fails, never skips, when
// node or s3rver is missing.
#include "adapters/s3_blob_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/blob_checksum.h"
#include "adapters/s3_client.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"
#include "testutil/media_check.h"
#include "testutil/s3rver.h"

namespace vtp {
namespace {

using adapters::S3BlobStore;
using adapters::S3BlobStoreConfig;

class S3BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir("_s3");
    const std::string error = server_.Start(dir_ + "/server");
    ASSERT_TRUE(error.empty()) << error;
  }

  S3BlobStoreConfig Config() const {
    S3BlobStoreConfig config;
    config.endpoint.endpoint = server_.endpoint();
    config.endpoint.bucket = testutil::S3rver::kBucket;
    config.endpoint.access_key = testutil::S3rver::kAccessKey;
    config.endpoint.secret_key = testutil::S3rver::kSecretKey;
    config.endpoint.timeout_ms = 30'000;
    config.retry.wait = [waits = waits_](ports::Millis ms) { waits->push_back(ms); };
    return config;
  }

  std::unique_ptr<S3BlobStore> Make(const S3BlobStoreConfig& config) {
    auto store = S3BlobStore::Create(config);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A file of `size` bytes that differ from part to part.
  std::string MakeFile(const std::string& name, size_t size) {
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
    const std::string path = dir_ + "/" + name;
    testutil::WriteFileAt(path, bytes);
    return path;
  }

  std::string dir_;
  testutil::S3rver server_;
  std::shared_ptr<std::vector<ports::Millis>> waits_ = std::make_shared<std::vector<ports::Millis>>();
};

TEST_F(S3BlobStoreTest, MultipartUploadAboveTheThreshold) {
  S3BlobStoreConfig config = Config();
  config.multipart_threshold = 64 * 1024;
  config.part_size = 32 * 1024;
  auto store = Make(config);
  ASSERT_NE(store, nullptr);
  const std::string src = MakeFile("big.bin", 200 * 1024 + 17);  // 7 parts, the last one short
  const std::string bytes = testutil::ReadFile(src);
  auto put = store->PutFile("originals/v1/original.mp4", src);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, *adapters::Sha256Hex(bytes));
  EXPECT_EQ(*store->Get("originals/v1/original.mp4"), bytes);
  EXPECT_EQ(*store->Size("originals/v1/original.mp4"), bytes.size());
  EXPECT_EQ(*store->Checksum("originals/v1/original.mp4"), *put);
  EXPECT_TRUE(store->Verify("originals/v1/original.mp4").ok());
  // Write-once holds for multipart uploads too.
  EXPECT_EQ(*store->PutFile("originals/v1/original.mp4", src), *put);
  const std::string other = MakeFile("other.bin", 100 * 1024);
  testutil::WriteFileAt(other, bytes.substr(1) + "x");
  EXPECT_EQ(store->PutFile("originals/v1/original.mp4", other).status().code(), ErrorCode::kAlreadyExists);
  // Every part went through: no upload was left behind unfinished.
  EXPECT_TRUE(waits_->empty());
}

TEST_F(S3BlobStoreTest, ListPagesThroughContinuationTokens) {
  S3BlobStoreConfig config = Config();
  config.list_page_size = 2;
  auto store = Make(config);
  ASSERT_NE(store, nullptr);
  std::vector<std::string> keys;
  for (int i = 0; i < 7; ++i) keys.push_back("segments/v1/chunk_00" + std::to_string(i) + ".vpk");
  for (const auto& k : keys) ASSERT_TRUE(store->Put(k, k).ok()) << k;
  ASSERT_TRUE(store->Put("segments/v2/chunk_000.vpk", "x").ok());
  auto listed = store->List("segments/v1/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, keys);
  EXPECT_EQ(store->List("")->size(), 8u);
}

TEST_F(S3BlobStoreTest, ChecksumIsObjectMetadata) {
  auto store = Make(Config());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("transcoded/v1/manifest.mpd", "abc").ok());
  // The recorded value comes back from a HEAD, as S3 metadata.
  testutil::CommandResult head = testutil::RunCommand(
      "curl -sS -I --aws-sigv4 aws:amz:us-east-1:s3 --user S3RVER:S3RVER -H 'x-amz-content-sha256: "
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' " +
      server_.endpoint() + "/vtp/transcoded/v1/manifest.mpd");
  EXPECT_NE(head.output.find("x-amz-meta-sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            std::string::npos)
      << head.output;
  // An object written by someone else carries no checksum: nothing vouches for it.
  testutil::CommandResult foreign = testutil::RunCommand(
      "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary abc --aws-sigv4 aws:amz:us-east-1:s3 "
      "--user S3RVER:S3RVER -H 'x-amz-content-sha256: "
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' " +
      server_.endpoint() + "/vtp/segments/foreign");
  ASSERT_EQ(foreign.output, "200");
  EXPECT_EQ(*store->Get("segments/foreign"), "abc");
  EXPECT_EQ(store->Checksum("segments/foreign").status().code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(store->Verify("segments/foreign").code(), ErrorCode::kCorruptInput);
}

TEST_F(S3BlobStoreTest, KeyPrefixIsolatesStores) {
  S3BlobStoreConfig a = Config(), b = Config();
  a.key_prefix = "tenant-a/";
  b.key_prefix = "tenant-b/";
  auto sa = Make(a), sb = Make(b);
  ASSERT_NE(sa, nullptr);
  ASSERT_NE(sb, nullptr);
  ASSERT_TRUE(sa->Put("segments/v1/x", "a").ok());
  EXPECT_FALSE(*sb->Exists("segments/v1/x"));
  EXPECT_EQ(*sa->List(""), std::vector<std::string>{"segments/v1/x"});
  EXPECT_TRUE(sb->List("")->empty());
  a.key_prefix = "no-slash";
  EXPECT_EQ(S3BlobStore::Create(a).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(S3BlobStoreTest, WrongCredentialsAreAClearIoError) {
  S3BlobStoreConfig config = Config();
  config.endpoint.access_key = "NOT-A-KEY";
  config.endpoint.secret_key = "very-secret-value";
  auto store = Make(config);
  ASSERT_NE(store, nullptr);
  Status st = store->Put("segments/v1/x", "abc").status();
  EXPECT_EQ(st.code(), ErrorCode::kIo);
  EXPECT_NE(st.message().find("access key"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("403"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find("NOT-A-KEY"), std::string::npos) << st.ToString();
  EXPECT_EQ(st.message().find("very-secret-value"), std::string::npos) << st.ToString();
  EXPECT_EQ(store->CheckBucket().code(), ErrorCode::kIo);
  EXPECT_TRUE(waits_->empty()) << "a refused credential is not retried";
}

TEST_F(S3BlobStoreTest, ServerDownIsIoAfterBackedOffRetries) {
  S3BlobStoreConfig config = Config();
  config.retry.max_attempts = 4;
  config.retry.first_delay_ms = 100;
  config.retry.max_delay_ms = 300;
  auto store = Make(config);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CheckBucket().ok());
  server_.Stop();
  Status st = store->Put("segments/v1/x", "abc").status();
  EXPECT_EQ(st.code(), ErrorCode::kIo);
  EXPECT_NE(st.message().find("no reply"), std::string::npos) << st.ToString();
  EXPECT_EQ(*waits_, (std::vector<ports::Millis>{100, 200, 300}));
  EXPECT_EQ(store->Get("segments/v1/x").status().code(), ErrorCode::kIo);
}

TEST(S3ClientTest, BackoffDoublesUpToTheCap) {
  adapters::RetryPolicy p;
  p.first_delay_ms = 50;
  p.max_delay_ms = 1000;
  std::vector<ports::Millis> got;
  for (int retry = 1; retry <= 7; ++retry) got.push_back(adapters::BackoffDelay(p, retry));
  EXPECT_EQ(got, (std::vector<ports::Millis>{50, 100, 200, 400, 800, 1000, 1000}));
}

TEST(S3ClientTest, QueryIsSortedAndEncoded) {
  EXPECT_EQ(adapters::S3Query({{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y=="}}),
            "continuation-token=x%2By%3D%3D&list-type=2&prefix=a%2Fb%20c");
  EXPECT_EQ(adapters::S3Query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(adapters::XmlValues("<a><Key>x&amp;y</Key><Key>z</Key></a>", "Key"),
            (std::vector<std::string>{"x&y", "z"}));
}

// The AWS CLI (Debian awscli, scripts/install-deps.sh) lists and reads what
// vtp wrote, against the same endpoint.
TEST_F(S3BlobStoreTest, AwsCliReadsWhatVtpWrote) {
  ASSERT_EQ(testutil::RunCommand("aws --version >/dev/null 2>&1").exit_status, 0)
      << "the AWS CLI is missing: run scripts/install-deps.sh (Debian package awscli)";
  auto store = Make(Config());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("transcoded/v1/h264/720p/segment_000.m4s", "segment bytes").ok());
  const std::string env = "AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
                          "AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null ";
  const std::string aws = env + "aws --endpoint-url " + server_.endpoint() + " s3 ";
  testutil::CommandResult ls = testutil::RunCommand(aws + "ls --recursive s3://vtp/ 2>&1");
  EXPECT_EQ(ls.exit_status, 0) << ls.output;
  EXPECT_NE(ls.output.find("transcoded/v1/h264/720p/segment_000.m4s"), std::string::npos) << ls.output;
  testutil::CommandResult cp = testutil::RunCommand(aws + "cp s3://vtp/transcoded/v1/h264/720p/segment_000.m4s -");
  EXPECT_EQ(cp.exit_status, 0) << cp.output;
  EXPECT_EQ(cp.output, "segment bytes");
}

// Presigned URLs are used with the plain curl CLI, which holds no
// credentials. s3rver checks the expiry and the access key of a presigned
// URL but not its signature (tests/adapters/s3_presign_test.cc checks that
// against AWS's published example).
class S3PresignedTest : public S3BlobStoreTest {
 protected:
  void SetUp() override {
    S3BlobStoreTest::SetUp();
    if (HasFatalFailure()) return;
    S3BlobStoreConfig config = Config();
    config.key_prefix = "p/";
    config.clock = &clock_;
    store_ = Make(config);
    ASSERT_NE(store_, nullptr);
  }

  // "<http status> <etag>" of a curl request to `url`.
  std::string Curl(const std::string& method, const std::string& url, const std::string& body_file = "",
                   const std::string& out_file = "/dev/null") {
    std::string cmd = "curl -sS -o '" + out_file + "' -w '%{http_code} %header{etag}' -X " + method;
    if (!body_file.empty()) cmd += " -H 'Content-Type: application/octet-stream' --data-binary '@" + body_file + "'";
    testutil::CommandResult r = testutil::RunCommand(cmd + " '" + url + "'");
    EXPECT_EQ(r.exit_status, 0) << r.output;
    return r.output;
  }

  ports::SystemClock system_;
  ports::FakeClock clock_{system_.NowMillis()};  // s3rver compares expiry with its real clock
  std::unique_ptr<S3BlobStore> store_;
};

TEST_F(S3PresignedTest, PresignedGetAndPutWorkWithoutCredentials) {
  ASSERT_TRUE(store_->Put("transcoded/v1/a.m4s", "presigned bytes").ok());
  auto get = store_->PresignGet("transcoded/v1/a.m4s", 300);
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_TRUE(get->starts_with(server_.endpoint() + "/vtp/p/transcoded/v1/a.m4s?")) << *get;
  const std::string got = dir_ + "/got.bin";
  EXPECT_EQ(Curl("GET", *get, "", got).substr(0, 3), "200");
  EXPECT_EQ(testutil::ReadFile(got), "presigned bytes");

  const std::string body = MakeFile("put.bin", 1000);
  auto put = store_->PresignPut("uploads/u1/data", 300);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(Curl("PUT", *put, body).substr(0, 3), "200");
  EXPECT_EQ(*store_->Get("uploads/u1/data"), testutil::ReadFile(body));
  // Bytes that came through a URL carry no recorded checksum.
  EXPECT_EQ(store_->Checksum("uploads/u1/data").status().code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(store_->Copy("uploads/u1/data", "originals/v1/original.mp4").status().code(),
            ErrorCode::kCorruptInput);
  EXPECT_FALSE(*store_->Exists("originals/v1/original.mp4"));
}

TEST_F(S3PresignedTest, ExpiredUrlIsRefused) {
  ASSERT_TRUE(store_->Put("transcoded/v1/a.m4s", "x").ok());
  clock_.Advance(-2 * 3600 * 1000);  // signed two hours ago for one hour
  auto url = store_->PresignGet("transcoded/v1/a.m4s", 3600);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(Curl("GET", *url).substr(0, 3), "403");
}

TEST_F(S3PresignedTest, DirectMultipartUploadRecordsTheChecksum) {
  const std::string part1 = MakeFile("part1.bin", 96 * 1024);
  const std::string part2 = MakeFile("part2.bin", 10 * 1024 + 7);
  const std::string bytes = testutil::ReadFile(part1) + testutil::ReadFile(part2);
  auto id = store_->CreateMultipartUpload("uploads/u2/data");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  std::vector<adapters::UploadedPart> parts;
  for (int n : {1, 2}) {
    auto url = store_->PresignUploadPart("uploads/u2/data", *id, n, 600);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    EXPECT_NE(url->find("partNumber=" + std::to_string(n)), std::string::npos) << *url;
    const std::string reply = Curl("PUT", *url, n == 1 ? part1 : part2);
    ASSERT_EQ(reply.substr(0, 4), "200 ") << reply;
    parts.push_back({n, reply.substr(4)});
  }
  auto sha = store_->CompleteMultipartUpload("uploads/u2/data", *id, parts);
  ASSERT_TRUE(sha.ok()) << sha.status().ToString();
  EXPECT_EQ(*sha, *adapters::Sha256Hex(bytes));
  EXPECT_EQ(*store_->Get("uploads/u2/data"), bytes);
  EXPECT_EQ(*store_->Checksum("uploads/u2/data"), *sha);
  EXPECT_TRUE(store_->Verify("uploads/u2/data").ok());
  // The staged upload becomes the original with a server-side copy.
  EXPECT_EQ(*store_->Copy("uploads/u2/data", "originals/v2/original.mp4"), *sha);
  EXPECT_TRUE(store_->Verify("originals/v2/original.mp4").ok());
  EXPECT_TRUE(store_->Delete("uploads/u2/data").ok());
}

// A completion whose upload id is spent (s3rver: 500, AWS: NoSuchUpload)
// finds what an earlier try assembled: an object without a checksum (that
// try failed before hashing) is hashed and recorded now, never refused.
TEST_F(S3PresignedTest, ASpentCompletionHashesWhatAnEarlierTryAssembled) {
  const std::string body = MakeFile("assembled.bin", 3000);
  const std::string bytes = testutil::ReadFile(body);
  auto put = store_->PresignPut("uploads/u4/data", 300);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  ASSERT_EQ(Curl("PUT", *put, body).substr(0, 3), "200");
  ASSERT_EQ(store_->Checksum("uploads/u4/data").status().code(), ErrorCode::kCorruptInput);
  const std::vector<adapters::UploadedPart> parts = {{1, "\"0123456789abcdef0123456789abcdef\""}};
  auto sha = store_->CompleteMultipartUpload("uploads/u4/data", "spent-upload-id", parts);
  ASSERT_TRUE(sha.ok()) << sha.status().ToString();
  EXPECT_EQ(*sha, *adapters::Sha256Hex(bytes));
  EXPECT_EQ(*store_->Checksum("uploads/u4/data"), *sha);
  EXPECT_TRUE(store_->Verify("uploads/u4/data").ok());
  EXPECT_EQ(*store_->CompleteMultipartUpload("uploads/u4/data", "spent-upload-id", parts), *sha);  // hashed once
  // With nothing assembled the failure stands.
  EXPECT_FALSE(store_->CompleteMultipartUpload("uploads/u5/data", "spent-upload-id", parts).ok());
  EXPECT_FALSE(*store_->Exists("uploads/u5/data"));
}

// s3rver 3.7.1 has no AbortMultipartUpload (a DELETE with ?uploadId answers
// 405), so only the argument checks are tested here; the request itself
// (DELETE <key>?uploadId=<id>) is what PutFile's failure path has always sent.
TEST_F(S3PresignedTest, AbortChecksItsArguments) {
  EXPECT_EQ(store_->AbortMultipartUpload("uploads/u3/data", "").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->AbortMultipartUpload("originals/v/o", "id").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->AbortMultipartUpload("a//b", "id").code(), ErrorCode::kInvalidArgument);
}

TEST_F(S3PresignedTest, DirectUploadsRefuseOriginalsAndBadParts) {
  EXPECT_EQ(store_->CreateMultipartUpload("originals/v1/original.mp4").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PresignUploadPart("originals/v1/original.mp4", "id", 1, 60).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PresignUploadPart("uploads/u/data", "id", 0, 60).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PresignUploadPart("uploads/u/data", "id", 10'001, 60).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PresignUploadPart("uploads/u/data", "", 1, 60).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->PresignUploadPart("../x", "id", 1, 60).status().code(), ErrorCode::kInvalidArgument);
  using P = std::vector<adapters::UploadedPart>;
  EXPECT_EQ(store_->CompleteMultipartUpload("uploads/u/data", "id", P{}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->CompleteMultipartUpload("uploads/u/data", "id", P{{2, "\"a\""}, {1, "\"b\""}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->CompleteMultipartUpload("uploads/u/data", "id", P{{1, "<x>"}}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(S3BlobStoreTest, RangedReadSendsARangeHeader) {
  auto store = Make(Config());
  ASSERT_NE(store, nullptr);
  const std::string src = MakeFile("r.bin", 300 * 1024);
  ASSERT_TRUE(store->PutFile("segments/v1/r", src).ok());
  const std::string bytes = testutil::ReadFile(src);
  EXPECT_EQ(*store->GetRange("segments/v1/r", 100'000, 5'000), bytes.substr(100'000, 5'000));
  EXPECT_EQ(*store->GetRange("segments/v1/r", bytes.size() - 10, 1'000), bytes.substr(bytes.size() - 10));
}

TEST_F(S3BlobStoreTest, CopyOfAForeignObjectIsRefused) {
  auto store = Make(Config());
  ASSERT_NE(store, nullptr);
  testutil::CommandResult put = testutil::RunCommand(
      "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary abc --aws-sigv4 aws:amz:us-east-1:s3 "
      "--user S3RVER:S3RVER -H 'x-amz-content-sha256: "
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' " +
      server_.endpoint() + "/vtp/segments/foreign");
  ASSERT_EQ(put.output, "200");
  EXPECT_EQ(store->Copy("segments/foreign", "segments/copy").status().code(), ErrorCode::kCorruptInput);
  EXPECT_FALSE(*store->Exists("segments/copy"));
}

TEST(S3ClientTest, ParsesListTimes) {
  EXPECT_EQ(*adapters::ParseIso8601Millis("2013-05-24T00:00:00.000Z"), 1'369'353'600'000);
  EXPECT_EQ(*adapters::ParseIso8601Millis("2013-05-24T00:00:01.250Z"), 1'369'353'601'250);
  EXPECT_EQ(*adapters::ParseIso8601Millis("2013-05-24T00:00:00Z"), 1'369'353'600'000);
  EXPECT_EQ(adapters::ParseIso8601Millis("yesterday").status().code(), ErrorCode::kIo);
  EXPECT_EQ(adapters::ParseIso8601Millis("2013-05-24T00:00:00+02:00").status().code(), ErrorCode::kIo);
  EXPECT_EQ(adapters::XmlElements("<C><Key>a&amp;</Key></C><C><Key>b</Key></C>", "C"),
            (std::vector<std::string>{"<Key>a&amp;</Key>", "<Key>b</Key>"}));
}

}  // namespace
}  // namespace vtp
