// UploadService over InMemoryStore, a LocalBlobStore in a fresh directory and
// a FakeClock: the tus flows (create, PATCH, HEAD, DELETE, expiry), the
// durability rules (checksummed all-or-nothing PATCHes, periodic commits of
// long ones, kept bytes when a client goes away) and completion into an
// original, a video row and the "video.uploaded" event.
#include "control/uploads.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/local_blob_store.h"
#include "adapters/memory_store.h"
#include "ports/clock.h"
#include "ports/service_store.h"
#include "service/digest.h"
#include "service/encoding.h"
#include "testutil/fixtures.h"

namespace vtp::control {
namespace {

namespace fs = std::filesystem;
using ports::UploadRecord;
using ports::UploadState;
using service::HeaderList;
using service::TusRequestHeaders;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t kExpiryMs = 3'600'000;
constexpr uint64_t kCommitEvery = 1024;

std::string Header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "<absent>";
}

// Deterministic, not all the same byte, so a misplaced chunk changes the hash.
std::string Bytes(size_t n, char seed = 'a') {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i % 23));
  return s;
}

std::string ChecksumHeader(service::DigestAlgorithm algorithm, std::string_view bytes) {
  StatusOr<std::string> raw = service::ComputeDigest(algorithm, bytes);
  return std::string(service::DigestAlgorithmName(algorithm)) + " " + service::Base64Encode(*raw);
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class UploadsTest : public ::testing::Test {
 protected:
  UploadsTest() : store_(clock_) {}

  void SetUp() override {
    root_ = testutil::FreshDir();
    StatusOr<std::unique_ptr<adapters::LocalBlobStore>> blobs = adapters::LocalBlobStore::Open(root_ + "/blobs");
    ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
    blobs_ = std::move(blobs).value();
    config_.dir = root_ + "/parts";
    config_.max_size = 1 << 20;
    config_.expiry_ms = kExpiryMs;
    config_.commit_every_bytes = kCommitEvery;
    service_ = MakeService();
  }

  std::unique_ptr<UploadService> MakeService() {
    auto make_video = [this](const UploadRecord& upload, const std::string& sha) -> StatusOr<ports::VideoRecord> {
      made_for_.push_back(sha);
      if (!video_error_.ok()) return video_error_;
      ports::VideoRecord video;
      video.video_id = upload.video_id;
      video.creator_id = upload.creator_id;
      video.title = upload.title;
      video.original_key = OriginalKey(upload.video_id);
      video.options_json = upload.options_json;
      return video;
    };
    auto completed = [this](const std::string& video_id) { completed_.push_back(video_id); };
    return std::make_unique<UploadService>(config_, store_, *blobs_, clock_, make_video, completed);
  }

  static std::string OriginalKey(const std::string& video_id) { return "originals/" + video_id + "/original.mp4"; }

  static TusRequestHeaders Tus() {
    TusRequestHeaders h;
    h.tus_resumable = "1.0.0";
    return h;
  }
  static TusRequestHeaders PatchAt(uint64_t offset, std::optional<std::string> checksum = std::nullopt) {
    TusRequestHeaders h = Tus();
    h.content_type = std::string(service::kTusOffsetContentType);
    h.upload_offset = std::to_string(offset);
    h.upload_checksum = std::move(checksum);
    return h;
  }

  UploadRecord MustCreate(uint64_t length, service::UploadMetadata metadata = {}) {
    NewUpload upload;
    upload.video_id = "vid" + std::to_string(++videos_);
    upload.creator_id = "creator1";
    upload.filename = "clip.mp4";
    upload.content_type = "video/mp4";
    upload.title = "A clip";
    upload.length = length;
    upload.metadata = std::move(metadata);
    StatusOr<UploadRecord> created = service_->Create(upload);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? *created : UploadRecord{};
  }

  // One whole PATCH of `bytes` at `offset`, written in pieces of `piece`.
  service::TusOr<HeaderList> Patch(const std::string& id, uint64_t offset, std::string_view bytes,
                                   std::optional<std::string> checksum = std::nullopt, size_t piece = 100) {
    auto writer = service_->BeginPatch(id, PatchAt(offset, std::move(checksum)), bytes.size());
    if (!writer.ok()) return writer.error();
    std::unique_ptr<PatchWriter> w = std::move(writer).value();
    for (size_t at = 0; at < bytes.size(); at += piece) {
      Status s = w->Write(bytes.substr(at, piece));
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
    return w->Finish(true);
  }

  UploadRecord Stored(const std::string& id) {
    StatusOr<UploadRecord> upload = store_.GetUpload(id);
    EXPECT_TRUE(upload.ok()) << upload.status().ToString();
    return upload.ok() ? *upload : UploadRecord{};
  }

  std::string PartPath(const std::string& id) const { return config_.dir + "/" + id + ".part"; }

  std::vector<std::string> EventTypes(const std::string& video_id) {
    std::vector<std::string> types;
    StatusOr<std::vector<ports::Event>> events = store_.ReadEvents(0, 1000);
    EXPECT_TRUE(events.ok());
    for (const ports::Event& e : *events) {
      if (e.video_id == video_id) types.push_back(e.type);
    }
    return types;
  }

  ports::FakeClock clock_;
  adapters::InMemoryStore store_;
  std::unique_ptr<adapters::LocalBlobStore> blobs_;
  std::string root_;
  UploadConfig config_;
  std::unique_ptr<UploadService> service_;
  std::vector<std::string> made_for_;   // sha256 per VideoMaker call
  std::vector<std::string> completed_;  // Completed callbacks
  Status video_error_;                  // what VideoMaker fails with, when set
  int videos_ = 0;
};

// ---- Creation -------------------------------------------------------------

TEST_F(UploadsTest, CreateStoresTheRecordAndAnEmptyPartFile) {
  UploadRecord upload = MustCreate(500);
  EXPECT_EQ(upload.upload_id.size(), 32u);
  EXPECT_EQ(upload.upload_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(upload.state, UploadState::kUploading);
  EXPECT_EQ(upload.length, 500u);
  EXPECT_EQ(upload.offset, 0u);
  EXPECT_EQ(upload.video_id, "vid1");
  EXPECT_EQ(upload.expires_at, clock_.NowMillis() + kExpiryMs);
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id)), "");

  auto head = service_->Head(upload.upload_id, Tus());
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(Header(*head, "Upload-Offset"), "0");
  EXPECT_EQ(Header(*head, "Upload-Length"), "500");
  EXPECT_EQ(Header(*head, "Cache-Control"), "no-store");
  EXPECT_NE(Header(*head, "Upload-Expires"), "<absent>");
  EXPECT_EQ(Header(service_->CreatedHeaders(upload), "Upload-Offset"), "0");
}

