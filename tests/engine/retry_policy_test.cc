#include "engine/retry_policy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/pipeline_graph.h"

namespace vtp::engine {
namespace {

RetryPolicy Transcode() { return DefaultRetryPolicy("transcode"); }

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  RetryPolicy p = Transcode();
  p.maximum_attempts = 100;
  std::vector<Millis> delays;
  for (int attempt = 1; attempt <= 9; ++attempt) delays.push_back(NextRetryDelay(p, attempt));
  EXPECT_EQ(delays, (std::vector<Millis>{1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000, 60'000}));
}

TEST(RetryPolicyTest, BackoffEdgeCases) {
  RetryPolicy p;
  p.initial_interval = 1'000;
  p.backoff_coefficient = 1.5;
  p.maximum_interval = 10'000;
  EXPECT_EQ(NextRetryDelay(p, 0), 1'000);  // attempt < 1 counts as 1
  EXPECT_EQ(NextRetryDelay(p, 4), 3'375);
  EXPECT_EQ(NextRetryDelay(p, 5), 5'062);  // truncated, like Temporal's duration conversion
  EXPECT_EQ(NextRetryDelay(p, 100'000), 10'000);  // pow overflows to inf: still the cap
  p.backoff_coefficient = 1.0;
  EXPECT_EQ(NextRetryDelay(p, 50), 1'000);  // constant interval
}

TEST(RetryPolicyTest, RetryableErrorRetriesAtNowPlusDelay) {
  RetryDecision d = Decide(Transcode(), 1, ErrorCode::kEncodeFailed, 5'000);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_EQ(d.delay, 1'000);
  EXPECT_EQ(d.retry_at, 6'000);
  d = Decide(Transcode(), 2, ErrorCode::kWorkerCrashed, 5'000);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_EQ(d.retry_at, 7'000);
  EXPECT_NE(d.reason.find("worker_crashed"), std::string::npos) << d.reason;
}

TEST(RetryPolicyTest, AttemptsExhaustedGoToTheDeadLetterQueue) {
  // Seed: "Retry 3 times with backoff; after 3 failures -> DLQ".
  RetryDecision d = Decide(Transcode(), 3, ErrorCode::kEncodeFailed, 5'000);
  EXPECT_EQ(d.action, RetryAction::kDeadLetter);
  EXPECT_FALSE(d.retry_at.has_value());
  EXPECT_NE(d.reason.find("3 of 3"), std::string::npos) << d.reason;
  EXPECT_EQ(Decide(Transcode(), 7, ErrorCode::kIo, 0).action, RetryAction::kDeadLetter);
}

TEST(RetryPolicyTest, CorruptInputFailsFastInEveryDefaultStep) {
  const PipelineGraph graph = DefaultPipelineGraph();
  for (const auto& step : graph.steps()) {
    for (ErrorCode code : InputErrorClasses()) {
      SCOPED_TRACE(step.name + " / " + std::string(ErrorCodeName(code)));
      RetryDecision d = Decide(step.retry, 1, code, 0);
      EXPECT_EQ(d.action, RetryAction::kFailFast);
      EXPECT_FALSE(d.retry_at.has_value());
    }
  }
  // Even with attempts left, and even on the last one.
  EXPECT_EQ(Decide(Transcode(), 3, ErrorCode::kCorruptInput, 0).action, RetryAction::kFailFast);
}

TEST(RetryPolicyTest, OkIsTreatedAsAnInternalError) {
  RetryDecision d = Decide(Transcode(), 1, ErrorCode::kOk, 0);
  EXPECT_EQ(d.action, RetryAction::kRetry);
  EXPECT_NE(d.reason.find("internal"), std::string::npos);
}

TEST(RetryPolicyTest, IngestConflictIsPermanent) {
  EXPECT_FALSE(IsRetryable(DefaultRetryPolicy("ingest"), ErrorCode::kAlreadyExists));
  EXPECT_TRUE(IsRetryable(DefaultRetryPolicy("ingest"), ErrorCode::kIo));
  EXPECT_EQ(DefaultRetryPolicy("ingest").maximum_attempts, 5);
}

TEST(RetryPolicyTest, DefaultsFollowTheSeed) {
  RetryPolicy t = Transcode();
  EXPECT_EQ(t.maximum_attempts, 3);
  EXPECT_EQ(t.initial_interval, 1'000);
  EXPECT_EQ(t.backoff_coefficient, 2.0);
  EXPECT_EQ(t.maximum_interval, 60'000);
  EXPECT_EQ(t.heartbeat_timeout, 30'000);
  EXPECT_EQ(DefaultRetryPolicy("no_such_step"), GenericRetryPolicy());
  for (const char* step : {"ingest", "probe", "split", "transcode", "audio", "package", "package_audio", "manifest",
                           "publish", "thumbnails", "subtitles", "captions"}) {
    EXPECT_TRUE(ValidateRetryPolicy(DefaultRetryPolicy(step)).ok()) << step;
    EXPECT_GE(DefaultRetryPolicy(step).maximum_attempts, 3) << step;
  }
}

TEST(RetryPolicyTest, ValidationNamesTheBadField) {
  struct Case {
    const char* field;
    void (*mutate)(RetryPolicy&);
  };
  const std::vector<Case> cases = {
      {"initial_interval", [](RetryPolicy& p) { p.initial_interval = 0; }},
      {"backoff_coefficient", [](RetryPolicy& p) { p.backoff_coefficient = 0.5; }},
      {"backoff_coefficient", [](RetryPolicy& p) { p.backoff_coefficient = std::nan(""); }},
      {"maximum_interval", [](RetryPolicy& p) { p.maximum_interval = p.initial_interval - 1; }},
      {"maximum_attempts", [](RetryPolicy& p) { p.maximum_attempts = 0; }},
      {"start_to_close_timeout", [](RetryPolicy& p) { p.start_to_close_timeout = 0; }},
      {"heartbeat_timeout", [](RetryPolicy& p) { p.heartbeat_timeout = -1; }},
      {"heartbeat_timeout", [](RetryPolicy& p) { p.heartbeat_timeout = p.start_to_close_timeout + 1; }},
      {"jitter", [](RetryPolicy& p) { p.jitter = 1.0; }},
      {"'ok'", [](RetryPolicy& p) { p.non_retryable.push_back(ErrorCode::kOk); }},
  };
  EXPECT_TRUE(ValidateRetryPolicy(RetryPolicy{}).ok());
  for (const auto& c : cases) {
    RetryPolicy p;
    c.mutate(p);
    Status s = ValidateRetryPolicy(p);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
}

TEST(RetryPolicyTest, JitterOnlyShortensAndIsReproducible) {
  RetryPolicy p = Transcode();
  p.maximum_attempts = 10;
  p.jitter = 0.25;
  SplitMix64 a(42), b(42);
  for (int attempt = 1; attempt < 10; ++attempt) {
    Millis base = NextRetryDelay(p, attempt);
    RetryDecision da = Decide(p, attempt, ErrorCode::kIo, 0, &a);
    RetryDecision db = Decide(p, attempt, ErrorCode::kIo, 0, &b);
    EXPECT_EQ(da.delay, db.delay);
    EXPECT_LE(da.delay, base);
    EXPECT_GE(da.delay, base - base / 4);
  }
  // Without a source there is no jitter.
  EXPECT_EQ(Decide(p, 2, ErrorCode::kIo, 0).delay, 2'000);
}

TEST(RetryPolicyTest, SplitMix64IsTheReferenceGenerator) {
  SplitMix64 r(0);
  EXPECT_EQ(r.NextU64(), 0xe220a8397b1dcdafULL);
  SplitMix64 u(7);
  for (int i = 0; i < 1000; ++i) {
    double x = u.NextUnit();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
  }
}

TEST(RetryPolicyTest, AttemptDeadlineIsTheEarlierTimeout) {
  RetryPolicy p = Transcode();  // 10 min start-to-close, 30 s heartbeat
  EXPECT_EQ(AttemptDeadline(p, 0, 0), 30'000);
  EXPECT_EQ(AttemptDeadline(p, 0, 590'000), 600'000);  // heartbeats cannot outlive start-to-close
  p.heartbeat_timeout = 0;
  EXPECT_EQ(AttemptDeadline(p, 1'000, 1'000), 601'000);
}

TEST(RetryPolicyTest, ActionNames) {
  EXPECT_EQ(RetryActionName(RetryAction::kRetry), "retry");
  EXPECT_EQ(RetryActionName(RetryAction::kDeadLetter), "dead_letter");
  EXPECT_EQ(RetryActionName(RetryAction::kFailFast), "fail_fast");
}

}  // namespace
}  // namespace vtp::engine
