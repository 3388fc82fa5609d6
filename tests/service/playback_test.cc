#include "service/playback.h"

#include <gtest/gtest.h>

namespace vtp::service {
namespace {

TEST(Playback, SignedTokenVerifiesUntilItExpires) {
  std::string token = SignPlayback("s3cret", "v1", 1000);
  EXPECT_EQ(token.substr(0, 5), "1000.");
  EXPECT_EQ(token.size(), 5u + 32u);
  EXPECT_TRUE(VerifyPlayback("s3cret", "v1", token, 999).ok());
  EXPECT_EQ(VerifyPlayback("s3cret", "v1", token, 1000).code(), ErrorCode::kDeadlineExceeded);
}

TEST(Playback, TokenIsBoundToVideoAndSecret) {
  std::string token = SignPlayback("s3cret", "v1", 1000);
  EXPECT_EQ(VerifyPlayback("s3cret", "v2", token, 1).code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(VerifyPlayback("other", "v1", token, 1).code(), ErrorCode::kCorruptInput);
  // A later expiry with the old signature is not accepted.
  std::string extended = "2000" + token.substr(4);
  EXPECT_EQ(VerifyPlayback("s3cret", "v1", extended, 1).code(), ErrorCode::kCorruptInput);
}

TEST(Playback, MalformedTokensAreRefused) {
  for (const char* bad : {"", ".", "1000", "abc.0123456789abcdef0123456789abcdef", "1000.short",
                          "1000.0123456789abcdef0123456789abcdef00", "10000000000000.0123456789abcdef0123456789abcdef"}) {
    EXPECT_EQ(VerifyPlayback("s", "v1", bad, 1).code(), ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace vtp::service
