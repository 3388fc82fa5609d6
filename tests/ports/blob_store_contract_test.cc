// The blob store contract (ports/blob_store.h), run against every adapter.
// Adapter-specific behaviour (on-disk tampering, symlinks, layout) lives in
// tests/adapters/local_blob_store_test.cc and s3_blob_store_test.cc. The S3
// adapter runs against a real s3rver (npm) started by the test process
// (testutil/s3rver.h); without node or s3rver its tests fail, saying what to
// install.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

#include "adapters/local_blob_store.h"
#include "adapters/memory_blob_store.h"
#include "adapters/s3_blob_store.h"
#include "ports/blob_store.h"
#include "testutil/fixtures.h"
#include "testutil/s3rver.h"

namespace vtp {
namespace {

// SHA-256 known answers (FIPS 180-2 appendix B.1 and the empty message).
constexpr char kShaAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kShaEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct LocalAdapter {
  static std::unique_ptr<ports::BlobStore> Make() {
    auto store = adapters::LocalBlobStore::Open(testutil::FreshDir("_blobs"));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

struct MemoryAdapter {
  static std::unique_ptr<ports::BlobStore> Make() { return std::make_unique<adapters::InMemoryBlobStore>(); }
};

// One shared server per test process; each store gets its own key prefix so
// tests never see each other's blobs.
struct S3Adapter {
  static std::unique_ptr<ports::BlobStore> Make() {
    std::string error;
    testutil::S3rver* server = testutil::SharedS3rver(&error);
    EXPECT_NE(server, nullptr) << error;
    if (server == nullptr) return nullptr;
    static std::atomic<int> next{0};
    adapters::S3BlobStoreConfig config;
    config.endpoint = {.endpoint = server->endpoint(), .bucket = testutil::S3rver::kBucket,
                       .region = "us-east-1", .access_key = testutil::S3rver::kAccessKey,
                       .secret_key = testutil::S3rver::kSecretKey, .timeout_ms = 30'000};
    config.key_prefix = "contract-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + "/";
    config.retry.max_attempts = 1;
    auto store = adapters::S3BlobStore::Create(config);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
};

struct AdapterNames {
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, LocalAdapter>) return "Local";
    if (std::is_same_v<T, S3Adapter>) return "S3";
    return "Memory";
  }
};

template <typename Adapter>
class BlobStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = Adapter::Make();
    ASSERT_NE(store_, nullptr);
  }

  std::string Scratch(const std::string& name) { return testutil::FreshDir("_scratch") + "/" + name; }

  std::unique_ptr<ports::BlobStore> store_;
};

using Adapters = ::testing::Types<LocalAdapter, MemoryAdapter, S3Adapter>;
TYPED_TEST_SUITE(BlobStoreContractTest, Adapters, AdapterNames);

std::string ReadLocal(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TYPED_TEST(BlobStoreContractTest, RoundTripWithKnownChecksum) {
  auto& s = *this->store_;
  auto put = s.Put("segments/v1/chunk_000.vpk", "abc");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, kShaAbc);
  EXPECT_EQ(*s.Get("segments/v1/chunk_000.vpk"), "abc");
  EXPECT_TRUE(*s.Exists("segments/v1/chunk_000.vpk"));
  EXPECT_EQ(*s.Size("segments/v1/chunk_000.vpk"), 3u);
  EXPECT_EQ(*s.Checksum("segments/v1/chunk_000.vpk"), kShaAbc);
  EXPECT_TRUE(s.Verify("segments/v1/chunk_000.vpk").ok());
}

TYPED_TEST(BlobStoreContractTest, EmptyAndBinaryContent) {
  auto& s = *this->store_;
  EXPECT_EQ(*s.Put("a/empty", ""), kShaEmpty);
  EXPECT_EQ(*s.Get("a/empty"), "");
  EXPECT_EQ(*s.Size("a/empty"), 0u);
  std::string binary("\0\x01\xff\n\r\0z", 7);
  ASSERT_TRUE(s.Put("a/binary", binary).ok());
  EXPECT_EQ(*s.Get("a/binary"), binary);
  EXPECT_TRUE(s.Verify("a/binary").ok());
}

TYPED_TEST(BlobStoreContractTest, PutReplacesAtomicallyAndUpdatesChecksum) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("transcoded/v1/h264/720p/segment_000.m4s", "first").ok());
  auto second = s.Put("transcoded/v1/h264/720p/segment_000.m4s", "abc");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*s.Get("transcoded/v1/h264/720p/segment_000.m4s"), "abc");
  EXPECT_EQ(*s.Checksum("transcoded/v1/h264/720p/segment_000.m4s"), kShaAbc);
  EXPECT_TRUE(s.Verify("transcoded/v1/h264/720p/segment_000.m4s").ok());
}

