#include "service/tus.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "service/digest.h"
#include "service/encoding.h"

namespace vtp::service {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;  // Tue, 14 Nov 2023 22:13:20 GMT
constexpr int64_t kDay = 86'400'000;
const TusLimits kLimits{1'000, kDay};

std::string Header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

TusRequestHeaders CreateHeaders(std::string length) {
  TusRequestHeaders h;
  h.tus_resumable = "1.0.0";
  h.upload_length = std::move(length);
  return h;
}

TusRequestHeaders PatchHeadersAt(uint64_t offset) {
  TusRequestHeaders h;
  h.tus_resumable = "1.0.0";
  h.content_type = "application/offset+octet-stream";
  h.upload_offset = std::to_string(offset);
  return h;
}

UploadState Upload(uint64_t length, uint64_t offset) {
  UploadState s;
  s.id = "up1";
  s.length = length;
  s.offset = offset;
  s.created_ms = kNow;
  s.expires_ms = kNow + kDay;
  return s;
}

std::string Sha1(std::string_view bytes) { return *ComputeDigest(DigestAlgorithm::kSha1, bytes); }

TEST(TusTest, CreateBuildsTheUploadState) {
  TusRequestHeaders h = CreateHeaders("100");
  h.upload_metadata = "filename d29ybGQubXA0";
  TusOr<UploadState> s = PlanCreate(h, kLimits, "abc", kNow);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->id, "abc");
  EXPECT_EQ(s->length, 100u);
  EXPECT_EQ(s->offset, 0u);
  EXPECT_EQ(s->metadata.filename(), "world.mp4");
  EXPECT_EQ(s->created_ms, kNow);
  EXPECT_EQ(s->expires_ms, kNow + kDay);
  EXPECT_FALSE(s->completed);
  const HeaderList created = CreatedHeaders(*s);
  EXPECT_EQ(Header(created, "Tus-Resumable"), "1.0.0");
  EXPECT_EQ(Header(created, "Upload-Offset"), "0");
  EXPECT_EQ(Header(created, "Upload-Expires"), "Wed, 15 Nov 2023 22:13:20 GMT");
}

TEST(TusTest, CreateRefusals) {
  struct Case {
    std::string name;
    TusRequestHeaders headers;
    int status;
  };
  std::vector<Case> cases;
  cases.push_back({"no Tus-Resumable", CreateHeaders("10"), 412});
  cases.back().headers.tus_resumable.reset();
  cases.push_back({"too large", CreateHeaders("1001"), 413});
  cases.push_back({"negative", CreateHeaders("-1"), 400});
  cases.push_back({"missing length", CreateHeaders("1"), 400});
  cases.back().headers.upload_length.reset();
  cases.push_back({"defer length", CreateHeaders("1"), 400});
  cases.back().headers.upload_length.reset();
  cases.back().headers.upload_defer_length = "1";
  cases.push_back({"bad metadata", CreateHeaders("10"), 400});
  cases.back().headers.upload_metadata = "filename ###";
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TusOr<UploadState> s = PlanCreate(c.headers, kLimits, "x", kNow);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().status, c.status);
  }
}

TEST(TusTest, ZeroLengthUploadIsCompleteAtCreation) {
  TusOr<UploadState> s = PlanCreate(CreateHeaders("0"), kLimits, "x", kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->completed);
  EXPECT_EQ(Header(CreatedHeaders(*s), "Upload-Expires"), "<absent>");  // nothing left to expire
}

