#include "service/webhook.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace vtp::service {
namespace {

constexpr std::string_view kBody = R"({"a":1})";
// `printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret`
constexpr std::string_view kKnownHeader =
    "t=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";

TEST(WebhookTest, SignKnownAnswer) { EXPECT_EQ(SignWebhook("secret", kBody, 1'700'000'000), kKnownHeader); }

TEST(WebhookTest, VerifyAcceptsAGoodSignatureInsideTheWindow) {
  for (int64_t now : {1'700'000'000, 1'700'000'300, 1'699'999'700}) {
    SCOPED_TRACE(now);
    Status s = VerifyWebhook("secret", kKnownHeader, kBody, now, 300);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
}

TEST(WebhookTest, VerifyRefusesStaleAndFutureTimestamps) {
  for (int64_t now : {1'700'000'301, 1'699'999'699, 0}) {
    SCOPED_TRACE(now);
    EXPECT_EQ(VerifyWebhook("secret", kKnownHeader, kBody, now, 300).code(), ErrorCode::kDeadlineExceeded);
  }
  EXPECT_EQ(VerifyWebhook("secret", kKnownHeader, kBody, 1'700'000'000, -1).code(), ErrorCode::kDeadlineExceeded);
}

TEST(WebhookTest, VerifyRefusesTamperingAndTheWrongSecret) {
  const int64_t now = 1'700'000'000;
  EXPECT_EQ(VerifyWebhook("secret", kKnownHeader, R"({"a":2})", now, 300).code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(VerifyWebhook("secret", kKnownHeader, R"({"a":1} )", now, 300).code(), ErrorCode::kCorruptInput);
  EXPECT_EQ(VerifyWebhook("Secret", kKnownHeader, kBody, now, 300).code(), ErrorCode::kCorruptInput);
  // Moving the timestamp (to dodge the window) breaks the signature.
  const std::string moved =
      "t=1700000100,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";
  EXPECT_EQ(VerifyWebhook("secret", moved, kBody, now, 300).code(), ErrorCode::kCorruptInput);
}

TEST(WebhookTest, VerifyAcceptsAnyOfSeveralV1AndIgnoresUnknownSchemes) {
  const std::string rotated = "t=1700000000,v1=" + std::string(64, '0') +
                              ",v2=whatever,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";
  EXPECT_TRUE(VerifyWebhook("secret", rotated, kBody, 1'700'000'000, 300).ok());
  StatusOr<WebhookSignature> sig = ParseWebhookSignature(rotated);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->timestamp, 1'700'000'000);
  EXPECT_EQ(sig->v1.size(), 2u);
}

TEST(WebhookTest, MalformedHeadersAreInvalidArgument) {
  const std::string h = "49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686";
  const std::vector<std::string> bad_headers = {
           "",
           "t=1700000000",                         // no v1
           "v1=" + h,                              // no t
           "t=1700000000,t=1700000000,v1=" + h,    // two t
           "t=abc,v1=" + h,                        // t not a number
           "t=-5,v1=" + h,                         // negative
           "t=17e8,v1=" + h,                       // exponent
           "t=,v1=" + h,                           // empty t
           "t=1700000000,v1=" + h.substr(1),       // 63 digits
           "t=1700000000,v1=" + std::string(64, 'A'),  // uppercase hex
           "t=1700000000,v1" + h,                  // no '='
           "t=1700000000, v1=" + h,                // blank: v1 is missing
  };
  for (const std::string& bad : bad_headers) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(VerifyWebhook("secret", bad, kBody, 1'700'000'000, 300).code(), ErrorCode::kInvalidArgument);
  }
}

TEST(WebhookTest, BackoffDoublesToTheCapWithinEqualJitterBounds) {
  const int64_t base = 1'000;
  const int64_t cap = 60'000;
  const std::vector<int64_t> steps = {1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000};
  for (uint64_t seed : {0ULL, 1ULL, 42ULL, 0xFFFFFFFFFFFFFFFFULL}) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const int attempt = static_cast<int>(i) + 1;
      SCOPED_TRACE(testing::Message() << "seed " << seed << " attempt " << attempt);
      const int64_t d = NextAttemptDelay(attempt, base, cap, seed);
      EXPECT_GE(d, steps[i] / 2);
      EXPECT_LE(d, steps[i]);
      EXPECT_EQ(d, NextAttemptDelay(attempt, base, cap, seed));  // deterministic
    }
  }
  EXPECT_LE(NextAttemptDelay(1'000'000, base, cap, 7), cap);  // no overflow
  EXPECT_GE(NextAttemptDelay(1'000'000, base, cap, 7), cap / 2);
  EXPECT_EQ(NextAttemptDelay(0, base, cap, 7), NextAttemptDelay(1, base, cap, 7));  // < 1 counts as 1
  EXPECT_EQ(NextAttemptDelay(3, base, 0, 7), 0);
  EXPECT_LE(NextAttemptDelay(1, 10'000, 5'000, 7), 5'000);  // base above the cap
}

TEST(WebhookTest, JitterSpreadsDifferentSeeds) {
  std::set<int64_t> delays;
  for (uint64_t seed = 0; seed < 50; ++seed) delays.insert(NextAttemptDelay(5, 1'000, 60'000, seed));
  EXPECT_GT(delays.size(), 40u);  // 8001 possible values; collisions are rare
}

TEST(WebhookTest, DeadLetterAfterTheBound) {
  EXPECT_FALSE(ShouldDeadLetter(0, 5));
  EXPECT_FALSE(ShouldDeadLetter(4, 5));
  EXPECT_TRUE(ShouldDeadLetter(5, 5));
  EXPECT_TRUE(ShouldDeadLetter(6, 5));
  EXPECT_TRUE(ShouldDeadLetter(1, 0));  // a bound below 1 still allows one attempt
  EXPECT_FALSE(ShouldDeadLetter(0, 0));
}

TEST(WebhookTest, EventNamesRoundTrip) {
  const std::vector<std::string> names = {"video.uploaded", "video.processing", "video.ready", "video.failed",
                                          "task.dead_lettered"};
  ASSERT_EQ(kAllWebhookEvents.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(WebhookEventName(kAllWebhookEvents[i]), names[i]);
    StatusOr<WebhookEvent> e = ParseWebhookEvent(names[i]);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(*e, kAllWebhookEvents[i]);
  }
  for (std::string bad : {"", "video.Ready", "video.deleted", "video.ready ", "*"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseWebhookEvent(bad).status().code(), ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace vtp::service
