// Port: blob storage. Every byte a job produces or consumes outside a worker's
// scratch directory lives here, under relative keys that mirror the seed's
// three buckets:
//
//   originals/<video_id>/original.mp4                   never deleted
//   segments/<video_id>/chunk_000.vpk                   intermediates
//   transcoded/<video_id>/h264/720p/segment_000.m4s     outputs
//
// Contract shared by every adapter (tests/ports/blob_store_contract_test.cc
// runs it against each one):
//  - Keys are validated before an adapter sees them (ValidateBlobKey): this is
//    the path-traversal guard, so no adapter has to re-implement it.
//  - Writes are atomic: a reader sees the old content or the new content,
//    never a prefix. Put/PutFile return the SHA-256 of what was stored
//    (64 lowercase hex digits), recorded with the blob at write time.
//  - Checksum() returns that recorded value without reading the content;
//    Verify() re-reads the content and fails with kCorruptInput when it no
//    longer matches (bit rot, tampering, a half-finished foreign write).
//  - Originals are write-once: a Put to an existing original with the same
//    bytes is an idempotent success, with different bytes kAlreadyExists, and
//    Delete of an original is refused (kInvalidArgument). No code path can
//    delete or replace an original through this port.
//  - A key cannot be both a blob and a prefix of another blob ("a" and
//    "a/b"): the second write fails with kAlreadyExists.
//  - Delete of a missing key succeeds (idempotent, like S3).
//
// Thread safety: every adapter is safe to call from many threads; the local
// file adapter is also safe across processes sharing one root.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::ports {

// The write-once area. Keys equal to "originals" or below "originals/" are
// protected.
inline constexpr std::string_view kOriginalsArea = "originals";
inline constexpr size_t kMaxBlobKeyLength = 1024;
// Leaves room for adapter-private names derived from a segment (the local
// adapter's ".<name>.sha256" sidecar) inside the usual 255-byte file name cap.
inline constexpr size_t kMaxBlobKeySegmentLength = 200;

inline bool IsBlobKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

// A key is '/'-separated segments, each 1..200 characters of [A-Za-z0-9._-]
// that does not start with '.'. That rules out absolute paths, "..", ".",
// empty segments ("a//b", trailing '/') and hidden names, which adapters
// reserve for their own bookkeeping. Returns kInvalidArgument otherwise.
inline Status ValidateBlobKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("blob key is empty");
  if (key.size() > kMaxBlobKeyLength) return InvalidArgument("blob key is too long");
  size_t start = 0;
  while (true) {
    size_t end = key.find('/', start);
    std::string_view seg = key.substr(start, end == std::string_view::npos ? end : end - start);
    if (seg.empty()) return InvalidArgument("blob key has an empty segment: " + std::string(key));
    if (seg.size() > kMaxBlobKeySegmentLength) return InvalidArgument("blob key segment too long");
    if (seg.front() == '.') {
      return InvalidArgument("blob key segment starts with '.': " + std::string(key));
    }
    for (char c : seg) {
      if (!IsBlobKeyChar(c)) return InvalidArgument("blob key has a forbidden character: " + std::string(key));
    }
    if (end == std::string_view::npos) return Status::Ok();
    start = end + 1;
  }
}

// A List() prefix: empty (everything), a key, a key followed by '/', or a key
// whose last segment is cut short ("segments/vid1/chunk_0").
inline Status ValidateBlobPrefix(std::string_view prefix) {
  if (prefix.empty()) return Status::Ok();
  if (prefix.back() == '/') prefix.remove_suffix(1);
  return ValidateBlobKey(prefix);
}

inline bool IsOriginalKey(std::string_view key) {
  return key == kOriginalsArea ||
         (key.size() > kOriginalsArea.size() && key.substr(0, kOriginalsArea.size()) == kOriginalsArea &&
          key[kOriginalsArea.size()] == '/');
}

// The public methods validate keys and apply the originals policy, then call
// the adapter's Do* hooks with a key that is known to be valid. Adapters
// implement the hooks only.
class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `bytes` under `key` atomically; returns the SHA-256 hex digest.
  StatusOr<std::string> Put(const std::string& key, std::string_view bytes) {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoPut(key, bytes, ModeFor(key));
  }
  // Same, copying the content of the local file `local_path` (which may live
  // anywhere; it is read, never moved or linked).
  StatusOr<std::string> PutFile(const std::string& key, const std::string& local_path) {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoPutFile(key, local_path, ModeFor(key));
  }
  // The whole content. kNotFound when the key holds no blob.
  StatusOr<std::string> Get(const std::string& key) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoGet(key);
  }
  // Copies the content to `local_path`, replacing it atomically (temporary
  // name + rename; not fsynced: local copies are scratch).
  Status GetToFile(const std::string& key, const std::string& local_path) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoGetToFile(key, local_path);
  }
  StatusOr<bool> Exists(const std::string& key) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoExists(key);
  }
  // Content length in bytes; kNotFound when absent.
  StatusOr<uint64_t> Size(const std::string& key) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoSize(key);
  }
  // The SHA-256 recorded when the blob was written (content is not read).
  StatusOr<std::string> Checksum(const std::string& key) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoChecksum(key);
  }
  // Re-hashes the content; kCorruptInput when it differs from the recorded
  // checksum, kNotFound when absent.
  Status Verify(const std::string& key) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoVerify(key);
  }
  // Keys starting with `prefix` (a plain string prefix), sorted.
  StatusOr<std::vector<std::string>> List(const std::string& prefix) const {
    RETURN_IF_ERROR(ValidateBlobPrefix(prefix));
    return DoList(prefix);
  }
  // Removes a blob; a missing key is not an error. Originals are refused.
  Status Delete(const std::string& key) {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    if (IsOriginalKey(key)) return InvalidArgument("originals are never deleted: " + key);
    return DoDelete(key);
  }
  // For adapters backed by local files: the path media code can read in place
  // while the blob exists. nullopt for an invalid or absent key, or when the
  // adapter has no local files.
  std::optional<std::string> LocalPath(const std::string& key) const {
    if (!ValidateBlobKey(key).ok()) return std::nullopt;
    return DoLocalPath(key);
  }

 protected:
  enum class WriteMode {
    kReplace,     // atomically replace whatever is there
    kCreateOnly,  // absent: write; present with the same SHA-256: return it
                  // unchanged; present with another: kAlreadyExists. The
                  // check and the write are one atomic step.
  };

  virtual StatusOr<std::string> DoPut(const std::string& key, std::string_view bytes, WriteMode mode) = 0;
  virtual StatusOr<std::string> DoPutFile(const std::string& key, const std::string& local_path,
                                          WriteMode mode) = 0;
  virtual StatusOr<std::string> DoGet(const std::string& key) const = 0;
  virtual Status DoGetToFile(const std::string& key, const std::string& local_path) const = 0;
  virtual StatusOr<bool> DoExists(const std::string& key) const = 0;
  virtual StatusOr<uint64_t> DoSize(const std::string& key) const = 0;
  virtual StatusOr<std::string> DoChecksum(const std::string& key) const = 0;
  virtual Status DoVerify(const std::string& key) const = 0;
  virtual StatusOr<std::vector<std::string>> DoList(const std::string& prefix) const = 0;
  virtual Status DoDelete(const std::string& key) = 0;
  virtual std::optional<std::string> DoLocalPath(const std::string& /*key*/) const { return std::nullopt; }

 private:
  static WriteMode ModeFor(const std::string& key) {
    return IsOriginalKey(key) ? WriteMode::kCreateOnly : WriteMode::kReplace;
  }
};

}  // namespace vtp::ports
