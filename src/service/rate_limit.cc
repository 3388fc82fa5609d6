#include "service/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace vtp::service {

Status ValidateBucketConfig(const BucketConfig& config) {
  if (!std::isfinite(config.rate_per_second) || config.rate_per_second <= 0) {
    return InvalidArgument("rate_per_second must be a finite number > 0");
  }
  if (!std::isfinite(config.burst) || config.burst < 1) {
    return InvalidArgument("burst must be a finite number >= 1");
  }
  return Status::Ok();
}

BucketState FullBucket(const BucketConfig& config, int64_t now_ms) { return {config.burst, now_ms}; }

Decision Take(const BucketConfig& config, BucketState state, int64_t now_ms, double cost) {
  Decision d;
  const bool valid = ValidateBucketConfig(config).ok() && std::isfinite(cost) && cost >= 0;
  if (now_ms > state.updated_ms) {
    // Elapsed time is only ever the forward part: a backwards step leaves
    // updated_ms at its high-water mark, so the time between the stepped-back
    // clock and that mark is never counted twice.
    if (valid) {
      const double elapsed_s = static_cast<double>(now_ms - state.updated_ms) / 1000.0;
      state.tokens = std::min(config.burst, state.tokens + elapsed_s * config.rate_per_second);
    }
    state.updated_ms = now_ms;
  }
  if (valid && state.tokens >= cost) {
    state.tokens -= cost;
    d.allowed = true;
  } else if (!valid || cost > config.burst) {
    d.retry_after_ms = -1;
  } else {
    const double deficit = cost - state.tokens;
    d.retry_after_ms = static_cast<int64_t>(std::ceil(deficit / config.rate_per_second * 1000.0));
    d.retry_after_ms = std::max<int64_t>(d.retry_after_ms, 1);
  }
  d.next = state;
  return d;
}

int64_t RetryAfterSeconds(int64_t retry_after_ms) {
  if (retry_after_ms < 0) return -1;
  return (retry_after_ms + 999) / 1000;
}

RateLimiter::RateLimiter(BucketConfig config, size_t max_keys)
    : config_(config), max_keys_(std::max<size_t>(max_keys, 1)) {}

Decision RateLimiter::Take(std::string_view key, int64_t now_ms, double cost) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);  // iterators stay valid
  } else {
    if (lru_.size() >= max_keys_) {
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
    lru_.push_front(Entry{std::string(key), FullBucket(config_, now_ms)});
    index_.emplace(lru_.front().key, lru_.begin());
  }
  Entry& entry = lru_.front();
  Decision d = service::Take(config_, entry.state, now_ms, cost);
  entry.state = d.next;
  return d;
}

const BucketState* RateLimiter::Peek(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &it->second->state;
}

}  // namespace vtp::service
