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
//  - GetRange(key, offset, length) returns bytes [offset, offset + length)
//    clipped at the end of the blob, like an HTTP Range: an offset equal to
//    the size (or a length of 0) gives "", an offset past the end is
//    kInvalidArgument, an absent key kNotFound.
//  - Copy(from, to) stores the content of `from` under `to` and records the
//    same SHA-256; `to` follows the same rules as a Put of those bytes (an
//    original: write-once, same bytes succeed, other bytes kAlreadyExists).
//    A source whose recorded checksum cannot vouch for its bytes is
//    kCorruptInput; nothing is written then.
//  - ListInfo() is List() with each blob's size and last-modified time (the
//    time of the write that produced the current content, in ms since the
//    epoch, as the backing store records it).
//  - PresignGet/PresignPut hand out time-limited URLs that reach the blob
//    without the store's credentials. Only adapters that sit behind a URL
//    offer them (S3); the others answer kInvalidArgument ("not supported").
//    Originals cannot be presigned for writing: a URL could replace one.
//  - Multipart direct uploads (CreateMultipartUpload, PresignUploadPart,
//    CompleteMultipartUpload, AbortMultipartUpload) let a client PUT the
//    parts of one blob straight to the store. Like presigning they are
//    optional: SupportsMultipartUploads() says whether the adapter has them,
//    the others answer kInvalidArgument ("not supported"). They never target
//    originals (a URL could replace one): upload to a staging key, then
//    Copy() it to the original's key and Delete the staging key.
//
// Why on this port and not a separate one: the control plane holds the
// BlobStore& the configuration chose (possibly a decorator such as
// ReplicatingBlobStore); asking it, and getting "not supported" from the file
// and memory stores, keeps callers free of dynamic_cast and keeps one object
// per store. Only S3-shaped stores implement them.
//
// Thread safety: every adapter is safe to call from many threads; the local
// file adapter is also safe across processes sharing one root.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vtp::ports {

// The largest blob one server-side Copy can make on S3 (CopyObject's limit;
// larger copies need UploadPartCopy, not written): S3BlobStore::Copy refuses
// bigger sources, and direct uploads (which end in a Copy) are offered only
// up to it.
inline constexpr uint64_t kMaxCopyBytes = 5ull << 30;

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

// The longest time a presigned URL may live: SigV4's limit (7 days).
inline constexpr int kMaxPresignSeconds = 7 * 24 * 3600;

// The most parts one multipart upload may have (S3's limit).
inline constexpr int kMaxUploadParts = 10'000;

// A part of a multipart direct upload as the client reports it.
struct UploadedPart {
  int number = 0;    // 1..kMaxUploadParts, ascending
  std::string etag;  // the ETag header the store answered the part's PUT with

  bool operator==(const UploadedPart&) const = default;
};