TEST(TusTest, NoExpiryWhenTheLimitIsZero) {
  TusOr<UploadState> s = PlanCreate(CreateHeaders("5"), TusLimits{1'000, 0}, "x", kNow);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->expires_ms, 0);
  EXPECT_FALSE(IsExpired(*s, kNow + 365 * kDay));
  EXPECT_EQ(Header(CreatedHeaders(*s), "Upload-Expires"), "<absent>");
}

TEST(TusTest, HeadReportsOffsetLengthAndMetadata) {
  UploadState s = Upload(100, 70);
  s.metadata.entries["filename"] = "world.mp4";
  TusRequestHeaders h;
  h.tus_resumable = "1.0.0";
  TusOr<HeaderList> head = PlanHead(s, h, kNow);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(Header(*head, "Tus-Resumable"), "1.0.0");
  EXPECT_EQ(Header(*head, "Upload-Offset"), "70");
  EXPECT_EQ(Header(*head, "Upload-Length"), "100");
  EXPECT_EQ(Header(*head, "Upload-Metadata"), "filename d29ybGQubXA0");
  EXPECT_EQ(Header(*head, "Cache-Control"), "no-store");
  EXPECT_EQ(PlanHead(s, h, kNow + kDay).error().status, 410);  // expired
  h.tus_resumable = "0.2.2";
  EXPECT_EQ(PlanHead(s, h, kNow).error().status, 412);
}

TEST(TusTest, PatchRefusalsWithTheirStatusCodes) {
  const UploadState s = Upload(100, 70);
  struct Case {
    std::string name;
    TusRequestHeaders headers;
    std::optional<uint64_t> body;
    int64_t now;
    int status;
  };
  std::vector<Case> cases;
  cases.push_back({"wrong version", PatchHeadersAt(70), 10, kNow, 412});
  cases.back().headers.tus_resumable = "1.0.1";
  cases.push_back({"expired", PatchHeadersAt(70), 10, kNow + kDay, 410});
  cases.push_back({"content type", PatchHeadersAt(70), 10, kNow, 415});
  cases.back().headers.content_type = "application/octet-stream";
  cases.push_back({"no content type", PatchHeadersAt(70), 10, kNow, 415});
  cases.back().headers.content_type.reset();
  cases.push_back({"offset behind", PatchHeadersAt(60), 10, kNow, 409});
  cases.push_back({"offset ahead", PatchHeadersAt(80), 10, kNow, 409});
  cases.push_back({"offset missing", PatchHeadersAt(70), 10, kNow, 400});
  cases.back().headers.upload_offset.reset();
  cases.push_back({"unsupported checksum", PatchHeadersAt(70), 10, kNow, 400});
  cases.back().headers.upload_checksum = "crc32 AAAAAA==";
  cases.push_back({"body past the length", PatchHeadersAt(70), 31, kNow, 413});
  // The version check comes first: the request must not be processed.
  cases.push_back({"version before everything", PatchHeadersAt(1), 999, kNow + kDay, 412});
  cases.back().headers.tus_resumable.reset();
  cases.back().headers.content_type.reset();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    TusOr<PatchPlan> plan = PlanPatch(s, c.headers, c.body, c.now);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().status, c.status);
    EXPECT_EQ(Header(ErrorHeaders(plan.error()), "Tus-Resumable"), "1.0.0");
  }
}

TEST(TusTest, PatchWithoutChecksumAdvancesTheOffset) {
  const UploadState s = Upload(100, 70);
  TusOr<PatchPlan> plan = PlanPatch(s, PatchHeadersAt(70), 30, kNow);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->offset, 70u);
  EXPECT_EQ(plan->new_offset, 100u);
  EXPECT_EQ(plan->max_body, 30u);
  EXPECT_FALSE(plan->checksum.has_value());
  TusOr<UploadState> next = CommitPatch(s, *plan, 30, true, std::nullopt);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->offset, 100u);
  EXPECT_TRUE(next->completed);
  const HeaderList h = PatchHeaders(*next);
  EXPECT_EQ(Header(h, "Upload-Offset"), "100");
  EXPECT_EQ(Header(h, "Upload-Expires"), "<absent>");  // complete: no longer expires
  EXPECT_FALSE(IsExpired(*next, kNow + 2 * kDay));
}

TEST(TusTest, InterruptedPatchKeepsWhatArrived) {
  const UploadState s = Upload(100, 0);
  TusOr<PatchPlan> plan = PlanPatch(s, PatchHeadersAt(0), std::nullopt, kNow);  // chunked body
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->max_body, 100u);
  TusOr<UploadState> next = CommitPatch(s, *plan, 42, false, std::nullopt);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->offset, 42u);
  EXPECT_FALSE(next->completed);
  EXPECT_EQ(Header(PatchHeaders(*next), "Upload-Offset"), "42");
  EXPECT_EQ(Header(PatchHeaders(*next), "Upload-Expires"), "Wed, 15 Nov 2023 22:13:20 GMT");
  // The resumed PATCH must now say 42.
  EXPECT_EQ(PlanPatch(*next, PatchHeadersAt(0), 58, kNow).error().status, 409);
  EXPECT_TRUE(PlanPatch(*next, PatchHeadersAt(42), 58, kNow).ok());
}

