#include "engine/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace vtp::engine {
namespace {

constexpr Millis kSecond = 1'000;
constexpr Millis kMinute = 60 * kSecond;

RetryPolicy Make(int attempts, Millis initial, Millis max_interval, Millis start_to_close, Millis heartbeat,
                 std::vector<ErrorCode> extra_non_retryable = {}) {
  RetryPolicy p;
  p.maximum_attempts = attempts;
  p.initial_interval = initial;
  p.backoff_coefficient = 2.0;
  p.maximum_interval = max_interval;
  p.start_to_close_timeout = start_to_close;
  p.heartbeat_timeout = heartbeat;
  p.non_retryable = InputErrorClasses();
  for (ErrorCode c : extra_non_retryable) p.non_retryable.push_back(c);
  return p;
}

}  // namespace

const std::vector<ErrorCode>& InputErrorClasses() {
  static const std::vector<ErrorCode> kClasses = {
      ErrorCode::kInvalidArgument,   ErrorCode::kNotMedia,         ErrorCode::kCorruptInput,
      ErrorCode::kNoDecodableStream, ErrorCode::kUnsupportedCodec, ErrorCode::kLimitExceeded,
  };
  return kClasses;
}

Status ValidateRetryPolicy(const RetryPolicy& p) {
  if (p.initial_interval <= 0) return InvalidArgument("retry policy: initial_interval must be > 0");
  if (!std::isfinite(p.backoff_coefficient) || p.backoff_coefficient < 1.0) {
    return InvalidArgument("retry policy: backoff_coefficient must be >= 1");
  }
  if (p.maximum_interval < p.initial_interval) {
    return InvalidArgument("retry policy: maximum_interval must be >= initial_interval");
  }
  // The queue dead-letters at attempts >= max_attempts and requires >= 1, so
  // Temporal's "0 = unlimited" has no meaning here.
  if (p.maximum_attempts < 1) return InvalidArgument("retry policy: maximum_attempts must be >= 1");
  if (p.start_to_close_timeout <= 0) return InvalidArgument("retry policy: start_to_close_timeout must be > 0");
  if (p.heartbeat_timeout < 0 || p.heartbeat_timeout > p.start_to_close_timeout) {
    return InvalidArgument("retry policy: heartbeat_timeout must be in [0, start_to_close_timeout]");
  }
  if (!(p.jitter >= 0.0 && p.jitter < 1.0)) return InvalidArgument("retry policy: jitter must be in [0, 1)");
  if (std::find(p.non_retryable.begin(), p.non_retryable.end(), ErrorCode::kOk) != p.non_retryable.end()) {
    return InvalidArgument("retry policy: 'ok' is not an error class");
  }
  return Status::Ok();
}

Millis NextRetryDelay(const RetryPolicy& p, int attempt) {
  int n = std::max(attempt, 1);
  double delay = static_cast<double>(p.initial_interval) * std::pow(p.backoff_coefficient, n - 1);
  // Compare in double first: a large exponent overflows any integer type.
  if (!std::isfinite(delay) || delay >= static_cast<double>(p.maximum_interval)) return p.maximum_interval;
  return static_cast<Millis>(delay);
}

bool IsRetryable(const RetryPolicy& p, ErrorCode code) {
  return std::find(p.non_retryable.begin(), p.non_retryable.end(), code) == p.non_retryable.end();
}

uint64_t SplitMix64::NextU64() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::NextUnit() {
  // The top 53 bits fill a double's mantissa exactly: uniform in [0, 1).
  return static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
}

std::string_view RetryActionName(RetryAction action) {
  switch (action) {
    case RetryAction::kRetry: return "retry";
    case RetryAction::kDeadLetter: return "dead_letter";
    case RetryAction::kFailFast: return "fail_fast";
  }
  return "unknown";
}

RetryDecision Decide(const RetryPolicy& p, int attempts_so_far, ErrorCode error, Millis now,
                     RandomSource* jitter) {
  if (error == ErrorCode::kOk) error = ErrorCode::kInternal;
  std::string name(ErrorCodeName(error));
  RetryDecision d;
  if (!IsRetryable(p, error)) {
    d.action = RetryAction::kFailFast;
    d.reason = "non-retryable error class " + name;
    return d;
  }
  if (attempts_so_far >= p.maximum_attempts) {
    d.action = RetryAction::kDeadLetter;
    d.reason = "attempt " + std::to_string(attempts_so_far) + " of " + std::to_string(p.maximum_attempts) +
               " failed (" + name + ")";
    return d;
  }
  d.action = RetryAction::kRetry;
  d.delay = NextRetryDelay(p, attempts_so_far);
  if (p.jitter > 0 && jitter != nullptr) {
    // Shorten only: the cap stays a cap and the delay never reaches 0.
    d.delay -= static_cast<Millis>(static_cast<double>(d.delay) * p.jitter * jitter->NextUnit());
  }
  d.retry_at = now + d.delay;
  d.reason = "attempt " + std::to_string(attempts_so_far) + " failed (" + name + "), retrying in " +
             std::to_string(d.delay) + " ms";
  return d;
}

