#include "adapters/blob_checksum.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "testutil/fixtures.h"

namespace vtp::adapters {
namespace {

// FIPS 180-2 appendix B known answers.
TEST(BlobChecksumTest, KnownAnswers) {
  EXPECT_EQ(*Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(*Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(*Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(*Sha256Hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(BlobChecksumTest, IncrementalEqualsOneShot) {
  auto h = Sha256Hasher::Create();
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->Update("a", 1).ok());
  ASSERT_TRUE(h->Update("bc", 2).ok());
  EXPECT_EQ(*h->FinishHex(), *Sha256Hex("abc"));
  EXPECT_EQ(h->FinishHex().status().code(), ErrorCode::kInternal);  // single use
}

TEST(BlobChecksumTest, HashesAFileDescriptor) {
  std::string path = testutil::FreshDir() + "/f";
  std::string content(3 * 1024 * 1024 + 7, 'z');
  testutil::WriteFileAt(path, content);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  auto sha = Sha256OfFd(fd);
  ::close(fd);
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, *Sha256Hex(content));
}

TEST(BlobChecksumTest, RecognisesHexDigests) {
  EXPECT_TRUE(IsSha256Hex(*Sha256Hex("x")));
  EXPECT_FALSE(IsSha256Hex(""));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
}

}  // namespace
}  // namespace vtp::adapters