TEST_F(UploadsTest, TusCreationTakesLengthAndMetadataFromHeaders) {
  TusRequestHeaders h = Tus();
  h.upload_length = "300";
  h.upload_metadata = "filename " + service::Base64Encode("holiday.mov") + ",filetype " +
                      service::Base64Encode("video/quicktime");
  NewUpload base;
  base.video_id = "vtus";
  base.creator_id = "creator1";
  auto created = service_->CreateFromTus(h, base);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->length, 300u);
  EXPECT_EQ(created->filename, "holiday.mov");
  EXPECT_EQ(created->content_type, "video/quicktime");
  EXPECT_EQ(created->title, "holiday.mov");
  EXPECT_EQ(nlohmann::json::parse(created->metadata_json)["filetype"], "video/quicktime");

  auto head = service_->Head(created->upload_id, Tus());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(Header(*head, "Upload-Metadata"), *h.upload_metadata);
}

TEST_F(UploadsTest, TusCreationRefusals) {
  NewUpload base;
  base.video_id = "vx";
  TusRequestHeaders no_version;
  no_version.upload_length = "10";
  EXPECT_EQ(service_->CreateFromTus(no_version, base).error().status, 412);

  TusRequestHeaders huge = Tus();
  huge.upload_length = std::to_string(config_.max_size + 1);
  EXPECT_EQ(service_->CreateFromTus(huge, base).error().status, 413);

  TusRequestHeaders bad_sha = Tus();
  bad_sha.upload_length = "10";
  bad_sha.upload_metadata = "sha256 " + service::Base64Encode("abc");
  EXPECT_EQ(service_->CreateFromTus(bad_sha, base).error().status, 400);

  // Nothing was left behind by the refusals.
  EXPECT_FALSE(fs::exists(config_.dir) && !fs::is_empty(config_.dir));
}

