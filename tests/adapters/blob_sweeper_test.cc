// SweepSegments (adapters/blob_sweeper.h): ages come from the injected
// FakeClock (the in-memory store stamps writes with it); the local store's
// mtimes are real, so its test moves the fake clock past them instead.
#include "adapters/blob_sweeper.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/local_blob_store.h"
#include "adapters/memory_blob_store.h"
#include "ports/clock.h"
#include "testutil/fixtures.h"

namespace vtp {
namespace {

using adapters::SweepSegments;
constexpr ports::Millis kDay = 24ll * 3600 * 1000;

class BlobSweeperTest : public ::testing::Test {
 protected:
  ports::FakeClock clock_;
  adapters::InMemoryBlobStore store_{&clock_};
};

TEST_F(BlobSweeperTest, DeletesOnlySegmentsOlderThanSevenDays) {
  ASSERT_TRUE(store_.Put("segments/v1/chunk_000.vpk", "old-1").ok());
  ASSERT_TRUE(store_.Put("segments/v1/chunk_001.vpk", "old-22").ok());
  ASSERT_TRUE(store_.Put("originals/v1/original.mp4", "keep").ok());
  ASSERT_TRUE(store_.Put("transcoded/v1/out.m4s", "keep").ok());
  clock_.Advance(3 * kDay);
  ASSERT_TRUE(store_.Put("segments/v2/chunk_000.vpk", "young").ok());
  clock_.Advance(4 * kDay);  // the first two are now exactly 7 days old
  auto report = SweepSegments(store_, clock_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->scanned, 3u);
  EXPECT_EQ(report->deleted, 2u);
  EXPECT_EQ(report->kept, 1u);
  EXPECT_EQ(report->bytes_deleted, 11u);
  EXPECT_EQ(report->failed, 0u);
  EXPECT_EQ(*store_.List(""), (std::vector<std::string>{"originals/v1/original.mp4", "segments/v2/chunk_000.vpk",
                                                        "transcoded/v1/out.m4s"}));
}

TEST_F(BlobSweeperTest, YoungerThanMaxAgeIsKept) {
  ASSERT_TRUE(store_.Put("segments/v1/a", "x").ok());
  clock_.Advance(7 * kDay - 1);
  auto report = SweepSegments(store_, clock_);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->deleted, 0u);
  EXPECT_EQ(report->kept, 1u);
  EXPECT_TRUE(*store_.Exists("segments/v1/a"));
  clock_.Advance(1);
  EXPECT_EQ(SweepSegments(store_, clock_)->deleted, 1u);
  EXPECT_FALSE(*store_.Exists("segments/v1/a"));
}

TEST_F(BlobSweeperTest, CustomAgeAndPrefix) {
  ASSERT_TRUE(store_.Put("segments/v1/a", "x").ok());
  ASSERT_TRUE(store_.Put("scratch/v1/b", "y").ok());
  clock_.Advance(2 * kDay);
  auto report = SweepSegments(store_, clock_, kDay, "scratch/");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->deleted, 1u);
  EXPECT_TRUE(*store_.Exists("segments/v1/a"));
  EXPECT_FALSE(*store_.Exists("scratch/v1/b"));
}

