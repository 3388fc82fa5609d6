// DirectUploadService over a real S3BlobStore (s3rver on loopback) and a
// real SqliteStore: create -> the client PUTs the parts to the presigned
// URLs with curl -> complete -> the original, the video row and the
// "video.uploaded" event exist and the staging object is gone; and every
// refusal (wrong ETag, missing part, size or declared-sha mismatch, double
// completion, abort, unknown upload, expiry).
#include "control/direct_uploads.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adapters/local_blob_store.h"
#include "adapters/replicating_blob_store.h"
#include "adapters/s3_blob_store.h"
#include "adapters/s3_client.h"
#include "adapters/sqlite_store.h"
#include "control/upload_records.h"
#include "ports/clock.h"
#include "service/digest.h"
#include "testutil/fixtures.h"
#include "testutil/s3rver.h"

namespace vtp::control {
namespace {

using ports::UploadedPart;
using ports::UploadRecord;
using ports::UploadState;

constexpr uint64_t kPartSize = 64 * 1024;  // s3rver takes parts under AWS's 5 MiB
constexpr int64_t kExpiryMs = 3'600'000;

// Deterministic and varied, so a misplaced part changes the hash.
std::string Bytes(size_t n, char seed = 'a') {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>((i * 7 + i / 1000) % 61));
  return s;
}

class DirectUploadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testutil::FreshDir("_direct");
    std::string error;
    testutil::S3rver* server = testutil::SharedS3rver(&error);
    ASSERT_TRUE(error.empty()) << error;
    adapters::S3BlobStoreConfig config;
    config.endpoint.endpoint = server->endpoint();
    config.endpoint.bucket = testutil::S3rver::kBucket;
    config.endpoint.access_key = testutil::S3rver::kAccessKey;
    config.endpoint.secret_key = testutil::S3rver::kSecretKey;
    config.endpoint.timeout_ms = 30'000;
    config.key_prefix = std::string("d-") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/";
    config.clock = &clock_;
    endpoint_ = config.endpoint;
    key_prefix_ = config.key_prefix;
    auto blobs = adapters::S3BlobStore::Create(config);
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    auto store = adapters::SqliteStore::Open(dir_ + "/vtp.db", clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    config_.part_size = kPartSize;
    config_.max_size = 1 << 20;
    config_.expiry_ms = kExpiryMs;
    service_ = std::make_unique<DirectUploadService>(config_, *store_, *blobs_, clock_, MakeVideo(),
                                                     [this](const std::string& id) { completed_.push_back(id); });
  }

  VideoMaker MakeVideo() {
    return [](const UploadRecord& upload, const std::string&) -> StatusOr<ports::VideoRecord> {
      ports::VideoRecord video;
      video.video_id = upload.video_id;
      video.creator_id = upload.creator_id;
      video.title = upload.title;
      video.original_key = OriginalKey(upload.video_id);
      video.options_json = upload.options_json;
      return video;
    };
  }

  static std::string OriginalKey(const std::string& video_id) { return "originals/" + video_id + "/original.mp4"; }

  DirectUpload MustCreate(uint64_t length, std::optional<std::string> sha256 = std::nullopt) {
    NewUpload upload;
    upload.video_id = "vid" + std::to_string(++videos_);
    upload.creator_id = "creator1";
    upload.filename = "clip.mp4";
    upload.content_type = "video/mp4";
    upload.title = "A clip";
    upload.length = length;
    if (sha256) upload.metadata.entries["sha256"] = *sha256;
    service::TusOr<DirectUpload> created = service_->Create(upload);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? std::move(created).value() : DirectUpload{};
  }

