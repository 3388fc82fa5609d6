// Token-bucket rate limiting (per API key in the service): a bucket holds at
// most `burst` tokens, refills continuously at `rate_per_second`, and a
// request spends `cost` tokens or is refused with the time until it could
// succeed (the 429's Retry-After).
//
// Pure: the caller passes the current time (milliseconds on any monotonic
// or wall clock, the same one every call). Take and RetryAfterSeconds are
// free functions on values; RateLimiter is a bounded map of buckets and is
// not thread-safe (the caller serialises access, e.g. one per shard/strand).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

namespace vtp::service {

struct BucketConfig {
  double rate_per_second = 10;  // refill speed, > 0
  double burst = 20;            // capacity, >= 1 (one request must fit)
};

struct BucketState {
  double tokens = 0;
  // The newest time the bucket has seen. Never moves backwards.
  int64_t updated_ms = 0;

  bool operator==(const BucketState&) const = default;
};

struct Decision {
  bool allowed = false;
  // 0 when allowed; otherwise milliseconds (rounded up) until `cost` tokens
  // will be there, or -1 when they never can be (cost > burst, or a config
  // that does not refill).
  int64_t retry_after_ms = 0;
  // The state to store, whether or not the request was allowed (refused
  // requests still record the refill so far; they spend nothing).
  BucketState next;
};

// kInvalidArgument unless rate_per_second > 0 and burst >= 1, both finite.
Status ValidateBucketConfig(const BucketConfig& config);

// A full bucket first seen at `now_ms` (a new key starts with its burst).
BucketState FullBucket(const BucketConfig& config, int64_t now_ms);

// Refills `state` to `now_ms` and tries to spend `cost` (>= 0) tokens.
// If `now_ms` is before state.updated_ms (the clock stepped back) nothing is
// refilled and updated_ms stays where it was, so a clock that goes back and
// forth cannot mint tokens.
Decision Take(const BucketConfig& config, BucketState state, int64_t now_ms, double cost = 1);

// The Retry-After header value (RFC 9110 section 10.2.3, delay-seconds) for
// a refusal: whole seconds rounded up (1 ms -> 1, 1000 -> 1, 1001 -> 2);
// 0 for 0; -1 for any negative ("never": send no Retry-After).
int64_t RetryAfterSeconds(int64_t retry_after_ms);

// Buckets by key with a bound on how many are kept. When full, the least
// recently used key is forgotten; if it comes back it starts full again
// (a key idle long enough to be evicted would have refilled anyway in any
// realistic sizing, so forgetting it is lenient only for a flood of new
// keys, which an upstream per-IP limit must handle).
class RateLimiter {
 public:
  // `max_keys` >= 1; a config that fails ValidateBucketConfig refuses every
  // request with retry_after_ms -1.
  RateLimiter(BucketConfig config, size_t max_keys);
  // index_ views the keys stored in lru_'s nodes: copying would leave the
  // copy's views pointing into this object. Moving keeps the nodes.
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;
  RateLimiter(RateLimiter&&) = default;
  RateLimiter& operator=(RateLimiter&&) = default;

  Decision Take(std::string_view key, int64_t now_ms, double cost = 1);

  size_t size() const { return lru_.size(); }
  // The stored state of `key` without touching recency; nullptr if absent.
  const BucketState* Peek(std::string_view key) const;

 private:
  struct Entry {
    std::string key;
    BucketState state;
  };
  using List = std::list<Entry>;

  BucketConfig config_;
  size_t max_keys_;
  List lru_;  // most recently used first
  std::unordered_map<std::string_view, List::iterator> index_;  // views into lru_ keys
};

}  // namespace vtp::service
