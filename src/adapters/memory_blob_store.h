// InMemoryBlobStore: the blob store port over a map, for fast tests and
// embedded runs that need no persistence. Same contract as LocalBlobStore
// (same SHA-256 checksums, same write-once originals, same prefix/blob
// conflict rule), no local paths, no URLs. Last-modified times come from
// the clock given at construction (tests pass a FakeClock to age blobs).
//
// Thread-safe: one mutex guards the map; content is copied in and out.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "ports/blob_store.h"
#include "ports/clock.h"

namespace vtp::adapters {

class InMemoryBlobStore final : public ports::BlobStore {
 public:
  InMemoryBlobStore() : InMemoryBlobStore(nullptr) {}
  // `clock` (not owned, must outlive the store) stamps each write; null = the
  // system clock.
  explicit InMemoryBlobStore(const ports::Clock* clock) : clock_(clock != nullptr ? clock : &system_clock_) {}

 private:
  struct Entry {
    std::string bytes;
    std::string sha256;
    ports::Millis modified_ms = 0;
  };

  StatusOr<std::string> DoPut(const std::string& key, std::string_view bytes, WriteMode mode) override;
  StatusOr<std::string> DoPutFile(const std::string& key, const std::string& local_path,
                                  WriteMode mode) override;
  StatusOr<std::string> DoGet(const std::string& key) const override;
  Status DoGetToFile(const std::string& key, const std::string& local_path) const override;
  StatusOr<bool> DoExists(const std::string& key) const override;
  StatusOr<uint64_t> DoSize(const std::string& key) const override;
  StatusOr<std::string> DoChecksum(const std::string& key) const override;
  Status DoVerify(const std::string& key) const override;
  StatusOr<std::vector<std::string>> DoList(const std::string& prefix) const override;
  Status DoDelete(const std::string& key) override;
  StatusOr<std::string> DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const override;
  StatusOr<std::string> DoCopy(const std::string& from, const std::string& to, WriteMode mode) override;
  StatusOr<std::vector<ports::BlobInfo>> DoListInfo(const std::string& prefix) const override;

  // Stores `entry` under `key` by `mode`'s rules; returns its checksum.
  StatusOr<std::string> StoreLocked(const std::string& key, Entry entry, WriteMode mode);

  // kAlreadyExists when `key` would be both a blob and a prefix.
  Status CheckNoPrefixConflictLocked(const std::string& key) const;

  ports::SystemClock system_clock_;
  const ports::Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> blobs_;  // guarded by mu_
};

}  // namespace vtp::adapters
