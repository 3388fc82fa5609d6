// InMemoryBlobStore: the blob store port over a map, for fast tests and
// embedded runs that need no persistence. Same contract as LocalBlobStore
// (same SHA-256 checksums, same write-once originals, same prefix/blob
// conflict rule), no local paths.
//
// Thread-safe: one mutex guards the map; content is copied in and out.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "ports/blob_store.h"

namespace vtp::adapters {

class InMemoryBlobStore final : public ports::BlobStore {
 public:
  InMemoryBlobStore() = default;

 private:
  struct Entry {
    std::string bytes;
    std::string sha256;
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

  // kAlreadyExists when `key` would be both a blob and a prefix.
  Status CheckNoPrefixConflictLocked(const std::string& key) const;

  mutable std::mutex mu_;
  std::map<std::string, Entry> blobs_;  // guarded by mu_
};

}  // namespace vtp::adapters
