// Idempotency-Key policy for POST requests: what identifies "the same
// request", and what a repeated key means.
//
// The store keeps, per (caller, key), the fingerprint of the first request
// and its response. A repeat with the same fingerprint replays the stored
// response; a repeat with another fingerprint is the client reusing a key
// for a different request: 409. Keys are scoped to the caller by the store,
// so one creator's key never matches another's.
//
// Pure. Thread-safe: free functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vtp::service {

inline constexpr size_t kMaxIdempotencyKeyLength = 255;

// kInvalidArgument unless 1..255 characters of printable ASCII (0x20-0x7E)
// without leading or trailing spaces.
Status ValidateIdempotencyKey(std::string_view key);

// Lowercase hex SHA-256 over the method, path and body, each preceded by its
// length as 8 big-endian bytes, so no two different triples share an input
// ("POST", "/a", "b/c" vs "POST", "/ab", "/c"). Method and path are taken as
// given: the caller passes the routed path (no query string, normalised).
std::string RequestFingerprint(std::string_view method, std::string_view path, std::string_view body);

enum class IdempotencyOutcome {
  kReplay,    // same request: answer the stored response
  kConflict,  // same key, different request: 409
};
std::string_view IdempotencyOutcomeName(IdempotencyOutcome outcome);

IdempotencyOutcome Compare(std::string_view stored_fingerprint, std::string_view fingerprint);

}  // namespace vtp::service