TYPED_TEST(BlobStoreContractTest, ReadersNeverSeePartialContent) {
  auto& s = *this->store_;
  const size_t kSize = 256 * 1024;
  const std::string a(kSize, 'a'), b(kSize, 'b');
  ASSERT_TRUE(s.Put("segments/v1/hot", a).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::string first_bad;  // written by the reader only, read after join
  std::thread reader([&] {
    while (!done.load()) {
      auto got = s.Get("segments/v1/hot");
      if (!got.ok() || got->size() != kSize || (*got != a && *got != b)) {
        if (bad++ == 0) first_bad = got.ok() ? "size " + std::to_string(got->size()) : got.status().ToString();
      }
      ++reads;
    }
  });
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(s.Put("segments/v1/hot", i % 2 ? a : b).ok());
  while (reads.load() == 0) std::this_thread::yield();
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0) << "first bad read: " << first_bad;
}

TYPED_TEST(BlobStoreContractTest, PutFileAndGetToFile) {
  auto& s = *this->store_;
  std::string src = this->Scratch("src.bin");
  testutil::WriteFileAt(src, "abc");
  auto put = s.PutFile("originals/v1/original.mp4", src);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, kShaAbc);
  std::string dst = this->Scratch("dst.bin");
  testutil::WriteFileAt(dst, "stale content that is longer");
  ASSERT_TRUE(s.GetToFile("originals/v1/original.mp4", dst).ok());
  EXPECT_EQ(ReadLocal(dst), "abc");
}