TEST_F(UploadsTest, JsonCreationRefusals) {
  NewUpload huge;
  huge.video_id = "vbig";
  huge.length = config_.max_size + 1;
  EXPECT_EQ(service_->Create(huge).status().code(), ErrorCode::kLimitExceeded);

  NewUpload bad_sha;
  bad_sha.video_id = "vsha";
  bad_sha.length = 10;
  bad_sha.metadata.entries["sha256"] = std::string(63, 'a');
  EXPECT_EQ(service_->Create(bad_sha).status().code(), ErrorCode::kInvalidArgument);

  MustCreate(10);  // vid1
  NewUpload again;
  again.video_id = "vid1";
  again.length = 10;
  EXPECT_EQ(service_->Create(again).status().code(), ErrorCode::kAlreadyExists);
}

TEST_F(UploadsTest, OptionsAdvertiseTheLimits) {
  HeaderList options = service_->Options();
  EXPECT_EQ(Header(options, "Tus-Max-Size"), std::to_string(config_.max_size));
  EXPECT_EQ(Header(options, "Tus-Extension"), "creation,expiration,termination,checksum");
}

// ---- PATCH and completion -------------------------------------------------

TEST_F(UploadsTest, ChunkedPatchesCompleteIntoAnOriginalAVideoAndAnEvent) {
  const std::string content = Bytes(2500);
  UploadRecord upload = MustCreate(content.size());
  const std::string& id = upload.upload_id;

  auto first = Patch(id, 0, std::string_view(content).substr(0, 1000));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(Header(*first, "Upload-Offset"), "1000");
  EXPECT_NE(Header(*first, "Upload-Expires"), "<absent>");
  EXPECT_EQ(Stored(id).offset, 1000u);

  ASSERT_TRUE(Patch(id, 1000, std::string_view(content).substr(1000, 1000)).ok());
  EXPECT_THAT(completed_, IsEmpty());
  auto last = Patch(id, 2000, std::string_view(content).substr(2000));
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_EQ(Header(*last, "Upload-Offset"), "2500");
  EXPECT_EQ(Header(*last, "Upload-Expires"), "<absent>");

  const std::string sha = service::Sha256Hex(content);
  UploadRecord done = Stored(id);
  EXPECT_EQ(done.state, UploadState::kCompleted);
  EXPECT_EQ(done.sha256, sha);
  EXPECT_THAT(made_for_, ElementsAre(sha));
  EXPECT_THAT(completed_, ElementsAre("vid1"));
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), content);
  EXPECT_EQ(blobs_->Checksum(OriginalKey("vid1")).value(), sha);
  StatusOr<ports::VideoRecord> video = store_.GetVideo("vid1");
  ASSERT_TRUE(video.ok());
  EXPECT_EQ(video->file_size_bytes, 2500);
  EXPECT_EQ(video->original_key, OriginalKey("vid1"));
  EXPECT_THAT(EventTypes("vid1"), ::testing::Contains(std::string(ports::kEventVideoUploaded)));
  EXPECT_FALSE(fs::exists(PartPath(id)));

  auto head = service_->Head(id, Tus());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(Header(*head, "Upload-Offset"), "2500");
  EXPECT_EQ(Header(*head, "Upload-Length"), "2500");
}