TEST_F(BlobSweeperTest, RefusesPrefixesThatReachOriginals) {
  ASSERT_TRUE(store_.Put("originals/v1/original.mp4", "keep").ok());
  ASSERT_TRUE(store_.Put("segments/v1/a", "x").ok());
  clock_.Advance(30 * kDay);
  for (const std::string prefix : {"", "o", "orig", "originals", "originals/", "originals/v1/"}) {
    SCOPED_TRACE("prefix '" + prefix + "'");
    EXPECT_EQ(SweepSegments(store_, clock_, kDay, prefix).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(SweepSegments(store_, clock_, -1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(*store_.Get("originals/v1/original.mp4"), "keep");
  EXPECT_TRUE(*store_.Exists("segments/v1/a"));  // nothing ran
  // A look-alike area is not the originals area.
  ASSERT_TRUE(store_.Put("originals2/x", "y").ok());
  clock_.Advance(30 * kDay);
  EXPECT_EQ(SweepSegments(store_, clock_, kDay, "originals2/")->deleted, 1u);
}

TEST_F(BlobSweeperTest, InvalidPrefixIsTheListingError) {
  EXPECT_EQ(SweepSegments(store_, clock_, kDay, "../").status().code(), ErrorCode::kInvalidArgument);
}

// An in-memory store whose Delete fails for keys containing "stuck".
class StuckDeleteStore final : public ports::BlobStore {
 public:
  explicit StuckDeleteStore(const ports::Clock* clock) : inner_(clock) {}

 private:
  StatusOr<std::string> DoPut(const std::string& k, std::string_view b, WriteMode) override { return inner_.Put(k, b); }
  StatusOr<std::string> DoPutFile(const std::string& k, const std::string& p, WriteMode) override {
    return inner_.PutFile(k, p);
  }
  StatusOr<std::string> DoGet(const std::string& k) const override { return inner_.Get(k); }
  Status DoGetToFile(const std::string& k, const std::string& p) const override { return inner_.GetToFile(k, p); }
  StatusOr<bool> DoExists(const std::string& k) const override { return inner_.Exists(k); }
  StatusOr<uint64_t> DoSize(const std::string& k) const override { return inner_.Size(k); }
  StatusOr<std::string> DoChecksum(const std::string& k) const override { return inner_.Checksum(k); }
  Status DoVerify(const std::string& k) const override { return inner_.Verify(k); }
  StatusOr<std::vector<std::string>> DoList(const std::string& p) const override { return inner_.List(p); }
  Status DoDelete(const std::string& k) override {
    if (k.find("stuck") != std::string::npos) return IoError("injected delete failure for " + k);
    return inner_.Delete(k);
  }
  StatusOr<std::string> DoGetRange(const std::string& k, uint64_t o, uint64_t n) const override {
    return inner_.GetRange(k, o, n);
  }
  StatusOr<std::string> DoCopy(const std::string& f, const std::string& t, WriteMode) override {
    return inner_.Copy(f, t);
  }
  StatusOr<std::vector<ports::BlobInfo>> DoListInfo(const std::string& p) const override {
    return inner_.ListInfo(p);
  }

  adapters::InMemoryBlobStore inner_;
};

TEST(BlobSweeperFailureTest, AFailedDeleteIsCountedAndThePassGoesOn) {
  ports::FakeClock clock;
  StuckDeleteStore store(&clock);
  ASSERT_TRUE(store.Put("segments/v1/a", "1").ok());
  ASSERT_TRUE(store.Put("segments/v1/stuck", "2").ok());
  ASSERT_TRUE(store.Put("segments/v1/z", "3").ok());
  clock.Advance(8 * kDay);
  auto report = SweepSegments(store, clock);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->deleted, 2u);
  EXPECT_EQ(report->failed, 1u);
  EXPECT_NE(report->first_error.find("injected delete failure"), std::string::npos) << report->first_error;
  EXPECT_EQ(*store.List("segments/"), (std::vector<std::string>{"segments/v1/stuck"}));
}

TEST(BlobSweeperLocalTest, UsesFileTimesOfTheLocalStore) {
  auto store = adapters::LocalBlobStore::Open(testutil::FreshDir("_sweep"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("segments/v1/a", "abc").ok());
  ASSERT_TRUE((*store)->Put("originals/v1/original.mp4", "keep").ok());
  ports::SystemClock system;
  // Files written just now are not old at the real time...
  ports::FakeClock clock(system.NowMillis());
  EXPECT_EQ(SweepSegments(**store, clock)->deleted, 0u);
  EXPECT_TRUE(*(*store)->Exists("segments/v1/a"));
  // ...and are once the clock says eight days have passed.
  clock.Advance(8 * kDay);
  auto report = SweepSegments(**store, clock);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->deleted, 1u);
  EXPECT_EQ(report->bytes_deleted, 3u);
  EXPECT_FALSE(*(*store)->Exists("segments/v1/a"));
  EXPECT_EQ(*(*store)->Get("originals/v1/original.mp4"), "keep");
}

}  // namespace
}  // namespace vtp