// One List() entry with what a sweeper needs to decide.
struct BlobInfo {
  std::string key;
  uint64_t size = 0;
  int64_t last_modified_ms = 0;  // ms since the epoch
};

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
  // Bytes [offset, offset + length) clipped at the end (see the contract
  // above). Reads only the range where the backend allows it.
  StatusOr<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) const {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    return DoGetRange(key, offset, length);
  }
  // Copies `from` to `to` inside the store (S3: a server-side CopyObject, so
  // the bytes never pass through this process; it is limited to sources of
  // at most 5 GiB, larger ones would need UploadPartCopy, not written yet).
  // Returns the SHA-256 recorded for `to`, which is the one of `from`.
  // Copying a key onto itself changes nothing and returns its checksum.
  StatusOr<std::string> Copy(const std::string& from, const std::string& to) {
    RETURN_IF_ERROR(ValidateBlobKey(from));
    RETURN_IF_ERROR(ValidateBlobKey(to));
    if (from == to) return DoChecksum(from);
    return DoCopy(from, to, ModeFor(to));
  }
  // List(prefix) with sizes and last-modified times, sorted by key.
  StatusOr<std::vector<BlobInfo>> ListInfo(const std::string& prefix) const {
    RETURN_IF_ERROR(ValidateBlobPrefix(prefix));
    return DoListInfo(prefix);
  }
  // A URL that GETs the blob for `expires_s` seconds (1..kMaxPresignSeconds)
  // from now. The blob need not exist yet. kInvalidArgument where the
  // adapter has no URLs.
  StatusOr<std::string> PresignGet(const std::string& key, int expires_s) const {
    RETURN_IF_ERROR(ValidatePresign(key, expires_s));
    return DoPresign("GET", key, expires_s);
  }
  // A URL that PUTs the blob (the whole content in one request, at most
  // 5 GiB on S3). What arrives through it carries no recorded checksum
  // (Checksum/Verify answer kCorruptInput) until the store rewrites it; the
  // direct-upload flow therefore uploads to a staging key and Copy()s
  // through a store method that records it (S3BlobStore's multipart
  // completion). Originals are refused (kInvalidArgument).
  StatusOr<std::string> PresignPut(const std::string& key, int expires_s) const {
    RETURN_IF_ERROR(ValidatePresign(key, expires_s));
    if (IsOriginalKey(key)) return InvalidArgument("originals cannot be written through a URL: " + key);
    return DoPresign("PUT", key, expires_s);
  }
  // Whether the Multipart* methods below are implemented (S3).
  bool SupportsMultipartUploads() const { return DoSupportsMultipartUploads(); }
  // Starts a multipart upload to `key` (outside originals/, else
  // kInvalidArgument; kAlreadyExists when it clashes with the "a" / "a/b"
  // rule). Returns the store's upload id.
  StatusOr<std::string> CreateMultipartUpload(const std::string& key) {
    RETURN_IF_ERROR(ValidateMultipartKey(key));
    return DoCreateMultipartUpload(key);
  }
  // A URL through which a client PUTs part `part_number`
  // (1..kMaxUploadParts) for `expires_s` seconds (1..kMaxPresignSeconds).
  StatusOr<std::string> PresignUploadPart(const std::string& key, const std::string& upload_id, int part_number,
                                          int expires_s) const {
    RETURN_IF_ERROR(ValidateMultipartKey(key));
    if (upload_id.empty()) return InvalidArgument("empty upload id");
    if (part_number < 1 || part_number > kMaxUploadParts) return InvalidArgument("part number must be 1..10000");
    if (expires_s < 1 || expires_s > kMaxPresignSeconds) {
      return InvalidArgument("presigned URL lifetime must be 1.." + std::to_string(kMaxPresignSeconds) + " s");
    }
    return DoPresignUploadPart(key, upload_id, part_number, expires_s);
  }
  // Assembles the parts (non-empty, strictly ascending numbers) into `key`,
  // then records and returns the SHA-256 of what was assembled. Errors:
  // kInvalidArgument for a parts list the store refuses (an unknown part,
  // a wrong ETag, a part too small), kNotFound for an unknown or spent
  // upload id. After a failure past the assembly, the blob exists without a
  // checksum and the upload id is spent.
  StatusOr<std::string> CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                                const std::vector<UploadedPart>& parts) {
    RETURN_IF_ERROR(ValidateMultipartKey(key));
    if (upload_id.empty()) return InvalidArgument("empty upload id");
    return DoCompleteMultipartUpload(key, upload_id, parts);
  }
  // Discards an unfinished upload and its parts. Unknown ids: kNotFound.
  Status AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
    RETURN_IF_ERROR(ValidateMultipartKey(key));
    if (upload_id.empty()) return InvalidArgument("empty upload id");
    return DoAbortMultipartUpload(key, upload_id);
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
  virtual StatusOr<std::string> DoGetRange(const std::string& key, uint64_t offset, uint64_t length) const = 0;
  virtual StatusOr<std::string> DoCopy(const std::string& from, const std::string& to, WriteMode mode) = 0;
  virtual StatusOr<std::vector<BlobInfo>> DoListInfo(const std::string& prefix) const = 0;
  // `method` is "GET" or "PUT"; the key and expiry are already checked.
  virtual StatusOr<std::string> DoPresign(const std::string& method, const std::string& /*key*/,
                                          int /*expires_s*/) const {
    return InvalidArgument("this blob store has no URLs: presigned " + method + " is not supported");
  }

  // Multipart direct uploads; arguments already checked. Defaults: not
  // supported.
  virtual bool DoSupportsMultipartUploads() const { return false; }
  virtual StatusOr<std::string> DoCreateMultipartUpload(const std::string& /*key*/) { return NoMultipart(); }
  virtual StatusOr<std::string> DoPresignUploadPart(const std::string& /*key*/, const std::string& /*upload_id*/,
                                                    int /*part_number*/, int /*expires_s*/) const {
    return NoMultipart();
  }
  virtual StatusOr<std::string> DoCompleteMultipartUpload(const std::string& /*key*/,
                                                          const std::string& /*upload_id*/,
                                                          const std::vector<UploadedPart>& /*parts*/) {
    return NoMultipart();
  }
  virtual Status DoAbortMultipartUpload(const std::string& /*key*/, const std::string& /*upload_id*/) {
    return NoMultipart();
  }

  // For adapters: the slice [offset, offset + length) of a whole blob of
  // `bytes`, by the GetRange rules.
  static StatusOr<std::string> SliceRange(std::string_view bytes, uint64_t offset, uint64_t length) {
    if (offset > bytes.size()) {
      return InvalidArgument("range starts at " + std::to_string(offset) + ", past the end of a blob of " +
                             std::to_string(bytes.size()) + " bytes");
    }
    const uint64_t n = std::min<uint64_t>(length, bytes.size() - offset);
    return std::string(bytes.substr(static_cast<size_t>(offset), static_cast<size_t>(n)));
  }

 private:
  static Status ValidatePresign(const std::string& key, int expires_s) {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    if (expires_s < 1 || expires_s > kMaxPresignSeconds) {
      return InvalidArgument("presigned URL lifetime must be 1.." + std::to_string(kMaxPresignSeconds) + " s");
    }
    return Status::Ok();
  }
  static Status NoMultipart() {
    return InvalidArgument("this blob store has no URLs: multipart direct uploads are not supported");
  }
  static Status ValidateMultipartKey(const std::string& key) {
    RETURN_IF_ERROR(ValidateBlobKey(key));
    if (IsOriginalKey(key)) {
      return InvalidArgument("direct uploads go to a staging key, then Copy() to the original: " + key);
    }
    return Status::Ok();
  }
  static WriteMode ModeFor(const std::string& key) {
    return IsOriginalKey(key) ? WriteMode::kCreateOnly : WriteMode::kReplace;
  }
};

}  // namespace vtp::ports