TEST_F(UploadsTest, CompletedUploadRefusesMoreBytesAndTermination) {
  const std::string content = Bytes(100);
  UploadRecord upload = MustCreate(content.size());
  ASSERT_TRUE(Patch(upload.upload_id, 0, content).ok());
  EXPECT_EQ(Patch(upload.upload_id, 0, content).error().status, 409);
  EXPECT_EQ(Patch(upload.upload_id, 100, "x").error().status, 413);
  EXPECT_EQ(service_->Terminate(upload.upload_id, Tus()).error().status, 409);
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), content);
  EXPECT_THAT(completed_, ElementsAre("vid1"));
}

TEST_F(UploadsTest, OffsetMismatchIs409AndChangesNothing) {
  UploadRecord upload = MustCreate(1000);
  ASSERT_TRUE(Patch(upload.upload_id, 0, Bytes(300)).ok());
  auto stale = service_->BeginPatch(upload.upload_id, PatchAt(0), 10);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status, 409);
  auto ahead = service_->BeginPatch(upload.upload_id, PatchAt(400), 10);
  EXPECT_EQ(ahead.error().status, 409);
  EXPECT_EQ(Stored(upload.upload_id).offset, 300u);
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id))->size(), 300u);
}

TEST_F(UploadsTest, PatchRefusalsBeforeTheBody) {
  UploadRecord upload = MustCreate(1000);
  TusRequestHeaders wrong_type = PatchAt(0);
  wrong_type.content_type = "application/json";
  EXPECT_EQ(service_->BeginPatch(upload.upload_id, wrong_type, 10).error().status, 415);
  EXPECT_EQ(service_->BeginPatch(upload.upload_id, PatchAt(0), 1001).error().status, 413);
  TusRequestHeaders no_version = PatchAt(0);
  no_version.tus_resumable.reset();
  EXPECT_EQ(service_->BeginPatch(upload.upload_id, no_version, 10).error().status, 412);
  EXPECT_EQ(service_->BeginPatch(std::string(32, 'f'), PatchAt(0), 10).error().status, 404);
  EXPECT_EQ(service_->BeginPatch("../../etc/passwd", PatchAt(0), 10).error().status, 404);
  EXPECT_EQ(service_->Head("nope", Tus()).error().status, 404);
}

TEST_F(UploadsTest, SecondWriterIsBusyUntilTheFirstFinishes) {
  UploadRecord upload = MustCreate(1000);
  const std::string& id = upload.upload_id;
  auto first = service_->BeginPatch(id, PatchAt(0), 200);
  ASSERT_TRUE(first.ok());
  std::unique_ptr<PatchWriter> writer = std::move(first).value();
  ASSERT_TRUE(writer->Write(Bytes(200)).ok());

  auto second = service_->BeginPatch(id, PatchAt(0), 200);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().status, 423);
  EXPECT_EQ(second.error().message, "upload is busy");
  EXPECT_EQ(service_->Terminate(id, Tus()).error().status, 423);
  // HEAD is not refused while a writer is live.
  EXPECT_TRUE(service_->Head(id, Tus()).ok());

  ASSERT_TRUE(writer->Finish(true).ok());
  auto third = service_->BeginPatch(id, PatchAt(200), 0);
  EXPECT_TRUE(third.ok());
}

TEST_F(UploadsTest, RacingWritersGetExactlyOneClaim) {
  UploadRecord upload = MustCreate(1000);
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<PatchWriter>> writers(kThreads);
  std::vector<int> statuses(kThreads, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto begun = service_->BeginPatch(upload.upload_id, PatchAt(0), 10);
      if (begun.ok()) {
        writers[i] = std::move(begun).value();
      } else {
        statuses[i] = begun.error().status;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 0), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 423), kThreads - 1);
}

TEST_F(UploadsTest, DestroyingAWriterReleasesTheUploadAndKeepsItsBytes) {
  UploadRecord upload = MustCreate(1000);
  {
    auto begun = service_->BeginPatch(upload.upload_id, PatchAt(0), 1000);
    ASSERT_TRUE(begun.ok());
    ASSERT_TRUE((*begun)->Write(Bytes(250)).ok());
  }  // no Finish: the client went away
  EXPECT_EQ(Stored(upload.upload_id).offset, 250u);
  EXPECT_TRUE(service_->BeginPatch(upload.upload_id, PatchAt(250), 10).ok());
}

