#include "adapters/memory_blob_store.h"

#include <errno.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "adapters/blob_checksum.h"

namespace vtp::adapters {

StatusOr<std::string> InMemoryBlobStore::DoPut(const std::string& key, std::string_view bytes, WriteMode mode) {
  // Hash outside the lock: it is the expensive part.
  ASSIGN_OR_RETURN(std::string sha, Sha256Hex(bytes));
  std::lock_guard<std::mutex> lock(mu_);
  return StoreLocked(key, Entry{std::string(bytes), std::move(sha), 0}, mode);
}

StatusOr<std::string> InMemoryBlobStore::StoreLocked(const std::string& key, Entry entry, WriteMode mode) {
  auto it = blobs_.find(key);
  if (it != blobs_.end() && mode == WriteMode::kCreateOnly) {
    if (it->second.sha256 != entry.sha256) {
      return Status(ErrorCode::kAlreadyExists, "'" + key + "' is write-once and holds different content");
    }
    return entry.sha256;
  }
  if (it == blobs_.end()) RETURN_IF_ERROR(CheckNoPrefixConflictLocked(key));
  entry.modified_ms = clock_->NowMillis();
  std::string sha = entry.sha256;
  blobs_[key] = std::move(entry);
  return sha;
}

StatusOr<std::string> InMemoryBlobStore::DoPutFile(const std::string& key, const std::string& local_path,
                                                   WriteMode mode) {
  std::ifstream in(local_path, std::ios::binary);
  if (!in) return NotFound("no local file '" + local_path + "'");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return IoError("read '" + local_path + "'");
  return DoPut(key, bytes.str(), mode);
}

StatusOr<std::string> InMemoryBlobStore::DoGet(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NotFound("no blob '" + key + "'");
  return it->second.bytes;
}

Status InMemoryBlobStore::DoGetToFile(const std::string& key, const std::string& local_path) const {
  ASSIGN_OR_RETURN(std::string bytes, DoGet(key));
  static std::atomic<uint64_t> counter{0};
  std::string tmp = local_path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return IoError("write '" + tmp + "'");
  }
  if (std::rename(tmp.c_str(), local_path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    return IoError("rename to '" + local_path + "': " + std::strerror(err));
  }
  return Status::Ok();
}

StatusOr<bool> InMemoryBlobStore::DoExists(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_.count(key) > 0;
}

StatusOr<uint64_t> InMemoryBlobStore::DoSize(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NotFound("no blob '" + key + "'");
  return static_cast<uint64_t>(it->second.bytes.size());
}

StatusOr<std::string> InMemoryBlobStore::DoChecksum(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NotFound("no blob '" + key + "'");
  return it->second.sha256;
}

Status InMemoryBlobStore::DoVerify(const std::string& key) const {
  Entry copy;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blobs_.find(key);
    if (it == blobs_.end()) return NotFound("no blob '" + key + "'");
    copy = it->second;
  }
  ASSIGN_OR_RETURN(std::string actual, Sha256Hex(copy.bytes));
  if (actual != copy.sha256) {
    return Status(ErrorCode::kCorruptInput, "content of '" + key + "' no longer matches its checksum");
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> InMemoryBlobStore::DoList(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (auto it = blobs_.lower_bound(prefix); it != blobs_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back(it->first);
  }
  return out;
}

Status InMemoryBlobStore::DoDelete(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  blobs_.erase(key);
  return Status::Ok();
}

StatusOr<std::string> InMemoryBlobStore::DoGetRange(const std::string& key, uint64_t offset,
                                                     uint64_t length) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(key);
  if (it == blobs_.end()) return NotFound("no blob '" + key + "'");
  return SliceRange(it->second.bytes, offset, length);
}

StatusOr<std::string> InMemoryBlobStore::DoCopy(const std::string& from, const std::string& to, WriteMode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = blobs_.find(from);
  if (it == blobs_.end()) return NotFound("no blob '" + from + "'");
  Entry copy = it->second;
  return StoreLocked(to, std::move(copy), mode);
}

StatusOr<std::vector<ports::BlobInfo>> InMemoryBlobStore::DoListInfo(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ports::BlobInfo> out;
  for (auto it = blobs_.lower_bound(prefix); it != blobs_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back({it->first, it->second.bytes.size(), it->second.modified_ms});
  }
  return out;
}

Status InMemoryBlobStore::CheckNoPrefixConflictLocked(const std::string& key) const {
  // Some existing blob is a directory of `key` ("a" for "a/b")...
  for (size_t slash = key.find('/'); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    if (blobs_.count(key.substr(0, slash))) {
      return Status(ErrorCode::kAlreadyExists, "'" + key.substr(0, slash) + "' is a blob, not a prefix");
    }
  }
  // ...or `key` is a directory of an existing blob ("a/b" for "a").
  auto it = blobs_.lower_bound(key + "/");
  if (it != blobs_.end() && it->first.starts_with(key + "/")) {
    return Status(ErrorCode::kAlreadyExists, "'" + key + "' is a prefix of other blobs");
  }
  return Status::Ok();
}

}  // namespace vtp::adapters
