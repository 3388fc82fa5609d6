// Per-step retry policy with Temporal's semantics (the seed's orchestrator):
// exponential backoff from an initial interval, capped at a maximum interval,
// a bounded number of attempts, error classes that are never retried, and two
// timeouts that bound a single attempt.
//
// Pure: time arrives as arguments, randomness (jitter) through RandomSource.
// Thread-safe: everything here is a value or a free function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ports/clock.h"

namespace vtp::engine {

using ports::Millis;

struct RetryPolicy {
  // Delay before the second attempt.
  Millis initial_interval = 1'000;
  // Each further delay is the previous one times this (>= 1).
  double backoff_coefficient = 2.0;
  // Cap on any single delay (>= initial_interval).
  Millis maximum_interval = 60'000;
  // Runs in total, the first included (>= 1). Seed: 3, then the DLQ.
  int maximum_attempts = 3;
  // Error classes that fail the task at once, whatever attempts remain.
  std::vector<ErrorCode> non_retryable;
  // Longest one attempt may run, from lease to completion (> 0).
  Millis start_to_close_timeout = 600'000;
  // Longest gap between heartbeats before the attempt is presumed dead
  // (0: the step does not heartbeat; only start_to_close applies).
  Millis heartbeat_timeout = 30'000;
  // Fraction in [0, 1) by which a delay is randomly shortened, to spread
  // retries of a fan-out that failed together. 0 = deterministic.
  double jitter = 0.0;

  bool operator==(const RetryPolicy&) const = default;
};

// kInvalidArgument naming the first field out of range.
Status ValidateRetryPolicy(const RetryPolicy& policy);

// Delay after the `attempt`-th run failed (attempt >= 1):
// initial_interval * backoff_coefficient^(attempt-1), capped at
// maximum_interval. Deterministic (no jitter). attempt < 1 counts as 1.
Millis NextRetryDelay(const RetryPolicy& policy, int attempt);

bool IsRetryable(const RetryPolicy& policy, ErrorCode code);

// A uniform random source for jitter (Envoy's backoff strategy takes one the
// same way). Implementations need not be thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform in [0, 1).
  virtual double NextUnit() = 0;
};

// SplitMix64: small, fast, and reproducible from its seed. Seed it from
// std::random_device in production and from a constant in tests.
class SplitMix64 final : public RandomSource {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t NextU64();
  double NextUnit() override;

 private:
  uint64_t state_;
};

enum class RetryAction {
  kRetry,       // run again at retry_at
  kDeadLetter,  // attempts exhausted: park in the DLQ for an operator
  kFailFast,    // non-retryable error class: fail now, never retried
};
std::string_view RetryActionName(RetryAction action);

struct RetryDecision {
  RetryAction action = RetryAction::kDeadLetter;
  Millis delay = 0;                // kRetry only
  std::optional<Millis> retry_at;  // now + delay for kRetry; nullopt otherwise
  std::string reason;              // one line for the DLQ / logs
};

// What to do after run number `attempts_so_far` (>= 1, the failed run
// included) ended with `error`. Non-retryable classes win over remaining
// attempts; kOk is treated as kInternal (a caller bug, still bounded).
// `jitter` may be null when policy.jitter is 0.
RetryDecision Decide(const RetryPolicy& policy, int attempts_so_far, ErrorCode error, Millis now,
                     RandomSource* jitter = nullptr);

// When the current attempt must be presumed lost: the earlier of
// started_at + start_to_close_timeout and last_heartbeat_at +
// heartbeat_timeout (the heartbeat term only when heartbeat_timeout > 0;
// pass started_at when no heartbeat arrived yet). A queue lease should not
// outlive this.
Millis AttemptDeadline(const RetryPolicy& policy, Millis started_at, Millis last_heartbeat_at);

// The error classes that mean "this input will never work" (probe and
// demux verdicts plus invalid_argument): retrying repeats the same verdict.
const std::vector<ErrorCode>& InputErrorClasses();

// The default policy of a step of the default pipeline ("ingest", "probe",
// "split", "transcode", "audio", "package", "package_audio", "manifest",
// "publish", ...); steps without a tuned entry get GenericRetryPolicy().
// The values and their reasons are in retry_policy.cc.
RetryPolicy DefaultRetryPolicy(std::string_view step);
RetryPolicy GenericRetryPolicy();

}  // namespace vtp::engine