TEST_F(UploadsTest, ChecksumVerifiedPatchIsKept) {
  const std::string content = Bytes(600);
  UploadRecord upload = MustCreate(1000);
  std::string chunk = content.substr(0, 600);
  auto patched = Patch(upload.upload_id, 0, chunk, ChecksumHeader(service::DigestAlgorithm::kSha1, chunk));
  ASSERT_TRUE(patched.ok()) << patched.error().message;
  EXPECT_EQ(Header(*patched, "Upload-Offset"), "600");
  EXPECT_EQ(Stored(upload.upload_id).offset, 600u);
}

TEST_F(UploadsTest, ChecksumMismatchIs460AndDiscardsTheChunk) {
  UploadRecord upload = MustCreate(5000);
  const std::string& id = upload.upload_id;
  ASSERT_TRUE(Patch(id, 0, Bytes(400)).ok());
  // Longer than commit_every_bytes: a checksummed PATCH never commits early.
  const std::string chunk = Bytes(3000, 'k');
  auto refused = Patch(id, 400, chunk, ChecksumHeader(service::DigestAlgorithm::kSha256, "other bytes"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, 460);
  EXPECT_EQ(Stored(id).offset, 400u);
  EXPECT_EQ(ReadFile(PartPath(id)), Bytes(400));
  // The upload is released and resumes where it was.
  EXPECT_TRUE(Patch(id, 400, chunk, ChecksumHeader(service::DigestAlgorithm::kMd5, chunk)).ok());
  EXPECT_EQ(Stored(id).offset, 3400u);
}

TEST_F(UploadsTest, ChecksummedBodyCutShortIs460) {
  UploadRecord upload = MustCreate(1000);
  const std::string chunk = Bytes(500);
  auto begun = service_->BeginPatch(upload.upload_id,
                                    PatchAt(0, ChecksumHeader(service::DigestAlgorithm::kSha1, chunk)), 500);
  ASSERT_TRUE(begun.ok());
  std::unique_ptr<PatchWriter> writer = std::move(begun).value();
  ASSERT_TRUE(writer->Write(std::string_view(chunk).substr(0, 200)).ok());
  auto finished = writer->Finish(false);
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().status, 460);
  EXPECT_EQ(Stored(upload.upload_id).offset, 0u);
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id)), "");
}

TEST_F(UploadsTest, BodyCutShortWithoutChecksumKeepsWhatArrived) {
  UploadRecord upload = MustCreate(1000);
  auto begun = service_->BeginPatch(upload.upload_id, PatchAt(0), 1000);
  ASSERT_TRUE(begun.ok());
  std::unique_ptr<PatchWriter> writer = std::move(begun).value();
  ASSERT_TRUE(writer->Write(Bytes(300)).ok());
  auto finished = writer->Finish(false);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(Header(*finished, "Upload-Offset"), "300");
  EXPECT_EQ(Stored(upload.upload_id).offset, 300u);
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id)), Bytes(300));
}

TEST_F(UploadsTest, LongPatchCommitsDurableProgressBeforeItEnds) {
  const std::string content = Bytes(10 * kCommitEvery);
  UploadRecord upload = MustCreate(content.size());
  const std::string& id = upload.upload_id;
  auto begun = service_->BeginPatch(id, PatchAt(0), std::nullopt);  // chunked, like a stream
  ASSERT_TRUE(begun.ok());
  std::unique_ptr<PatchWriter> writer = std::move(begun).value();
  std::vector<uint64_t> seen;
  for (size_t at = 0; at < 6 * kCommitEvery; at += 256) {
    ASSERT_TRUE(writer->Write(std::string_view(content).substr(at, 256)).ok());
    seen.push_back(Stored(id).offset);
  }
  // The stored offset moved in steps of commit_every_bytes while the body
  // was still arriving; each step is backed by the part file's bytes.
  EXPECT_EQ(seen.front(), 0u);
  EXPECT_EQ(Stored(id).offset, 6 * kCommitEvery);
  EXPECT_EQ(seen[3], kCommitEvery);
  EXPECT_GE(ReadFile(PartPath(id))->size(), Stored(id).offset);

  // The rest of the same PATCH completes the upload.
  for (size_t at = 6 * kCommitEvery; at < content.size(); at += 256) {
    ASSERT_TRUE(writer->Write(std::string_view(content).substr(at, 256)).ok());
  }
  auto finished = writer->Finish(true);
  ASSERT_TRUE(finished.ok()) << finished.error().message;
  EXPECT_EQ(Stored(id).state, UploadState::kCompleted);
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), content);
}