  // PUTs `bytes` to a presigned part URL as a client would; returns the ETag.
  std::string PutPart(const std::string& url, const std::string& bytes) {
    const std::string path = dir_ + "/part-" + std::to_string(++files_);
    testutil::WriteFileAt(path, bytes);
    testutil::CommandResult r = testutil::RunCommand(
        "curl -sS -o /dev/null -w '%{http_code} %header{etag}' -X PUT -H 'Content-Type: application/octet-stream' "
        "--data-binary '@" + path + "' '" + url + "'");
    EXPECT_EQ(r.exit_status, 0) << r.output;
    EXPECT_EQ(r.output.substr(0, 4), "200 ") << r.output;
    return r.output.size() > 4 ? r.output.substr(4) : "";
  }

  // Uploads `bytes` over the planned parts; returns what to complete with.
  std::vector<UploadedPart> PutAll(const DirectUpload& up, const std::string& bytes) {
    std::vector<UploadedPart> parts;
    for (const PartUrl& p : up.parts) {
      const size_t from = static_cast<size_t>((p.part_number - 1) * up.part_size);
      parts.push_back({p.part_number, PutPart(p.url, bytes.substr(from, up.part_size))});
    }
    return parts;
  }

  UploadState StateOf(const std::string& upload_id) {
    StatusOr<UploadRecord> r = store_->GetUpload(upload_id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->state : UploadState::kUploading;
  }
  bool StagingExists(const std::string& upload_id) {
    StatusOr<bool> e = blobs_->Exists(StagingKey(upload_id));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() && *e;
  }

  // CompleteMultipartUpload sent straight to S3, as a first try that
  // assembled the parts and failed before hashing leaves it: the upload id
  // is spent and the staging object has no checksum.
  void AssembleWithoutHashing(const DirectUpload& up, const std::vector<UploadedPart>& parts) {
    std::string body = "<CompleteMultipartUpload>";
    for (const UploadedPart& p : parts) {
      body += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + p.etag + "</ETag></Part>";
    }
    body += "</CompleteMultipartUpload>";
    adapters::S3Client client(endpoint_, {});
    adapters::S3Request req;
    req.method = "POST";
    req.object_key = key_prefix_ + StagingKey(up.record.upload_id);
    req.query = adapters::S3Query({{"uploadId", DirectUploadIdOf(up.record)}});
    req.body = body;
    req.headers = {{"Content-Type", "application/xml"}};
    StatusOr<adapters::S3Reply> reply = client.Perform(req, "raw complete");
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    ASSERT_EQ(blobs_->Checksum(StagingKey(up.record.upload_id)).status().code(), ErrorCode::kCorruptInput);
  }

  std::string dir_;
  adapters::S3Endpoint endpoint_;
  std::string key_prefix_;
  ports::SystemClock system_;
  ports::FakeClock clock_{system_.NowMillis()};  // s3rver checks URL expiry with its real clock
  std::unique_ptr<adapters::S3BlobStore> blobs_;
  std::unique_ptr<adapters::SqliteStore> store_;
  DirectUploadConfig config_;
  std::unique_ptr<DirectUploadService> service_;
  std::vector<std::string> completed_;
  int videos_ = 0;
  int files_ = 0;
};

TEST(DirectUploadPlanTest, PartSizeGrowsToStayWithinTenThousandParts) {
  EXPECT_EQ(ChoosePartSize(1, 64ull << 20), 64ull << 20);
  EXPECT_EQ(ChoosePartSize(10'000ull * (64ull << 20), 64ull << 20), 64ull << 20);
  EXPECT_EQ(ChoosePartSize(10'000ull * (64ull << 20) + 1, 64ull << 20), 128ull << 20);
  EXPECT_EQ(ChoosePartSize(1ull << 40, 64ull << 20), 128ull << 20);  // 1 TiB: 8192 parts
  EXPECT_EQ(StagingKey("abc"), "uploads/abc");
}

TEST(DirectUploadPlanTest, StoresWithoutUrlsDoNotOfferDirectUploads) {
  const std::string dir = testutil::FreshDir("_local");
  auto local = adapters::LocalBlobStore::Open(dir + "/blobs");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_FALSE((*local)->SupportsMultipartUploads());
  EXPECT_EQ((*local)->CreateMultipartUpload("uploads/x").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*local)->PresignUploadPart("uploads/x", "id", 1, 60).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ((*local)->AbortMultipartUpload("uploads/x", "id").code(), ErrorCode::kInvalidArgument);
  ports::FakeClock clock(0);
  auto store = adapters::SqliteStore::Open(dir + "/vtp.db", clock);
  ASSERT_TRUE(store.ok());
  DirectUploadService service({}, **store, **local, clock, nullptr, nullptr);
  EXPECT_FALSE(service.Enabled());
}

TEST_F(DirectUploadsTest, CreateAnswersOneUrlPerPart) {
  const DirectUpload up = MustCreate(2 * kPartSize + 10);
  EXPECT_EQ(up.part_size, kPartSize);
  ASSERT_EQ(up.parts.size(), 3u);
  for (int n = 1; n <= 3; ++n) {
    const PartUrl& p = up.parts[static_cast<size_t>(n - 1)];
    EXPECT_EQ(p.part_number, n);
    EXPECT_NE(p.url.find("partNumber=" + std::to_string(n)), std::string::npos) << p.url;
    EXPECT_NE(p.url.find("uploadId="), std::string::npos) << p.url;
    EXPECT_EQ(p.expires_at, clock_.NowMillis() + kExpiryMs);  // capped by the upload's expiry
  }
  EXPECT_TRUE(IsDirectUpload(up.record));
  EXPECT_EQ(up.record.state, UploadState::kUploading);
  EXPECT_EQ(up.record.expires_at, clock_.NowMillis() + kExpiryMs);
  NewUpload big;
  big.video_id = "big";
  big.length = config_.max_size + 1;
  EXPECT_EQ(service_->Create(big).error().status, 413);
}

TEST_F(DirectUploadsTest, CompletionStoresTheOriginalAndCreatesTheVideo) {
  const std::string bytes = Bytes(2 * kPartSize + 777);
  const std::string sha = service::Sha256Hex(bytes);
  const DirectUpload up = MustCreate(bytes.size(), sha);
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  service::TusOr<UploadRecord> done = service_->Complete(up.record.upload_id, parts);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->state, UploadState::kCompleted);
  EXPECT_EQ(done->sha256, sha);
  const std::string original = OriginalKey(up.record.video_id);
  EXPECT_EQ(*blobs_->Checksum(original), sha);
  EXPECT_TRUE(blobs_->Verify(original).ok());
  EXPECT_EQ(*blobs_->Get(original), bytes);
  StatusOr<ports::VideoRecord> video = store_->GetVideo(up.record.video_id);
  ASSERT_TRUE(video.ok()) << video.status().ToString();
  EXPECT_EQ(video->original_key, original);
  EXPECT_EQ(video->file_size_bytes, static_cast<int64_t>(bytes.size()));
  EXPECT_FALSE(StagingExists(up.record.upload_id));
  EXPECT_EQ(completed_, std::vector<std::string>{up.record.video_id});
}

TEST_F(DirectUploadsTest, CompletingTwiceAnswersTheSameVideoAndRefusesOtherParts) {
  const std::string bytes = Bytes(kPartSize + 5);
  const DirectUpload up = MustCreate(bytes.size());
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  ASSERT_TRUE(service_->Complete(up.record.upload_id, parts).ok());
  service::TusOr<UploadRecord> again = service_->Complete(up.record.upload_id, parts);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->video_id, up.record.video_id);
  EXPECT_EQ(completed_.size(), 1u);  // the pipeline starts once
  std::vector<UploadedPart> other = parts;
  other[0].etag = "\"0123456789abcdef0123456789abcdef\"";
  EXPECT_EQ(service_->Complete(up.record.upload_id, other).error().status, 409);
}

// s3rver ignores the ETags of a completion (AWS answers a wrong one with
// 400 InvalidPart, which the adapter turns into kInvalidArgument and this
// service into the same 400), so the refusal tested here is the adapter's
// own check of an ETag that cannot be one.
TEST_F(DirectUploadsTest, ABadEtagIsRefusedAndTheUploadStaysUsable) {
  const std::string bytes = Bytes(kPartSize + 5);
  const DirectUpload up = MustCreate(bytes.size());
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  std::vector<UploadedPart> wrong = parts;
  wrong[1].etag = "<ETag>";
  service::TusOr<UploadRecord> refused = service_->Complete(up.record.upload_id, wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 400) << refused.error().message;
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kUploading);
  EXPECT_TRUE(service_->Complete(up.record.upload_id, parts).ok());
}

TEST_F(DirectUploadsTest, AMissingPartIsRefusedBeforeTheStorageIsAsked) {
  const std::string bytes = Bytes(2 * kPartSize + 5);
  const DirectUpload up = MustCreate(bytes.size());
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  EXPECT_EQ(service_->Complete(up.record.upload_id, {parts[0], parts[2]}).error().status, 400);
  EXPECT_EQ(service_->Complete(up.record.upload_id, {parts[1], parts[0], parts[2]}).error().status, 400);
  EXPECT_EQ(service_->Complete(up.record.upload_id, {}).error().status, 400);
  EXPECT_TRUE(service_->Complete(up.record.upload_id, parts).ok());
}

TEST_F(DirectUploadsTest, ASizeMismatchDiscardsTheUpload) {
  const std::string bytes = Bytes(kPartSize + 100);
  const DirectUpload up = MustCreate(bytes.size());
  ASSERT_EQ(up.parts.size(), 2u);
  std::vector<UploadedPart> parts = {{1, PutPart(up.parts[0].url, bytes.substr(0, kPartSize))},
                                     {2, PutPart(up.parts[1].url, "short")}};
  service::TusOr<UploadRecord> refused = service_->Complete(up.record.upload_id, parts);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 422) << refused.error().message;
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
  EXPECT_FALSE(StagingExists(up.record.upload_id));
  EXPECT_FALSE(*blobs_->Exists(OriginalKey(up.record.video_id)));
  EXPECT_EQ(service_->Complete(up.record.upload_id, parts).error().status, 404);
  EXPECT_TRUE(completed_.empty());
}

TEST_F(DirectUploadsTest, ADeclaredShaMismatchDiscardsTheUpload) {
  const std::string bytes = Bytes(kPartSize + 100);
  const DirectUpload up = MustCreate(bytes.size(), service::Sha256Hex("something else"));
  service::TusOr<UploadRecord> refused = service_->Complete(up.record.upload_id, PutAll(up, bytes));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, service::kStatusChecksumMismatch) << refused.error().message;
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
  EXPECT_FALSE(StagingExists(up.record.upload_id));
  EXPECT_FALSE(*blobs_->Exists(OriginalKey(up.record.video_id)));
  EXPECT_FALSE(store_->GetVideo(up.record.video_id).ok());
}

