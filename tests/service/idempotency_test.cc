#include "service/idempotency.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vtp::service {
namespace {

TEST(IdempotencyTest, KeyValidation) {
  for (std::string ok : {std::string("a"), std::string("8e03978e-40d5-43e8-bc93-6894a57f9324"),
                         std::string("with inner space"), std::string(255, 'k'), std::string("~!@#$%^&*()")}) {
    SCOPED_TRACE(ok);
    EXPECT_TRUE(ValidateIdempotencyKey(ok).ok());
  }
  for (std::string bad : {std::string(""), std::string(256, 'k'), std::string(" lead"), std::string("trail "),
                          std::string("tab\there"), std::string("nl\n"), std::string("caf\xc3\xa9"),
                          std::string("nul\0x", 5), std::string("del\x7f")}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ValidateIdempotencyKey(bad).code(), ErrorCode::kInvalidArgument);
  }
}

TEST(IdempotencyTest, FingerprintKnownAnswer) {
  // Python: sha256(b''.join(struct.pack('>Q', len(f)) + f for f in fields)).
  EXPECT_EQ(RequestFingerprint("POST", "/api/v1/videos/upload", R"({"title":"x"})"),
            "a8d88a3cc12586a52a36508b2c92b3588c9365f9f0ec6ec26efa80fd09bce2fd");
}

TEST(IdempotencyTest, FingerprintSeparatesEveryField) {
  const std::string base = RequestFingerprint("POST", "/a", "b/c");
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(base, RequestFingerprint("POST", "/a", "b/c"));
  EXPECT_NE(base, RequestFingerprint("POST", "/ab", "/c"));  // boundaries shifted
  EXPECT_NE(base, RequestFingerprint("POS", "T/a", "b/c"));
  EXPECT_NE(base, RequestFingerprint("PUT", "/a", "b/c"));
  EXPECT_NE(base, RequestFingerprint("POST", "/a", "b/d"));
  EXPECT_NE(RequestFingerprint("", "", ""), RequestFingerprint("", "", std::string(1, '\0')));
}

TEST(IdempotencyTest, SameRequestReplaysDifferentRequestConflicts) {
  const std::string first = RequestFingerprint("POST", "/api/v1/videos/v1/retry", R"({"from_step":"transcode"})");
  const std::string same = RequestFingerprint("POST", "/api/v1/videos/v1/retry", R"({"from_step":"transcode"})");
  const std::string other = RequestFingerprint("POST", "/api/v1/videos/v1/retry", R"({"from_step":"package"})");
  EXPECT_EQ(Compare(first, same), IdempotencyOutcome::kReplay);
  EXPECT_EQ(Compare(first, other), IdempotencyOutcome::kConflict);
  EXPECT_EQ(IdempotencyOutcomeName(IdempotencyOutcome::kReplay), "replay");
  EXPECT_EQ(IdempotencyOutcomeName(IdempotencyOutcome::kConflict), "conflict");
}

}  // namespace
}  // namespace vtp::service