TEST_F(UploadsTest, BodyLongerThanTheUploadIs413AndKeepsTheDurableOffset) {
  UploadRecord upload = MustCreate(100);
  auto begun = service_->BeginPatch(upload.upload_id, PatchAt(0), std::nullopt);
  ASSERT_TRUE(begun.ok());
  std::unique_ptr<PatchWriter> writer = std::move(begun).value();
  ASSERT_TRUE(writer->Write(Bytes(60)).ok());
  EXPECT_EQ(writer->Write(Bytes(60)).code(), ErrorCode::kLimitExceeded);
  auto finished = writer->Finish(true);
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().status, 413);
  EXPECT_EQ(Stored(upload.upload_id).offset, 0u);
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id)), "");
  EXPECT_THAT(completed_, IsEmpty());
}

TEST_F(UploadsTest, ZeroLengthUploadIsCompleteAtCreation) {
  UploadRecord upload = MustCreate(0);
  EXPECT_EQ(upload.state, UploadState::kCompleted);
  EXPECT_EQ(upload.sha256, service::Sha256Hex(""));
  EXPECT_THAT(completed_, ElementsAre("vid1"));
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), "");
  EXPECT_FALSE(fs::exists(PartPath(upload.upload_id)));
  auto head = service_->Head(upload.upload_id, Tus());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(Header(*head, "Upload-Offset"), "0");
  EXPECT_EQ(Header(*head, "Upload-Length"), "0");
}

// ---- Whole-upload checksum -------------------------------------------------

TEST_F(UploadsTest, DeclaredSha256MatchingCompletes) {
  const std::string content = Bytes(700);
  service::UploadMetadata metadata;
  std::string upper = service::Sha256Hex(content);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  metadata.entries["sha256"] = upper;
  UploadRecord upload = MustCreate(content.size(), metadata);
  ASSERT_TRUE(Patch(upload.upload_id, 0, content).ok());
  EXPECT_EQ(Stored(upload.upload_id).state, UploadState::kCompleted);
}

TEST_F(UploadsTest, DeclaredSha256MismatchIs460AndTerminatesTheUpload) {
  const std::string content = Bytes(700);
  service::UploadMetadata metadata;
  metadata.entries["sha256"] = service::Sha256Hex("something else");
  UploadRecord upload = MustCreate(content.size(), metadata);
  const std::string& id = upload.upload_id;
  ASSERT_TRUE(Patch(id, 0, std::string_view(content).substr(0, 300)).ok());
  auto last = Patch(id, 300, std::string_view(content).substr(300));
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().status, 460);
  EXPECT_THAT(last.error().message, ::testing::HasSubstr("start a new upload"));
  EXPECT_EQ(Stored(id).state, UploadState::kTerminated);
  EXPECT_FALSE(fs::exists(PartPath(id)));
  EXPECT_FALSE(blobs_->Exists(OriginalKey("vid1")).value());
  EXPECT_THAT(completed_, IsEmpty());
  EXPECT_THAT(made_for_, IsEmpty());
  EXPECT_EQ(service_->Head(id, Tus()).error().status, 404);
}

// ---- Finalization retries and recovery ------------------------------------