// s3rver 3.7.1 has no AbortMultipartUpload (405): the record is terminated
// all the same and Abort reports that the parts were left to the lifecycle
// rule. Against AWS the same call answers true.
TEST_F(DirectUploadsTest, AbortTerminatesTheUpload) {
  const std::string bytes = Bytes(kPartSize + 5);
  const DirectUpload up = MustCreate(bytes.size());
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  service::TusOr<bool> aborted = service_->Abort(up.record.upload_id);
  ASSERT_TRUE(aborted.ok()) << aborted.error().message;
  EXPECT_FALSE(*aborted);  // s3rver: 405
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
  EXPECT_EQ(service_->Complete(up.record.upload_id, parts).error().status, 404);
  EXPECT_EQ(service_->Abort(up.record.upload_id).error().status, 404);
  EXPECT_FALSE(store_->GetVideo(up.record.video_id).ok());
}

TEST_F(DirectUploadsTest, ACompletedUploadCannotBeAborted) {
  const std::string bytes = Bytes(100);
  const DirectUpload up = MustCreate(bytes.size());
  ASSERT_TRUE(service_->Complete(up.record.upload_id, PutAll(up, bytes)).ok());
  EXPECT_EQ(service_->Abort(up.record.upload_id).error().status, 409);
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kCompleted);
}