TYPED_TEST(BlobStoreContractTest, MissingKeys) {
  auto& s = *this->store_;
  EXPECT_FALSE(*s.Exists("segments/none/x"));
  EXPECT_EQ(s.Get("segments/none/x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.Size("segments/none/x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.Checksum("segments/none/x").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.Verify("segments/none/x").code(), ErrorCode::kNotFound);
  std::string dst = this->Scratch("never.bin");
  EXPECT_EQ(s.GetToFile("segments/none/x", dst).code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::ifstream(dst).good());
  EXPECT_EQ(s.PutFile("segments/v1/x", this->Scratch("missing.bin")).status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*s.Exists("segments/v1/x"));
  EXPECT_FALSE(s.LocalPath("segments/none/x").has_value());
}

TYPED_TEST(BlobStoreContractTest, ListByPrefix) {
  auto& s = *this->store_;
  for (const char* k : {"segments/v1/chunk_001.vpk", "segments/v1/chunk_000.vpk", "segments/v10/chunk_000.vpk",
                        "segments/v1/sub/deep.bin", "transcoded/v1/h264/720p/segment_000.m4s",
                        "originals/v1/original.mp4"}) {
    ASSERT_TRUE(s.Put(k, k).ok()) << k;
  }
  using V = std::vector<std::string>;
  EXPECT_EQ(*s.List("segments/v1/"),
            (V{"segments/v1/chunk_000.vpk", "segments/v1/chunk_001.vpk", "segments/v1/sub/deep.bin"}));
  EXPECT_EQ(*s.List("segments/v1/chunk_00"), (V{"segments/v1/chunk_000.vpk", "segments/v1/chunk_001.vpk"}));
  EXPECT_EQ(s.List("segments/v1")->size(), 4u);  // a plain string prefix: v10 too
  EXPECT_EQ(*s.List("transcoded/"), (V{"transcoded/v1/h264/720p/segment_000.m4s"}));
  EXPECT_EQ(s.List("")->size(), 6u);
  EXPECT_TRUE(s.List("nothing/here/")->empty());
  EXPECT_EQ(s.List("../").status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(BlobStoreContractTest, KeyValidationRejectsTraversal) {
  auto& s = *this->store_;
  const std::vector<std::string> bad = {
      "../x", "/etc/passwd", "a//b", "a/./b", "a/../b", "..", ".", "", "a/", "/", ".hidden", "a/.x.sha256",
      "a b", "a\\b", "a/b\n", std::string("a\0b", 3), "caf\xc3\xa9", std::string(1025, 'k'),
      "a/" + std::string(201, 'k')};
  for (const auto& key : bad) {
    SCOPED_TRACE("key: " + key);
    EXPECT_EQ(s.Put(key, "x").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.PutFile(key, "/etc/hostname").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Get(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.GetToFile(key, this->Scratch("out")).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Exists(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Size(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Checksum(key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Verify(key).code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Delete(key).code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(s.LocalPath(key).has_value());
    EXPECT_EQ(s.GetRange(key, 0, 1).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Copy(key, "segments/ok").status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.Copy("segments/ok", key).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.PresignGet(key, 60).status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(s.PresignPut(key, 60).status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(s.ListInfo("../").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(s.List("")->empty());
  EXPECT_TRUE(ports::ValidateBlobKey("originals/vid-1_A/original.mp4").ok());
  EXPECT_TRUE(ports::ValidateBlobKey("a/" + std::string(200, 'k')).ok());
}

TYPED_TEST(BlobStoreContractTest, OriginalsAreNeverDeleted) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("originals/v1/original.mp4", "abc").ok());
  EXPECT_EQ(s.Delete("originals/v1/original.mp4").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Delete("originals").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.Delete("originals/v2/not-there").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(*s.Get("originals/v1/original.mp4"), "abc");
  // Only the area itself is protected, not look-alike names.
  ASSERT_TRUE(s.Put("originals2/x", "y").ok());
  EXPECT_TRUE(s.Delete("originals2/x").ok());
}

TYPED_TEST(BlobStoreContractTest, OriginalsAreWriteOnce) {
  auto& s = *this->store_;
  ASSERT_EQ(*s.Put("originals/v1/original.mp4", "abc"), kShaAbc);
  // Same bytes again: idempotent success (a retried ingest).
  auto again = s.Put("originals/v1/original.mp4", "abc");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, kShaAbc);
  std::string src = this->Scratch("same.bin");
  testutil::WriteFileAt(src, "abc");
  EXPECT_EQ(*s.PutFile("originals/v1/original.mp4", src), kShaAbc);
  // Different bytes: refused, original untouched.
  EXPECT_EQ(s.Put("originals/v1/original.mp4", "abd").status().code(), ErrorCode::kAlreadyExists);
  testutil::WriteFileAt(src, "different");
  EXPECT_EQ(s.PutFile("originals/v1/original.mp4", src).status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*s.Get("originals/v1/original.mp4"), "abc");
  EXPECT_EQ(*s.Checksum("originals/v1/original.mp4"), kShaAbc);
  EXPECT_TRUE(s.Verify("originals/v1/original.mp4").ok());
}

TYPED_TEST(BlobStoreContractTest, ConcurrentOriginalWritersOneWins) {
  auto& s = *this->store_;
  std::atomic<int> ok{0}, exists{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&, i] {
      auto r = s.Put("originals/race/original.mp4", std::string(64 * 1024, static_cast<char>('a' + i)));
      if (r.ok()) ++ok;
      if (r.status().code() == ErrorCode::kAlreadyExists) ++exists;
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exists.load(), 3);
  EXPECT_TRUE(s.Verify("originals/race/original.mp4").ok());
}

TYPED_TEST(BlobStoreContractTest, DeleteIsIdempotent) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("segments/v1/chunk_000.vpk", "abc").ok());
  EXPECT_TRUE(s.Delete("segments/v1/chunk_000.vpk").ok());
  EXPECT_FALSE(*s.Exists("segments/v1/chunk_000.vpk"));
  EXPECT_EQ(s.Checksum("segments/v1/chunk_000.vpk").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(s.Delete("segments/v1/chunk_000.vpk").ok());
  EXPECT_TRUE(s.Delete("segments/never/was").ok());
  EXPECT_TRUE(s.List("segments/")->empty());
}

TYPED_TEST(BlobStoreContractTest, KeyCannotBeBothBlobAndPrefix) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("a/b", "1").ok());
  EXPECT_EQ(s.Put("a", "2").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(*s.Exists("a"));
  EXPECT_EQ(s.Get("a").status().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(s.Delete("a").ok());  // nothing to delete; "a/b" survives
  EXPECT_EQ(*s.Get("a/b"), "1");
  ASSERT_TRUE(s.Put("x", "1").ok());
  EXPECT_EQ(s.Put("x/y", "2").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.Get("x/y").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(*s.List(""), (std::vector<std::string>{"a/b", "x"}));
}

TYPED_TEST(BlobStoreContractTest, LocalPathWhenOfferedReadsTheBlob) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("transcoded/v1/manifest.mpd", "<MPD/>").ok());
  // Optional: nullopt is a valid answer for adapters without local files.
  std::optional<std::string> path = s.LocalPath("transcoded/v1/manifest.mpd");
  if (path) {
    EXPECT_EQ(ReadLocal(*path), "<MPD/>");
  }
}

TYPED_TEST(BlobStoreContractTest, GetRangeClipsLikeHttp) {
  auto& s = *this->store_;
  // The bytes, or the error as text so a failure says which.
  const auto range = [&](const std::string& key, uint64_t offset, uint64_t length) {
    auto got = s.GetRange(key, offset, length);
    return got.ok() ? *got : "error: " + got.status().ToString();
  };
  ASSERT_TRUE(s.Put("segments/v1/r", "0123456789").ok());
  EXPECT_EQ(range("segments/v1/r", 0, 4), "0123");
  EXPECT_EQ(range("segments/v1/r", 3, 4), "3456");
  EXPECT_EQ(range("segments/v1/r", 9, 1), "9");
  EXPECT_EQ(range("segments/v1/r", 6, 100), "6789");  // clipped at the end
  EXPECT_EQ(range("segments/v1/r", 0, UINT64_MAX), "0123456789");
  EXPECT_EQ(range("segments/v1/r", 4, 0), "");
  EXPECT_EQ(range("segments/v1/r", 10, 5), "");  // offset == size: empty
  EXPECT_EQ(s.GetRange("segments/v1/r", 11, 1).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.GetRange("segments/v1/r", 11, 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.GetRange("segments/v1/none", 0, 1).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.GetRange("segments/v1/none", 0, 0).status().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(s.Put("segments/v1/empty", "").ok());
  EXPECT_EQ(range("segments/v1/empty", 0, 10), "");
  EXPECT_EQ(s.GetRange("segments/v1/empty", 1, 10).status().code(), ErrorCode::kInvalidArgument);
}

TYPED_TEST(BlobStoreContractTest, CopyKeepsTheChecksum) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("segments/v1/src", "abc").ok());
  auto copied = s.Copy("segments/v1/src", "transcoded/v1/dst");
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(*copied, kShaAbc);
  EXPECT_EQ(*s.Get("transcoded/v1/dst"), "abc");
  EXPECT_EQ(*s.Checksum("transcoded/v1/dst"), kShaAbc);
  EXPECT_TRUE(s.Verify("transcoded/v1/dst").ok());
  EXPECT_EQ(*s.Get("segments/v1/src"), "abc");  // the source stays
  // Replace semantics outside originals.
  ASSERT_TRUE(s.Put("segments/v1/other", "xyz").ok());
  ASSERT_TRUE(s.Copy("segments/v1/other", "transcoded/v1/dst").ok());
  EXPECT_EQ(*s.Get("transcoded/v1/dst"), "xyz");
  // Onto itself: nothing changes.
  EXPECT_EQ(*s.Copy("segments/v1/src", "segments/v1/src"), kShaAbc);
  EXPECT_EQ(s.Copy("segments/v1/none", "segments/v1/none").status().code(), ErrorCode::kNotFound);
}

TYPED_TEST(BlobStoreContractTest, CopyOfAMissingSourceWritesNothing) {
  auto& s = *this->store_;
  EXPECT_EQ(s.Copy("segments/v1/none", "transcoded/v1/x").status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(*s.Exists("transcoded/v1/x"));
}

TYPED_TEST(BlobStoreContractTest, CopyOntoOriginalsIsWriteOnce) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("uploads/u1/data", "abc").ok());
  ASSERT_TRUE(s.Put("uploads/u2/data", "abd").ok());
  EXPECT_EQ(*s.Copy("uploads/u1/data", "originals/v1/original.mp4"), kShaAbc);
  EXPECT_EQ(*s.Copy("uploads/u1/data", "originals/v1/original.mp4"), kShaAbc);  // same bytes
  ASSERT_TRUE(s.Put("uploads/u3/data", "abc").ok());
  EXPECT_EQ(*s.Copy("uploads/u3/data", "originals/v1/original.mp4"), kShaAbc);  // same bytes, other source
  EXPECT_EQ(s.Copy("uploads/u2/data", "originals/v1/original.mp4").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*s.Get("originals/v1/original.mp4"), "abc");
  EXPECT_TRUE(s.Verify("originals/v1/original.mp4").ok());
  // Copying an original out is allowed; it stays.
  EXPECT_EQ(*s.Copy("originals/v1/original.mp4", "segments/v1/copy"), kShaAbc);
  EXPECT_EQ(*s.Get("originals/v1/original.mp4"), "abc");
}

TYPED_TEST(BlobStoreContractTest, CopyKeepsTheBlobPrefixRule) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("a/b", "1").ok());
  ASSERT_TRUE(s.Put("x", "2").ok());
  EXPECT_EQ(s.Copy("x", "a").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(s.Copy("a/b", "x/y").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(*s.List(""), (std::vector<std::string>{"a/b", "x"}));
}

TYPED_TEST(BlobStoreContractTest, ListInfoHasSizesAndTimes) {
  auto& s = *this->store_;
  ASSERT_TRUE(s.Put("segments/v1/b", "12345").ok());
  ASSERT_TRUE(s.Put("segments/v1/a", "").ok());
  ASSERT_TRUE(s.Put("segments/v2/c", "1").ok());
  ASSERT_TRUE(s.Put("transcoded/v1/d", "1").ok());
  auto infos = s.ListInfo("segments/");
  ASSERT_TRUE(infos.ok()) << infos.status().ToString();
  ASSERT_EQ(infos->size(), 3u);
  EXPECT_EQ((*infos)[0].key, "segments/v1/a");
  EXPECT_EQ((*infos)[0].size, 0u);
  EXPECT_EQ((*infos)[1].key, "segments/v1/b");
  EXPECT_EQ((*infos)[1].size, 5u);
  EXPECT_EQ((*infos)[2].key, "segments/v2/c");
  constexpr int64_t kYear2020Ms = 1'577'836'800'000;  // written by a real clock, so after 2020
  for (const auto& info : *infos) EXPECT_GT(info.last_modified_ms, kYear2020Ms) << info.key;
  EXPECT_EQ(*s.List("segments/"), (std::vector<std::string>{"segments/v1/a", "segments/v1/b", "segments/v2/c"}));
  EXPECT_TRUE(s.ListInfo("nothing/")->empty());
}

TYPED_TEST(BlobStoreContractTest, PresignIsAUrlOrNotSupported) {
  auto& s = *this->store_;
  for (auto url : {s.PresignGet("transcoded/v1/a.m4s", 60), s.PresignPut("uploads/u1/data", 60)}) {
    if (url.ok()) {
      EXPECT_TRUE(url->starts_with("http://") || url->starts_with("https://")) << *url;
      EXPECT_NE(url->find("X-Amz-Signature="), std::string::npos) << *url;
    } else {
      EXPECT_EQ(url.status().code(), ErrorCode::kInvalidArgument) << url.status().ToString();
    }
  }
  EXPECT_EQ(s.PresignPut("originals/v1/original.mp4", 60).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.PresignGet("segments/v1/a", 0).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.PresignGet("segments/v1/a", ports::kMaxPresignSeconds + 1).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace vtp