TEST_F(UploadsTest, FailedFinalizationKeepsThePartAndHeadRetriesIt) {
  const std::string content = Bytes(400);
  UploadRecord upload = MustCreate(content.size());
  const std::string& id = upload.upload_id;
  video_error_ = IoError("disk full");
  auto patched = Patch(id, 0, content);
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().status, 500);
  EXPECT_THAT(patched.error().message, ::testing::HasSubstr("disk full"));
  EXPECT_EQ(Stored(id).state, UploadState::kUploading);
  EXPECT_EQ(Stored(id).offset, 400u);
  EXPECT_EQ(ReadFile(PartPath(id)), content);

  video_error_ = Status::Ok();
  auto head = service_->Head(id, Tus());
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(Header(*head, "Upload-Offset"), "400");
  EXPECT_EQ(Stored(id).state, UploadState::kCompleted);
  EXPECT_THAT(completed_, ElementsAre("vid1"));
  EXPECT_FALSE(fs::exists(PartPath(id)));
}

TEST_F(UploadsTest, OriginalAlreadyStoredByAnEarlierAttemptIsReused) {
  const std::string content = Bytes(400);
  UploadRecord upload = MustCreate(content.size());
  // A previous finalization got as far as the put, then the process died.
  ASSERT_TRUE(blobs_->Put(OriginalKey("vid1"), content).ok());
  ASSERT_TRUE(Patch(upload.upload_id, 0, content).ok());
  EXPECT_EQ(Stored(upload.upload_id).state, UploadState::kCompleted);
  EXPECT_THAT(completed_, ElementsAre("vid1"));
}

TEST_F(UploadsTest, OriginalsAreNeverOverwritten) {
  const std::string content = Bytes(400);
  UploadRecord upload = MustCreate(content.size());
  ASSERT_TRUE(blobs_->Put(OriginalKey("vid1"), "another video").ok());
  auto patched = Patch(upload.upload_id, 0, content);
  ASSERT_FALSE(patched.ok());
  EXPECT_EQ(patched.error().status, 500);
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), "another video");
  EXPECT_EQ(ReadFile(PartPath(upload.upload_id)), content);
  EXPECT_EQ(Stored(upload.upload_id).state, UploadState::kUploading);
}

TEST_F(UploadsTest, RecoverFinalizesAnUploadLeftAtItsLength) {
  const std::string content = Bytes(900);
  UploadRecord upload = MustCreate(content.size());
  const std::string& id = upload.upload_id;
  // The state a crash between the last durable commit and the completion
  // leaves: every byte on disk and counted, nothing finalized.
  testutil::WriteFileAt(PartPath(id), content);
  ASSERT_TRUE(store_.AdvanceUpload(id, 0, content.size()).ok());

  service_ = MakeService();
  ASSERT_TRUE(service_->Recover().ok());
  EXPECT_EQ(Stored(id).state, UploadState::kCompleted);
  EXPECT_EQ(Stored(id).sha256, service::Sha256Hex(content));
  EXPECT_EQ(blobs_->Get(OriginalKey("vid1")).value(), content);
  EXPECT_THAT(completed_, ElementsAre("vid1"));
  EXPECT_FALSE(fs::exists(PartPath(id)));
}

TEST_F(UploadsTest, RecoverTrimsUndurableTailsAndRemovesLeftovers) {
  UploadRecord partial = MustCreate(1000);
  ASSERT_TRUE(Patch(partial.upload_id, 0, Bytes(300)).ok());
  // Bytes written after the last commit, then a crash.
  testutil::WriteFileAt(PartPath(partial.upload_id), Bytes(300) + "undurable tail");
  UploadRecord gone = MustCreate(1000);
  ASSERT_TRUE(service_->Terminate(gone.upload_id, Tus()).ok());
  testutil::WriteFileAt(PartPath(gone.upload_id), "left behind");
  const std::string orphan = PartPath(std::string(32, 'e'));
  testutil::WriteFileAt(orphan, "no record");
  UploadRecord damaged = MustCreate(1000);
  ASSERT_TRUE(store_.AdvanceUpload(damaged.upload_id, 0, 500).ok());  // but the file is empty

  service_ = MakeService();
  ASSERT_TRUE(service_->Recover().ok());
  EXPECT_EQ(ReadFile(PartPath(partial.upload_id)), Bytes(300));
  EXPECT_EQ(Stored(partial.upload_id).offset, 300u);
  EXPECT_FALSE(fs::exists(PartPath(gone.upload_id)));
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_EQ(Stored(damaged.upload_id).state, UploadState::kTerminated);
  EXPECT_FALSE(fs::exists(PartPath(damaged.upload_id)));
  EXPECT_TRUE(Patch(partial.upload_id, 300, Bytes(700)).ok());
}