TEST(TusTest, ChecksumVerifiedOrChunkDiscardedWith460) {
  const UploadState s = Upload(3, 0);
  TusRequestHeaders h = PatchHeadersAt(0);
  h.upload_checksum = "sha1 " + Base64Encode(Sha1("abc"));
  EXPECT_EQ(*h.upload_checksum, "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  TusOr<PatchPlan> plan = PlanPatch(s, h, 3, kNow);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->checksum.has_value());

  TusOr<UploadState> good = CommitPatch(s, *plan, 3, true, Sha1("abc"));
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->offset, 3u);
  EXPECT_TRUE(good->completed);

  struct Case {
    std::string name;
    uint64_t received;
    bool complete;
    std::optional<std::string> digest;
  };
  const std::vector<Case> bad = {
      {"tampered body", 3, true, Sha1("abd")},
      {"interrupted", 2, false, Sha1("ab")},
      {"short but ended", 2, true, Sha1("ab")},
      {"no digest computed", 3, true, std::nullopt},
  };
  for (const Case& c : bad) {
    SCOPED_TRACE(c.name);
    TusOr<UploadState> r = CommitPatch(s, *plan, c.received, c.complete, c.digest);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().status, 460);
    EXPECT_NE(r.error().message.find("Checksum Mismatch"), std::string::npos);
  }
}

TEST(TusTest, ChunkedBodyWithChecksumMustEndNormally) {
  const UploadState s = Upload(10, 0);
  TusRequestHeaders h = PatchHeadersAt(0);
  h.upload_checksum = "sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0=";
  TusOr<PatchPlan> plan = PlanPatch(s, h, std::nullopt, kNow);  // no Content-Length
  ASSERT_TRUE(plan.ok());
  // "abc" arrived and matches, but the connection broke before the body's
  // end: the client may have meant more bytes, so nothing is kept.
  TusOr<UploadState> broken = CommitPatch(s, *plan, 3, false, Sha1("abc"));
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().status, 460);
  TusOr<UploadState> ended = CommitPatch(s, *plan, 3, true, Sha1("abc"));
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(ended->offset, 3u);
  EXPECT_FALSE(ended->completed);
}

TEST(TusTest, CommitRefusesMoreThanPlannedOrAMovedUpload) {
  const UploadState s = Upload(10, 0);
  TusOr<PatchPlan> plan = PlanPatch(s, PatchHeadersAt(0), std::nullopt, kNow);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(CommitPatch(s, *plan, 11, true, std::nullopt).error().status, 413);
  UploadState moved = s;
  moved.offset = 5;  // another PATCH committed meanwhile
  EXPECT_EQ(CommitPatch(moved, *plan, 5, true, std::nullopt).error().status, 409);
}

TEST(TusTest, EmptyPatchOnACompleteUploadIsFine) {
  UploadState s = Upload(10, 10);
  s.completed = true;
  TusOr<PatchPlan> plan = PlanPatch(s, PatchHeadersAt(10), 0, kNow + 5 * kDay);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->max_body, 0u);
  EXPECT_EQ(PlanPatch(s, PatchHeadersAt(10), 1, kNow).error().status, 413);
}

TEST(TusTest, TerminateAndOptions) {
  TusRequestHeaders h;
  EXPECT_EQ(PlanTerminate(h)->status, 412);
  h.tus_resumable = "1.0.0";
  EXPECT_FALSE(PlanTerminate(h).has_value());
  const HeaderList o = OptionsHeaders(kLimits);
  EXPECT_EQ(Header(o, "Tus-Version"), "1.0.0");
  EXPECT_EQ(Header(o, "Tus-Extension"), "creation,expiration,termination,checksum");
  EXPECT_EQ(Header(o, "Tus-Max-Size"), "1000");
  EXPECT_EQ(Header(o, "Tus-Checksum-Algorithm"), "sha1,sha256,md5");
}

}  // namespace
}  // namespace vtp::service
