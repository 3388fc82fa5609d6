#include "service/rate_limit.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace vtp::service {
namespace {

constexpr BucketConfig kTwoPerSecondBurstFour{2.0, 4.0};

TEST(RateLimitTest, ValidateConfig) {
  EXPECT_TRUE(ValidateBucketConfig({1, 1}).ok());
  EXPECT_FALSE(ValidateBucketConfig({0, 5}).ok());
  EXPECT_FALSE(ValidateBucketConfig({-1, 5}).ok());
  EXPECT_FALSE(ValidateBucketConfig({1, 0.5}).ok());
  EXPECT_FALSE(ValidateBucketConfig({std::numeric_limits<double>::infinity(), 5}).ok());
}

TEST(RateLimitTest, BurstThenRefusalWithRetryAfter) {
  BucketState s = FullBucket(kTwoPerSecondBurstFour, 1'000);
  for (int i = 0; i < 4; ++i) {
    Decision d = Take(kTwoPerSecondBurstFour, s, 1'000);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.retry_after_ms, 0);
    s = d.next;
  }
  Decision d = Take(kTwoPerSecondBurstFour, s, 1'000);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 500);  // one token at 2/s
  EXPECT_EQ(d.next, s);              // a refusal spends nothing
  // 250 ms later half a token is there: 250 ms to go.
  d = Take(kTwoPerSecondBurstFour, d.next, 1'250);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 250);
  EXPECT_DOUBLE_EQ(d.next.tokens, 0.5);
  d = Take(kTwoPerSecondBurstFour, d.next, 1'500);
  EXPECT_TRUE(d.allowed);
  EXPECT_DOUBLE_EQ(d.next.tokens, 0.0);
}

TEST(RateLimitTest, RefillIsCappedAtBurst) {
  BucketState empty{0, 0};
  Decision d = Take(kTwoPerSecondBurstFour, empty, 3'600'000);  // an hour idle
  ASSERT_TRUE(d.allowed);
  EXPECT_DOUBLE_EQ(d.next.tokens, 3.0);  // 4 (cap) - 1
  EXPECT_EQ(d.next.updated_ms, 3'600'000);
}

TEST(RateLimitTest, ClockGoingBackwardsMintsNoTokens) {
  BucketState s{0, 10'000};
  // The clock steps back 5 s, then returns to where it was.
  Decision back = Take(kTwoPerSecondBurstFour, s, 5'000);
  EXPECT_FALSE(back.allowed);
  EXPECT_EQ(back.next.updated_ms, 10'000);  // high-water mark kept
  EXPECT_DOUBLE_EQ(back.next.tokens, 0.0);
  Decision again = Take(kTwoPerSecondBurstFour, back.next, 10'000);
  EXPECT_FALSE(again.allowed);
  EXPECT_DOUBLE_EQ(again.next.tokens, 0.0);
  // Only time past the mark counts.
  Decision later = Take(kTwoPerSecondBurstFour, again.next, 10'500);
  EXPECT_TRUE(later.allowed);
  EXPECT_DOUBLE_EQ(later.next.tokens, 0.0);
}

TEST(RateLimitTest, CostsAndImpossibleRequests) {
  BucketState s = FullBucket(kTwoPerSecondBurstFour, 0);
  Decision d = Take(kTwoPerSecondBurstFour, s, 0, 3);
  ASSERT_TRUE(d.allowed);
  d = Take(kTwoPerSecondBurstFour, d.next, 0, 3);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, 1'000);  // needs 2 more tokens at 2/s
  d = Take(kTwoPerSecondBurstFour, s, 0, 5);  // more than the bucket holds
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, -1);
  d = Take({0, 4}, s, 0, 1);  // invalid config refuses
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ms, -1);
  d = Take(kTwoPerSecondBurstFour, BucketState{0, 0}, 0, 0);  // free request
  EXPECT_TRUE(d.allowed);
}

TEST(RateLimitTest, RetryAfterRoundsUpToWholeSeconds) {
  const std::vector<std::pair<int64_t, int64_t>> cases = {
      {-1, -1}, {-500, -1}, {0, 0}, {1, 1}, {999, 1}, {1'000, 1}, {1'001, 2}, {59'999, 60}, {60'000, 60},
  };
  for (const auto& [ms, seconds] : cases) {
    SCOPED_TRACE(ms);
    EXPECT_EQ(RetryAfterSeconds(ms), seconds);
  }
  // Fractional refill times round up too: 1 token at 3/s is 333.33 ms.
  Decision d = Take({3, 1}, BucketState{0, 0}, 0);
  EXPECT_EQ(d.retry_after_ms, 334);
  EXPECT_EQ(RetryAfterSeconds(d.retry_after_ms), 1);
}

TEST(RateLimitTest, LimiterKeepsOneBucketPerKey) {
  RateLimiter limiter({1, 2}, 10);
  EXPECT_TRUE(limiter.Take("a", 0).allowed);
  EXPECT_TRUE(limiter.Take("a", 0).allowed);
  EXPECT_FALSE(limiter.Take("a", 0).allowed);
  EXPECT_TRUE(limiter.Take("b", 0).allowed);  // b is independent
  EXPECT_EQ(limiter.size(), 2u);
  EXPECT_TRUE(limiter.Take("a", 1'000).allowed);
  ASSERT_NE(limiter.Peek("a"), nullptr);
  EXPECT_DOUBLE_EQ(limiter.Peek("a")->tokens, 0.0);
  EXPECT_EQ(limiter.Peek("zzz"), nullptr);
}

TEST(RateLimitTest, LimiterEvictsTheLeastRecentlyUsedKey) {
  RateLimiter limiter({1, 1}, 2);
  EXPECT_TRUE(limiter.Take("a", 0).allowed);
  EXPECT_TRUE(limiter.Take("b", 0).allowed);
  EXPECT_FALSE(limiter.Take("a", 0).allowed);  // a is now the most recent
  EXPECT_TRUE(limiter.Take("c", 0).allowed);   // evicts b, not a
  EXPECT_EQ(limiter.size(), 2u);
  EXPECT_NE(limiter.Peek("a"), nullptr);
  EXPECT_EQ(limiter.Peek("b"), nullptr);
  EXPECT_NE(limiter.Peek("c"), nullptr);
  EXPECT_FALSE(limiter.Take("a", 0).allowed);  // a kept its empty bucket
  for (int i = 0; i < 100; ++i) (void)limiter.Take("k" + std::to_string(i), 0);
  EXPECT_EQ(limiter.size(), 2u);
}

}  // namespace
}  // namespace vtp::service