// ---- Expiry and termination -------------------------------------------------

TEST_F(UploadsTest, ExpiredUploadAnswers410AndIsSweptAway) {
  UploadRecord stale = MustCreate(1000);
  ASSERT_TRUE(Patch(stale.upload_id, 0, Bytes(100)).ok());
  clock_.Advance(kExpiryMs / 2);
  UploadRecord fresh = MustCreate(1000);
  clock_.Advance(kExpiryMs / 2);

  EXPECT_EQ(service_->Head(stale.upload_id, Tus()).error().status, 410);
  EXPECT_EQ(service_->BeginPatch(stale.upload_id, PatchAt(100), 10).error().status, 410);
  EXPECT_TRUE(service_->Head(fresh.upload_id, Tus()).ok());

  StatusOr<int> expired = service_->ExpireUploads();
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  EXPECT_EQ(*expired, 1);
  EXPECT_FALSE(fs::exists(PartPath(stale.upload_id)));
  EXPECT_EQ(Stored(stale.upload_id).state, UploadState::kTerminated);
  EXPECT_EQ(service_->Head(stale.upload_id, Tus()).error().status, 404);
  EXPECT_TRUE(fs::exists(PartPath(fresh.upload_id)));
  EXPECT_EQ(service_->ExpireUploads().value(), 0);
}

TEST_F(UploadsTest, ExpirySkipsABusyUpload) {
  UploadRecord upload = MustCreate(1000);
  auto begun = service_->BeginPatch(upload.upload_id, PatchAt(0), 1000);
  ASSERT_TRUE(begun.ok());
  clock_.Advance(kExpiryMs);
  EXPECT_EQ(service_->ExpireUploads().value(), 0);
  EXPECT_EQ(Stored(upload.upload_id).state, UploadState::kUploading);
}

TEST_F(UploadsTest, TerminateAnswers204ThenTheUploadIsGone) {
  UploadRecord upload = MustCreate(1000);
  const std::string& id = upload.upload_id;
  ASSERT_TRUE(Patch(id, 0, Bytes(100)).ok());
  auto terminated = service_->Terminate(id, Tus());
  ASSERT_TRUE(terminated.ok()) << terminated.error().message;
  EXPECT_EQ(Header(*terminated, "Tus-Resumable"), "1.0.0");
  EXPECT_FALSE(fs::exists(PartPath(id)));
  EXPECT_EQ(service_->Head(id, Tus()).error().status, 404);
  EXPECT_EQ(service_->BeginPatch(id, PatchAt(100), 10).error().status, 404);
  EXPECT_EQ(service_->Terminate(id, Tus()).error().status, 404);
  TusRequestHeaders no_version;
  EXPECT_EQ(service_->Terminate(id, no_version).error().status, 412);
}

TEST_F(UploadsTest, RefusalsCarryTheTusErrorHeaders) {
  TusRequestHeaders no_version;
  auto refused = service_->Head(std::string(32, 'a'), no_version);
  ASSERT_FALSE(refused.ok());
  HeaderList headers = service::ErrorHeaders(refused.error());
  EXPECT_EQ(Header(headers, "Tus-Resumable"), "1.0.0");
  EXPECT_EQ(Header(headers, "Tus-Version"), "1.0.0");
}

}  // namespace
}  // namespace vtp::control