TEST_F(DirectUploadsTest, UnknownAndTusUploadsAreRefused) {
  const std::vector<UploadedPart> parts = {{1, "\"x\""}};
  EXPECT_EQ(service_->Complete("0123456789abcdef0123456789abcdef", parts).error().status, 404);
  EXPECT_EQ(service_->Complete("../../etc", parts).error().status, 404);
  EXPECT_EQ(service_->Abort("0123456789abcdef0123456789abcdef").error().status, 404);
  UploadRecord tus;
  tus.upload_id = "fedcba9876543210fedcba9876543210";
  tus.video_id = "tusvid";
  tus.creator_id = "creator1";
  tus.length = 10;
  tus.metadata_json = R"({"filename":"a.mp4"})";
  ASSERT_TRUE(store_->CreateUpload(tus).ok());
  EXPECT_EQ(service_->Complete(tus.upload_id, parts).error().status, 409);
  EXPECT_EQ(service_->Abort(tus.upload_id).error().status, 409);
}

TEST_F(DirectUploadsTest, ExpiredUploadsAreAbortedBySweepAndRefused) {
  const DirectUpload up = MustCreate(kPartSize + 5);
  const DirectUpload kept = MustCreate(10);
  UploadRecord tus;  // an expired tus upload is UploadService's to expire
  tus.upload_id = "fedcba9876543210fedcba9876543210";
  tus.video_id = "tusvid";
  tus.length = 10;
  tus.expires_at = clock_.NowMillis() + 1000;
  ASSERT_TRUE(store_->CreateUpload(tus).ok());
  clock_.Advance(kExpiryMs - 1);
  EXPECT_EQ(*service_->ExpireUploads(), 0);
  clock_.Advance(1);
  EXPECT_EQ(service_->Complete(up.record.upload_id, {{1, "\"a\""}, {2, "\"b\""}}).error().status, 410);
  EXPECT_EQ(*service_->ExpireUploads(), 2);
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
  EXPECT_EQ(StateOf(kept.record.upload_id), UploadState::kTerminated);
  EXPECT_EQ(StateOf(tus.upload_id), UploadState::kUploading);
}