Millis AttemptDeadline(const RetryPolicy& p, Millis started_at, Millis last_heartbeat_at) {
  Millis deadline = started_at + p.start_to_close_timeout;
  if (p.heartbeat_timeout > 0) deadline = std::min(deadline, last_heartbeat_at + p.heartbeat_timeout);
  return deadline;
}

// Every default below: backoff 2.0 (Temporal's default), the input error
// classes non-retryable (a corrupt or unsupported input gives the same verdict
// on every run, so it fails fast and the creator is told at once), and at
// least the seed's 3 attempts before the DLQ.
RetryPolicy GenericRetryPolicy() { return Make(3, 1 * kSecond, 1 * kMinute, 10 * kMinute, 30 * kSecond); }

RetryPolicy DefaultRetryPolicy(std::string_view step) {
  // Copying the upload into originals/: pure I/O, so transient failures are
  // likely and worth 5 tries; a different original already stored for the
  // video is a permanent conflict. Long start-to-close for multi-GB files;
  // the copy loop heartbeats.
  if (step == "ingest") return Make(5, 1 * kSecond, 30 * kSecond, 30 * kMinute, 1 * kMinute, {ErrorCode::kAlreadyExists});
  // One short call with no natural heartbeat point: bounded by start-to-close
  // only; a 10 s cap keeps a short video inside the seed's 5-minute target.
  if (step == "probe") return Make(3, 1 * kSecond, 10 * kSecond, 5 * kMinute, 0);
  // Stream copy of the whole original (I/O bound, up to hours of 4K).
  if (step == "split") return Make(3, 2 * kSecond, 1 * kMinute, 30 * kMinute, 1 * kMinute);
  // Seed: "Retry 3 times with backoff; after 3 failures -> DLQ" and "Temporal
  // detects heartbeat timeout -> re-schedule". A chunk (a few seconds of
  // video, every rung) encodes in 10-60 s; 10 min leaves a 10x margin.
  if (step == "transcode") return Make(3, 1 * kSecond, 1 * kMinute, 10 * kMinute, 30 * kSecond);
  // HEVC, VP9 and AV1 encode several times slower than x264 per chunk.
  if (step.starts_with("transcode_")) return Make(3, 1 * kSecond, 1 * kMinute, 30 * kMinute, 30 * kSecond);
  // The whole audio stream in one task (minutes for a 2-hour video).
  if (step == "audio") return Make(3, 1 * kSecond, 1 * kMinute, 20 * kMinute, 30 * kSecond);
  // One decode of the video, a few hundred small JPEG encodes.
  if (step == "thumbnails") return Make(3, 1 * kSecond, 1 * kMinute, 20 * kMinute, 30 * kSecond);
  // Text in, text out; a bad file is reported in the result, not retried.
  if (step == "subtitles") return Make(3, 1 * kSecond, 30 * kSecond, 5 * kMinute, 0);
  // Speech recognition runs at ~0.15x real time: a 2-hour video takes ~20
  // minutes of CPU in one task, so a generous start-to-close.
  if (step == "captions") return Make(3, 2 * kSecond, 1 * kMinute, 90 * kMinute, 1 * kMinute);
  // Remux of one rendition's chunks: I/O bound, shorter backoff cap.
  if (step == "package" || step == "package_audio") {
    return Make(3, 1 * kSecond, 30 * kSecond, 10 * kMinute, 30 * kSecond);
  }
  // Pure text plus two small writes: cheap to retry, quick to give up.
  if (step == "manifest") return Make(5, 500, 10 * kSecond, 1 * kMinute, 0);
  // Talks to what lies outside (CDN origin, catalogue): outages last
  // minutes, so more attempts with a 5-minute cap.
  if (step == "publish") return Make(5, 2 * kSecond, 5 * kMinute, 10 * kMinute, 0);
  return GenericRetryPolicy();
}

}  // namespace vtp::engine
