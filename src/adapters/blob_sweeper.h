// SweepSegments: vtp's own expiry of intermediate blobs (the seed's
// "segments" bucket, kept 7 days), for stores without a lifecycle rule (the
// local store) or as a backstop to one (S3: see docs/s3-notes.md for the
// rule that does the same inside the bucket).
//
// One pass: ListInfo(prefix), then Delete every blob whose last-modified time
// is at least `max_age_ms` before clock.NowMillis(). Originals are never
// touched: a prefix that could list them ("", "orig", "originals/...") is
// refused with kInvalidArgument before anything is listed, and any listed
// key inside originals/ is skipped and counted (it cannot happen with a
// valid prefix; the count makes a surprise visible).
//
// A failed Delete does not stop the pass: it is counted and the first error
// kept, so one bad object cannot pin the rest forever. A failed listing is
// the returned error. Safe to run from several processes at once (Delete of
// a missing key succeeds); it holds no state.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "ports/blob_store.h"
#include "ports/clock.h"

namespace vtp::adapters {

inline constexpr ports::Millis kSegmentMaxAgeMs = 7ll * 24 * 3600 * 1000;
inline constexpr char kSegmentsPrefix[] = "segments/";

struct SweepReport {
  uint64_t scanned = 0;            // blobs listed under the prefix
  uint64_t deleted = 0;            // old enough, deleted
  uint64_t kept = 0;               // younger than max_age
  uint64_t skipped_originals = 0;  // listed keys inside originals/ (never deleted)
  uint64_t failed = 0;             // deletes that failed
  uint64_t bytes_deleted = 0;
  std::string first_error;         // of the first failed delete, "" if none
};

StatusOr<SweepReport> SweepSegments(ports::BlobStore& store, const ports::Clock& clock,
                                    ports::Millis max_age_ms = kSegmentMaxAgeMs,
                                    const std::string& prefix = kSegmentsPrefix);

}  // namespace vtp::adapters