TEST_F(DirectUploadsTest, UploadsOverTheCopyLimitAreNotDirect) {
  EXPECT_FALSE(FitsDirectUpload(0));
  EXPECT_TRUE(FitsDirectUpload(1));
  EXPECT_TRUE(FitsDirectUpload(kMaxDirectUploadBytes));
  EXPECT_FALSE(FitsDirectUpload(kMaxDirectUploadBytes + 1));
  EXPECT_EQ(kMaxDirectUploadBytes, adapters::S3BlobStore::kMaxCopyObjectBytes);
  DirectUploadConfig roomy = config_;
  roomy.max_size = 64ull << 30;
  DirectUploadService service(roomy, *store_, *blobs_, clock_, MakeVideo(), nullptr);
  NewUpload huge;
  huge.video_id = "huge";
  huge.creator_id = "creator1";
  huge.length = 6ull << 30;
  service::TusOr<DirectUpload> refused = service.Create(huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 400) << refused.error().message;
  EXPECT_NE(refused.error().message.find("tus"), std::string::npos) << refused.error().message;
}

TEST_F(DirectUploadsTest, AnAssembledButUnhashedUploadIsHashedNotDiscarded) {
  const std::string bytes = Bytes(2 * kPartSize + 321);
  const std::string sha = service::Sha256Hex(bytes);
  const DirectUpload up = MustCreate(bytes.size(), sha);
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  AssembleWithoutHashing(up, parts);
  service::TusOr<UploadRecord> done = service_->Complete(up.record.upload_id, parts);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->state, UploadState::kCompleted);
  EXPECT_EQ(done->sha256, sha);
  EXPECT_EQ(*blobs_->Get(OriginalKey(up.record.video_id)), bytes);
  EXPECT_TRUE(store_->GetVideo(up.record.video_id).ok());
  EXPECT_EQ(completed_, std::vector<std::string>{up.record.video_id});
}

TEST_F(DirectUploadsTest, ALateHashStillChecksTheDeclaredSha) {
  const std::string bytes = Bytes(kPartSize + 9);
  const DirectUpload up = MustCreate(bytes.size(), service::Sha256Hex("other bytes"));
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  AssembleWithoutHashing(up, parts);
  service::TusOr<UploadRecord> refused = service_->Complete(up.record.upload_id, parts);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, service::kStatusChecksumMismatch) << refused.error().message;
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
}

TEST_F(DirectUploadsTest, AFreshReservationElsewhereAnswersBusyAStaleOneIsTakenOver) {
  const std::string bytes = Bytes(kPartSize + 5);
  const DirectUpload up = MustCreate(bytes.size());
  const std::vector<UploadedPart> parts = PutAll(up, bytes);
  // Another instance's completion, reserved through the store.
  auto other = store_->BeginIdempotent("vtp:direct-upload", up.record.upload_id, "another instance");
  ASSERT_TRUE(other.ok() && !other->has_value());
  clock_.Advance(kCompletionLeaseMs - 1);
  service::TusOr<UploadRecord> busy = service_->Complete(up.record.upload_id, parts);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().status, 409) << busy.error().message;
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kUploading);
  EXPECT_TRUE(completed_.empty());
  clock_.Advance(1);  // that attempt died
  service::TusOr<UploadRecord> done = service_->Complete(up.record.upload_id, parts);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->state, UploadState::kCompleted);
}

TEST_F(DirectUploadsTest, ExpiryLeavesAnUploadWithAFreshReservation) {
  const DirectUpload up = MustCreate(kPartSize + 5);
  clock_.Advance(kExpiryMs);
  auto other = store_->BeginIdempotent("vtp:direct-upload", up.record.upload_id, "another instance");
  ASSERT_TRUE(other.ok() && !other->has_value());
  EXPECT_EQ(*service_->ExpireUploads(), 0);
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kUploading);
  clock_.Advance(kCompletionLeaseMs);
  EXPECT_EQ(*service_->ExpireUploads(), 1);
  EXPECT_EQ(StateOf(up.record.upload_id), UploadState::kTerminated);
}

TEST_F(DirectUploadsTest, TheReplicatingStorePassesDirectUploadsToItsPrimary) {
  auto local = adapters::LocalBlobStore::Open(dir_ + "/replica");
  ASSERT_TRUE(local.ok());
  adapters::ReplicatingBlobStore replicating(*blobs_, **local, dir_);
  EXPECT_TRUE(replicating.SupportsMultipartUploads());
  DirectUploadService service(config_, *store_, replicating, clock_, MakeVideo(), nullptr);
  NewUpload nu;
  nu.video_id = "repl1";
  nu.creator_id = "creator1";
  nu.filename = "clip.mp4";
  const std::string bytes = Bytes(1000);
  nu.length = bytes.size();
  service::TusOr<DirectUpload> up = service.Create(nu);
  ASSERT_TRUE(up.ok()) << up.error().message;
  service::TusOr<UploadRecord> done = service.Complete(up->record.upload_id, PutAll(*up, bytes));
  ASSERT_TRUE(done.ok()) << done.error().message;
  // The original reached both stores through Copy's replication.
  EXPECT_EQ(*(*local)->Checksum(OriginalKey("repl1")), service::Sha256Hex(bytes));
}

}  // namespace
}  // namespace vtp::control
